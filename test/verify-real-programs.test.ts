/**
 * Real static-PIEs from other toolchains, built here, verified as they run under qemu-user's GDB
 * stub: glibc (x86_64 RELA and RELR, aarch64 at qemu's base, at chosen bases and at random ones),
 * musl with RELA, and musl with RELR, whose startup ignores DT_RELR: its fault is reported and
 * every word RELR relocates is found unrelocated, in the running program and in its core dumps.
 */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { archByName } from 'piekit/elf';
import { type VerifyReport, verifyCore, verifyFile } from 'piekit/verify';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { linkMuslStaticPie, PROGRAM } from './support/c-runtimes.js';
import { requireCommand, requireFile, requireX86_64Host, skipTest } from './support/environment.js';
import { kernelCoreOf } from './support/kernel-core.js';
import { scratchDirectory } from './support/scratch.js';

const MUSL = '/usr/lib/x86_64-linux-musl';

const scratch = scratchDirectory('verify-real');

beforeAll(async () => {
  await writeFile(scratch.at('program.c'), PROGRAM);
});

async function build(command: string, args: readonly string[]): Promise<void> {
  const result = await execa(command, args, { cwd: scratch.path, reject: false, all: true });
  expect(result.exitCode, `${command} ${args.join(' ')}: ${result.all}`).toBe(0);
}

const muslBuilds = new Map<string, Promise<string>>();

/** The musl static-PIEs of the program, built once each. */
async function buildMusl(context: TestContext, output: string, flags: readonly string[]): Promise<string> {
  requireX86_64Host(context);
  await requireCommand(context, 'musl-gcc', 'musl-tools');
  requireFile(context, `${MUSL}/rcrt1.o`, 'musl-dev');
  let built = muslBuilds.get(output);
  if (built === undefined) {
    built = linkMusl(output, flags);
    muslBuilds.set(output, built);
  }
  return built;
}

async function linkMusl(output: string, flags: readonly string[]): Promise<string> {
  return linkMuslStaticPie(scratch.at('program.c'), scratch.at(output), flags);
}

function expectVerified(report: VerifyReport, stopAt: string): void {
  expect(report.method).toBe('gdbstub');
  expect(report.stopPoint?.symbol).toBe(stopAt);
  for (const run of report.runs) {
    expect(
      run.end.reason,
      JSON.stringify(run.end, (_key, value) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value)),
    ).toBe('stop point');
    expect(run.compared?.differences).toEqual([]);
    expect(run.compared?.comparedWords).toBe(report.plannedWords);
  }
  expect(report.plannedWords).toBeGreaterThan(100);
  expect(report.verified).toBe(true);
}

describe('glibc 2.36 static-PIEs', () => {
  for (const [name, flags] of [
    ['RELA', []],
    ['RELR', ['-Wl,-z,pack-relative-relocs']],
  ] as const) {
    it(`x86_64 ${name}: every planned word as planned at __libc_setup_tls`, async (context) => {
      requireX86_64Host(context);
      const file = scratch.at(`glibc-${name}`);
      await build('gcc', ['-static-pie', '-O2', ...flags, 'program.c', '-o', file]);
      const report = await verifyFile(file);
      expectVerified(report, '__libc_setup_tls');
      expect(report.stopPoint?.chosenBy).toBe('glibc');
      // IRELATIVE entries are applied after the relocation proper, by apply_irel: not checked.
      expect(report.notChecked.every((skip) => skip.typeName === 'R_X86_64_IRELATIVE')).toBe(true);
    });
  }

  it('aarch64: at qemu-aarch64 base, at three chosen bases through the loader and at 10 random ones', { timeout: 600_000 }, async (context) => {
    await requireCommand(context, 'aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
    await requireCommand(context, 'qemu-aarch64', 'qemu-user');
    const file = scratch.at('glibc-aarch64');
    await build('aarch64-linux-gnu-gcc', ['-static-pie', '-O2', 'program.c', '-o', file]);
    const atQemuBase = await verifyFile(file);
    expectVerified(atQemuBase, '__libc_setup_tls');
    expect(atQemuBase.runs[0]?.base).toBe(0x5500000000n);

    const bases = archByName('aarch64')?.loaderBases ?? [];
    expect(bases.some((base) => base > 0xffffffffn)).toBe(true);
    for (const base of bases) {
      const report = await verifyFile(file, { base });
      expectVerified(report, '__libc_setup_tls');
      expect(report.runs[0]?.base).toBe(base);
    }
    const random = await verifyFile(file, { base: 'random', runs: 10 });
    expectVerified(random, '__libc_setup_tls');
    expect(random.runs).toHaveLength(10);
    expect(new Set(random.runs.map((run) => run.base)).size).toBeGreaterThan(1);
  });
});

describe('musl 1.2.3 static-PIEs', () => {
  it('RELA: every planned word as planned when __dls2 is entered', async (context) => {
    const file = await buildMusl(context, 'musl-rela', []);
    const report = await verifyFile(file);
    expect(report.stopPoint).toMatchObject({ symbol: '__dls2', chosenBy: 'musl' });
    expect(report.runs[0]?.end.reason).toBe('stop point');
    expect(report.runs[0]?.compared?.differences).toEqual([]);
    expect(report.verified).toBe(true);
  });

  describe('RELR, which its startup ignores', () => {
    let relrWords: bigint[] = [];
    const relrProgram = (context: TestContext): Promise<string> => buildMusl(context, 'musl-relr', ['-Wl,-z,pack-relative-relocs']);

    /** Every word RELR relocates is left as in the file, and nothing else differs. */
    function expectRelrUnrelocated(report: VerifyReport): void {
      const compared = report.runs[0]?.compared;
      expect(compared).toBeDefined();
      const differences = compared?.differences ?? [];
      expect(differences.length).toBe(report.plannedWords);
      expect(differences.every((difference) => difference.kind === 'unrelocated')).toBe(true);
      expect(differences.every((difference) => difference.writers.every((writer) => writer.startsWith('relr#')))).toBe(true);
      // Named by symbol where the file has them.
      expect(differences.some((difference) => difference.symbol !== undefined)).toBe(true);
      const words = differences.map((difference) => difference.vaddr);
      if (relrWords.length === 0) relrWords = words;
      expect(words).toEqual(relrWords);
      expect(report.verified).toBe(false);
    }

    it('crashes under the kernel', async (context) => {
      const file = await relrProgram(context);
      const run = await execa(file, [], { reject: false });
      expect(run.signal).toBe('SIGSEGV');
    });

    it('is stopped when __dls2 is entered, every RELR word unrelocated, and the fault reported when let run on', async (context) => {
      const file = await relrProgram(context);
      const report = await verifyFile(file, { runOnSeconds: 5 });
      expect(report.runs[0]?.end.reason).toBe('stop point');
      expectRelrUnrelocated(report);
      const afterwards = report.runs[0]?.afterwards;
      expect(afterwards).toMatchObject({ reason: 'signal', signalName: 'SIGSEGV' });
      if (afterwards?.reason !== 'signal') throw new Error('no fault');
      expect(afterwards.symbol?.name).toBeDefined();
    });

    it('is judged the same from a core dumped by the kernel', async (context) => {
      const file = await relrProgram(context);
      const cores = await mkdtemp(scratch.at('kernel-'));
      const dumped = await kernelCoreOf(file, cores);
      if ('unavailable' in dumped) skipTest(context, dumped.unavailable);
      const report = await verifyCore(file, dumped.core);
      expect(report.method).toBe('core');
      expect(report.runs[0]?.end).toMatchObject({ reason: 'core', signal: 11, signalName: 'SIGSEGV' });
      expectRelrUnrelocated(report);
    });

    it('is judged the same from the core qemu-user writes', async (context) => {
      const file = await relrProgram(context);
      await requireCommand(context, 'qemu-x86_64', 'qemu-user');
      const cores = await mkdtemp(scratch.at('qemu-'));
      // qemu then dies of the signal itself; a directory named `core` keeps the kernel from
      // writing qemu's own, much larger core there.
      await mkdir(join(cores, 'core'));
      await execa('bash', ['-c', `ulimit -c unlimited; exec qemu-x86_64 ${file}`], { cwd: cores, reject: false });
      const core = (await readdir(cores)).find((name) => name.startsWith('qemu_') && name.endsWith('.core'));
      expect(core, 'qemu_<program>_<date>-<time>_<pid>.core').toBeDefined();
      const report = await verifyCore(file, join(cores, core as string));
      expect(report.runs[0]?.base).toBe(0x4000000000n);
      expect(report.runs[0]?.end).toMatchObject({ reason: 'core', signal: 11 });
      expectRelrUnrelocated(report);
    });
  });
});
