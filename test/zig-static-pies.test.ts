/**
 * Real Zig 0.11 static-PIEs (test/support/zig.ts) on every architecture Zig 0.11's PIE startup
 * supports, each run under qemu-user: a stripped copy verifies with no option (stopped at its
 * first system call), audit recognises the runtime it carries as Zig and calls it safe, and the
 * trace sees Zig's relocator store every planned word before that system call. Relinked with RELR,
 * which Zig 0.11 ignores, the program goes wrong and verify catches it; unpacked, it runs again,
 * because unpack writes zeros where Zig's `*p += base + addend` adds.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { AuditReport } from 'piekit/audit';
import { readElfFile } from 'piekit/elf';
import { traceFile } from 'piekit/trace';
import { verifyFile } from 'piekit/verify';
import { describe, expect, it, type TestContext } from 'vitest';
import { linkMuslObject } from './support/c-runtimes.js';
import { requireCommand, requireEmulator, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';
import { expectVerifiedAtFirstSystemCall, strippedCopy } from './support/stripped.js';
import { PROGRAM, PROGRAM_OUTPUT, requireZig, runZig, START_PIE, ZIG_TARGETS, type ZigTarget, zigMuslObject, zigStaticPie } from './support/zig.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'loader', 'cli', 'main.js');
/** The first build of an architecture compiles PROGRAM with Zig: tens of seconds on a busy machine. */
const BUILDS = 600_000;

const scratch = scratchDirectory('zig');

async function cli(...args: string[]) {
  return execa(process.execPath, [CLI, ...args], { reject: false });
}

async function run(context: TestContext, file: string) {
  const [command, ...prefix] = await requireEmulator(context, readElfFile(file));
  // A program that loops (as one relocated wrongly may) is ended.
  const options = { reject: false, timeout: 30_000 } as const;
  return command === undefined ? execa(file, [], options) : execa(command, [...prefix, file], options);
}

/** PROGRAM's pointers: every build plans these and what std adds. */
const PROGRAM_POINTERS = 4096;

async function auditJson(file: string): Promise<{ status: number | undefined; report: AuditReport }> {
  const result = await cli('audit', file, '--json');
  return { status: result.exitCode, report: JSON.parse(result.stdout) as AuditReport };
}

describe("Zig 0.11's PIE startup", () => {
  it('knows R_RELATIVE for exactly the architectures built here; any other target is refused when compiled', async (context) => {
    requireZig(context);
    const source = await readFile(START_PIE, 'utf8');
    const relative = /const R_RELATIVE = switch \(builtin\.cpu\.arch\) \{([^}]*)\}/.exec(source)?.[1] ?? '';
    const arches = [...relative.matchAll(/^\s*\.(\w+) =>/gm)].map((match) => match[1]);
    expect(arches.sort()).toEqual(ZIG_TARGETS.map((target) => target.zig).sort());
    expect(relative).toMatch(/else => @compileError\("Missing R_RELATIVE definition for this target"\)/);
    // Thumb, the nearest target qemu-arm also runs.
    const thumb = await runZig(['build-obj', PROGRAM, '-target', 'thumb-linux-eabihf', '-fPIE', '-O', 'ReleaseSmall', '-fno-emit-bin']);
    expect(thumb.exitCode).not.toBe(0);
    expect(thumb.all).toContain('error: Missing R_RELATIVE definition for this target');
  });
});

for (const target of ZIG_TARGETS) {
  describe(`${target.arch} (zig -target ${target.target})`, () => {
    const stripped = (context: TestContext, link: 'zig' | 'relr' = 'zig'): Promise<string> => zigStaticPie(context, target, link, { stripped: true });

    it('runs; stripped, it verifies with no option: every planned word as planned at its first system call', { timeout: BUILDS }, async (context) => {
      const file = await stripped(context);
      const ran = await run(context, file);
      expect(ran.stdout).toBe(PROGRAM_OUTPUT);
      expect(ran.exitCode).toBe(0);
      expectVerifiedAtFirstSystemCall(await verifyFile(file), PROGRAM_POINTERS);
      const result = await cli('verify', file);
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/ planned words as planned, verified; .*stopped at the first system call/);
    });

    it('audit: carries Zig (by its symbols, and stripped by its strings), judged by zig-0.11, safe, exit 0', { timeout: BUILDS }, async (context) => {
      const withSymbols = await zigStaticPie(context, target, 'zig');
      for (const [file, evidence] of [
        [withSymbols, 'symbol start.posixCallMainAndExit'],
        [await stripped(context), 'string "Panicked during a panic. Aborting."'],
      ] as const) {
        const { status, report } = await auditJson(file);
        expect(report.carried.family, file).toBe('zig');
        expect(report.carried.evidence).toContain(evidence);
        expect(report.judgedBy).toEqual(['zig-0.11']);
        expect(report.runtimes.find((runtime) => runtime.runtime === 'zig-0.11')?.status).toBe('safe');
        expect(status).toBe(0);
      }
    });

    it("trace: clean, every planned word stored once by Zig's relocator before the first system call", { timeout: BUILDS }, async (context) => {
      const report = await traceFile(await stripped(context));
      expect(report.stop).toMatchObject({ kind: 'system call', reached: true });
      expect(report.words).toEqual({
        relocated: report.plannedWords,
        readBeforeRelocation: 0,
        writtenTwice: 0,
        writtenByOtherCode: 0,
        neverWritten: 0,
      });
      expect(report.findings).toEqual([]);
      expect(report.clean).toBe(true);
      expect(report.firstSystemCall?.count).toBeGreaterThan(report.relocator?.instructions ?? 0n);
    });

    it('relinked with RELR, which Zig 0.11 ignores: it goes wrong, verify exits 1 with every word unrelocated, audit exits 1', {
      timeout: BUILDS,
    }, async (context) => {
      const file = await stripped(context, 'relr');
      const ran = await run(context, file);
      expect(ran.exitCode === 0 && ran.stdout === PROGRAM_OUTPUT, ran.stdout).toBe(false);
      const report = await verifyFile(file);
      expect(report.verified).toBe(false);
      expect(report.stopPoint?.kind).toBe('system call');
      const compared = report.runs[0]?.compared;
      expect(compared?.comparedWords).toBe(report.plannedWords);
      expect(compared?.counts.unrelocated).toBe(report.plannedWords);
      const result = await cli('verify', file);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(/ words differ \(\d+ unrelocated\)/);
      const { status, report: audited } = await auditJson(file);
      expect(audited.carried.family).toBe('zig');
      expect(audited.runtimes.find((runtime) => runtime.runtime === 'zig-0.11')?.reason ?? '').toMatch(/no RELR/);
      expect(status).toBe(1);
    });

    it('unpacked from RELR, it runs and verifies: zeros in place for RELA, the value in place for REL', { timeout: BUILDS }, async (context) => {
      const file = await stripped(context, 'relr');
      const unpacked = scratch.at(`${target.arch}-unpacked`);
      const result = await cli('unpack', file, '-o', unpacked);
      expect(result.exitCode, result.stderr).toBe(0);
      const ran = await run(context, unpacked);
      expect(ran.stdout).toBe(PROGRAM_OUTPUT);
      expectVerifiedAtFirstSystemCall(await verifyFile(unpacked), PROGRAM_POINTERS);
      expect((await cli('audit', unpacked)).exitCode).toBe(0);
    });
  });
}

describe("a Zig program whose startup is a libc's", () => {
  it("linked with Debian's musl 1.2.3 (rcrt1.o), stripped: Zig's strings are no evidence beside DT_INIT; it verifies at its first system call", async (context) => {
    requireZig(context);
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    const linked = await linkMuslObject(await zigMuslObject(), scratch.at('zig-musl'));
    const file = await strippedCopy(context, linked, scratch.at('zig-musl-stripped'));
    expect((await execa(file, [])).stdout).toBe(PROGRAM_OUTPUT);
    const bytes = await readFile(file);
    expect(bytes.includes('Panicked during a panic. Aborting.')).toBe(true);
    expect((await execa('readelf', ['-d', '-W', file])).stdout).toMatch(/\(INIT\)/);
    const { report } = await auditJson(file);
    expect(report.carried.family).toBe('unknown');
    expectVerifiedAtFirstSystemCall(await verifyFile(file), PROGRAM_POINTERS);
  });
});

describe('RELA unpacked with the addends kept', () => {
  const rela = ZIG_TARGETS.filter((target: ZigTarget) => target.arch !== 'x86' && target.arch !== 'arm');
  for (const target of rela) {
    it(`${target.arch}: refused, as Zig 0.11 would add each addend twice; forced, verify finds base + 2 x addend`, {
      timeout: BUILDS,
    }, async (context) => {
      const file = await zigStaticPie(context, target, 'relr', { stripped: true });
      const kept = scratch.at(`${target.arch}-kept`);
      const refused = await cli('unpack', file, '-o', kept, '--keep-addends');
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(/it carries zig, and zig-0\.11 breaks it \([\d,]+ other words\); --force writes it anyway/);
      expect((await cli('unpack', file, '-o', kept, '--keep-addends', '--force')).exitCode).toBe(0);
      const report = await verifyFile(kept);
      const differences = report.runs[0]?.compared?.differences ?? [];
      const base = report.runs[0]?.base ?? 0n;
      expect(differences.length).toBe(report.plannedWords);
      for (const difference of differences) expect(difference.actual).toBe(2n * difference.expected - base);
    });
  }
});
