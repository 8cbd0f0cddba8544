/**
 * The native engine (startup/relocate.c in-process) against the TypeScript engine: identical plan
 * documents and bytes, or the identical ElfError code, on every host library and on thousands of
 * seeded mutants run in a child process that must not die.
 */
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildProgram, toolchainFor } from 'piekit';
import { outcome } from './fuzz/outcome.js';
import { missingToolchain } from './support/requirements.js';

const LIB_DIR = '/usr/lib/x86_64-linux-gnu';
const SEED = Number(process.env.PIEKIT_FUZZ_SEED ?? 20261125);
const MUTANTS = Number(process.env.PIEKIT_FUZZ_COUNT ?? 10_000);
/** Mutation inputs: both classes, both byte orders, REL, RELA, RELR and a MIPS local GOT. */
const INPUTS = [
  ['x86_64', 'tables', true],
  ['x86_64', 'hello', false],
  ['x86', 'tables', false],
  ['aarch64_be', 'tables', true],
  ['mips', 'hello', false],
  ['mips64el', 'tables', true],
  ['powerpc', 'hello', false],
  ['sparc64', 'tables', false],
] as const;

async function elfFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of (await readdir(directory)).filter((entry) => /\.so(\.|$)/.test(entry)).sort()) {
    const path = join(directory, name);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile() || info.size < 64) continue;
    const head = (await readFile(path)).subarray(0, 4);
    if (head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) files.push(path);
  }
  return files;
}

describe('the native engine', () => {
  it(`agrees with the TypeScript engine on every library in ${LIB_DIR}`, { timeout: 900_000 }, async () => {
    const libraries = await elfFiles(LIB_DIR);
    expect(libraries.length).toBeGreaterThan(20);
    const outcomes = new Map<string, number>();
    for (const library of libraries) {
      const bytes = new Uint8Array(await readFile(library));
      const ts = outcome(bytes, 'ts');
      expect(outcome(bytes, 'native'), library).toBe(ts);
      const kind = ts.startsWith('ok') ? 'ok' : ts;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    }
    console.log(`native = TypeScript on ${libraries.length} libraries: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(20);
  });

  it(`agrees on ${MUTANTS} mutated files (seed ${SEED}) and never takes the process down`, { timeout: 900_000 }, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'piekit-mutants-'));
    const inputs: string[] = [];
    for (const [arch, sample, relr] of INPUTS) {
      const toolchain = toolchainFor(arch);
      const missing = toolchain === undefined ? `no toolchain for ${arch}` : await missingToolchain(toolchain);
      if (missing !== undefined) {
        console.log(`mutation input ${arch}/${sample} left out: ${missing}`);
        continue;
      }
      const output = join(directory, `${arch}-${sample}${relr ? '-relr' : ''}`);
      await buildProgram({ sources: [`samples/${sample}.c`], arch, relr, dump: true, output });
      inputs.push(output);
    }
    inputs.push(join(LIB_DIR, 'libz.so.1'));
    const run = await execa('node', ['dist/test/fuzz/mutate.js', String(SEED), String(MUTANTS), ...inputs], {
      reject: false,
      timeout: 800_000,
      env: { PIEKIT_MUTANTS_DIR: join(directory, 'disagreements') },
    });
    expect(run.signal, `the mutation run died (seed ${SEED}): ${run.stderr}`).toBeUndefined();
    expect(run.exitCode, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { count: number; outcomes: Record<string, number>; disagreements: string[]; defects: string[] };
    console.log(`mutants (seed ${SEED}, inputs ${inputs.length}): ${JSON.stringify(summary.outcomes)}`);
    expect(summary.count).toBe(MUTANTS);
    expect(summary.defects).toEqual([]);
    expect(summary.disagreements).toEqual([]);
    expect(summary.outcomes.ok ?? 0).toBeGreaterThan(MUTANTS / 10);
  });
});
