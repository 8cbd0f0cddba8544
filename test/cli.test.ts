/**
 * The built command line (`npm run build` → package.json's bin) as a user meets it: real
 * libraries inspected and planned, the plan's JSON exactly as README.md documents it and equal to
 * GNU readelf's relative relocations, and every failure one line with its exit status.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { CLI } from './support/cli.js';
import { requireFile, requireX86_64Host } from './support/environment.js';
import { DT_RELAENT, PT_NULL } from './support/gabi.js';
import { fileOffsetOf, Patch, shapeOf } from './support/mutate.js';
import { readelfRelatives } from './support/readelf.js';
import { scratchDirectory } from './support/scratch.js';

const BASE = 0x7f0000000000n;
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
/** Real x86_64 files for `plan`: libc has its relative relocations in RELR, these in RELA. */
const PLANNED = [LIBC, '/usr/lib/x86_64-linux-gnu/libz.so.1', '/usr/bin/ls'].filter((path) => existsSync(path));

const x86_64 = process.arch === 'x64' && existsSync(LIBC);

/** The suites on real files read x86_64 system files, which only an x86_64 Debian host has. */
function realFilesHere(context: TestContext): void {
  requireX86_64Host(context);
  requireFile(context, LIBC, 'libc6');
}

async function piekit(...args: string[]) {
  return execa('node', [CLI, ...args], { reject: false, stripFinalNewline: false, maxBuffer: 1 << 30 });
}

const scratch = scratchDirectory('cli');

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});

describe('on real x86_64 files', () => {
  beforeEach(realFilesHere);

  it('inspect prints the headers, segments, dynamic entries, tables and relocations', async () => {
    const result = await piekit('inspect', LIBC);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      new RegExp(`^${LIBC}: ELF64 little-endian x86_64 \\(e_machine 62, e_flags 0x0\\), e_type ET_DYN, entry 0x[0-9a-f]+\n`),
    );
    for (const heading of ['Segments (', 'Dynamic entries (', 'Tables:', 'Relocations (']) expect(result.stdout).toContain(heading);
    expect(result.stdout).toMatch(/relr at 0x[0-9a-f]+: \d+ bytes, \d+ entries of 8 bytes, \d+ relative words/);
  });

  it('inspect --json is one JSON document with the documented fields', async () => {
    const result = await piekit('inspect', LIBC, '--json');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual([
      'class',
      'endian',
      'machine',
      'arch',
      'type',
      'entry',
      'flags',
      'segments',
      'dynamic',
      'tables',
      'localGot',
      'textRelocations',
      'relocations',
    ]);
    expect(document).toMatchObject({
      class: 64,
      endian: 'little',
      machine: 62,
      arch: 'x86_64',
      type: 3,
      flags: '0x0',
      localGot: null,
      textRelocations: 0,
    });
    const segments = document.segments as Record<string, unknown>[];
    expect(segments.length).toBe(shapeOf(new Uint8Array(readFileSync(LIBC))).phnum);
    for (const segment of segments) {
      expect(Object.keys(segment)).toEqual(['index', 'type', 'offset', 'vaddr', 'filesz', 'memsz', 'flags', 'align']);
      expect(segment.flags).toMatch(/^[R ][W ][E ]$/);
    }
    const dynamic = document.dynamic as Record<string, unknown>[];
    expect(dynamic.at(-1)).toMatchObject({ name: 'DT_NULL' });
    const tables = document.tables as Record<string, unknown>[];
    expect(tables.map((table) => table.table)).toEqual(['rela', 'relr', 'jmprel']);
    const relocations = document.relocations as Record<string, unknown>[];
    expect(Object.keys(relocations[0] ?? {})).toEqual(['source', 'vaddr', 'type', 'typeName', 'symbol', 'addend', 'relative', 'section', 'name']);
    const relative = relocations.filter((relocation) => relocation.relative === true).length;
    expect(relative).toBe(tables.reduce((sum, table) => sum + (table.relative as number), 0));
    expect(relative).toBe((await readelfRelatives(LIBC, 'R_X86_64_RELATIVE')).length);
  });

  for (const file of PLANNED) {
    it(`plan ${file} --base 0x7f0000000000 --json: the documented schema, readelf's relative relocations plus the base`, async () => {
      const result = await piekit('plan', file, '--base', '0x7f0000000000', '--json');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.endsWith('}\n')).toBe(true);
      const document = JSON.parse(result.stdout) as Record<string, unknown>;

      // The schema, exactly as README.md "piekit plan --json" shows it.
      expect(Object.keys(document)).toEqual(['base', 'endian', 'wordSize', 'writes', 'skipped', 'resolvedAtRunTime']);
      expect(document.base).toBe('0x7f0000000000');
      expect(document.endian).toBe('little');
      expect(document.wordSize).toBe(8);
      const writes = document.writes as Record<string, unknown>[];
      const skipped = document.skipped as Record<string, unknown>[];
      expect(Array.isArray(writes) && Array.isArray(skipped)).toBe(true);
      for (const write of writes) {
        expect(Object.keys(write)).toEqual(['address', 'size', 'value', 'source']);
        expect(write.address).toMatch(/^0x[0-9a-f]+$/);
        expect(write.value).toMatch(/^0x[0-9a-f]+$/);
        expect(write.size).toBe(8);
        expect(write.source).toMatch(/^(got|rel|rela|relr)#\d+$/);
      }
      for (const skip of skipped) {
        expect(Object.keys(skip)).toEqual(['table', 'index', 'type', 'typeName']);
        expect(['rel', 'rela']).toContain(skip.table);
        expect(Number.isInteger(skip.index) && Number.isInteger(skip.type)).toBe(true);
        expect(skip.typeName).toMatch(/^R_X86_64_/);
        expect(skip.typeName).not.toBe('R_X86_64_RELATIVE');
      }

      // GNU readelf's R_X86_64_RELATIVE rows (and RELR offsets), each word written once.
      const listed = await readelfRelatives(file, 'R_X86_64_RELATIVE');
      expect(listed.length).toBeGreaterThan(0);
      expect(new Set(listed.map((relative) => relative.offset)).size, 'a word is relocated twice: the counts cannot match').toBe(listed.length);
      expect(writes.length).toBe(listed.length);
      expect(new Set(writes.map((write) => BigInt(write.address as string)))).toEqual(new Set(listed.map((relative) => BASE + relative.offset)));

      // First and last: the address is base + offset; the value base + addend (for RELR, the
      // addend is the word the file holds there).
      const bytes = new Uint8Array(readFileSync(file));
      const shape = shapeOf(bytes);
      const addendOf = (offset: bigint, addend: bigint | undefined): bigint => {
        if (addend !== undefined) return addend;
        const at = fileOffsetOf(shape.loads, offset, 8n);
        if (at === undefined) throw new Error(`${hex(offset)} is not file-backed`);
        return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true);
      };
      for (const [write, relative] of [
        [writes[0], listed[0]],
        [writes.at(-1), listed.at(-1)],
      ] as const) {
        if (write === undefined || relative === undefined) throw new Error('no writes');
        expect(write.address).toBe(hex(BASE + relative.offset));
        expect(write.value).toBe(hex(BigInt.asUintN(64, BASE + addendOf(relative.offset, relative.addend))));
      }
    });
  }

  it('plan without --json prints one line per relocated word', async () => {
    const result = await piekit('plan', LIBC, '--base', '0x7f0000000000');
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    const relatives = (await readelfRelatives(LIBC, 'R_X86_64_RELATIVE')).length;
    expect(lines[0]).toMatch(
      new RegExp(`^${LIBC}: ${relatives} words relocated at base 0x7f0000000000, \\d+ relocations skipped, \\d+ resolved at run time$`),
    );
    expect(lines.filter((line) => /^ {2}0x[0-9a-f]+ = 0x[0-9a-f]+ {2}\(relr#\d+\)$/.test(line)).length).toBe(relatives);
  });
});

describe.concurrent('invalid input: exit status 2, one line on stderr, nothing on stdout', () => {
  beforeEach(realFilesHere);
  const bytes = x86_64 ? new Uint8Array(readFileSync(LIBC)) : new Uint8Array();
  const shape = x86_64 ? shapeOf(bytes) : undefined;
  const patched = (): Patch => {
    if (shape === undefined) throw new Error('no base file');
    return new Patch(bytes, shape);
  };

  const cases: [string, () => Uint8Array | undefined, RegExp][] = [
    [
      'a truncated file',
      () => bytes.slice(0, 100),
      /^piekit: Invalid ELF program headers \(e_phoff = 0x40, \d+ entries\): \d+ bytes at offset 0x40 run past the end of the 100-byte file \[TRUNCATED\]\n$/,
    ],
    ['an empty file', () => new Uint8Array(), /^piekit: Invalid ELF header: e_ident needs 16 bytes, the file has 0 \[TRUNCATED\]\n$/],
    ['a missing file', () => undefined, /^piekit: \/nonexistent\/libc\.so\.6: no such file or directory \(ENOENT\)\n$/],
    ['an ET_EXEC file', () => patched().header('e_type', 2).bytes, /^piekit: Invalid ELF type: e_type = ET_EXEC \(2\).* \[NOT_PIE\]\n$/],
    [
      'a file without PT_DYNAMIC',
      () => patched().phdr(shape?.dynamic.index ?? 0, 'p_type', PT_NULL).bytes,
      /^piekit: Invalid ELF .*PT_DYNAMIC.* \[NO_DYNAMIC\]\n$/,
    ],
    [
      'a wrong DT_RELAENT (the README example)',
      () => patched().dynValue(DT_RELAENT, 16n).bytes,
      /^piekit: Invalid ELF DT_RELAENT: 16, ELF64 entries are 24 bytes \[BAD_ENTRY_SIZE\]\n$/,
    ],
    ['bad magic', () => patched().u8(1, 0x46).bytes, /^piekit: Invalid ELF magic: expected 7f 45 4c 46, found 7f 46 4c 46 \[BAD_MAGIC\]\n$/],
  ];

  for (const [name, make, line] of cases) {
    for (const command of [['inspect'], ['plan', '--base', '0x7f0000000000', '--json']] as const) {
      it(`${command[0]} on ${name}`, async ({ expect }) => {
        const content = make();
        let file = '/nonexistent/libc.so.6';
        if (content !== undefined) {
          file = scratch.at(`${name.replace(/\W+/g, '-')}-${command[0]}`);
          await writeFile(file, content);
        }
        const [verb, ...options] = command;
        const result = await piekit(verb, file, ...options);
        expect(result.exitCode, result.stderr).toBe(2);
        expect(result.stdout).toBe('');
        expect(result.stderr).not.toContain('    at ');
        expect(result.stderr).toMatch(/^[^\n]+\n$/);
        expect(result.stderr.replace(file, '/nonexistent/libc.so.6')).toMatch(line);
      });
    }
  }
});

describe.concurrent('wrong usage: exit status 64, nothing on stdout', () => {
  const file = existsSync(LIBC) ? LIBC : '/usr/bin/ls';
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate', file], /^piekit: unknown command 'frobnicate'\nusage:/],
    ['no command', [], /^usage:/],
    ['plan without --base', ['plan', file, '--json'], /^piekit: .*\nusage: piekit plan /],
    ['plan with --base and no value', ['plan', file, '--base'], /^piekit: .*--base.*\nusage: piekit plan /],
    [
      'a --base that is not a number',
      ['plan', file, '--base', 'zzz'],
      /^piekit: --base takes an address such as 0x7f0000000000, not 'zzz'\nusage: piekit plan /,
    ],
    ['a --base with a bad hex digit', ['plan', file, '--base', '0x7f000000000g'], /^piekit: --base takes an address .*'0x7f000000000g'/],
    ['a negative --base', ['plan', file, '--base=-4096'], /^piekit: --base takes an address .*'-4096'/],
    ['an unknown option to plan', ['plan', file, '--base', '0x7f0000000000', '--frobnicate'], /^piekit: .*--frobnicate.*\nusage: piekit plan /],
    ['an unknown option to inspect', ['inspect', file, '--bogus'], /^piekit: .*--bogus.*\nusage: piekit inspect /],
    ['inspect without a file', ['inspect'], /^piekit: .*\nusage: piekit inspect /],
    ['inspect with two files', ['inspect', file, file], /^piekit: .*\nusage: piekit inspect /],
  ];

  for (const [name, args, stderr] of cases) {
    it(name, async ({ expect }) => {
      const result = await piekit(...args);
      expect(result.exitCode, result.stderr).toBe(64);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain('    at ');
      expect(result.stderr).toMatch(stderr);
    });
  }
});

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}
