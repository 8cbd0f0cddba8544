/**
 * encodeRelr, the one RELR encoder pack and audit's cost report use, against the tables lld really
 * writes (every RELR sample of every architecture, decoded by piekit's reader and encoded again
 * gives the very same words), against LLVM's relr-relocs.test vector, and on made-up address sets
 * (encoding then decoding gives the addresses back).
 */
import { join } from 'node:path';
import { architectures, decodeRelr, encodeRelr, readElfFile, readRelocationInfo } from 'piekit/elf';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSamples } from './support/samples.js';
import { decodeRelrSpec } from './synthetic/relr-spec.js';

describe('encodeRelr gives the words lld wrote', () => {
  beforeAll(async () => {
    const make = await makeSamples();
    expect(make.ok, make.output).toBe(true);
  }, 1_800_000);
  const packing = architectures.filter((arch) => arch.toolchain?.formats.relr !== undefined);
  for (const arch of packing) {
    for (const sample of ['hello', 'tables', 'many']) {
      it(`in ${arch.name} ${sample}-relr`, () => {
        const elf = readElfFile(join('samples', 'out', arch.name, `${sample}-relr`));
        const table = readRelocationInfo(elf).tables.find((candidate) => candidate.kind === 'relr');
        if (table === undefined) throw new Error(`${arch.name} ${sample}-relr has no RELR table`);
        const w = elf.reader.wordSize;
        const words = Array.from({ length: table.count }, (_, i) => elf.reader.word(table.fileOffset + i * w));
        const addresses = decodeRelr(elf.reader, table).map((decoded) => decoded.address);
        // lld pads a table that shrank between layout passes with empty bitmaps (1); none decodes to anything.
        let end = words.length;
        while (end > 0 && words[end - 1] === 1n) end--;
        expect(encodeRelr(addresses, w)).toEqual(words.slice(0, end));
      });
    }
  }
});

describe('encodeRelr on made-up addresses', () => {
  it('an empty list, one address, a full bitmap and the word after it', () => {
    expect(encodeRelr([], 8)).toEqual([]);
    expect(encodeRelr([0x1000n], 8)).toEqual([0x1000n]);
    const run = Array.from({ length: 64 }, (_, i) => 0x1000n + BigInt(i) * 8n);
    // The address entry, then bits 1..63 for the 63 words after it.
    expect(encodeRelr(run, 8)).toEqual([0x1000n, (((1n << 63n) - 1n) << 1n) | 1n]);
    expect(encodeRelr([...run, 0x1000n + 64n * 8n], 8)).toEqual([0x1000n, (((1n << 63n) - 1n) << 1n) | 1n, 3n]);
    const run32 = Array.from({ length: 32 }, (_, i) => 0x1000n + BigInt(i) * 4n);
    expect(encodeRelr(run32, 4)).toEqual([0x1000n, 0xffffffffn]);
  });

  it('a gap a bitmap cannot bridge starts a new address entry, and so does a repeated address', () => {
    expect(encodeRelr([0x1000n, 0x1000n + 64n * 8n], 8)).toEqual([0x1000n, 0x1200n]);
    expect(encodeRelr([0x1000n, 0x1000n + 63n * 8n], 8)).toEqual([0x1000n, (1n << 63n) | 1n]);
    expect(encodeRelr([0x1000n, 0x1000n, 0x1008n], 8)).toEqual([0x1000n, 0x1000n, 3n]);
  });

  it('refuses unaligned and unsorted addresses', () => {
    expect(() => encodeRelr([0x1004n], 8)).toThrow(RangeError);
    expect(() => encodeRelr([0x1008n, 0x1000n], 8)).toThrow(RangeError);
    expect(() => encodeRelr([1n << 32n], 4)).toThrow(RangeError);
  });

  it('decodes back to the addresses it encoded, on random sets of either word size', () => {
    let state = 0x2545f491;
    const random = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 0x100000000;
    };
    for (const wordSize of [4, 8] as const) {
      for (let round = 0; round < 200; round++) {
        const set = new Set<bigint>();
        let at = BigInt(Math.floor(random() * 0x10000)) * BigInt(wordSize);
        const length = Math.floor(random() * 300);
        for (let i = 0; i < length; i++) {
          at += BigInt(wordSize) * BigInt(random() < 0.7 ? 1 : Math.floor(random() * 200));
          set.add(at);
        }
        const addresses = [...set].sort((a, b) => (a < b ? -1 : 1));
        const decoded = decodeRelrSpec(encodeRelr(addresses, wordSize), wordSize).map((entry) => entry.address);
        expect(decoded).toEqual(addresses);
      }
    }
  });
});

describe('encodeRelr on the vectors of LLVM and at the edges', () => {
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
});
