/**
 * Writes the seed corpus of the libFuzzer harnesses (test/fuzz/native/*.c) from the samples of
 * every architecture built so far (samples/out/<arch>/hello-* and tables-*: REL, RELA, RELR and the
 * MIPS local GOT), each behind the prefix its harness reads, with the relative pattern and flags of
 * its architecture taken from the architecture records:
 *   node build/ts/test/fuzz/native-corpus.js OUT SAMPLES
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ElfFile, infoDecoder, PF_W, PT_DYNAMIC, PT_LOAD, readElf } from '../../elf/index.js';

const [out = 'build/fuzz/corpus', samples = 'samples/out'] = process.argv.slice(2);
/** run.sh's -max_len: a longer seed would be cut short (sparc64's GNU ld aligns to 1 MiB). */
const MAX_LEN = 128 * 1024;

// engine-fuzz.c's prefix flags and mask selectors.
const FLAG_RAW = 0x01;
const FLAG_ALL_IN_WINDOW = 0x02;
const FLAG_LOCAL_GOT = 0x04;
const FLAG_RELA_ADDS_TO_WORD = 0x08;
const FLAG_INFO_HIGH = 0x10;
const FLAG_LOG_BOTH = 0x60;
const MASK_0XFF = 0;
const MASK_32 = 1;
const MASK_ALL = 2;
const RAW_CLASS_64 = 0x08;
const RAW_BIG_ENDIAN = 0x20;
const RAW_SEGMENTS = 7;

function little(value: bigint, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Number((BigInt.asUintN(64, value) >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

function engineInput(base: bigint, elf: ElfFile, flags: number, options: number, segmentCount: number, ...rest: Uint8Array[]): Uint8Array {
  const { lowMask, low, highMask, high } = infoDecoder(elf.arch).relative;
  const info = highMask !== 0 && high !== 0 ? high : low;
  const mask = highMask !== 0 ? MASK_ALL : lowMask === 0xff ? MASK_0XFF : MASK_32;
  const archFlags =
    (elf.arch.localGot ? FLAG_LOCAL_GOT : 0) |
    (elf.arch.relaAddsToWord ? FLAG_RELA_ADDS_TO_WORD : 0) |
    (info === high && high !== 0 ? FLAG_INFO_HIGH : 0);
  const prefix = [little(base, 8), little(BigInt(info >>> 0), 4), Uint8Array.of(flags | archFlags, mask | options, segmentCount, 0)];
  return Buffer.concat([...prefix, ...rest]);
}

const harnesses = ['engine-fuzz', 'loader-validate-fuzz', 'loader-address-fuzz'];
for (const harness of harnesses) mkdirSync(join(out, harness), { recursive: true });

const architectures = new Set<string>();
for (const arch of readdirSync(samples).sort()) {
  const directory = join(samples, arch);
  if (!statSync(directory).isDirectory()) continue;
  for (const name of readdirSync(directory).filter((entry) => /^(hello|tables)-[a-z]+$/.test(entry))) {
    const file = join(directory, name);
    const bytes = new Uint8Array(readFileSync(file));
    if (bytes.length > MAX_LEN) continue;
    const elf = readElf(bytes);
    architectures.add(arch);
    const seed = `${arch}-${basename(file)}`;
    const wide = elf.reader.wordSize === 8;
    const [base, high] = wide ? [0x7f0000000000n, 0xfffffffffff00000n] : [0x40000000n, 0xfff00000n];
    // ELF mode: the writable window with both logs; every segment at a base that wraps.
    writeFileSync(join(out, 'engine-fuzz', `${seed}-writable`), engineInput(base, elf, FLAG_LOG_BOTH, 0, 0, bytes));
    writeFileSync(join(out, 'engine-fuzz', `${seed}-all`), engineInput(high, elf, FLAG_ALL_IN_WINDOW, 0, 0, bytes));
    // Raw mode: the same file with its PT_LOADs described as they are, all in one window.
    const loads = elf.programHeaders.filter((header) => header.type === PT_LOAD).slice(0, RAW_SEGMENTS);
    const first = loads[0]?.vaddr ?? 0n;
    const described = loads.flatMap((load) =>
      [load.vaddr, load.memsz, load.offset, load.filesz, (load.flags & PF_W) !== 0 ? 1n : 0n, load.vaddr - first].map((word) => little(word, 8)),
    );
    const dynamic = elf.programHeaders.find((header) => header.type === PT_DYNAMIC)?.vaddr ?? 0n;
    const span = loads.reduce((end, load) => (load.vaddr + load.memsz - first > end ? load.vaddr + load.memsz - first : end), 0n);
    const rawOptions = (wide ? RAW_CLASS_64 : 0) | (elf.reader.little ? 0 : RAW_BIG_ENDIAN);
    writeFileSync(
      join(out, 'engine-fuzz', `${seed}-raw`),
      engineInput(base, elf, FLAG_RAW | FLAG_LOG_BOTH, rawOptions, loads.length, ...described, little(dynamic, 8), little(span, 4), bytes),
    );
    // The loader validates its own kind only: the harness runs on the host, ELF64 little-endian.
    if (wide && elf.reader.little) {
      const pageSelector = { 4096: 0, 8192: 1, 16384: 2 }[Number(elf.arch.pageSize)] ?? 0;
      const expectOwnMachine = 0x04;
      writeFileSync(
        join(out, 'loader-validate-fuzz', seed),
        Buffer.concat([Uint8Array.of(pageSelector | expectOwnMachine), little(0x300000000000n, 8), bytes]),
      );
    }
  }
}

// The loader's --base: what the loader tests pass, and the edges of a 64-bit word.
for (const text of [
  '0x123456789000',
  '0X7FF000000000',
  '4096',
  '18446744073709551615',
  '18446744073709551616',
  '0xffffffffffffffff',
  '0x10000000000000000',
  '0x',
  '0xg1',
  '-1',
  'random',
]) {
  writeFileSync(join(out, 'loader-address-fuzz', text), text);
}
console.log(`seeds from ${architectures.size} architectures (${[...architectures].join(' ')}) in ${out}`);
