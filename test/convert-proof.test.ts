/**
 * The equivalence proof refuses what is not equivalent: outputs of a real conversion with one
 * byte changed where the program would see it, and pairs of synthetic files that relocate the same
 * words to the same value at base 0 but not at every base, where checking one base would pass.
 */
import { type ElfFile, pack, proveEquivalent, readElf, unpack } from 'piekit';
import { readRelocationInfo } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { DT_NULL } from './support/gabi.js';
import { encodeWords, rInfo, type SyntheticElf, type Target, writeElf } from './synthetic/elf-writer.js';

const X86_64: Target = { wordSize: 8, endian: 'little', machine: 62 };
const R_X86_64_RELATIVE = 8;
const RELATIVE = rInfo(X86_64, 0, R_X86_64_RELATIVE);
const DATA = 0x10000n;
const PADDING: readonly (readonly [bigint, bigint])[] = [
  [DT_NULL, 0n],
  [DT_NULL, 0n],
  [DT_NULL, 0n],
];

function written(spec: Omit<SyntheticElf, keyof Target | 'data'>): { elf: ElfFile; dataOffset: number } {
  const data = {
    vaddr: DATA,
    bytes: encodeWords(
      X86_64,
      Array.from({ length: 0x40 }, (_, i) => BigInt(i) * 0x100n),
    ),
    memsz: 0x300n,
  };
  const { bytes, dataOffset } = writeElf({ ...X86_64, ...spec, data });
  return { elf: readElf(bytes), dataOffset };
}

/** The packed file's bytes with `change` applied at a file offset. */
function packedWith(input: ElfFile, at: number, change: (bytes: Uint8Array, at: number) => void): ElfFile {
  const conversion = pack(input);
  expect(conversion.changed).toBe(true);
  const bytes = conversion.output.toBytes();
  change(bytes, at);
  return readElf(bytes);
}

const notEquivalent = /the converted file is not equivalent to its input/;

describe('the equivalence proof', () => {
  const input = written({
    rela: [
      [DATA, RELATIVE, 0x1234n],
      [DATA + 8n, RELATIVE, -8n],
      [DATA + 0x40n, RELATIVE, 0x10n],
    ],
  });

  it('holds for the packed file as written', () => {
    const proof = proveEquivalent(
      input.elf,
      packedWith(input.elf, 0, () => {}),
    );
    expect(proof.relocatedWords).toBe(3);
  });

  it('refuses an addend stored one off in a word RELR relocates', () => {
    const after = packedWith(input.elf, input.dataOffset + 8, (bytes, at) => {
      bytes[at] = ((bytes[at] as number) + 1) & 0xff;
    });
    expect(() => proveEquivalent(input.elf, after)).toThrow(notEquivalent);
  });

  it('refuses a changed byte that no relocation writes, in a relocated segment', () => {
    const after = packedWith(input.elf, input.dataOffset + 0x21, (bytes, at) => {
      bytes[at] = ((bytes[at] as number) ^ 1) & 0xff;
    });
    expect(() => proveEquivalent(input.elf, after)).toThrow(notEquivalent);
  });

  it('refuses an unpacked RELA entry whose addend is one off', () => {
    const relr = written({ relr: [DATA, 0b111n] });
    const conversion = unpack(relr.elf);
    expect(conversion.changed).toBe(true);
    const bytes = conversion.output.toBytes();
    expect(proveEquivalent(relr.elf, readElf(bytes)).relocatedWords).toBe(3);
    const rela = readRelocationInfo(readElf(bytes)).tables.find((table) => table.kind === 'rela');
    if (rela === undefined) throw new Error('no RELA table');
    // r_addend of the second entry, little-endian: its low byte.
    const at = rela.fileOffset + rela.entrySize + 16;
    bytes[at] = ((bytes[at] as number) + 1) & 0xff;
    expect(() => proveEquivalent(relr.elf, readElf(bytes))).toThrow(notEquivalent);
  });

  it('compares at each base a word written twice: the same value at base 0 is not the same value everywhere', () => {
    // RELA sets the word to base + 0x40 twice; RELA then RELR set it to base + 0x40, then add the
    // base again. Same words, same number of writes, same tables' size; equal only at base 0.
    const twice = written({
      rela: [
        [DATA + 0x10n, RELATIVE, 0x40n],
        [DATA + 0x10n, RELATIVE, 0x40n],
      ],
      dynamic: PADDING,
    });
    const setThenAdd = written({ rela: [[DATA + 0x10n, RELATIVE, 0x40n]], relr: [DATA + 0x10n, 1n, 1n] });
    expect(() => proveEquivalent(twice.elf, setThenAdd.elf)).toThrow(/relocated memory at base 0x10000 differs/);
  });

  it('compares at each base words that overlap: their sum carries from one into the other', () => {
    // A word at +4 overlaps the words at 0 and +8; written in the other order, the carry out of
    // the low word lands in another byte. Both are 0 at base 0.
    const rela = [
      [DATA + 0x100n, RELATIVE, 0n],
      [DATA + 0x104n, RELATIVE, 0n],
    ] as const;
    const first = written({ rela: [...rela] });
    const second = written({ rela: [rela[1], rela[0]] });
    expect(() => proveEquivalent(first.elf, second.elf)).toThrow(/relocated memory at base/);
  });
});
