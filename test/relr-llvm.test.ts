/**
 * RELR decoding against LLVM's own decoder: the vectors (those of LLVM's relr-relocs.test style,
 * bitmaps with their top bit set, runs and gaps) are assembled by yaml2obj-19 and decoded by
 * llvm-readelf-19 in this run; piekit's decoder and a plan of a file holding the same table must
 * give exactly those addresses, in both classes and byte orders.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { auditBytes, finalWrites, imageFor, plan } from 'piekit';
import { type Arch, archByName, decodeRelr, readElf, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { requireCommand } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';
import { encodeWords, writeElf } from './synthetic/elf-writer.js';

const VECTORS: Readonly<Record<32 | 64, readonly (readonly bigint[])[]>> = {
  64: [
    [0x10d60n, 0x103n, 0x20000n, 0xf0501n, 0xa700550401n],
    [0x10000n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x10400n, 0x8000000000000001n, 0x3n],
  ],
  32: [
    [0x10d60n, 0x103n, 0x20000n, 0xf0501n, 0x80550401n],
    [0x10000n, 0xffffffffn, 0x7fffffffn, 0x10200n, 0x80000001n, 0x3n],
  ],
};

const scratch = scratchDirectory('relr');
async function llvmDecode(arch: Arch, entries: readonly bigint[], name: string): Promise<bigint[]> {
  const yaml = [
    '--- !ELF',
    'FileHeader:',
    `  Class: ELFCLASS${arch.wordSize * 8}`,
    `  Data: ${arch.endian === 'little' ? 'ELFDATA2LSB' : 'ELFDATA2MSB'}`,
    '  Type: ET_DYN',
    `  Machine: ${arch.wordSize === 8 ? (arch.endian === 'little' ? 'EM_X86_64' : 'EM_PPC64') : arch.endian === 'little' ? 'EM_386' : 'EM_PPC'}`,
    'Sections:',
    '  - Name: .relr.dyn',
    '    Type: SHT_RELR',
    `    Entries: [ ${entries.map((entry) => `0x${entry.toString(16)}`).join(', ')} ]`,
    '',
  ].join('\n');
  const source = scratch.at(`${name}.yaml`);
  const object = scratch.at(`${name}.o`);
  await writeFile(source, yaml);
  await execa('yaml2obj-19', [source, '-o', object]);
  const { stdout } = await execa('llvm-readelf-19', ['-r', object]);
  // Lines: "0001:  <entry> <address>" or, for further bits of a bitmap, "   <address>".
  return stdout
    .split('\n')
    .filter((line) => /^(\d{4}:\s+[0-9a-f]+\s+|\s+)[0-9a-f]+\s*$/.test(line))
    .map((line) => BigInt(`0x${line.trim().split(/\s+/).at(-1) ?? ''}`));
}

/** The vectors' lowest address: the one writable segment starts there. */
const DATA = 0x10000n;

const targets = ['x86_64', 'powerpc64', 'x86', 'powerpc'] as const;

/** A synthetic file with `words` zero words of data at DATA and this RELR table, and what piekit decodes of it. */
function withRelrTable(arch: Arch, entries: readonly bigint[], words: number) {
  const data = encodeWords(arch, new Array<bigint>(words).fill(0n));
  const { bytes } = writeElf({
    wordSize: arch.wordSize,
    endian: arch.endian,
    machine: arch.machine,
    data: { vaddr: DATA, bytes: data, memsz: BigInt(data.length) },
    relr: entries,
  });
  const elf = readElf(bytes);
  const table = readRelocationInfo(elf).tables.find((candidate) => candidate.kind === 'relr');
  if (table === undefined) throw new Error('the synthetic file has no RELR table');
  return { bytes, elf, decoded: decodeRelr(elf.reader, table).map((address) => address.address) };
}

describe.each(targets)('RELR vectors decoded by LLVM, as %s', (name) => {
  const arch = archByName(name) as Arch;
  VECTORS[(arch.wordSize * 8) as 32 | 64].forEach((entries, vector) => {
    it(`vector ${vector}: piekit decodes and plans exactly LLVM's addresses`, async (context) => {
      await requireCommand(context, 'yaml2obj-19', 'llvm-19');
      await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
      const expected = await llvmDecode(arch, entries, `${name}-${vector}`);
      expect(expected.length).toBeGreaterThan(entries.length);

      const highest = expected.reduce((top, address) => (address > top ? address : top), 0n);
      const words = Number((highest - DATA) / BigInt(arch.wordSize)) + 1;
      const { elf, decoded } = withRelrTable(arch, entries, words);
      expect(decoded).toEqual(expected);

      // At base 0 a write's run-time address is its link-time address.
      const planned = plan(elf);
      expect(finalWrites(planned, imageFor(planned), 0n).map((write) => write.address)).toEqual(expected);
    });
  });
});

/**
 * A table whose first entry is a bitmap: the RELR proposal does not say where such a bitmap
 * starts. piekit reads it as LLVM's decoder does (from address 0, then on by a bitmap's span);
 * that reading is checked here against llvm-readelf-19 itself, not against piekit's own writer.
 */
const BITMAP_FIRST: Readonly<Record<32 | 64, readonly bigint[]>> = {
  64: [0x5n, 0x10000n, 0x7n, 0x3n],
  32: [0x5n, 0x10000n, 0x7n, 0x3n],
};

describe.each(targets)('a RELR table that starts with a bitmap, as %s', (name) => {
  const arch = archByName(name) as Arch;
  it('is decoded from address 0, as llvm-readelf-19 decodes it', async (context) => {
    await requireCommand(context, 'yaml2obj-19', 'llvm-19');
    await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
    const entries = BITMAP_FIRST[(arch.wordSize * 8) as 32 | 64];
    const expected = await llvmDecode(arch, entries, `${name}-bitmap-first`);
    const w = BigInt(arch.wordSize);
    // Bit 2 of the first bitmap is word 1 counted from address 0; then the address entry.
    expect(expected.slice(0, 2)).toEqual([w, 0x10000n]);
    const { bytes, decoded } = withRelrTable(arch, entries, 8);
    expect(decoded).toEqual(expected);
    // audit flags such a table and names the relocator that refuses it.
    const report = auditBytes(bytes, `${name}-bitmap-first`, { runtimes: ['spec', 'elfldltl'] });
    expect(report.hazards.map((hazard) => [hazard.id, hazard.severity])).toContainEqual(['relr-leading-bitmap', 'error']);
    const elfldltl = report.runtimes.find((runtime) => runtime.runtime === 'elfldltl');
    if (elfldltl?.status !== 'unsupported') expect(elfldltl?.status).toBe('refuses');
  });
});
