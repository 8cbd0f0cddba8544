/**
 * piekit's userland loader: every sample verified byte for byte at bases the kernel would never
 * pick, real static-PIEs from other toolchains behaving exactly as under the kernel, bad input
 * refused with its own exit status, and the loader's stack equal to the TypeScript model.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { readElf, readElfFile } from 'piekit';
import { architectures, hostArch, sampleFormats } from 'piekit/elf';
import { checkLoaderBase, isRefusal, loaderFor, modelLoad, validateForLoader } from 'piekit/userland';
import { renderVerify, verifyFile } from 'piekit/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { CLI } from './support/cli.js';
import { requireCommand, requireEmulator, requireToolchain, requireX86_64Host } from './support/environment.js';
import { PF_W } from './support/gabi.js';
import { Patch, type Phdr, shapeOf, spareHeader } from './support/mutate.js';
import { makeSamples } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';

const PIEKIT = ['node', CLI];
const HOST = hostArch()?.name ?? 'x86_64';
const scratch = scratchDirectory('loader');

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
  // Two samples at a time: each test waits on qemu runs, one at a time.
  describe.concurrent(`the loader on ${arch.name}`, () => {
    const bases = arch.loaderBases;
    let built: string | undefined;
    // One build of the samples for all of this architecture's tests.
    beforeAll(async () => {
      const make = await makeSamples(arch.name);
      built = make.ok ? undefined : make.output;
    });

    for (const format of sampleFormats(arch)) {
      for (const sample of ['hello', 'tables', 'many']) {
        it(`verifies ${sample}-${format} at ${bases.length} chosen bases and 20 random ones`, { timeout: 600_000 }, async (context) => {
          await requireToolchain(context, arch);
          expect(built, `make samples ARCH=${arch.name}`).toBeUndefined();
          const file = scratch.at(`${arch.name}-${sample}-${format}`);
          await writeFile(file, await readFile(join('samples', 'out', arch.name, `${sample}-${format}`)), { mode: 0o755 });
          await requireEmulator(context, readElfFile(file));
          // The chosen bases in this process, through the library (the command line is the same
          // code: one of its runs below covers it).
          for (const base of bases) {
            const report = await verifyFile(file, { base });
            expect(report.verified, renderVerify(report)).toBe(true);
            expect(report.runs.map((run) => run.base)).toEqual([base]);
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
      const source = scratch.at('program.c');
      await writeFile(source, program);
      const file = scratch.at(name);
      const build = await execa(compiler[0] as string, [...compiler.slice(1), source, '-o', file], { reject: false, all: true });
      expect(build.exitCode, `${command}: ${build.all}`).toBe(0);
      const env = { PIEKIT_PROBE: 'probe' };
      const kernel = await execa(file, ['one'], { reject: false, env });
      const loaded = await execa(PIEKIT[0] as string, [...PIEKIT.slice(1), 'run', file, '--base', '0x7e0000000000', '--', 'one'], {
        reject: false,
        env,
      });
      expect(kernel.exitCode).toBe(42);
      expect(loaded.exitCode).toBe(kernel.exitCode);
      expect(loaded.stdout).toBe(kernel.stdout);
      expect(loaded.stdout).toBe('gamma 2 one probe');
    });
  }

  it('aarch64 glibc prints and exits as under qemu-aarch64 itself, at a chosen base', { timeout: 120_000 }, async (context) => {
    await requireCommand(context, 'aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu');
    await requireCommand(context, 'qemu-aarch64', 'qemu-user');
    const source = scratch.at('program.c');
    await writeFile(source, program);
    const file = scratch.at('glibc-aarch64');
    const build = await execa('aarch64-linux-gnu-gcc', ['-static-pie', '-O2', source, '-o', file], { reject: false, all: true });
    expect(build.exitCode, build.all).toBe(0);
    const env = { PIEKIT_PROBE: 'probe' };
    const direct = await execa('qemu-aarch64', [file, 'one'], { reject: false, env });
    const loaded = await execa(PIEKIT[0] as string, [...PIEKIT.slice(1), 'run', file, '--base', '0x123456789000', '--', 'one'], {
      reject: false,
      env,
    });
    expect(direct.stdout).toBe('gamma 2 one probe');
    expect(direct.exitCode).toBe(42);
    expect(loaded.stdout).toBe(direct.stdout);
    expect(loaded.exitCode).toBe(direct.exitCode);
  });

  it('musl prints and exits as under the kernel, at a chosen base', { timeout: 120_000 }, async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    const source = scratch.at('program.c');
    await writeFile(source, program);
    const file = await linkMuslStaticPie(source, scratch.at('musl'));
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

  it('refuses every malformed file with its status and one line naming the field, as the TypeScript model does', {
    timeout: 180_000,
  }, async (context) => {
    requireX86_64Host(context);
    const make = await makeSamples(HOST);
    if (!make.ok) throw new Error(make.output);
    const good = new Uint8Array(await readFile(join('samples', 'out', HOST, 'hello-rela')));
    const shape = shapeOf(good);
    const patch = (): Patch => new Patch(good, shape);
    const first = shape.loads[0] as Phdr;
    const data = shape.loads.findLast((load) => (load.flags & PF_W) !== 0) as Phdr;
    const spare = spareHeader(shape);
    const exec = scratch.at('exec');
    const build = await execa('gcc', ['-static', '-no-pie', '-x', 'c', '-', '-o', exec], { input: 'int main(void) { return 0; }', reject: false });
    expect(build.exitCode, build.stderr).toBe(0);
    const hexOf = (value: bigint | number): string => `0x${value.toString(16)}`;
    // `ownKind`: the model picks the loader of the file's own machine, so only the x86_64 loader refuses it.
    const cases: { name: string; bytes: Uint8Array; base?: string; status: number; line: string; ownKind?: true }[] = [
      {
        name: 'e_entry outside every executable PT_LOAD',
        bytes: patch().header('e_entry', data.vaddr).bytes,
        status: 105,
        line: `e_entry ${hexOf(data.vaddr)} is outside every executable PT_LOAD`,
      },
      {
        name: 'p_filesz > p_memsz',
        bytes: patch().phdr(data.index, 'p_filesz', data.memsz + 8n).bytes,
        status: 105,
        line: `program header ${data.index}: p_filesz ${hexOf(data.memsz + 8n)} exceeds p_memsz`,
      },
      {
        name: 'overlapping PT_LOADs',
        bytes: patch().phdr(data.index, 'p_vaddr', first.vaddr).phdr(data.index, 'p_offset', first.offset).bytes,
        status: 105,
        line: `program header ${data.index}: p_vaddr ${hexOf(first.vaddr)} is below the end of the PT_LOAD before it: overlapping PT_LOAD segments`,
      },
      {
        name: 'a segment past the end of the file',
        bytes: patch().phdr(data.index, 'p_filesz', BigInt(good.length)).phdr(data.index, 'p_memsz', BigInt(good.length)).bytes,
        status: 105,
        line: `program header ${data.index}: p_filesz ${hexOf(good.length)} runs past the end of the file`,
      },
      {
        name: 'p_offset and p_vaddr not congruent',
        bytes: patch().phdr(data.index, 'p_vaddr', data.vaddr + 0x10n).bytes,
        status: 105,
        line: `program header ${data.index}: p_vaddr ${hexOf(data.vaddr + 0x10n)} is not congruent to p_offset modulo the page size`,
      },
      {
        name: 'a segment that wraps around the address space',
        bytes: patch().phdr(data.index, 'p_memsz', -data.vaddr).bytes,
        status: 105,
        line: `program header ${data.index}: p_memsz ${hexOf(BigInt.asUintN(64, -data.vaddr))} runs past the end of the address space`,
      },
      {
        name: 'a span too large to reserve',
        bytes: patch().phdr(data.index, 'p_memsz', 1n << 63n).bytes,
        status: 106,
        line: `the PT_LOADs' span ${hexOf(((data.vaddr + (1n << 63n) + 0xfffn) & ~0xfffn) - (first.vaddr & ~0xfffn))} is more than half the address space: too large to reserve`,
      },
      {
        name: 'a base that wraps the span around',
        bytes: good,
        base: '0xffffffffffffe000',
        status: 106,
        line: 'base 0xffffffffffffe000 is too high: the program would wrap around the address space',
      },
      { name: 'e_phnum 0', bytes: patch().header('e_phnum', 0).bytes, status: 102, line: 'e_phnum 0x0: there are no program headers' },
      {
        name: 'program headers past the end of the file',
        bytes: patch().header('e_phoff', BigInt(good.length - 8)).bytes,
        status: 102,
        line: `e_phoff ${hexOf(good.length - 8)}: the program headers run past the end of the file`,
      },
      {
        name: 'e_phentsize wrong',
        bytes: patch().header('e_phentsize', 32).bytes,
        status: 102,
        line: "e_phentsize 0x20 is not the size of this class's program header",
      },
      {
        name: 'a PT_INTERP',
        bytes: patch().phdr(spare.index, 'p_type', 3).bytes,
        status: 103,
        line: `program header ${spare.index}: p_type 0x3 is PT_INTERP: it names a dynamic linker, not a static-PIE`,
      },
      { name: 'ET_EXEC', bytes: patch().header('e_type', 2).bytes, status: 103, line: 'e_type 0x2 is not ET_DYN: not position-independent' },
      {
        name: 'ET_EXEC linked by gcc -static -no-pie',
        bytes: new Uint8Array(await readFile(exec)),
        status: 103,
        line: 'e_type 0x2 is not ET_DYN: not position-independent',
      },
      { name: 'truncated', bytes: good.subarray(0, 40), status: 102, line: 'file size 0x28 is less than an ELF header: not an ELF file' },
      {
        name: 'another machine',
        bytes: patch().header('e_machine', 183).bytes,
        status: 104,
        line: "e_machine 0xb7 is not the loader's: wrong machine",
        ownKind: true,
      },
      { name: 'a base not page-aligned', bytes: good, base: '0x300000000010', status: 106, line: 'base 0x300000000010 is not page-aligned' },
    ];

    for (const test of cases) {
      const file = scratch.at(test.name.replaceAll(/\W+/g, '-'));
      await writeFile(file, test.bytes, { mode: 0o755 });
      const result = await load(file, test.base);
      expect(result.signal, test.name).toBeUndefined();
      expect(result.exitCode, `${test.name}: ${result.all}`).toBe(test.status);
      expect(result.all, test.name).toBe(`piekit-loader: ${test.line}`);
      // Where piekit's reader accepts the file, its model of the loader says the same.
      let elf: ReturnType<typeof readElf> | undefined;
      try {
        elf = readElf(test.bytes);
      } catch {
        elf = undefined;
      }
      if (elf === undefined || test.ownKind === true) continue;
      const image = validateForLoader(elf);
      const refusal = isRefusal(image) ? image : checkLoaderBase(elf, image, BigInt(test.base ?? '0x300000000000'));
      expect(refusal, `the model accepts ${test.name}`).toEqual({ status: test.status, line: test.line });
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
    const make = await makeSamples(HOST);
    if (!make.ok) throw new Error(make.output);
    const file = join('samples', 'out', HOST, 'tables-relr');
    const base = 0x500000000000n;
    const loader = await loaderFor(HOST);
    const printed = await execa(loader, ['--base', `0x${base.toString(16)}`, '--print-layout', '--', file, 'x', 'y']);
    const model = modelLoad(await readElfFile(file), base, [file, 'x', 'y'], 0);
    if (isRefusal(model)) throw new Error(`the model refuses ${file}: ${model.line}`);
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
