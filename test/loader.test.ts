/**
 * piekit's userland loader: every sample verified byte for byte at bases the kernel would never
 * pick, real static-PIEs from other toolchains behaving exactly as under the kernel, bad input
 * refused with its own exit status, and the loader's stack equal to the TypeScript model.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readElf, readElfFile } from 'piekit';
import { architectures, hostArch, sampleFormats } from 'piekit/elf';
import { loaderFor, modelLoad } from 'piekit/userland';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireCommand, requireEmulator, requireToolchain, requireX86_64Host } from './support/environment.js';

const PIEKIT = ['node', 'dist/loader/cli/main.js'];
const HOST = hostArch()?.name ?? 'x86_64';
let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'piekit-loader-'));
});

async function piekit(args: readonly string[]) {
  return execa(PIEKIT[0] as string, [...PIEKIT.slice(1), ...args], { reject: false, all: true });
}

describe('the loader builds', () => {
  for (const arch of architectures.filter((candidate) => candidate.toolchain !== undefined)) {
    it(`for ${arch.name}`, { timeout: 120_000 }, async (context) => {
      await requireToolchain(context, arch);
      expect(existsSync(await loaderFor(arch.name))).toBe(true);
    });
  }
});

// Every architecture with an emulator here; the others' loaders are built above and no more.
for (const arch of architectures.filter((candidate) => candidate.toolchain !== undefined && candidate.emulator !== undefined)) {
  describe(`the loader on ${arch.name}`, () => {
    const bases = arch.loaderBases;
    let built: string | undefined;
    // One build of the samples for all of this architecture's tests.
    beforeAll(async () => {
      const make = await execa('make', ['--no-print-directory', 'samples', `ARCH=${arch.name}`], { reject: false, all: true });
      built = make.exitCode === 0 ? undefined : make.all;
    });

    for (const format of sampleFormats(arch)) {
      for (const sample of ['hello', 'tables', 'many']) {
        it(`verifies ${sample}-${format} at ${bases.length} chosen bases and 20 random ones`, { timeout: 600_000 }, async (context) => {
          await requireToolchain(context, arch);
          expect(built, `make samples ARCH=${arch.name}`).toBeUndefined();
          const file = join(directory, `${arch.name}-${sample}-${format}`);
          await writeFile(file, await readFile(join('samples', 'out', arch.name, `${sample}-${format}`)), { mode: 0o755 });
          await requireEmulator(context, readElfFile(file));
          for (const base of bases) {
            const verify = await piekit(['verify', file, '--base', `0x${base.toString(16)}`]);
            expect(verify.exitCode, verify.all).toBe(0);
            expect(verify.all).toContain(`base 0x${base.toString(16)}`);
          }
          const random = await piekit(['verify', file, '--base', 'random', '--runs', '20']);
          expect(random.exitCode, random.all).toBe(0);
          const seen = new Set([...random.all.matchAll(/base (0x[0-9a-f]+)/g)].map((match) => match[1]));
          expect(seen.size).toBeGreaterThan(1);
        });
      }
    }
  });
}

describe('real static-PIEs through the loader', () => {
  const program = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static const char *names[] = { "alpha", "beta", "gamma" };
int main(int argc, char **argv) {
  char *copy = malloc(64);
  strcpy(copy, names[argc % 3]);
  printf("%s %d %s %s\\n", copy, argc, argc > 1 ? argv[1] : "-", getenv("PIEKIT_PROBE") ? getenv("PIEKIT_PROBE") : "unset");
  return 40 + argc;
}
`;
  const recipes: readonly (readonly [string, readonly string[], string])[] = [
    ['glibc-rela', ['gcc', '-static-pie', '-O2'], 'gcc'],
    ['glibc-relr', ['gcc', '-static-pie', '-O2', '-Wl,-z,pack-relative-relocs'], 'gcc'],
  ];

  for (const [name, compiler, command] of recipes) {
    it(`${name} prints and exits as under the kernel, at a chosen base`, { timeout: 120_000 }, async (context) => {
      requireX86_64Host(context);
      const source = join(directory, 'program.c');
      await writeFile(source, program);
      const file = join(directory, name);
      const build = await execa(compiler[0] as string, [...compiler.slice(1), source, '-o', file], { reject: false, all: true });
      expect(build.exitCode, `${command}: ${build.all}`).toBe(0);
      const env = { PIEKIT_PROBE: 'probe' };
      const kernel = await execa(file, ['one'], { reject: false, env });
      const loaded = await execa(PIEKIT[0] as string, [...PIEKIT.slice(1), 'run', file, '--base', '0x7e0000000000', '--', 'one'], { reject: false, env });
      expect(kernel.exitCode).toBe(42);
      expect(loaded.exitCode).toBe(kernel.exitCode);
      expect(loaded.stdout).toBe(kernel.stdout);
      expect(loaded.stdout).toBe('gamma 2 one probe');
    });
  }

  it('aarch64 glibc prints and exits as under qemu-aarch64 itself, at a chosen base', { timeout: 120_000 }, async (context) => {
    await requireCommand(context, 'aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
    await requireCommand(context, 'qemu-aarch64', 'qemu-user');
    const source = join(directory, 'program.c');
    await writeFile(source, program);
    const file = join(directory, 'glibc-aarch64');
    const build = await execa('aarch64-linux-gnu-gcc', ['-static-pie', '-O2', source, '-o', file], { reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
    const env = { PIEKIT_PROBE: 'probe' };
    const direct = await execa('qemu-aarch64', [file, 'one'], { reject: false, env });
    const loaded = await execa(PIEKIT[0] as string, [...PIEKIT.slice(1), 'run', file, '--base', '0x123456789000', '--', 'one'], { reject: false, env });
    expect(direct.stdout).toBe('gamma 2 one probe');
    expect(direct.exitCode).toBe(42);
    expect(loaded.stdout).toBe(direct.stdout);
    expect(loaded.exitCode).toBe(direct.exitCode);
  });

  it('musl prints and exits as under the kernel, at a chosen base', { timeout: 120_000 }, async (context) => {
    requireX86_64Host(context);
    const musl = '/usr/lib/x86_64-linux-musl';
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    const source = join(directory, 'program.c');
    await writeFile(source, program);
    const object = join(directory, 'program-musl.o');
    const file = join(directory, 'musl');
    // Debian's musl-gcc specs do not handle -static-pie: link rcrt1.o by hand as musl's own wrapper would.
    expect((await execa('musl-gcc', ['-O2', '-fPIE', '-c', source, '-o', object], { reject: false })).exitCode).toBe(0);
    const libgcc = (await execa('gcc', ['-print-libgcc-file-name'])).stdout;
    const link = await execa(
      'gcc',
      ['-static-pie', '-nostdlib', '-o', file, `${musl}/rcrt1.o`, `${musl}/crti.o`, object, `-L${musl}`, '-lc', libgcc, `${musl}/crtn.o`],
      { reject: false, all: true },
    );
    expect(link.exitCode, link.all).toBe(0);
    const env = { PIEKIT_PROBE: 'probe' };
    const kernel = await execa(file, [], { reject: false, env });
    const loaded = await execa(PIEKIT[0] as string, [...PIEKIT.slice(1), 'run', file, '--base', '0x200000000000'], { reject: false, env });
    expect(kernel.stdout).toBe('beta 1 - probe');
    expect(loaded.stdout).toBe(kernel.stdout);
    expect(loaded.exitCode).toBe(41);
  });
});

describe('the loader refuses bad input with its own exit status', () => {
  async function load(file: string, base = '0x300000000000') {
    const loader = await loaderFor(HOST);
    return execa(loader, ['--base', base, '--', file], { reject: false, all: true });
  }

  it('names each problem on one line, never crashing', { timeout: 120_000 }, async () => {
    await execa('make', ['--no-print-directory', 'samples', `ARCH=${HOST}`]);
    const good = await readFile(join('samples', 'out', HOST, 'hello-rela'));
    const cases: { name: string; bytes?: Uint8Array; file?: string; base?: string; status: number; message: RegExp }[] = [];

    const exec = join(directory, 'exec');
    const build = await execa('gcc', ['-static', '-no-pie', '-x', 'c', '-', '-o', exec], { input: 'int main(void) { return 0; }', reject: false });
    expect(build.exitCode).toBe(0);
    cases.push({ name: 'ET_EXEC', file: exec, status: 103, message: /not position-independent/ });
    cases.push({ name: 'truncated', bytes: good.subarray(0, 40), status: 102, message: /not an ELF file/ });
    const other = Buffer.from(good);
    other.writeUInt16LE(183, 18);
    cases.push({ name: 'other machine', bytes: other, status: 104, message: /wrong machine/ });
    const overlapping = Buffer.from(good);
    const elf = readElf(new Uint8Array(good));
    const loads = elf.programHeaders.filter((header) => header.type === 1);
    const second = loads[1];
    if (second === undefined) throw new Error('hello-rela has one PT_LOAD');
    // Move the second PT_LOAD's p_vaddr (and p_offset, keeping them congruent) onto the first.
    const at = Number(elf.header.phoff) + second.index * elf.header.phentsize;
    overlapping.writeBigUInt64LE(0n, at + 8);
    overlapping.writeBigUInt64LE(0n, at + 16);
    cases.push({ name: 'overlapping segments', bytes: overlapping, status: 105, message: /overlapping PT_LOAD/ });
    cases.push({ name: 'base not page-aligned', bytes: good, base: '0x300000000010', status: 106, message: /not page-aligned/ });

    for (const test of cases) {
      const file = test.file ?? join(directory, test.name.replaceAll(' ', '-'));
      if (test.bytes !== undefined) await writeFile(file, test.bytes, { mode: 0o755 });
      const result = await load(file, test.base);
      expect(result.signal, test.name).toBeUndefined();
      expect(result.exitCode, `${test.name}: ${result.all}`).toBe(test.status);
      expect(result.all.trim().split('\n'), test.name).toHaveLength(1);
      expect(result.all, test.name).toMatch(test.message);
    }
  });

  it('reports a base that is taken, and never runs elsewhere', { timeout: 60_000 }, async (context) => {
    await requireCommand(context, 'setarch', 'util-linux');
    // Without address randomisation the main stack ends at 0x7ffffffff000: a program placed
    // over it cannot be mapped without replacing it.
    const loader = await loaderFor(HOST);
    const result = await execa('setarch', ['-R', loader, '--base', '0x7ffffffe0000', '--', join('samples', 'out', HOST, 'hello-rela')], {
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(107);
    expect(result.all).toMatch(/base taken/);
    expect(result.all).not.toMatch(/hello/);
  });
});

describe('the loader builds the stack the TypeScript model describes', () => {
  it('has the same base, entry, argc and the auxv entries it sets', { timeout: 60_000 }, async () => {
    await execa('make', ['--no-print-directory', 'samples', `ARCH=${HOST}`]);
    const file = join('samples', 'out', HOST, 'tables-relr');
    const base = 0x500000000000n;
    const loader = await loaderFor(HOST);
    const printed = await execa(loader, ['--base', `0x${base.toString(16)}`, '--print-layout', '--', file, 'x', 'y']);
    const model = modelLoad(await readElfFile(file), base, [file, 'x', 'y'], 0);
    const lines = printed.stdout.split('\n');
    expect(lines[0]).toBe(`base 0x${base.toString(16)}`);
    expect(lines[1]).toBe(`entry 0x${model.entry.toString(16)}`);
    expect(lines[2]).toBe(`argc 0x${model.argv.length.toString(16)}`);
    const auxv = new Map<bigint, bigint>();
    for (let i = 3; i + 1 < lines.length; i += 2) {
      auxv.set(BigInt((lines[i] ?? '').replace('auxv ', '')), BigInt((lines[i + 1] ?? '').replace('  = ', '')));
    }
    for (const entry of model.auxv) {
      expect(auxv.has(BigInt(entry.type)), entry.name).toBe(true);
      if (entry.value !== 'stack') expect(auxv.get(BigInt(entry.type)), entry.name).toBe(entry.value);
    }
    // Passed on from the loader's own auxv, as the kernel gave them: the page size and the ids.
    for (const type of [6n, 11n, 12n, 13n, 14n]) expect(auxv.has(type), `auxv type ${type}`).toBe(true);
  });
});
