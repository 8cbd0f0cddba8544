/**
 * The two ways to inspect a file agree: the library's `inspect` builds the document as objects,
 * the command line writes `inspect --json` as it walks the tables a block of rows at a time. Files
 * with every row source: RELA and DT_JMPREL (libc), RELR (a sample), REL and the MIPS local GOT.
 */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { inspect, plan } from 'piekit';
import { readElfFile } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/cli.js';
import { requireFile, requireX86_64Host } from './support/environment.js';
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
