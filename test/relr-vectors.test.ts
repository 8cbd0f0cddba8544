/**
 * The RELR vectors of LLVM's llvm/test/tools/llvm-readobj/ELF/relr-relocs.test (llvm/llvm-project),
 * with the addresses that test's GNU-style output lists for each entry (`Index: Entry Address`).
 * piekit's decodeRelr must give exactly those addresses, each with the entry it came from, and a
 * plan of a synthetic file holding the same table must write exactly those words, in every class
 * and byte order (the vectors are per class; byte order changes only how the words are stored).
 */

import { apply, finalWrites, imageFor, plan } from 'piekit';
import { type Arch, architectures, countRelrAddresses, decodeRelr, readElf, readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { encodeWords, writeElf } from './synthetic/elf-writer.js';
import { decodeRelrSpec } from './synthetic/relr-spec.js';

interface Vector {
  readonly name: string;
  readonly entries: readonly bigint[];
  /** Per RELR entry, the addresses LLVM lists for it. */
  readonly addresses: readonly (readonly bigint[])[];
}

const VECTORS: Readonly<Record<4 | 8, readonly Vector[]>> = {
  8: [
    {
      // --docnum=1: ELFCLASS64, EM_X86_64, 21 relocations.
      name: 'docnum 1 (ELF64)',
      entries: [0x10d60n, 0x103n, 0x20000n, 0xf0501n, 0xa700550400009n],
      addresses: [
        [0x10d60n],
        [0x10d68n, 0x10da0n],
        [0x20000n],
        [0x20040n, 0x20050n, 0x20080n, 0x20088n, 0x20090n, 0x20098n],
        [0x20210n, 0x202a8n, 0x202d8n, 0x202e8n, 0x202f8n, 0x20308n, 0x20358n, 0x20360n, 0x20368n, 0x20380n, 0x20390n],
      ],
    },
    {
      // --docnum=3: ELFCLASS64, the first two entries alone.
      name: 'docnum 3 (ELF64)',
      entries: [0x10d60n, 0x103n],
      addresses: [[0x10d60n], [0x10d68n, 0x10da0n]],
    },
  ],
  4: [
    {
      // --docnum=2: ELFCLASS32, EM_386, 14 relocations.
      name: 'docnum 2 (ELF32)',
      entries: [0x10d60n, 0x103n, 0x20000n, 0xf0501n, 0x50400009n],
      addresses: [
        [0x10d60n],
        [0x10d64n, 0x10d80n],
        [0x20000n],
        [0x20020n, 0x20028n, 0x20040n, 0x20044n, 0x20048n, 0x2004cn],
        [0x20088n, 0x200d4n, 0x200ecn, 0x200f4n],
      ],
    },
  ],
};

/** The vectors' addresses lie in 0x10000..0x20400: one writable segment there. */
const DATA = 0x10000n;
const DATA_END = 0x20400n;

const flat = (vector: Vector): { address: bigint; entry: number }[] =>
  vector.addresses.flatMap((addresses, entry) => addresses.map((address) => ({ address, entry })));

function synthetic(arch: Arch, vector: Vector): { bytes: Uint8Array; initial: bigint[] } {
  const w = arch.wordSize;
  const words = Number((DATA_END - DATA) / BigInt(w));
  // Distinct initial words so that a write to the wrong word shows; the upper half is .bss.
  const initial = Array.from({ length: words / 2 }, (_, i) => 0x1000_0000n + BigInt(i) * 0x11n);
  const { bytes } = writeElf({
    wordSize: w,
    endian: arch.endian,
    machine: arch.machine,
    data: { vaddr: DATA, bytes: encodeWords(arch, initial), memsz: DATA_END - DATA },
    relr: vector.entries,
  });
  return { bytes, initial: [...initial, ...new Array<bigint>(words - initial.length).fill(0n)] };
}

/** Byte-for-byte comparison that stays fast on 64 KiB and still names the first differing byte. */
function firstDifference(actual: Uint8Array, wanted: Uint8Array): { at: string; actual: number; wanted: number } | null {
  if (actual.length !== wanted.length) return { at: 'length', actual: actual.length, wanted: wanted.length };
  const at = actual.findIndex((byte, i) => byte !== wanted[i]);
  return at < 0 ? null : { at: `0x${(DATA + BigInt(at)).toString(16)}`, actual: actual[at] ?? -1, wanted: wanted[at] ?? -1 };
}

describe.each([8, 4] as const)('LLVM relr-relocs.test vectors, ELF%i', (wordSize) => {
  describe.each(VECTORS[wordSize].map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    it('are what the RELR specification decodes', () => {
      expect(decodeRelrSpec(vector.entries, wordSize)).toEqual(flat(vector));
    });

    const targets = architectures.filter((arch) => arch.wordSize === wordSize);
    it.each(targets.map((arch) => [arch.name, arch] as const))('%s: decodeRelr and plan give exactly those addresses', (_arch, arch) => {
      const { bytes, initial } = synthetic(arch, vector);
      const elf = readElf(bytes);
      const table = readRelocationInfo(elf).tables.find((candidate) => candidate.kind === 'relr');
      if (table === undefined) throw new Error('no RELR table found through DT_RELR');
      expect(table.count).toBe(vector.entries.length);
      expect(decodeRelr(elf.reader, table)).toEqual(flat(vector));
      expect(countRelrAddresses(elf.reader, table)).toBe(flat(vector).length);

      const base = wordSize === 8 ? 0x7f00_1234_0000n : 0x8000_0000n;
      const mask = (1n << BigInt(8 * wordSize)) - 1n;
      const planned = plan(elf);
      const image = imageFor(planned);
      apply(planned, image, base);
      const W = BigInt(wordSize);
      const index = (address: bigint): number => Number((address - DATA) / W);
      expect(finalWrites(planned, image, base)).toEqual(
        flat(vector).map(({ address, entry }) => ({
          address: base + address,
          size: wordSize,
          value: ((initial[index(address)] ?? 0n) + base) & mask,
          source: `relr#${entry}`,
        })),
      );
      const memory = [...initial];
      for (const { address } of flat(vector)) memory[index(address)] = ((memory[index(address)] ?? 0n) + base) & mask;
      const start = Number(DATA - planned.layout.start) - image.origin;
      expect(firstDifference(image.bytes.subarray(start, start + Number(DATA_END - DATA)), encodeWords(arch, memory))).toBeNull();
    });
  });
});
