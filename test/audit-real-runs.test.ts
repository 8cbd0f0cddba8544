/**
 * Each runtime model against the real thing wherever the real thing runs here:
 * - `zig-pie` against piekit's test-only stub built with the seed's RELR indexing
 *   (test/variants/seed-relr.h), every writable segment byte for byte, on every architecture
 *   that runs here and has RELR;
 * - `musl-1.2.3` against Debian's musl 1.2.3 running a static-PIE packed with RELR, stopped at
 *   the fault its unrelocated pointers cause;
 * - `spec` and `glibc-2.36` against glibc 2.36 running its own static-PIEs (RELA and RELR),
 *   stopped once its relocator and the IRELATIVE resolvers it calls have run.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { plan } from 'piekit';
import type { RuntimeName } from 'piekit/audit';
import { fileContext, modelImage, runModel, runtime } from 'piekit/audit';
import { architectures, type ElfFile, readElfFile, sampleFormats } from 'piekit/elf';
import { launchQemuSession, runSample } from 'piekit/verify';
import { describe, expect, it } from 'vitest';
import { linkMuslStaticPie } from './support/c-runtimes.js';
import { CLI } from './support/cli.js';
import { requireCommand, requireEmulator, requireToolchain, requireX86_64Host, runsHere } from './support/environment.js';
import { builtProgram } from './support/samples.js';
import { scratchDirectory } from './support/scratch.js';
import { SEED_RELR_FLAGS } from './support/variants.js';

const scratch = scratchDirectory('audit-runs');

/** The model's memory at `base`, as bytes at link-time addresses. */
function modelled(elf: ElfFile, name: RuntimeName, base: bigint): (vaddr: bigint, size: number) => Uint8Array {
  const context = fileContext(elf);
  const run = runModel(context, runtime(name));
  if (run.status !== 'runs') throw new Error(`${name} does not run ${elf.arch.name}: ${run.status} ${run.reason}`);
  const image = modelImage(context, run, base);
  const start = run.layout.start;
  return (vaddr, size) => image.bytes.subarray(Number(vaddr - start) - image.origin, Number(vaddr - start) - image.origin + size);
}

/** Hex of the first differing word, for a failure message that says where. */
function firstDifference(actual: Uint8Array, expected: Uint8Array, vaddr: bigint, w: number): string | undefined {
  for (let at = 0; at < actual.length; at += w) {
    const a = Buffer.from(actual.subarray(at, at + w)).toString('hex');
    const e = Buffer.from(expected.subarray(at, at + w)).toString('hex');
    if (a !== e) return `0x${(vaddr + BigInt(at)).toString(16)}: real ${a}, model ${e}`;
  }
  return actual.length === expected.length ? undefined : `lengths ${actual.length} and ${expected.length}`;
}

describe('zig-pie equals the stub with the seed RELR decoder', () => {
  const candidates = architectures.filter((arch) => sampleFormats(arch).includes('relr') && runsHere(arch));
  for (const arch of candidates) {
    it(`${arch.name}: every writable byte the stub dumps`, { timeout: 240_000 }, async (context) => {
      await requireToolchain(context, arch);
      const output = await builtProgram(
        { sources: ['samples/tables.c'], arch: arch.name, relr: true, dump: true, cflags: SEED_RELR_FLAGS },
        `tables-relr-seed-${arch.name}`,
      );
      const elf = readElfFile(output);
      const prefix = await requireEmulator(context, elf);
      const run = await runSample(output, prefix);
      expect(run.dump, `no dump: ${run.stderr}`).toBeDefined();
      const dump = run.dump;
      if (dump === undefined) return;
      const model = modelled(elf, 'zig-pie', dump.base);
      for (const segment of dump.segments) {
        const expected = model(segment.vaddr, segment.bytes.length);
        expect(firstDifference(segment.bytes, expected, segment.vaddr, elf.reader.wordSize), arch.name).toBeUndefined();
      }
      // And the seed's indexing really does differ from the plan here, or the check would be empty.
      const spec = modelled(elf, 'spec', dump.base);
      expect(
        dump.segments.some((segment) => firstDifference(segment.bytes, spec(segment.vaddr, segment.bytes.length), segment.vaddr, 1) !== undefined),
      ).toBe(true);
      // So `piekit verify` fails it; the dump is written before anything could crash on a wrong pointer.
      const verify = await execa('node', [CLI, 'verify', output], { reject: false });
      expect(verify.exitCode, verify.stdout).toBe(1);
      expect(verify.stdout).toMatch(/\d+ words differ/);
    });
  }
});

const PROGRAM = `
#include <stdio.h>
#include <string.h>
static const char *names[] = { "alpha", "beta", "gamma" };
static const char *const *table[] = { names, names + 1, names + 2 };
int main(int argc, char **argv)
{
	printf("%s %zu\\n", *table[argc % 3], strlen(argv[0]));
	return 0;
}
`;

/**
 * The relocated words of a program stopped under qemu's gdbstub: every word a model or the plan
 * writes, read back at the base qemu chose. Words outside them are the program's own business.
 */
async function stoppedMemory(
  program: string,
  stop: (elf: ElfFile, client: Awaited<ReturnType<typeof launchQemuSession>>['client'], base: bigint) => Promise<void>,
): Promise<{ elf: ElfFile; base: bigint; read: (vaddr: bigint, size: number) => Uint8Array }> {
  const elf = readElfFile(program);
  const session = await launchQemuSession({ qemu: 'qemu-x86_64', program });
  try {
    const { client } = session;
    const { text: base } = await client.offsets();
    await stop(elf, client, base);
    const planned = plan(elf);
    const segments = await Promise.all(
      planned.relocatedSegments.map(async (segment) => ({
        vaddr: segment.header.vaddr,
        bytes: await client.readMemory(base + segment.header.vaddr, segment.memorySize),
      })),
    );
    const read = (vaddr: bigint, size: number): Uint8Array => {
      const segment = segments.find(
        (candidate) => vaddr >= candidate.vaddr && vaddr + BigInt(size) <= candidate.vaddr + BigInt(candidate.bytes.length),
      );
      if (segment === undefined) throw new Error(`0x${vaddr.toString(16)} was not read`);
      return segment.bytes.subarray(Number(vaddr - segment.vaddr), Number(vaddr - segment.vaddr) + size);
    };
    return { elf, base, read };
  } finally {
    await session.close();
  }
}

/** Every word the plan or the model writes: equal in the real memory and in the model's. */
function expectRelocatedWordsEqual(elf: ElfFile, name: RuntimeName, base: bigint, read: (vaddr: bigint, size: number) => Uint8Array): number {
  const { differing, words } = compareRelocatedWords(elf, name, base, read);
  expect(differing, `${name}: ${differing.length} of ${words} words differ`).toEqual([]);
  return words;
}

function compareRelocatedWords(
  elf: ElfFile,
  name: RuntimeName,
  base: bigint,
  read: (vaddr: bigint, size: number) => Uint8Array,
): { differing: string[]; words: number } {
  const context = fileContext(elf);
  const run = runModel(context, runtime(name));
  if (run.status !== 'runs') throw new Error(`${name}: ${run.status} ${run.reason}`);
  const model = modelled(elf, name, base);
  const planned = plan(elf);
  const w = elf.reader.wordSize;
  const offsets = new Set([...planned.writes.targets.subarray(0, planned.writes.count), ...run.writes.targets.subarray(0, run.writes.count)]);
  const differing: string[] = [];
  for (const offset of offsets) {
    const vaddr = planned.layout.start + BigInt(offset);
    const difference = firstDifference(read(vaddr, w), model(vaddr, w), vaddr, w);
    if (difference !== undefined) differing.push(difference);
  }
  return { differing, words: offsets.size };
}

describe('musl-1.2.3 equals Debian musl 1.2.3 at its fault', () => {
  it('a static-PIE packed with RELR: its RELR words left as the file has them', { timeout: 180_000 }, async (context) => {
    requireX86_64Host(context);
    await requireCommand(context, 'musl-gcc', 'musl-tools');
    await requireCommand(context, 'qemu-x86_64', 'qemu-user');
    const source = scratch.at('musl.c');
    await writeFile(source, PROGRAM);
    const program = await linkMuslStaticPie(source, scratch.at('musl-relr'), ['-Wl,-z,pack-relative-relocs']);
    const { elf, base, read } = await stoppedMemory(program, async (_elf, client) => {
      const stop = await client.continue({ timeoutMs: 30_000 });
      // SIGSEGV: the first call through a pointer musl 1.2.3 left unrelocated.
      expect(stop).toMatchObject({ kind: 'signal', signal: 11 });
    });
    expect(elf.programHeaders.length).toBeGreaterThan(0);
    expect(expectRelocatedWordsEqual(elf, 'musl-1.2.3', base, read)).toBeGreaterThan(0);
    // Not a comparison that any memory passes: the plan's relocated words are not there.
    expect(compareRelocatedWords(elf, 'spec', base, read).differing.length).toBeGreaterThan(0);
    const musl123 = runModel(fileContext(elf), runtime('musl-1.2.3'));
    expect(musl123.status === 'runs' && musl123.ignoredTables).toContain('RELR');
  });
});

describe('spec and glibc-2.36 equal glibc 2.36 once it has relocated itself', () => {
  for (const [name, flags] of [
    ['RELA', []],
    ['RELR', ['-Wl,-z,pack-relative-relocs']],
  ] as const) {
    it(`a glibc static-PIE with ${name}`, { timeout: 180_000 }, async (context) => {
      requireX86_64Host(context);
      await requireCommand(context, 'gcc', 'gcc');
      await requireCommand(context, 'qemu-x86_64', 'qemu-user');
      const source = scratch.at('glibc.c');
      await writeFile(source, PROGRAM);
      const program = scratch.at(`glibc-${name}`);
      await execa('gcc', ['-static-pie', '-O2', ...flags, source, '-o', program]);
      // __libc_start_main (csu/libc-start.c) calls _dl_relocate_static_pie, whose IRELATIVE
      // resolvers run inside it, then sets up TLS: the first call after relocation is done.
      const { elf, base, read } = await stoppedMemory(program, async (elf, client, base) => {
        const setupTls = symbolValue(elf, '__libc_setup_tls');
        await client.insertBreakpoint(base + setupTls);
        expect(await client.continue({ timeoutMs: 30_000 })).toMatchObject({ kind: 'signal', signal: 5 });
        expect(await client.readProgramCounter()).toBe(base + setupTls);
      });
      expect(expectRelocatedWordsEqual(elf, 'spec', base, read)).toBeGreaterThan(100);
      expectRelocatedWordsEqual(elf, 'glibc-2.36', base, read);
      // glibc 2.35 has no RELR: against the RELR build, its model must not pass too.
      if (name === 'RELR') expect(compareRelocatedWords(elf, 'glibc-2.35', base, read).differing.length).toBeGreaterThan(100);
    });
  }
});

function symbolValue(elf: ElfFile, name: string): bigint {
  const symtab = elf.sectionHeaders.find((section) => section.type === 2);
  const strings = symtab === undefined ? undefined : elf.sectionHeaders[symtab.link];
  if (symtab === undefined || strings === undefined) throw new Error('no symbol table');
  const { reader } = elf;
  const at = reader.range(symtab.offset, symtab.size, 'symtab');
  const text = reader.range(strings.offset, strings.size, 'strtab');
  for (let entry = at; entry + 24 <= at + Number(symtab.size); entry += 24) {
    const nameAt = text + reader.u32(entry);
    const end = elf.bytes.indexOf(0, nameAt);
    if (Buffer.from(elf.bytes.subarray(nameAt, end)).toString('latin1') === name) return reader.u64(entry + 8);
  }
  throw new Error(`no symbol ${name}`);
}
