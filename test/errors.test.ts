/**
 * One way to report problems (README "Errors"): every code the README lists is declared by exactly
 * one of piekit's three errors (ElfError, PiekitError, GdbRemoteError), is thrown somewhere in
 * elf/ or loader/, and none is thrown that the README does not list. The command line, run into
 * each ElfError and PiekitError code, prints one line naming the problem with the status the
 * README gives; each GdbRemoteError code is met by a test of the client against qemu's own stub.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ElfErrorCode, PiekitErrorCode } from 'piekit';
import { describe, expect, it, type TestContext } from 'vitest';
import { linkMuslStaticPie, PROGRAM } from './support/c-runtimes.js';
import { CLI } from './support/cli.js';
import { requireCommand, requireX86_64Host } from './support/environment.js';
import { DT_NULL, DT_RELA, DT_RELAENT, DT_RELASZ, PT_NULL } from './support/gabi.js';
import { Patch, shapeOf } from './support/mutate.js';
import { samplePath } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';
import { encodeWords, rInfo, type SyntheticElf, type Target, writeElf } from './synthetic/elf-writer.js';

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const CSKY: Target = { wordSize: 4, endian: 'little', machine: 252 };
const R_X86_64_RELATIVE = 8;
const R_X86_64_IRELATIVE = 37;
const RELATIVE = rInfo(X86_64, 0, R_X86_64_RELATIVE);
const DATA = 0x10000n;
const BASE = '0x7f0000000000';
const DT_DEBUG = 21n;

// ---------------------------------------------------------------------------------------------
// What the README lists and what the source declares and throws

const README = readFileSync('README.md', 'utf8');

/** The "Errors" section's tables, keyed by their header row; each row's codes (a row may name several) and cells. */
function readmeTables(): Map<string, { codes: string[]; cells: string[] }[]> {
  const section = README.slice(README.indexOf('\n### Errors\n'), README.indexOf('\n## ', README.indexOf('\n### Errors\n')));
  const tables = new Map<string, { codes: string[]; cells: string[] }[]>();
  let header: string | undefined;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    if (line.startsWith('|---')) continue;
    if (header === undefined) {
      header = line;
      tables.set(header, []);
      continue;
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    const codes = [...(cells[0] ?? '').matchAll(/`([A-Z_]+)`/g)].map((match) => match[1] as string);
    tables.get(header)?.push({ codes, cells });
  }
  return tables;
}

const TABLES = readmeTables();
const rowsOf = (header: string) => TABLES.get(header) ?? [];
const ELF_ROWS = rowsOf('| code | what is wrong |');
const PIEKIT_ROWS = rowsOf('| code | status | what is wrong |');
const GDB_ROWS = rowsOf('| code | what went wrong |');
const README_CODES = {
  ElfError: ELF_ROWS.flatMap((row) => row.codes),
  PiekitError: PIEKIT_ROWS.flatMap((row) => row.codes),
  GdbRemoteError: GDB_ROWS.flatMap((row) => row.codes),
};
/** The status the README gives each PiekitError code. */
const README_STATUS = new Map(PIEKIT_ROWS.flatMap((row) => row.codes.map((code) => [code, Number(row.cells[1])] as const)));

/** The string literals of `export type NAME = ... ;` in FILE. */
function declaredCodes(file: string, name: string): string[] {
  const source = readFileSync(file, 'utf8').replaceAll(/\/\*.*?\*\//gs, '');
  const start = source.indexOf(`export type ${name} =`);
  if (start < 0) throw new Error(`${file} declares no ${name}`);
  const declaration = source.slice(start, source.indexOf(';', start));
  return [...declaration.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1] as string);
}

const DECLARED = {
  ElfError: declaredCodes('elf/errors.ts', 'ElfErrorCode'),
  PiekitError: declaredCodes('loader/errors.ts', 'PiekitErrorCode'),
  GdbRemoteError: declaredCodes('loader/verify/gdbstub/replies.ts', 'GdbRemoteErrorCode'),
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every code a construction in elf/ and loader/ names, by error (convert's `refuse` makes an ElfError). */
function thrownCodes(): Record<keyof typeof DECLARED, Set<string>> {
  const thrown = { ElfError: new Set<string>(), PiekitError: new Set<string>(), GdbRemoteError: new Set<string>() };
  for (const file of [...sourceFiles('elf'), ...sourceFiles('loader')]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:new (ElfError|PiekitError|GdbRemoteError)|\brefuse)\(\s*'([A-Z_]+)'/g)) {
      thrown[(match[1] ?? 'ElfError') as keyof typeof DECLARED].add(match[2] as string);
    }
  }
  return thrown;
}

describe('the codes README.md lists', () => {
  const thrown = thrownCodes();
  for (const error of ['ElfError', 'PiekitError', 'GdbRemoteError'] as const) {
    it(`are exactly the ${error} codes the source declares, each thrown somewhere`, () => {
      expect(README_CODES[error].length).toBeGreaterThan(0);
      expect(new Set(README_CODES[error]).size, 'a code listed twice').toBe(README_CODES[error].length);
      expect([...README_CODES[error]].sort()).toEqual([...DECLARED[error]].sort());
      expect([...thrown[error]].sort()).toEqual([...DECLARED[error]].sort());
    });
  }

  it('name each GdbRemoteError code in a test of the client against qemu-user', () => {
    const tests = readFileSync('test/gdb-remote.test.ts', 'utf8');
    const met = DECLARED.GdbRemoteError.filter((code) => tests.includes(`code: '${code}'`));
    expect(met).toEqual(DECLARED.GdbRemoteError);
  });
});

// ---------------------------------------------------------------------------------------------
// The command line, run into every ElfError and PiekitError code

const scratch = scratchDirectory('errors');

/** A synthetic x86_64 static-PIE: one relative RELA entry into a writable segment with a .bss tail. */
function synthetic(spec: Partial<SyntheticElf> = {}): Uint8Array {
  const data = { vaddr: DATA, bytes: encodeWords(X86_64, [0x100n, 0x200n, 0x300n, 0x400n]), memsz: 0x100n };
  return writeElf({ ...X86_64, rela: [[DATA, RELATIVE, 0x100n]], data, ...spec }).bytes;
}

function patched(bytes: Uint8Array, change: (patch: Patch) => Patch): Uint8Array {
  return change(new Patch(bytes, shapeOf(bytes))).bytes;
}

async function saved(name: string, bytes: Uint8Array | string, mode = 0o644): Promise<string> {
  const path = scratch.at(name);
  await writeFile(path, bytes);
  await chmod(path, mode);
  return path;
}

interface Case {
  /** The command line, after making what it needs; `context` lets a case skip for a missing tool. */
  readonly args: (context: TestContext) => Promise<string[]>;
  /** The line piekit prints, after `piekit: ` (a prefix of it where the rest is a tool's output). */
  readonly line: RegExp;
}

const inspect = (name: string, bytes: Uint8Array) => async () => ['inspect', await saved(name, bytes)];
const planned = (name: string, bytes: Uint8Array) => async () => ['plan', await saved(name, bytes), '--base', BASE];

const ELF_CASES: Readonly<Record<ElfErrorCode, Case>> = {
  TRUNCATED: { args: inspect('truncated', synthetic().slice(0, 10)), line: /^Invalid ELF header: e_ident needs 16 bytes, the file has 10$/ },
  OUT_OF_BOUNDS: {
    args: inspect(
      'phoff-past-end',
      patched(synthetic(), (patch) => patch.header('e_phoff', 0x100000)),
    ),
    line: /^Invalid ELF .*e_phoff = 0x100000.* past the end of the \d+-byte file$/,
  },
  BAD_MAGIC: {
    args: inspect(
      'bad-magic',
      patched(synthetic(), (patch) => patch.u8(0, 0x7e)),
    ),
    line: /^Invalid ELF magic: expected 7f 45 4c 46, found 7e 45 4c 46$/,
  },
  BAD_CLASS: {
    args: inspect(
      'bad-class',
      patched(synthetic(), (patch) => patch.u8(4, 3)),
    ),
    line: /^Invalid ELF class: EI_CLASS = 3$/,
  },
  BAD_BYTE_ORDER: {
    args: inspect(
      'bad-byte-order',
      patched(synthetic(), (patch) => patch.u8(5, 3)),
    ),
    line: /^Invalid ELF byte order: EI_DATA = 3$/,
  },
  BAD_VERSION: {
    args: inspect(
      'bad-version',
      patched(synthetic(), (patch) => patch.u8(6, 2)),
    ),
    line: /^Invalid ELF version: EI_VERSION = 2$/,
  },
  UNSUPPORTED_MACHINE: {
    args: inspect(
      'unknown-machine',
      patched(synthetic(), (patch) => patch.header('e_machine', 0x4242)),
    ),
    line: /^Invalid ELF .*e_machine = 16962.*ELF64/,
  },
  NOT_PIE: {
    args: inspect(
      'exec',
      patched(synthetic(), (patch) => patch.header('e_type', 2)),
    ),
    line: /^Invalid ELF type: e_type = ET_EXEC \(2\), a fixed-address executable is not position-independent$/,
  },
  NO_DYNAMIC: {
    args: inspect(
      'no-dynamic',
      patched(synthetic(), (patch) => patch.phdr(patch.shape.dynamic.index, 'p_type', PT_NULL)),
    ),
    line: /^Invalid ELF program headers: no PT_DYNAMIC, so the file has nothing to relocate itself with$/,
  },
  UNTERMINATED_DYNAMIC: {
    // No table follows the dynamic array: without its DT_NULL it runs to the end of its PT_LOAD.
    args: inspect(
      'unterminated',
      patched(synthetic({ rela: [] }), (patch) =>
        patch.dynTag(
          patch.shape.dyn.findIndex((entry) => entry.tag === DT_NULL),
          DT_DEBUG,
        ),
      ),
    ),
    line: /^Invalid ELF .*DT_NULL.*PT_LOAD 0/,
  },
  // The README's own example, word for word.
  BAD_ENTRY_SIZE: {
    args: inspect('relaent', synthetic({ dynamic: [[DT_RELAENT, 16n]] })),
    line: /^Invalid ELF DT_RELAENT: 16, ELF64 entries are 24 bytes$/,
  },
  BAD_TABLE_SIZE: {
    args: inspect('relasz', synthetic({ dynamic: [[DT_RELASZ, 25n]] })),
    line: /^Invalid ELF DT_RELASZ: 25 is not a multiple of the 24-byte entry size$/,
  },
  UNMAPPED_ADDRESS: {
    args: inspect('rela-unmapped', synthetic({ dynamic: [[DT_RELA, 0x900000n]] })),
    line: /DT_RELA = 0x900000.*outside every PT_LOAD/,
  },
  WRITE_OUTSIDE_SEGMENTS: {
    args: planned('write-outside', synthetic({ rela: [[0x900000n, RELATIVE, 0n]] })),
    line: /^Invalid ELF rela#0: .*0x900000.*outside every PT_LOAD/,
  },
  BAD_SEGMENT: {
    args: inspect(
      'filesz-over-memsz',
      patched(synthetic(), (patch) => patch.phdr(patch.shape.loads[1]?.index ?? 0, 'p_memsz', 0x10)),
    ),
    line: /^Invalid ELF PT_LOAD 1.*p_filesz = 0x20 exceeds p_memsz = 0x10$/,
  },
  IMAGE_TOO_LARGE: {
    args: inspect(
      'too-large',
      synthetic({ data: { vaddr: 0x40010000n, bytes: new Uint8Array(0x10), memsz: 0x10n }, rela: [[0x40010000n, RELATIVE, 0n]] }),
    ),
    line: /^Invalid ELF PT_LOAD segments: they span 0x40010010 bytes, more than piekit maps \(0x40000000\)$/,
  },
  BAD_BASE: {
    args: async () => ['plan', await saved('base', synthetic()), '--base', '0x7f0000000010'],
    line: /^Invalid load base 0x7f0000000010: it is not aligned to the 0x1000-byte page of x86_64$/,
  },
  BAD_DUMP: {
    // A sample with the dump hook, run by a runner that writes no dump but a few bytes to fd 3.
    args: async (context) => {
      requireX86_64Host(context);
      const runner = await saved('bad-dump-runner', "#!/bin/sh\nprintf 'PIEK' >&3\n", 0o755);
      return ['verify', samplePath('x86_64', 'hello-rela'), '--runner', runner];
    },
    line: /^Invalid dump header: 4 bytes, at least 16 needed$/,
  },
  NO_ROOM: {
    args: async () => [
      'pack',
      await saved(
        'crowded',
        synthetic({
          rela: [
            [DATA, RELATIVE, 1n],
            [DATA + 8n, rInfo(X86_64, 0, R_X86_64_IRELATIVE), 2n],
          ],
        }),
      ),
      '--dry-run',
    ],
    line: /no DT_NULL padding/,
  },
  ADDEND_IN_NOBITS: {
    args: async () => ['pack', await saved('addend-in-bss', synthetic({ rela: [[DATA + 0x80n, RELATIVE, 0x10n]] })), '--dry-run'],
    line: /0x10080/,
  },
  TEXT_RELOCATIONS: {
    args: async () => ['pack', await saved('text-relocation', synthetic({ rela: [[0x10n, RELATIVE, 0n]] })), '--dry-run'],
    line: /^Invalid ELF .*0x10/,
  },
  TABLE_CONFLICT: {
    args: async () => [
      'unpack',
      await saved('conflict', synthetic({ rela: [[DATA + 8n, rInfo(X86_64, 0, R_X86_64_IRELATIVE), 2n]], relr: [DATA] })),
      '--format',
      'rel',
      '--dry-run',
    ],
    line: /use --format rela\)$/,
  },
};

const PIEKIT_CASES: Readonly<Record<PiekitErrorCode, Case>> = {
  USAGE: {
    args: async () => ['plan', await saved('usage', synthetic()), '--base', 'high'],
    line: /^--base takes an address such as 0x7f0000000000, not 'high'$/,
  },
  BAD_PATH: { args: async () => ['inspect', scratch.at('absent')], line: /^\/.*\/absent: no such file or directory \(ENOENT\)$/ },
  ENVIRONMENT: {
    // Debian 12 has no emulator for C-SKY, so nothing can run its programs here.
    args: async () => ['run', await saved('csky', writeElf({ ...CSKY, data: { vaddr: DATA, bytes: new Uint8Array(16), memsz: 16n } }).bytes, 0o755)],
    line: /^qemu-user 7\.2 has no emulator for csky/,
  },
  BUILD_FAILED: {
    args: async (context) => {
      await requireCommand(context, 'clang-19', 'clang-19');
      const source = await saved('broken.c', 'int main(void) { return }\n');
      return ['build', source, '--arch', 'x86_64', '-o', scratch.at('broken')];
    },
    line: /^building .*broken for x86_64 failed:$/,
  },
  UNVERIFIABLE: {
    args: async () => {
      const file = await saved('not-a-core', synthetic());
      return ['verify', file, '--core', file];
    },
    line: /not-a-core is not a core file \(e_type 3, ET_CORE is 4\)$/,
  },
  LOADER_REFUSES: {
    // The synthetic file's entry lies in its read-only first PT_LOAD: no PT_LOAD is executable.
    args: async () => ['run', await saved('no-code', synthetic()), '--dry-run', '--base', BASE],
    line: /^the loader would refuse .*no-code with status \d+: e_entry 0x[0-9a-f]+ is outside every executable PT_LOAD$/,
  },
  RUNTIME_BREAKS: {
    args: async (context) => {
      requireX86_64Host(context);
      await requireCommand(context, 'musl-gcc', 'musl-tools');
      const source = await saved('program.c', PROGRAM);
      const musl = await linkMuslStaticPie(source, scratch.at('musl'));
      return ['pack', musl, '-o', scratch.at('musl-packed')];
    },
    line: /^.*musl: pack not written: it carries musl, .*musl-1\.2\.3 breaks it .*; --force writes it anyway$/,
  },
};

describe.concurrent('the command line, run into each code', () => {
  const cases = [
    ...Object.entries(ELF_CASES).map(([code, test]) => ({ code, test, status: 2, suffix: ` [${code}]` })),
    ...Object.entries(PIEKIT_CASES).map(([code, test]) => ({ code, test, status: README_STATUS.get(code), suffix: '' })),
  ];

  it('covers every ElfError and PiekitError code the README lists', () => {
    expect(cases.map((test) => test.code).sort()).toEqual([...README_CODES.ElfError, ...README_CODES.PiekitError].sort());
  });

  for (const { code, test, status, suffix } of cases) {
    it(`${code}: status ${status}, one line`, { timeout: 120_000 }, async (context) => {
      const run = await execa('node', [CLI, ...(await test.args(context))], { reject: false });
      expect(run.exitCode, run.stderr).toBe(status);
      expect(run.stdout).toBe('');
      const [line, ...more] = run.stderr.split('\n');
      expect(line).toMatch(/^piekit: /);
      // A usage error adds the synopsis; a failed build, the compiler's own output.
      if (code === 'USAGE') expect(more).toEqual([expect.stringMatching(/^usage: piekit plan /)]);
      else if (code !== 'BUILD_FAILED') expect(more).toEqual([]);
      expect(line?.slice('piekit: '.length).endsWith(suffix), line).toBe(true);
      expect(line?.slice('piekit: '.length, line.length - suffix.length), line).toMatch(test.line);
    });
  }
});
