/**
 * Hazards of the file itself, each on a file made or patched to have it, and the cost report
 * checked against the plan and the tables lld wrote.
 */
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { readElfFile } from 'piekit';
import { type AuditReport, auditBytes, auditFile, type Hazard } from 'piekit/audit';
import { describe, expect, it } from 'vitest';
import { requireCommand } from './support/environment.js';
import { DT_RELAENT, DT_RELASZ, PT_NULL } from './support/gabi.js';
import { Patch, shapeOf, spareHeader } from './support/mutate.js';
import { encodeWords, rInfo, type SyntheticElf, type Target, writeElf } from './synthetic/elf-writer.js';

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const R_X86_64_RELATIVE = 8;
const DT_TEXTREL = 22n;
const DT_DEBUG = 21n;
const PT_INTERP = 3;
const PT_GNU_RELRO = 0x6474e552;

function data(words: number, vaddr = 0x2000n): SyntheticElf['data'] {
  return { vaddr, bytes: encodeWords(X86_64, new Array<bigint>(words).fill(0n)), memsz: BigInt(words * 8) };
}

function hazard(report: AuditReport, id: string): Hazard | undefined {
  return report.hazards.find((candidate) => candidate.id === id);
}

describe('hazards of the tables', () => {
  it('RELR: a misaligned address entry, words outside every PT_LOAD, an empty bitmap', () => {
    const report = auditBytes(writeElf({ ...X86_64, data: data(8), relr: [0x2004n, 0x900000n, 1n] }).bytes, 'relr');
    expect(hazard(report, 'relr-misaligned')).toMatchObject({ severity: 'warning', entries: ['relr#0'], addresses: ['0x2004'] });
    expect(hazard(report, 'relr-outside')).toMatchObject({ severity: 'error', entries: ['relr#1'], addresses: ['0x900000'] });
    expect(hazard(report, 'relr-empty-bitmap')).toMatchObject({ severity: 'info', entries: ['relr#2'] });
  });

  it('a missing DT_RELAENT (glibc dereferences it) and a table running off its segment', () => {
    const written = writeElf({ ...X86_64, data: data(4), rela: [[0x2000n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x10n]] });
    const patch = new Patch(written.bytes, shapeOf(written.bytes));
    const index = patch.shape.dyn.findIndex((entry) => entry.tag === DT_RELAENT);
    patch.dynTag(index, DT_DEBUG);
    const missing = auditBytes(patch.bytes, 'no-relaent');
    expect(hazard(missing, 'entry-size-missing')).toMatchObject({ severity: 'warning' });
    expect(missing.runtimes.find((runtime) => runtime.runtime === 'glibc-2.36')).toMatchObject({
      status: 'refuses',
      reason: 'stops: no DT_RELAENT, which it requires',
    });
    const long = auditBytes(
      writeElf({ ...X86_64, data: data(4), rela: [[0x2000n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x10n]], dynamic: [[DT_RELASZ, 0x3000n]] }).bytes,
      'long',
    );
    expect(hazard(long, 'table-unmapped')).toMatchObject({ severity: 'error' });
  });
});

describe('hazards of the words written', () => {
  it('text relocations, said by DT_TEXTREL or not, and DT_TEXTREL without them', () => {
    const rela: SyntheticElf['rela'] = [[0x10n, rInfo(X86_64, 0, R_X86_64_RELATIVE), 0x20n]];
    const declared = auditBytes(writeElf({ ...X86_64, data: data(4), rela, dynamic: [[DT_TEXTREL, 0n]] }).bytes, 'textrel');
    expect(hazard(declared, 'text-relocations')?.message).toMatch(/DT_TEXTREL\/DF_TEXTREL says so/);
    const unused = auditBytes(writeElf({ ...X86_64, data: data(4), relr: [0x2000n], dynamic: [[DT_TEXTREL, 0n]] }).bytes, 'unused');
    expect(hazard(unused, 'textrel-unused')).toMatchObject({ severity: 'info' });
  });

  it('relocated .data.rel.ro words no PT_GNU_RELRO covers', () => {
    const file = 'samples/out/x86_64/tables-relr';
    const bytes = new Uint8Array(readFileSync(file));
    expect(hazard(auditBytes(bytes, file), 'relro-uncovered')).toBeUndefined();
    const patch = new Patch(bytes, shapeOf(bytes));
    const relro = patch.shape.phdrs.find((header) => header.type === PT_GNU_RELRO);
    if (relro === undefined) throw new Error('no PT_GNU_RELRO');
    patch.phdr(relro.index, 'p_type', PT_NULL);
    const report = auditBytes(patch.bytes, file);
    expect(hazard(report, 'relro-uncovered')).toMatchObject({
      severity: 'warning',
      count: 3,
      symbols: ['constant_pointers', 'constant_pointers+0x8', 'constant_pointers+0x10'],
    });
  });
});

describe('hazards of the program headers', () => {
  it('p_offset and p_vaddr not congruent, PT_LOADs sharing a page, PT_INTERP', () => {
    const written = writeElf({ ...X86_64, data: data(4, 0xf00n), relr: [0xf00n] });
    const shared = auditBytes(written.bytes, 'shared');
    expect(hazard(shared, 'load-shared-page')).toMatchObject({ severity: 'warning' });
    const patch = new Patch(written.bytes, shapeOf(written.bytes));
    patch.phdr(1, 'p_offset', BigInt(written.dataOffset + 8));
    expect(hazard(auditBytes(patch.bytes, 'congruence'), 'load-congruence')).toMatchObject({ severity: 'error' });

    const file = 'samples/out/x86_64/hello-rela';
    const bytes = new Uint8Array(readFileSync(file));
    const withInterp = new Patch(bytes, shapeOf(bytes));
    const name = Buffer.from(bytes).indexOf('.dynamic\0');
    const spare = spareHeader(withInterp.shape);
    withInterp.phdr(spare.index, 'p_type', PT_INTERP).phdr(spare.index, 'p_offset', name).phdr(spare.index, 'p_filesz', 9);
    expect(hazard(auditBytes(withInterp.bytes, file), 'interp')).toMatchObject({
      severity: 'error',
      message: expect.stringMatching(/^PT_INTERP names \.dynamic:/),
    });
  });
});

describe('cost', () => {
  it('lld-written RELR tables cost what encodeRelr says, and REL/RELA samples would shrink to it', () => {
    for (const arch of ['x86_64', 'aarch64', 'mips64', 'x86', 'riscv32', 's390x']) {
      const relr = auditFile(`samples/out/${arch}/many-relr`, { classify: false }).cost;
      const table = relr?.tables.find((candidate) => candidate.table === 'relr');
      expect(relr?.packed.relrBytes, arch).toBe(table?.bytes);
      expect(relr?.packed.totalBytes, arch).toBe(relr?.totalBytes);
    }
    const rela = auditFile('samples/out/x86_64/many-rela', { classify: false }).cost;
    expect(rela?.packed.relrBytes).toBeLessThan((rela?.totalBytes ?? 0) / 10);
    expect(rela?.packed).toMatchObject({ unaligned: 0, otherBytes: 0 });
  });

  it('pages dirtied are the distinct pages of the relocation offsets llvm-readelf lists', async (context) => {
    await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
    // No MIPS file here: the local GOT words it relocates are in no relocation table.
    for (const file of [
      'samples/out/x86_64/many-relr',
      'samples/out/aarch64/tables-relr',
      'samples/out/x86/tables-rel',
      'samples/out/loongarch64/hello-rela',
    ]) {
      // The dynamic array's tables, RELR decoded into one line per word.
      const listed = (await execa('llvm-readelf-19', ['--dyn-relocations', file])).stdout;
      const offsets = [...listed.matchAll(/^([0-9a-f]{8,16})\s+[0-9a-f]+\s+R_/gm)].map((match) => BigInt(`0x${match[1]}`));
      expect(offsets.length, file).toBeGreaterThan(0);
      const page = readElfFile(file).arch.pageSize;
      const pages = new Set(offsets.map((offset) => offset / page));
      expect(auditFile(file, { classify: false }).cost?.pages.dirtied, file).toBe(pages.size);
    }
  });
});
