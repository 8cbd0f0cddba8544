/**
 * The native engine (startup/relocate.c in-process) against the TypeScript engine: identical plan
 * documents and bytes, or the identical ElfError code, on every distinct host library and on
 * thousands of structure-aware mutants. Every engine call runs in a child process, each mutant
 * under a watchdog; a finding names its seed and index and leaves its reproducer behind.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { type Arch, archByName } from 'piekit/elf';
import { buildProgram } from 'piekit/toolchain';
import { describe, expect, it } from 'vitest';
import { mutantOf } from './fuzz/mutants.js';
import type { MutationSummary } from './fuzz/mutate.js';
import { requireFile, requireToolchain, requireX86_64Host } from './support/environment.js';
import { DISTINCT_LIBRARIES_AT_LEAST, distinctElfLibraries, LIB_DIR } from './support/libraries.js';
import { shapeOf } from './support/mutate.js';

const SEED = Number(process.env.PIEKIT_FUZZ_SEED ?? 20261130);
/** Mutants that must reach the engines: reading and validation before relocation accept them. */
const REACHED = Number(process.env.PIEKIT_FUZZ_COUNT ?? 10_000);
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

async function inputOf(file: string) {
  const bytes = new Uint8Array(await readFile(file));
  return { bytes, shape: shapeOf(bytes) };
}

async function mutationRun(args: readonly string[]): Promise<MutationSummary> {
  const run = await execa('node', ['build/ts/test/fuzz/mutate.js', ...args], { reject: false, timeout: 1_700_000 });
  expect(run.signal, `the mutation driver died: ${run.stderr}`).toBeUndefined();
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as MutationSummary;
}

describe('the native engine', () => {
  it(`agrees with the TypeScript engine on every distinct library in ${LIB_DIR}`, { timeout: 900_000 }, async (context) => {
    requireX86_64Host(context);
    const libraries = distinctElfLibraries();
    expect(libraries.length).toBeGreaterThanOrEqual(DISTINCT_LIBRARIES_AT_LEAST);
    const out = await mkdtemp(join(tmpdir(), 'piekit-libraries-'));
    const summary = await mutationRun(['--plain', '--watchdog', '60000', '--out', out, ...libraries]);
    console.log(`native = TypeScript on ${summary.generated} distinct libraries: ${JSON.stringify(summary.outcomes)}`);
    expect(summary.generated).toBe(libraries.length);
    expect(summary.findings).toEqual([]);
    expect(summary.outcomes.ok ?? 0).toBeGreaterThanOrEqual(DISTINCT_LIBRARIES_AT_LEAST - 20);
  });

  it(`agrees on ${REACHED} structure-aware mutants that reach the engines (seed ${SEED})`, { timeout: 1_800_000 }, async (context) => {
    const directory = await mkdtemp(join(tmpdir(), 'piekit-mutants-'));
    const inputs: string[] = [];
    for (const [name, sample, relr] of INPUTS) {
      await requireToolchain(context, archByName(name) as Arch);
      const output = join(directory, `${name}-${sample}${relr ? '-relr' : ''}`);
      await buildProgram({ sources: [`samples/${sample}.c`], arch: name, relr, dump: true, output });
      inputs.push(output);
    }
    const libz = join(LIB_DIR, 'libz.so.1');
    requireFile(context, libz, 'zlib1g');
    inputs.push(libz);
    const summary = await mutationRun(['--seed', String(SEED), '--reached', String(REACHED), '--out', join(directory, 'findings'), ...inputs]);
    console.log(`mutants (seed ${SEED}): ${summary.generated} made, ${summary.reached} reached the engines: ${JSON.stringify(summary.outcomes)}`);
    expect(summary.findings, 'each finding names its mutant (seed, index) and its reproducer file').toEqual([]);
    expect(summary.reached).toBe(REACHED);
    // Both kinds of outcome beyond reading must be common: plans made, and relocations refused.
    expect(summary.outcomes.ok ?? 0).toBeGreaterThan(REACHED / 10);
  });
});

describe('the mutation driver', () => {
  it('names a mutant that kills its process or hangs it, keeps its reproducer, and goes on', { timeout: 120_000 }, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'piekit-driver-'));
    const input = join('samples', 'out', 'x86_64', 'tables-relr');
    const run = await execa(
      'node',
      ['build/ts/test/fuzz/mutate.js', '--seed', '3', '--reached', '40', '--watchdog', '2000', '--out', directory, input],
      {
        reject: false,
        env: { PIEKIT_FUZZ_CRASH_AT: '5', PIEKIT_FUZZ_HANG_AT: '9' },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as MutationSummary;
    expect(summary.findings.map((finding) => [finding.index, finding.what])).toEqual([
      [5, 'the process died (SIGSEGV)'],
      [9, 'no outcome within the 2000 ms watchdog'],
    ]);
    expect(summary.reached).toBe(40);
    for (const finding of summary.findings) {
      expect(finding.reproducer).toBe(join(directory, `seed-3-mutant-${finding.index}`));
      expect(finding.file).toBe(input);
    }
    // A reproducer is the mutant itself: the same (seed, index) gives the same bytes.
    const [crashed] = summary.findings;
    expect(Buffer.compare(await readFile(crashed?.reproducer ?? ''), Buffer.from(mutantOf([await inputOf(input)], 3, 5).bytes))).toBe(0);
  });
});
