/**
 * Static-PIEs as distributions ship them: stripped, so verify finds its stop with no symbol (the
 * first system call) and checks the words IFUNC resolvers wrote. The host's own ldconfig (Debian's
 * glibc 2.36 static-PIE), Debian's ldconfig for arm64, i386 and s390x and its qemu-aarch64-static,
 * stripped glibc builds on x86_64 and aarch64, a stripped musl build; a
 * stripped musl 1.2.3 build linked with RELR, which musl 1.2.3 leaves unrelocated, is caught; an
 * empty comparison is never called verified.
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DT_RELR, readElfFile } from 'piekit/elf';
import { verifyFile } from 'piekit/verify';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { missing, requireCommand, requireFile, requireX86_64Host } from './support/environment.js';
import { scratchDirectory } from './support/scratch.js';
import { expectVerifiedAtFirstSystemCall, strippedCopy } from './support/stripped.js';

const LDCONFIG = '/usr/sbin/ldconfig';
const SHIPPED = join(import.meta.dirname, '..', 'build', 'shipped');
const CLI = join(import.meta.dirname, '..', 'dist', 'loader', 'cli', 'main.js');

const PROGRAM = `#include <stdio.h>
#include <string.h>
static const char *names[] = { "alpha", "beta", "gamma" };
int main(int argc, char **argv) {
  char copy[16];
  strcpy(copy, names[argc % 3]);
  printf("%s %zu\\n", copy, strlen(argv[0]));
  return 0;
}
`;

const scratch = scratchDirectory('verify-shipped');

beforeAll(async () => {
  await writeFile(scratch.at('program.c'), PROGRAM);
});

/** Stripped as distributions strip: no .symtab; what is left to find the stop is the code. */
function stripped(context: TestContext, file: string): Promise<string> {
  return strippedCopy(context, file, `${file}-stripped`);
}

/** The addresses of the IRELATIVE entries GNU readelf lists, every relocation section included. */
async function readelfIrelative(file: string): Promise<string[]> {
  const { stdout } = await execa('readelf', ['-r', '-W', file]);
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[2]?.endsWith('_IRELATIVE') === true)
    .map((fields) => `0x${BigInt(`0x${fields[0]}`).toString(16)}`);
}

describe("the host's ldconfig (Debian's stripped glibc 2.36 static-PIE)", () => {
  it('verifies with no option: stopped at its first system call, every IRELATIVE word resolved into code', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const report = await verifyFile(LDCONFIG);
    expectVerifiedAtFirstSystemCall(report);
    const irelative = await readelfIrelative(LDCONFIG);
    expect(irelative.length).toBeGreaterThan(0);
    expect(report.resolvedAtRunTime.entries.map((entry) => `0x${entry.offset.toString(16)}`).sort()).toEqual([...irelative].sort());
    expect(report.resolvedAtRunTime.notCheckedBecause).toBeUndefined();
    expect(report.runs[0]?.resolved).toMatchObject({ words: irelative.length, intoCode: irelative.length, outside: [] });
    const cli = await execa(process.execPath, [CLI, 'verify', LDCONFIG], { reject: false });
    expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${irelative.length} IRELATIVE words resolved, each into code`);
  });

  it('a copy whose DT_RELR tag is renamed is not verified: its plan is empty, its dynamic section still has DT_RELRSZ', async (context) => {
    requireX86_64Host(context);
    requireFile(context, LDCONFIG, 'libc-bin');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const copy = scratch.at('ldconfig-no-relr');
    await copyFile(LDCONFIG, copy);
    const elf = readElfFile(copy);
    const entry = elf.reader.wordSize * 2;
    const dynamic = elf.programHeaders.find((header) => header.type === 2);
    if (dynamic === undefined) throw new Error('no PT_DYNAMIC');
    const bytes = await readFile(copy);
    let renamed = false;
    for (let at = Number(dynamic.offset); at + entry <= Number(dynamic.offset + dynamic.filesz); at += entry) {
      if (bytes.readBigUInt64LE(at) === DT_RELR) {
        // DT_LOPROC: a tag no startup code reads.
        bytes.writeBigUInt64LE(0x70000000n, at);
        renamed = true;
      }
    }
    expect(renamed).toBe(true);
    await writeFile(copy, bytes, { mode: 0o755 });
    const cli = await execa(process.execPath, [CLI, 'verify', copy], { reject: false });
    expect(cli.exitCode, cli.stdout + cli.stderr).toBe(1);
    expect(cli.stdout).not.toMatch(/, verified;/);
    // It crashes before its first system call, its memory unrelocated.
    expect(cli.stdout).toMatch(
      /died by SIGSEGV before the stop: not verified; nothing compared: the plan is empty, yet the dynamic section has .*DT_RELRSZ = 0x158/,
    );
  });
});

describe("Debian's static-PIEs of other architectures (scripts/fetch-shipped)", () => {
  for (const [name, emulator] of [
    ['ldconfig-arm64', 'qemu-aarch64'],
    ['ldconfig-i386', 'qemu-i386'],
    ['ldconfig-s390x', 'qemu-s390x'],
    ['qemu-aarch64-static', 'qemu-x86_64'],
  ] as const) {
    it(`${name}: verified with no option at its first system call, its IRELATIVE words into code`, async (context) => {
      const file = join(SHIPPED, name);
      if (!existsSync(file)) missing(context, `${file}, fetched by scripts/fetch-shipped`);
      await requireCommand(context, emulator, 'qemu-user');
      const report = await verifyFile(file);
      expectVerifiedAtFirstSystemCall(report);
      const irelative = await readelfIrelative(file);
      expect(irelative.length).toBeGreaterThan(0);
      expect(report.resolvedAtRunTime.entries).toHaveLength(irelative.length);
      expect(report.runs[0]?.resolved).toMatchObject({ words: irelative.length, intoCode: irelative.length, outside: [] });
    });
  }
});

describe('stripped glibc 2.36 static-PIEs built here', () => {
  for (const [arch, compiler, compilerPackage, emulator] of [
    ['x86_64', 'gcc', 'gcc', 'qemu-x86_64'],
    ['aarch64', 'aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu', 'qemu-aarch64'],
  ] as const) {
    it(`${arch}: verified at the first system call, IRELATIVE words into code`, async (context) => {
      if (arch === 'x86_64') requireX86_64Host(context);
      await requireCommand(context, compiler, compilerPackage);
      await requireCommand(context, emulator, 'qemu-user');
      const file = scratch.at(`glibc-${arch}`);
      await execa(compiler, ['-static-pie', '-O2', scratch.at('program.c'), '-o', file]);
      const report = await verifyFile(await stripped(context, file));
      expectVerifiedAtFirstSystemCall(report);
      const words = report.resolvedAtRunTime.entries.length;
      expect(words).toBeGreaterThan(0);
      expect(report.runs[0]?.resolved).toMatchObject({ words, intoCode: words, outside: [] });
    });
  }

  it('a word of .init_array is named .init_array, never .tbss, the NOBITS TLS section at the same address', async (context) => {
    requireX86_64Host(context);
    const file = scratch.at('glibc-labels');
    await execa('gcc', ['-static-pie', '-O2', scratch.at('program.c'), '-o', file]);
    // GNU readelf's section table: where .init_array starts, and that .tbss starts there too.
    const sections = (await execa('readelf', ['-S', '-W', file])).stdout;
    const address = (name: string): string | undefined => {
      const match = new RegExp(`\\s${name.replace('.', '\\.')}\\s+\\S+\\s+([0-9a-f]+)`).exec(sections);
      return match === null ? undefined : `0x${BigInt(`0x${match[1]}`).toString(16)}`;
    };
    const initArray = address('.init_array');
    expect(initArray).toBeDefined();
    expect(address('.tbss')).toBe(initArray);
    const inspected = JSON.parse((await execa(process.execPath, [CLI, 'inspect', file, '--json'])).stdout) as {
      relocations: { vaddr: string; section: string | null }[];
    };
    const word = inspected.relocations.find((relocation) => relocation.vaddr === initArray);
    expect(word?.section).toBe('.init_array');
  });

  it('at a stop chosen by --stop-at, the IRELATIVE words are listed as not checked, with why', async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const file = scratch.at('glibc-requested');
    await execa('gcc', ['-static-pie', '-O2', scratch.at('program.c'), '-o', file]);
    const report = await verifyFile(file, { stopAt: '__libc_setup_tls' });
    expect(report.verified).toBe(true);
    expect(report.runs[0]?.resolved).toBeUndefined();
    expect(report.resolvedAtRunTime.notCheckedBecause).toBe('a stop chosen by --stop-at may come before the resolvers run');
  });
});

describe('stripped musl 1.2.3 static-PIEs built here', () => {
  async function musl(context: TestContext, name: string, flags: readonly string[]): Promise<string> {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const file = await linkMuslStaticPie(scratch.at('program.c'), scratch.at(name), flags);
    return stripped(context, file);
  }

  it('RELA: verified at the first system call', async (context) => {
    expectVerifiedAtFirstSystemCall(await verifyFile(await musl(context, 'musl-rela', [])));
  });

  it('RELR, which musl 1.2.3 ignores: caught, every RELR word unrelocated, status 1', async (context) => {
    const file = await musl(context, 'musl-relr', ['-Wl,-z,pack-relative-relocs']);
    const report = await verifyFile(file);
    expect(report.verified).toBe(false);
    const compared = report.runs[0]?.compared;
    expect(compared?.comparedWords).toBe(report.plannedWords);
    expect(compared?.counts.unrelocated).toBe(report.plannedWords);
    const cli = await execa(process.execPath, [CLI, 'verify', file], { reject: false });
    expect(cli.exitCode).toBe(1);
    expect(cli.stdout).toMatch(/words differ \(\d+ unrelocated\)/);
  });
});
