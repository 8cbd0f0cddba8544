/**
 * Conversions that real C runtimes run: glibc 2.36's static-PIE startup applies RELR, so a packed
 * glibc static-PIE (forced: it names no release, and glibc 2.35 ignores RELR) runs as the original does and its relocator leaves every planned word as planned;
 * Debian's musl 1.2.3 ignores DT_RELR, so its static-PIE linked with -z pack-relative-relocs
 * crashes, and unpacked it runs as the RELA build does, verifies, and audit calls it safe under
 * musl-1.2.3. Packing the musl RELA build is refused by the command line (musl 1.2.3 would leave
 * its words unrelocated), and written with --force: the result then crashes as audit predicted.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { auditFile, convertFile, pack, readElfFile, renderVerify, unpack, verifyRunning } from 'piekit';
import { readRelocationInfo } from 'piekit/elf';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { CLI } from './support/cli.js';
import { requireCommand, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';

const PROGRAM = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char *names[] = { "alpha", "beta", "gamma" };
static const char *const *table[] = { &names[0], &names[1], &names[2] };
int main(int argc, char **argv) {
  char *copy = malloc(64);
  strcpy(copy, *table[argc % 3]);
  printf("%s %d %s %s\\n", copy, argc, argc > 1 ? argv[1] : "-", getenv("PIEKIT_PROBE") ? getenv("PIEKIT_PROBE") : "unset");
  return 40 + argc;
}
`;
const ENV = { PIEKIT_PROBE: 'probe' };
const scratch = scratchDirectory('convert-runtimes');
let source = '';

beforeAll(async () => {
  source = scratch.at('program.c');
  await writeFile(source, PROGRAM);
});

function kinds(file: string): string[] {
  return readRelocationInfo(readElfFile(file)).tables.map((table) => table.kind);
}

async function run(file: string) {
  return execa(file, ['argument'], { reject: false, env: ENV });
}

describe('C runtimes', () => {
  it('a glibc static-PIE (gcc -static-pie -O2), packed, prints and exits as the original', { timeout: 120_000 }, async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'gcc', 'gcc');
    const file = scratch.at('glibc');
    const build = await execa('gcc', ['-static-pie', '-O2', source, '-o', file], { reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
    expect(kinds(file)).toEqual(['rela']);
    const packed = scratch.at('glibc-packed');
    // The file names no glibc release, and glibc 2.35 ignores DT_RELR: written only when forced.
    expect(() => convertFile(file, packed, pack)).toThrow(/glibc-2\.36 relocates it as planned; glibc-2\.35 breaks it \(no RELR: /);
    const conversion = convertFile(file, packed, pack, { force: true });
    expect(conversion.changed).toBe(true);
    expect(conversion.carried?.runtimes.map((judged) => [judged.runtime, judged.status])).toEqual([
      ['glibc-2.36', 'safe'],
      ['glibc-2.35', 'breaks'],
    ]);
    expect(kinds(packed)).toEqual(['relr']);
    const [original, converted] = await Promise.all([run(file), run(packed)]);
    expect(original.stdout).toBe('gamma 2 argument probe');
    expect(converted.stdout).toBe(original.stdout);
    expect(converted.exitCode).toBe(original.exitCode);
    const report = await verifyRunning(packed);
    expect(renderVerify(report)).toMatch(/^\S+: (\d+)\/\1 planned words as planned/);
    expect(report.verified).toBe(true);
  });

  it('a musl static-PIE linked with -z pack-relative-relocs crashes; unpacked, it prints what the RELA build prints', {
    timeout: 120_000,
  }, async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    const rela = await linkMuslStaticPie(source, scratch.at('musl-rela'));
    const relr = await linkMuslStaticPie(source, scratch.at('musl-relr'), ['-Wl,-z,pack-relative-relocs']);
    expect(kinds(relr)).toEqual(['relr']);
    const crashed = await run(relr);
    expect(crashed.signal).toBe('SIGSEGV');
    const unpacked = scratch.at('musl-unpacked');
    expect(convertFile(relr, unpacked, unpack).changed).toBe(true);
    expect(kinds(unpacked)).toEqual(['rela']);
    const [expected, converted] = await Promise.all([run(rela), run(unpacked)]);
    expect(expected.stdout).toBe('gamma 2 argument probe');
    expect(converted.stdout).toBe(expected.stdout);
    expect(converted.exitCode).toBe(expected.exitCode);
    expect((await verifyRunning(unpacked)).verified).toBe(true);
    const before = auditFile(relr, { runtimes: ['musl-1.2.3'] }).runtimes[0];
    const after = auditFile(unpacked, { runtimes: ['musl-1.2.3'] }).runtimes[0];
    expect([before?.status, after?.status]).toEqual(['breaks', 'safe']);
  });

  it('pack of a musl static-PIE is refused, naming musl-1.2.3 and its words, and written with --force', { timeout: 120_000 }, async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    const rela = await linkMuslStaticPie(source, scratch.at('musl-to-pack'));
    const packed = scratch.at('musl-packed');
    const refused = await execa('node', [CLI, 'pack', rela, '-o', packed], { reject: false });
    expect(refused.exitCode, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /not written: it carries musl, .*musl-1\.2\.3 breaks it \(no RELR: (\d+) words left unrelocated\); --force writes it anyway/,
    );
    const unrelocated = Number(/(\d+) words left unrelocated/.exec(refused.stderr)?.[1]);
    expect(unrelocated).toBe(readRelocationInfo(readElfFile(rela)).tables[0]?.count);
    expect(existsSync(packed)).toBe(false);
    const forced = await execa('node', [CLI, 'pack', rela, '-o', packed, '--force'], { reject: false });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('written with --force: it carries musl');
    expect(kinds(packed)).toEqual(['relr']);
    expect((await run(packed)).signal).toBe('SIGSEGV');
  });
});
