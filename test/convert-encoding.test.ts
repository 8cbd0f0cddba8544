/**
 * The encoders pack and unpack write with: r_info, the exact inverse of the reader's decoder on
 * every architecture, and RELR, word for word what lld writes (checked against the tables lld
 * wrote into every RELR sample, and against LLVM's own test vectors).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeInfo, encodeRelr, relativeInfo } from 'piekit/convert';
import { architectures, decodeRelr, readElf, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { notApplicable } from './support/environment.js';
import { rInfo, writeElf } from './synthetic/elf-writer.js';

type Arch = (typeof architectures)[number];

/** How piekit's reader decodes an r_info: stored in a synthetic file's one REL entry and read back. */
function decode(arch: Arch, info: bigint): { type: number; symbol: number; relative: boolean } {
  const elf = syntheticWithInfo(arch, info);
  const relocationInfo = readRelocationInfo(elf);
  const table = relocationInfo.tables[0];
  if (table === undefined) throw new Error('no table');
  const at = table.fileOffset + arch.wordSize;
  const low = elf.reader.wordLow(at);
  const high = elf.reader.wordHigh(at);
  const { decoder } = relocationInfo;
  return { type: decoder.type(low, high), symbol: decoder.symbol(low, high), relative: decoder.isRelative(low, high) };
}

function syntheticWithInfo(arch: Arch, info: bigint) {
  const data = new Uint8Array(64);
  const { bytes } = writeElf({
    wordSize: arch.wordSize,
    endian: arch.endian,
    machine: arch.machine,
    data: { vaddr: 0x10000n, bytes: data, memsz: 64n },
    rel: [[0x10000n, info]],
  });
  return readElf(bytes);
}

describe('r_info encoding', () => {
  for (const arch of architectures) {
    it(`is the inverse of the decoder on ${arch.name}`, () => {
      const types = [arch.relativeType, 0, 1, ...(arch.infoLayout === 'mips64' ? [0x12_0303, 0x03_1203, 0xff_ffff] : [0xff])];
      const symbols = [0, 1, 0x1234, arch.infoLayout === 'elf32' ? 0xffffff : 0xffffffff];
      for (const type of types) {
        for (const symbol of symbols) {
          const info = encodeInfo(arch, symbol, type);
          const decoded = decode(arch, info);
          expect({ type: decoded.type, symbol: decoded.symbol }).toEqual({ type, symbol });
        }
      }
    });

    it(`gives a relative r_info on ${arch.name} that the reader takes as relative, as the synthetic writer spells it`, () => {
      const info = relativeInfo(arch);
      expect(decode(arch, info)).toEqual({ type: arch.relativeType, symbol: 0, relative: true });
      // test/synthetic's independent spelling of the same field.
      expect(info).toBe(rInfo({ wordSize: arch.wordSize, endian: arch.endian, machine: arch.machine }, 0, arch.relativeType));
    });
  }
});

describe('RELR encoding', () => {
  it('gives the entries of LLVM relr-relocs.test docnum 1 (ELF64) for its addresses', () => {
    const addresses = [
      0x10d60n,
      0x10d68n,
      0x10da0n,
      0x20000n,
      0x20040n,
      0x20050n,
      0x20080n,
      0x20088n,
      0x20090n,
      0x20098n,
      0x20210n,
      0x202a8n,
      0x202d8n,
      0x202e8n,
      0x202f8n,
      0x20308n,
      0x20358n,
      0x20360n,
      0x20368n,
      0x20380n,
      0x20390n,
    ];
    expect(encodeRelr(addresses, 8)).toEqual([0x10d60n, 0x103n, 0x20000n, 0xf0501n, 0xa700550400009n]);
  });

  it('fills every bitmap bit, starts a new address entry past a bitmap or at a duplicate, in both classes', () => {
    for (const wordSize of [4, 8] as const) {
      const w = BigInt(wordSize);
      const bits = BigInt(wordSize * 8 - 1);
      const run = Array.from({ length: Number(bits) * 2 + 2 }, (_, i) => 0x1000n + BigInt(i) * w);
      const words = encodeRelr(run, wordSize);
      const full = (1n << (bits + 1n)) - 1n;
      // The address after two full bitmaps is the third bitmap's first word.
      expect(words).toEqual([0x1000n, full, full, 0b11n]);
      expect(encodeRelr([...run, 0x1000n + bits * 5n * w], wordSize)).toEqual([0x1000n, full, full, 0b11n, 0x1000n + bits * 5n * w]);
      expect(encodeRelr([0x2000n, 0x2000n, 0x2000n + w], wordSize)).toEqual([0x2000n, 0x2000n, 0b11n]);
      // A gap longer than a bitmap reaches.
      expect(encodeRelr([0x0n, (bits + 1n) * w + w], wordSize)).toEqual([0x0n, (bits + 1n) * w + w]);
      expect(encodeRelr([], wordSize)).toEqual([]);
    }
  });

  it('encodes addresses further apart than doubles are exact', () => {
    const far = [0x10n, 0x18n, 0xfff0_0000_0000_0000n, 0xfff0_0000_0000_0008n, 0xfff0_0000_0000_0018n];
    expect(encodeRelr(far, 8)).toEqual([0x10n, 0b11n, 0xfff0_0000_0000_0000n, 0b1011n]);
  });

  const relrSamples = architectures.flatMap((arch) =>
    ['hello', 'tables', 'many'].map((sample) => ({ arch, sample, path: join('samples', 'out', arch.name, `${sample}-relr`) })),
  );
  for (const { arch, sample, path } of relrSamples.filter(({ arch }) => arch.toolchain?.formats.relr !== undefined)) {
    it(`gives the very table lld wrote in ${arch.name} ${sample}-relr`, (context) => {
      if (!existsSync(path)) notApplicable(context, `${path} is not built (make samples ARCH=${arch.name})`);
      const elf = readElf(readFileSync(path));
      const table = readRelocationInfo(elf).tables.find((candidate) => candidate.kind === 'relr');
      if (table === undefined) throw new Error(`${path} has no RELR table`);
      const words = Array.from({ length: table.count }, (_, i) => elf.reader.word(table.fileOffset + i * arch.wordSize));
      const addresses = decodeRelr(elf.reader, table).map(({ address }) => address);
      expect(encodeRelr(addresses, arch.wordSize)).toEqual(words);
    });
  }
});
