/**
 * piekit trace on real C runtimes' static-PIEs built here (glibc 2.36 on x86_64 with RELA and
 * RELR and on aarch64 under qemu, musl 1.2.3 with RELA) and on Debian's stripped x86_64 ldconfig
 * (glibc 2.36, RELR), stopped where verify stops them: every planned word is stored by the
 * runtime's own relocator before the stop, once, and nothing reads one before it is stored.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { type TraceReport, traceFile } from 'piekit/trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkMuslStaticPie, PROGRAM } from './support/c-runtimes.js';
import { requireCommand, requireFile, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';

const LDCONFIG = '/usr/sbin/ldconfig';

const scratch = scratchDirectory('trace-runtimes');

beforeAll(async () => {
  await writeFile(scratch.at('program.c'), PROGRAM);
});

/** Every planned word stored by the relocator, once, before the stop; none read before its store. */
function expectRelocatedByItsRuntime(report: TraceReport, relocator: string | undefined): void {
  expect(report.stop.reached, report.file).toBe(true);
  expect(report.plannedWords).toBeGreaterThan(1000);
  expect(report.words).toEqual({ relocated: report.plannedWords, readBeforeRelocation: 0, writtenTwice: 0, writtenByOtherCode: 0, neverWritten: 0 });
  expect(report.findings).toEqual([]);
  expect(report.clean).toBe(true);
  if (relocator !== undefined) expect(report.relocator?.low.symbol?.name).toBe(relocator);
  expect(report.relocator?.pagesDirtied).toBeGreaterThan(0);
}

describe('glibc 2.36', () => {
  for (const [name, flags] of [
    ['RELA', []],
    ['RELR', ['-Wl,-z,pack-relative-relocs']],
  ] as const) {
    it(`x86_64 ${name}, stopped at __libc_setup_tls`, async (context) => {
      requireX86_64Host(context);
      await requireCommand(context, 'qemu-x86_64', 'qemu-user');
      const file = scratch.at(`glibc-${name}`);
      await execa('gcc', ['-static-pie', '-O2', ...flags, scratch.at('program.c'), '-o', file]);
      const report = await traceFile(file);
      expect(report.stop.symbol).toBe('__libc_setup_tls');
      expectRelocatedByItsRuntime(report, '_dl_relocate_static_pie');
    });
  }

  it('aarch64 under qemu-aarch64, and through the loader at a random base', async (context) => {
    await requireCommand(context, 'aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
    await requireCommand(context, 'qemu-aarch64', 'qemu-user');
    const file = scratch.at('glibc-aarch64');
    await execa('aarch64-linux-gnu-gcc', ['-static-pie', '-O2', scratch.at('program.c'), '-o', file]);
    const atQemuBase = await traceFile(file);
    expectRelocatedByItsRuntime(atQemuBase, '_dl_relocate_static_pie');
    const loaded = await traceFile(file, { base: 'random' });
    expectRelocatedByItsRuntime(loaded, '_dl_relocate_static_pie');
    expect(loaded.base).not.toBe(atQemuBase.base);
    // The same code at another base: the same instructions.
    expect(loaded.relocator?.instructions).toBe(atQemuBase.relocator?.instructions);
  });

  it("Debian's stripped ldconfig, to its first system call, at qemu's base and at a random one", async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    for (const base of [undefined, 'random'] as const) {
      const report = await traceFile(LDCONFIG, base === undefined ? {} : { base });
      expect(report.stop.kind).toBe('system call');
      expectRelocatedByItsRuntime(report, undefined);
      expect(report.firstSystemCall?.count).toBeGreaterThan(report.relocator?.instructions ?? 0n);
    }
  });
});

describe('musl 1.2.3', () => {
  it('x86_64 RELA, stopped at __dls2', async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const file = await linkMuslStaticPie(scratch.at('program.c'), scratch.at('musl-rela'));
    const report = await traceFile(file);
    expect(report.stop.symbol).toBe('__dls2');
    expect(report.stop.reached).toBe(true);
    expect(report.words.relocated).toBe(report.plannedWords);
    expect(report.findings).toEqual([]);
    expect(report.relocator?.low.symbol?.name).toBe('_start_c');
  });
});
