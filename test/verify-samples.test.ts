/**
 * piekit's samples built without the dump hook, verified as any static-PIE is: stopped under
 * qemu-user's GDB stub once the stub's relocation is done, on every architecture qemu runs, in
 * each table format its toolchain writes; and broken stubs caught by the words they leave wrong.
 */
import { type Arch, architectures, sampleFormats } from 'piekit/elf';
import { type VerifyReport, verifyFile } from 'piekit/verify';
import { describe, expect, it, type TestContext } from 'vitest';
import { requireCommand, requireToolchain, runsHere } from './support/environment.js';
import { builtProgram } from './support/samples.js';
import { IGNORE_RELA_FLAGS, SEED_RELR_FLAGS } from './support/variants.js';

const SAMPLES = ['hello', 'tables'] as const;
const RUNNABLE = architectures.filter((arch) => runsHere(arch) && arch.toolchain !== undefined);

async function build(arch: Arch, sample: string, format: string, cflags: readonly string[] = [], variant = 'plain'): Promise<string> {
  return builtProgram(
    { sources: [`samples/${sample}.c`], arch: arch.name, relr: format === 'relr', dump: false, cflags },
    `${arch.name}-${sample}-${format}-${variant}`,
  );
}

/** Every architecture runs under its qemu-user, the host's own included: the GDB stub is qemu's. */
async function verifyHere(context: TestContext, arch: Arch, file: string): Promise<VerifyReport> {
  await requireCommand(context, arch.emulator?.command ?? `qemu for ${arch.name}`, 'qemu-user');
  return verifyFile(file);
}

it('covers the 23 architectures qemu-user runs', () => {
  expect(RUNNABLE).toHaveLength(23);
});

describe('samples without the dump hook match the plan', () => {
  for (const arch of RUNNABLE) {
    const formats = sampleFormats(arch);
    it(`${arch.name}: ${SAMPLES.join(', ')} in ${formats.join(', ')}`, { timeout: 600_000 }, async (context) => {
      await requireToolchain(context, arch);
      for (const format of formats) {
        for (const sample of SAMPLES) {
          const file = await build(arch, sample, format);
          const report = await verifyHere(context, arch, file);
          const run = report.runs[0];
          expect(report.method, file).toBe('gdbstub');
          expect(report.stopPoint?.symbol, file).toBe('piekit_after_relocation');
          expect(run?.end.reason, file).toBe('stop point');
          expect(run?.compared?.differences, file).toEqual([]);
          expect(run?.compared?.comparedWords, file).toBe(report.plannedWords);
          expect(report.verified, file).toBe(true);
        }
      }
    });
  }
});

describe("a stub with the seed's RELR indexing leaves shifted words", () => {
  for (const arch of RUNNABLE.filter((candidate) => candidate.toolchain?.formats.relr !== undefined)) {
    it(arch.name, { timeout: 300_000 }, async (context) => {
      await requireToolchain(context, arch);
      const report = await verifyHere(context, arch, await build(arch, 'tables', 'relr', SEED_RELR_FLAGS, 'seed'));
      const compared = report.runs[0]?.compared;
      expect(report.runs[0]?.end.reason).toBe('stop point');
      expect(compared?.counts.shifted).toBeGreaterThan(0);
      expect(report.verified).toBe(false);
    });
  }
});

describe('a stub that ignores the RELA table leaves every word unrelocated', () => {
  for (const arch of RUNNABLE.filter((candidate) => candidate.abiTable === 'rela')) {
    it(arch.name, { timeout: 300_000 }, async (context) => {
      await requireToolchain(context, arch);
      const report = await verifyHere(context, arch, await build(arch, 'hello', 'rela', IGNORE_RELA_FLAGS, 'ignore-rela'));
      const differences = report.runs[0]?.compared?.differences ?? [];
      expect(report.runs[0]?.end.reason).toBe('stop point');
      expect(differences).toHaveLength(report.plannedWords);
      expect(differences.every((difference) => difference.kind === 'unrelocated')).toBe(true);
      expect(report.verified).toBe(false);
    });
  }
});
