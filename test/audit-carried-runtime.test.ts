/**
 * audit judges a static-PIE by the runtime it carries: real glibc and musl static-PIEs built here
 * (RELA and RELR, with symbols and stripped by `strip`), the host's own ldconfig (Debian's
 * stripped glibc 2.36 static-PIE) and Debian's s390x one, whose R_390_64 entries glibc applies. The runtime each was built with is known from how the test
 * built it; the glibc release from the program's own `--version`; the files a directory walk skips
 * from GNU readelf.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { AuditReport } from 'piekit/audit';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { CLI } from './support/cli.js';
import { missing, requireCommand, requireFile, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';

const LDCONFIG = '/usr/sbin/ldconfig';
/** Debian's static-PIEs of other architectures, fetched by scripts/fetch-shipped. */
const SHIPPED = join(import.meta.dirname, '..', 'build', 'shipped');
/** Debian's s390x ldconfig (glibc 2.36). */
const LDCONFIG_S390X = join(SHIPPED, 'ldconfig-s390x');
const PROGRAM = '#include <stdio.h>\nint main(int argc, char **argv) { printf("%s %d\\n", argv[0], argc); return 0; }\n';

async function audit(...args: string[]) {
  const run = await execa('node', [CLI, 'audit', ...args], { reject: false });
  return { status: run.exitCode, stdout: run.stdout, stderr: run.stderr };
}

async function auditJson(file: string, ...args: string[]): Promise<{ status: number | undefined; report: AuditReport }> {
  const run = await audit(file, '--json', ...args);
  return { status: run.status, report: JSON.parse(run.stdout) as AuditReport };
}

const scratch = scratchDirectory('carried');
beforeAll(async () => {
  await writeFile(scratch.at('prog.c'), PROGRAM);
});
async function stripped(file: string): Promise<string> {
  await execa('strip', ['-o', `${file}-stripped`, file]);
  return `${file}-stripped`;
}

describe.concurrent('the runtime a file carries', () => {
  it("the host's ldconfig: glibc, the release it prints itself, exit 0; IRELATIVE entries glibc applies are information", async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    const release = /\) (2\.\d+)$/m.exec((await execa(LDCONFIG, ['--version'])).stdout)?.[1];
    const { status, report } = await auditJson(LDCONFIG);
    expect(status).toBe(0);
    expect(report.carried).toMatchObject({ family: 'glibc', version: release, judgedBy: ['glibc-2.36'] });
    expect(report.judgedBy).toEqual(['glibc-2.36']);
    expect(report.safe).toBe(true);
    expect(report.hazards.find((hazard) => hazard.id === 'entries-irelative')?.severity).toBe('info');
    expect(report.runtimes.find((runtime) => runtime.runtime === 'spec')?.status).toBe('safe');
  });

  it("Debian's s390x ldconfig: its R_390_64 entries, which glibc applies, are information under glibc and an error under musl", async (context) => {
    if (!existsSync(LDCONFIG_S390X)) missing(context, `${LDCONFIG_S390X}, fetched by scripts/fetch-shipped`);
    await requireCommand(context, 'readelf', 'binutils');
    // GNU readelf's count of the file's R_390_64 entries.
    const symbolic = (await execa('readelf', ['-rW', LDCONFIG_S390X])).stdout.split('\n').filter((line) => /\sR_390_64\s/.test(line)).length;
    expect(symbolic).toBeGreaterThan(0);
    const { status, report } = await auditJson(LDCONFIG_S390X);
    expect(status).toBe(0);
    expect(report.carried).toMatchObject({ family: 'glibc', judgedBy: ['glibc-2.36'] });
    expect(report.safe).toBe(true);
    const hazard = report.hazards.find((candidate) => candidate.id === 'entries-symbolic');
    expect(hazard).toMatchObject({ severity: 'info', count: symbolic, message: expect.stringContaining(`R_390_64 ×${symbolic}`) });
    expect(hazard?.message).toContain('the runtime the file carries (glibc-2.36) applies them');
    expect(report.hazards.filter((candidate) => candidate.severity === 'error')).toEqual([]);
    // Judged by a runtime that leaves them alone, the same entries are an error.
    const musl = await auditJson(LDCONFIG_S390X, '--runtime', 'musl-1.2.4');
    expect(musl.status).toBe(1);
    expect(musl.report.hazards.find((candidate) => candidate.id === 'entries-symbolic')?.severity).toBe('error');
  });

  // GNU ld puts .rodata in the code segment on arm64 and s390x: glibc's strings are found there too.
  for (const [name, emulator] of [
    ['ldconfig-arm64', 'qemu-aarch64'],
    ['ldconfig-s390x', 'qemu-s390x'],
  ] as const) {
    it(`Debian's ${name}, its constant data in the code segment: glibc, the release it prints itself under ${emulator}`, async (context) => {
      const file = join(SHIPPED, name);
      if (!existsSync(file)) missing(context, `${file}, fetched by scripts/fetch-shipped`);
      await requireCommand(context, emulator, 'qemu-user');
      const release = /\) (2\.\d+)$/m.exec((await execa(emulator, [file, '--version'])).stdout)?.[1];
      expect(release).toBeDefined();
      const { status, report } = await auditJson(file);
      expect(status).toBe(0);
      expect(report.carried).toMatchObject({ family: 'glibc', version: release, judgedBy: [`glibc-${release}`], otherReleases: [] });
      expect(report.carried.evidence).toEqual(expect.arrayContaining(['string "GLIBC_TUNABLES"', `version string ${release}`]));
      // Known to carry a glibc that applies RELR, the file packs without --force.
      const packed = await execa('node', [CLI, 'pack', file, '-o', scratch.at(`${name}-packed`)], { reject: false });
      expect(packed.exitCode, packed.stderr).toBe(0);
      expect(packed.stdout).toContain(`it carries glibc ${release}: glibc-${release} relocates it as planned`);
    });
  }

  for (const relr of [false, true]) {
    it(`a glibc static-PIE (${relr ? 'RELR' : 'RELA'}), and its stripped copy: glibc, exit 0`, async (context) => {
      requireX86_64Host(context);
      await requireCommand(context, 'gcc', 'gcc');
      requireFile(context, '/usr/lib/x86_64-linux-gnu/libc.a', 'libc6-dev');
      const file = scratch.at(`glibc-${relr ? 'relr' : 'rela'}`);
      await execa('gcc', ['-O2', '-static-pie', ...(relr ? ['-Wl,-z,pack-relative-relocs'] : []), '-o', file, scratch.at('prog.c')]);
      for (const candidate of [file, await stripped(file)]) {
        const { status, report } = await auditJson(candidate);
        expect(status, candidate).toBe(0);
        expect(report.carried.family).toBe('glibc');
        expect(report.judgedBy).toEqual(['glibc-2.36']);
        // No version string in a plain program: built against glibc 2.35, a RELR file would break, and a warning says so.
        const release = report.hazards.find((hazard) => hazard.id === 'runtime-release');
        if (relr) expect(release).toMatchObject({ severity: 'warning', message: expect.stringContaining('built with glibc-2.35 it breaks') });
        else expect(release).toBeUndefined();
      }
      const { stdout } = await audit(await stripped(file));
      expect(stdout.split('\n')[1]).toMatch(/^runtime: it carries glibc \(note NT_GNU_ABI_TAG, .*\): judged by glibc-2\.36: safe$/);
    });

    it(`a musl static-PIE (${relr ? 'RELR' : 'RELA'}), and its stripped copy: musl${relr ? "; Debian's musl 1.2.3 crashes on it, and --runtime musl-1.2.3 says so" : ', exit 0'}`, async (context) => {
      requireX86_64Host(context);
      await requireCommand(context, 'musl-gcc', 'musl-tools');
      const file = await linkMuslStaticPie(
        scratch.at('prog.c'),
        scratch.at(`musl-${relr ? 'relr' : 'rela'}`),
        relr ? ['-Wl,-z,pack-relative-relocs'] : [],
      );
      for (const candidate of [file, await stripped(file)]) {
        const { status, report } = await auditJson(candidate);
        expect(report.carried.family, candidate).toBe('musl');
        expect(report.judgedBy).toEqual(['musl-1.2.4']);
        expect(status).toBe(0);
        const release = report.hazards.find((hazard) => hazard.id === 'runtime-release');
        if (relr) expect(release?.message).toContain('built with musl-1.2.3 it breaks (no RELR');
        else expect(release).toBeUndefined();
      }
      if (relr) {
        const run = await execa(file, [], { reject: false });
        expect(run.signal).toBe('SIGSEGV');
        expect((await audit(await stripped(file), '--runtime', 'musl-1.2.3')).status).toBe(1);
      }
    });
  }
});

describe('a directory walk', () => {
  it('skips dynamically linked and ET_EXEC files with a count (GNU readelf agrees), and audits them with --all', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    const directory = '/usr/sbin';
    let dynamic = 0;
    let exec = 0;
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (!lstatSync(path).isFile()) continue;
      const headers = await execa('readelf', ['-h', '-l', '-W', path], { reject: false });
      if (headers.exitCode !== 0 || !headers.stdout.includes('ELF Header')) continue;
      if (/Type:\s+EXEC/.test(headers.stdout)) exec++;
      else if (/^\s+INTERP\s/m.test(headers.stdout)) dynamic++;
    }
    const run = await audit(directory);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`\nnot static-PIEs: ${dynamic} dynamically linked, ${exec} static non-PIE skipped (--all audits them)\n`);
    expect(run.stdout.split('\n')[0]).toMatch(/^\/usr\/sbin\/ldconfig: safe \(x86_64, carries glibc 2\.36; judged by glibc-2\.36\): /);
    const all = await audit(directory, '--all', '--json');
    const summary = (JSON.parse(all.stdout) as { summary: { skipped: Record<string, number>; audited: number } }).summary;
    expect(summary.skipped).toEqual({ 'dynamically linked': 0, 'static non-PIE': 0 });
    expect(summary.audited).toBeGreaterThanOrEqual(dynamic);
  }, 120_000);
});
