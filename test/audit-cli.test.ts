/**
 * `piekit audit` as a user runs it (package.json's bin, directories over worker threads): the verdict first, the runtime
 * table, hazards and costs; --json; --runtime; exit statuses 0, 1, 2 and 64; and a directory walk
 * with files that are not ELF, ELF files that are not auditable, and links it does not follow.
 */
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { AuditReport } from 'piekit/audit';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { scratchDirectory } from './support/scratch.js';
import { encodeWords, rInfo, writeElf } from './synthetic/elf-writer.js';

interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function piekit(...args: string[]): Promise<Result> {
  const run = await execa('node', [CLI, 'audit', ...args], { reject: false, stripFinalNewline: false });
  return { status: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr };
}

const TABLES_RELR = 'samples/out/x86_64/tables-relr';

interface ReadelfFacts {
  /** Distinct words the relocations write, RELR decoded. */
  readonly words: number;
  /** The lowest of them, and the section holding it. */
  readonly first: { readonly vaddr: bigint; readonly section: string };
  readonly relrBytes: number;
}

/**
 * What llvm-readelf-19 says of a sample (the samples are rebuilt now and then, so counts come
 * from the file, never from piekit's own plan).
 */
async function readelfFacts(file: string): Promise<ReadelfFacts> {
  const relocations = (await execa('llvm-readelf-19', ['--dyn-relocations', file])).stdout;
  const offsets = [...new Set([...relocations.matchAll(/^([0-9a-f]{8,16})\s+[0-9a-f]+\s+R_/gm)].map((match) => BigInt(`0x${match[1]}`)))];
  const relrBytes = Number(/'RELR' relocation section at offset 0x[0-9a-f]+ contains (\d+) bytes/.exec(relocations)?.[1]);
  const vaddr = offsets.reduce((lowest, offset) => (offset < lowest ? offset : lowest));
  const sections = (await execa('llvm-readelf-19', ['--section-headers', '--wide', file])).stdout;
  const section = [...sections.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s/gm)].find(
    (match) => vaddr >= BigInt(`0x${match[2]}`) && vaddr < BigInt(`0x${match[2]}`) + BigInt(`0x${match[3]}`),
  )?.[1];
  if (section === undefined || Number.isNaN(relrBytes))
    throw new Error(`llvm-readelf: no RELR table or no section for 0x${vaddr.toString(16)} in ${file}`);
  return { words: offsets.length, first: { vaddr, section }, relrBytes };
}

/** A synthetic static-PIE turned ET_EXEC: ELF, but not a file startup code relocates. */
function writeExec(path: string): void {
  const { bytes } = writeElf({
    wordSize: 8,
    endian: 'little',
    machine: 62,
    data: { vaddr: 0x2000n, bytes: new Uint8Array(8), memsz: 8n },
    relr: [0x2000n],
  });
  const exec = bytes.slice();
  new DataView(exec.buffer).setUint16(16, 2, true);
  writeFileSync(path, exec);
}
const scratch = scratchDirectory('audit-cli');

describe('one file', () => {
  it('prints the runtime it carries and the verdict first, then the runtimes, hazards and costs; judged by its own runtime', async () => {
    const result = await piekit(TABLES_RELR);
    expect(result.stderr).toBe('');
    // piekit's stub (its symbols say so) relocates as the spec does: safe, whatever the other models do.
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    const { words, relrBytes: bytes } = await readelfFacts(TABLES_RELR);
    expect(lines[0]).toBe(`${TABLES_RELR}: x86_64, ELF64 little-endian; runtimes modelled at base 0x123456789000`);
    const unrelocated = `no RELR: ${words} words left unrelocated`;
    expect(lines[1]).toMatch(/^runtime: it carries piekit \(symbol pk_start_c, symbol piekit_after_relocation, .*\): judged by spec: safe$/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^verdict: safe under spec, glibc-2\\.36, musl-1\\.2\\.4, origin, elfldltl, limine; breaks under glibc-2\\.35 \\(${unrelocated}\\), ` +
          `musl-1\\.2\\.3 \\(${unrelocated}\\), zig-0\\.11 \\(${unrelocated}\\), zig-pie \\([0-9]+ words left unrelocated, [0-9]+ words shifted, [0-9]+ other words\\)$`,
      ),
    );
    expect(lines).toContain('  runtime     status  words differ  unrelocated  relocated twice  shifted  other  left alone  applied, not modelled');
    expect(lines.find((line) => line.startsWith('  zig-pie '))).toMatch(/^ {2}zig-pie {5}breaks {2}[0-9]+ +[0-9]+ +0 +[0-9]+ +[0-9]+ +0 +0$/);
    expect(result.stdout).toContain('\nhazards: none\n');
    expect(result.stdout).toContain(
      `\n  as RELR (lld's encoding): ${bytes} bytes (${bytes / 8} entries) for ${words} words: ${bytes} bytes in all\n`,
    );
  });

  it('exits 0 when every runtime asked for is safe and no hazard is an error', async () => {
    const result = await piekit(TABLES_RELR, '--runtime', 'spec', '--runtime', 'glibc-2.36', '--runtime', 'musl-1.2.4');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[2]).toBe('verdict: safe under spec, glibc-2.36, musl-1.2.4');
  });

  it('--json prints the report as one object', async () => {
    const result = await piekit(TABLES_RELR, '--json');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(Object.keys(report)).toEqual([
      'file',
      'arch',
      'class',
      'endian',
      'base',
      'carried',
      'judgedBy',
      'judgement',
      'verdict',
      'safe',
      'runtimes',
      'hazards',
      'cost',
    ]);
    expect(report.carried).toMatchObject({ family: 'piekit', version: null, judgedBy: ['spec'], otherReleases: [] });
    expect(report.judgedBy).toEqual(['spec']);
    expect(report).toMatchObject({
      file: TABLES_RELR,
      arch: 'x86_64',
      class: 64,
      endian: 'little',
      base: '0x123456789000',
      safe: true,
      hazards: [],
    });
    expect(report.runtimes.map((runtime) => runtime.runtime)).toEqual([
      'spec',
      'glibc-2.36',
      'glibc-2.35',
      'musl-1.2.4',
      'musl-1.2.3',
      'zig-0.11',
      'zig-pie',
      'origin',
      'elfldltl',
      'limine',
    ]);
    const { words, first, relrBytes: bytes } = await readelfFacts(TABLES_RELR);
    const musl = report.runtimes.find((runtime) => runtime.runtime === 'musl-1.2.3');
    expect(musl).toMatchObject({
      status: 'breaks',
      differingWords: words,
      differences: { unrelocated: words, 'relocated twice': 0, shifted: 0, other: 0 },
      leftAlone: { symbolic: 0, tls: 0, irelative: 0, relative: 0 },
      ignoredTables: ['RELR'],
    });
    // The lowest relocated word, read where the file left it: a sorted RELR table's first entry
    // (an address entry) writes it.
    const base = 0x123456789000n;
    expect(musl?.words[0]).toMatchObject({
      vaddr: `0x${first.vaddr.toString(16)}`,
      address: `0x${(base + first.vaddr).toString(16)}`,
      section: first.section,
      kind: 'unrelocated',
      writers: ['relr#0'],
    });
    expect(BigInt(musl?.words[0]?.expected ?? 0) - BigInt(musl?.words[0]?.actual ?? 0)).toBe(base);
    expect(report.cost).toMatchObject({
      totalBytes: bytes,
      localGotWords: 0,
      packed: { relrBytes: bytes, relrEntries: bytes / 8, relative: words },
      pages: { pageSize: 4096 },
    });
  });

  it('bad input: one ElfError line and exit 2; an unknown runtime: exit 64', async () => {
    const text = scratch.at('text');
    writeFileSync(text, 'not an ELF file at all\n');
    expect(await piekit(text)).toEqual({
      status: 2,
      stdout: '',
      stderr: 'piekit: Invalid ELF magic: expected 7f 45 4c 46, found 6e 6f 74 20 [BAD_MAGIC]\n',
    });
    writeExec(scratch.at('exec'));
    const notPie = await piekit(scratch.at('exec'));
    expect(notPie.status).toBe(2);
    expect(notPie.stderr).toMatch(/\[NOT_PIE\]\n$/);
    const unknown = await piekit(TABLES_RELR, '--runtime', 'bionic');
    expect(unknown.status).toBe(64);
    expect(unknown.stderr).toMatch(/^piekit: --runtime takes one of spec, glibc-2.36, .*, not 'bionic'\n/);
    expect((await piekit()).status).toBe(64);
    expect((await piekit(scratch.at('missing'))).status).toBe(2);
  });
});

describe('a directory', () => {
  it('one line per ELF file, non-ELF files and links counted, ELF files that are not auditable listed, and a summary', async () => {
    const tree = scratch.at('tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    copyFileSync(TABLES_RELR, join(tree, 'a-tables-relr'));
    copyFileSync('samples/out/x86/hello-rel', join(tree, 'sub', 'b-hello-rel'));
    writeFileSync(join(tree, 'c-notes.txt'), 'text\n');
    writeExec(join(tree, 'd-exec'));
    symlinkSync('a-tables-relr', join(tree, 'e-link'));
    const result = await piekit(tree);
    // Both samples carry piekit's stub, judged by the spec: safe.
    expect(result.status).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      `${join(tree, 'a-tables-relr')}: safe (x86_64, carries piekit; judged by spec): safe under spec, glibc-2.36, musl-1.2.4, origin, elfldltl, limine; breaks under glibc-2.35, musl-1.2.3, zig-0.11, zig-pie`,
    );
    // No RELR, no hazard: safe under every runtime that exists for x86 (Limine does not). The ET_EXEC file is counted, not audited.
    expect(lines[1]).toBe(
      `${join(tree, 'sub', 'b-hello-rel')}: safe (x86, carries piekit; judged by spec): safe under spec, glibc-2.36, glibc-2.35, musl-1.2.4, musl-1.2.3, zig-0.11, zig-pie, origin, elfldltl`,
    );
    expect(result.stdout).toContain(
      '\nfiles: 4 (3 ELF: 2 audited, 1 not static-PIEs, 0 not auditable; 1 not ELF, skipped); 1 links not followed\nnot static-PIEs: 0 dynamically linked, 1 static non-PIE skipped (--all audits them)\n',
    );
    const all = await piekit(tree, '--all');
    expect(all.stdout.split('\n')[1]).toMatch(new RegExp(`^${join(tree, 'd-exec')}: not auditable \\[NOT_PIE\\]: `));
    expect(lines).toContain('  runtime     safe  breaks  refuses  undefined  unsupported  not compared');
    expect(lines).toContain('  musl-1.2.3  1     1       0        0          0            0');
    expect(lines).toContain('  limine      1     0       0        0          1            0');
    // The built command spreads files over one worker thread per CPU.
    expect(result.stdout).toMatch(/\n4 files in [0-9.]+ s \([0-9]+ files\/s\), [0-9]+ worker threads\n$/);

    const json = JSON.parse((await piekit(tree, '--json')).stdout) as { files: { kind: string; file: string }[]; summary: Record<string, unknown> };
    expect(json.files.map((file) => [file.kind, file.file])).toEqual([
      ['audited', join(tree, 'a-tables-relr')],
      ['audited', join(tree, 'sub', 'b-hello-rel')],
    ]);
    expect(json.summary).toMatchObject({
      files: 4,
      audited: 2,
      safe: 2,
      notElf: 1,
      skipped: { 'dynamically linked': 0, 'static non-PIE': 1 },
      notAuditable: {},
      links: 1,
    });
  });

  it('exits 0 when every audited file is safe under the runtimes asked for', async () => {
    const tree = scratch.at('safe');
    mkdirSync(tree);
    const target = { wordSize: 8, endian: 'little', machine: 62 } as const;
    const { bytes } = writeElf({
      ...target,
      data: { vaddr: 0x2000n, bytes: encodeWords(target, [0n, 0n]), memsz: 16n },
      rela: [[0x2000n, rInfo(target, 0, 8), 0x10n]],
    });
    writeFileSync(join(tree, 'synthetic'), bytes);
    writeFileSync(join(tree, 'readme'), 'hello\n');
    const result = await piekit(tree, '--runtime', 'spec', '--runtime', 'musl-1.2.3');
    expect(result.stdout.split('\n')[0]).toBe(`${join(tree, 'synthetic')}: safe (x86_64; judged by spec, musl-1.2.3): safe under spec, musl-1.2.3`);
    expect(result.status).toBe(0);
  });
});
