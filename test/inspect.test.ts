/**
 * The two ways to inspect a file agree: the library's `inspect` builds the document as objects,
 * the command line writes `inspect --json` as it walks the tables a block of rows at a time. Files
 * with every row source: RELA and DT_JMPREL (libc), RELR (a sample), REL and the MIPS local GOT.
 * The text table holds the same rows, aligned as columns.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { inspect, plan } from 'piekit';
import { readElfFile } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { requireCommand, requireFile, requireX86_64Host } from './support/environment.js';
import { makeSamples, samplePath } from './support/samples.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

/** A built sample, built first when it is missing: a failed build fails the test. */
async function sample(arch: string, name: string): Promise<string> {
  const built = samplePath(arch, name);
  if (!existsSync(built)) {
    const make = await makeSamples(arch);
    expect(make.ok && existsSync(built), `${built} could not be built: ${make.output.slice(-600)}`).toBe(true);
  }
  return built;
}

/** The document both ways: the command line's bytes, and the library's objects. */
async function bothWays(file: string): Promise<{ readonly printed: string; readonly document: ReturnType<typeof inspect> }> {
  const printed = await execa('node', [CLI, 'inspect', file, '--json']);
  return { printed: printed.stdout, document: inspect(plan(readElfFile(file))) };
}

describe('inspect --json and the library inspect()', () => {
  it('give the same document for a glibc shared library (RELA, DT_JMPREL, symbols)', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LIBC, 'libc6');
    const { printed, document } = await bothWays(LIBC);
    expect(document.relocations.some((row) => row.source.startsWith('jmprel#'))).toBe(true);
    expect(document.relocations.some((row) => row.name !== null)).toBe(true);
    expect(printed).toBe(JSON.stringify(document, null, 2));
  });

  for (const [arch, name, source] of [
    ['x86_64', 'many-relr', 'relr#'],
    ['x86', 'tables-rel', 'rel#'],
    ['mips', 'many-rel', 'got#'],
  ] as const) {
    it(`give the same document for ${arch}'s ${name}, ${source} rows among them`, async () => {
      const { printed, document } = await bothWays(await sample(arch, name));
      expect(document.relocations.some((row) => row.source.startsWith(source))).toBe(true);
      expect(printed).toBe(JSON.stringify(document, null, 2));
    });
  }

  it('name the local GOT rows of a mips file first', async () => {
    const document = inspect(plan(readElfFile(await sample('mips', 'many-rel'))));
    expect(document.localGot?.count).toBeGreaterThan(0);
    expect(document.relocations[0]).toMatchObject({ source: 'got#0', typeName: 'local GOT', relative: true, addend: null });
  });
});

type Document = ReturnType<typeof inspect>;

/**
 * The relocation table as the text output lays it out, rendered from the library's rows: each
 * column padded to its widest cell in characters, two blanks apart, each line's trailing blanks
 * dropped (as String.prototype.trimEnd drops them, U+00A0 among them).
 */
function relocationTable(document: Document): string {
  const rows = [
    ['source', 'vaddr', 'type', 'addend', 'applied', 'section', 'symbol'],
    ...document.relocations.map((row) => [
      row.source,
      row.vaddr,
      row.symbol === 0 ? row.typeName : `${row.typeName} (symbol ${row.symbol})`,
      row.addend ?? '',
      row.relative ? 'yes' : 'skipped',
      row.section ?? '',
      row.name ?? '',
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, column) => rows.reduce((width, row) => Math.max(width, (row[column] as string).length), 0));
  const lines = rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ')}`.trimEnd());
  return `Relocations (${document.relocations.length}):\n${lines.join('\n')}`;
}

async function expectTextTable(file: string): Promise<Document> {
  const printed = (await execa('node', [CLI, 'inspect', file])).stdout;
  const document = inspect(plan(readElfFile(file)));
  expect(printed.slice(printed.indexOf('\nRelocations (') + 1)).toBe(relocationTable(document));
  return document;
}

/**
 * Section and symbol names in UTF-8, which piekit reads as latin-1 (a byte a character), so that
 * they take more bytes than characters once printed, and symbols whose names end in a blank and
 * in U+00A0 (read as "blank\u00c2\u00a0"), which the end of a line drops.
 */
const NAMES_PROGRAM = `static int a, b, c;
__attribute__((section(".d\u00e4t\u00e4"), used)) int *t\\u00e9ble[3] = {&a, &b, &c};
__attribute__((used)) int *blank[2] __asm__("blank\\u00a0") = {&a, &b};
__attribute__((used)) int *spaced[2] __asm__("space ") = {&b, &c};
void _start(void) { for (;;) {} }
`;

describe("inspect's text table", () => {
  it('lists the library inspect() rows of a glibc shared library as aligned columns', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LIBC, 'libc6');
    await expectTextTable(LIBC);
  });

  for (const [arch, name] of [
    ['x86_64', 'many-relr'],
    ['x86', 'tables-rel'],
    ['mips', 'many-rel'],
  ] as const) {
    it(`lists the rows of ${arch}'s ${name} as aligned columns`, async () => {
      await expectTextTable(await sample(arch, name));
    });
  }

  it('aligns names of more bytes than characters, and drops the blanks that end a line', async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'clang-19', 'clang-19');
    const directory = await mkdtemp(join(tmpdir(), 'piekit-names-'));
    try {
      const source = join(directory, 'names.c');
      const program = join(directory, 'names');
      await writeFile(source, NAMES_PROGRAM);
      await execa('clang-19', ['-ffreestanding', '-nostdlib', '-fPIE', '-static-pie', '-fuse-ld=lld', '-O1', '-o', program, source]);
      const document = await expectTextTable(program);
      const names = document.relocations.map((row) => `${row.section} ${row.name}`);
      expect(names).toContain('.d\u00c3\u00a4t\u00c3\u00a4 t\u00c3\u00a9ble+0x8');
      expect(names).toContain('.data blank\u00c2\u00a0');
      expect(names).toContain('.data space ');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
