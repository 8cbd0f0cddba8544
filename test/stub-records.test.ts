/**
 * The stub's relocation facts come from the architecture record alone: no startup/arch/ header
 * states them. A build from a record with one fact changed, and no C changed, relocates
 * differently, and verify (which plans from the true record) sees exactly that change.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Arch, archByName, architectures, readElfFile } from 'piekit/elf';
import { relocationDefines } from 'piekit/toolchain';
import { type VerifyReport, verifyFile } from 'piekit/verify';
import { describe, expect, it, type TestContext } from 'vitest';
import { requireEmulator, requireToolchain } from './support/environment.js';
import { builtProgram } from './support/samples.js';

function record(name: string): Arch {
  const arch = archByName(name);
  if (arch === undefined) throw new Error(`no record ${name}`);
  return arch;
}

/** The `tables` sample with the dump hook, built from `arch` (a record, possibly altered), then verified by its own dump. */
async function buildAndVerify(context: TestContext, arch: Arch, variant: string): Promise<VerifyReport> {
  await requireToolchain(context, arch);
  const file = await builtProgram({ sources: ['samples/tables.c'], arch, relr: false, dump: true }, `${arch.name}-tables-${variant}`);
  await requireEmulator(context, readElfFile(file));
  return verifyFile(file);
}

function differencesByKind(report: VerifyReport): Record<string, number> {
  return { ...report.runs[0]?.compared?.counts };
}

describe('a changed record changes the built stub, C untouched', () => {
  it("x86_64: another relative type, and the stub applies none of the file's R_X86_64_RELATIVE entries", { timeout: 300_000 }, async (context) => {
    const x86_64 = record('x86_64');
    const faithful = await buildAndVerify(context, x86_64, 'record');
    expect(faithful.verified).toBe(true);
    // R_X86_64_NONE: no entry of the file has it, so the stub takes every entry for a symbolic one.
    const altered = await buildAndVerify(context, { ...x86_64, relativeType: 0 }, 'relative-type-0');
    const run = altered.runs[0];
    expect(altered.verified).toBe(false);
    expect(run?.compared?.differences.length).toBeGreaterThan(0);
    // Every word the RELA table relocates, and nothing else, stays as the file holds it.
    expect(
      run?.compared?.differences.every((difference) => difference.kind === 'unrelocated' && difference.writers.every((w) => w.startsWith('rela#'))),
    ).toBe(true);
    expect(differencesByKind(altered).unrelocated).toBe(run?.compared?.differences.length);
  });

  it('the defines follow the record: mips64 and mips64el compare the whole r_info, placed by byte order', () => {
    const big = relocationDefines(record('mips64'));
    const little = relocationDefines(record('mips64el'));
    // R_MIPS_REL32 (3) with R_MIPS_64 (18) as r_type2: the bytes r_ssym, r_type3, r_type2, r_type.
    expect(big).toContain('-DPK_ARCH_RELATIVE_INFO=((uintptr_t)0x1203ull)');
    expect(little).toContain('-DPK_ARCH_RELATIVE_INFO=((uintptr_t)0x312000000000000ull)');
    expect(big).toContain('-DPK_ARCH_RELATIVE_MASK=((uintptr_t)0xffffffffffffffffull)');
    expect(big).toContain('-DPK_ARCH_LOCAL_GOT');
    expect(relocationDefines(record('arc'))).toContain('-DPK_ARCH_RELA_ADDS_TO_WORD');
    expect(relocationDefines(record('x86_64'))).toEqual([
      '-DPK_ARCH_RELATIVE_MASK=((uintptr_t)0xffffffffull)',
      '-DPK_ARCH_RELATIVE_INFO=((uintptr_t)0x8ull)',
    ]);
  });
});

it('every record with a toolchain names a stub folder that exists, and the others none', () => {
  for (const arch of architectures) {
    if (arch.toolchain === undefined) expect(arch.stub, arch.name).toBeUndefined();
    else expect(existsSync(join('startup', 'arch', arch.stub ?? '-', 'arch.h')), arch.name).toBe(true);
  }
});
