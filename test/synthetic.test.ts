/**
 * Every architecture of the table, in each class and byte order it has, planned from synthetic
 * files (test/synthetic/writer.ts) holding each table kind: REL, RELA, RELR and, on MIPS, the
 * local GOT. The expected memory is computed here from the specifications, independently of
 * piekit: REL word += base; RELA word = base + addend (ARC: word += base); RELR address entry A
 * relocates A and sets where = A + W, bit k (1..8W-1) of a bitmap relocates where[k - 1], then
 * where += (8W-1) words; MIPS local GOT words += base, first; all modulo 2^(8W).
 */
import { describe, expect, it } from 'vitest';
import { apply, imageFor, inspect, plan, planJson, readImageWord, relocate } from 'piekit';
import { architectures, readElf, typeName, type Arch } from 'piekit/elf';
import { DATA, writeSynthetic, type Entry } from './synthetic/writer.js';

interface Case {
  readonly bytes: Uint8Array;
  /** Final value of each data and tail word, by word index, for a base. */
  expected(base: bigint): bigint[];
  readonly relocated: ReadonlySet<number>;
  readonly skipped: readonly { table: 'rel' | 'rela'; index: number; type: number }[];
}

/** A type of this architecture that is not relative (MIPS: the relative type against a symbol). */
function nonRelative(arch: Arch): { type: number; symbol: number } {
  if (arch.relativeNeedsNullSymbol) return { type: arch.relativeType, symbol: 1 };
  const type = [...arch.typeNames.keys()].find((candidate) => candidate !== 0 && candidate !== arch.relativeType);
  if (type === undefined) throw new Error(`${arch.name} names no type but its relative one`);
  return { type, symbol: 1 };
}

function buildCase(arch: Arch): Case {
  const w = arch.wordSize;
  const W = BigInt(w);
  const bits = BigInt(8 * w);
  const perBitmap = 8 * w - 1;
  const words = 12 + 2 * perBitmap + 4;
  const tail = 8;
  const vaddr = (index: number): bigint => DATA + BigInt(index) * W;
  // Link-time pointers to other data words: what REL and RELR relocate in place.
  const data = Array.from({ length: words }, (_, index) => vaddr((index * 7) % words) + BigInt(index % 3));
  const relative = { type: arch.relativeType, symbol: 0 };
  const other = nonRelative(arch);
  const rel: Entry[] = [
    { offset: vaddr(0), ...relative },
    { offset: vaddr(1), ...relative },
    { offset: vaddr(2), ...other },
    { offset: vaddr(words + 1), ...relative }, // in the zero tail: 0 + base
  ];
  const minusEight = (1n << bits) - 8n; // r_addend -8, as the file holds it
  const rela: Entry[] = [
    { offset: vaddr(3), ...relative, addend: vaddr(5) + 3n },
    { offset: vaddr(4), ...relative, addend: minusEight },
    { offset: vaddr(5), ...other, addend: 0x40n },
    { offset: vaddr(6), ...relative, addend: w === 8 ? 0x1234_5678_9abcn : 0x8000_0004n },
    { offset: vaddr(13), ...relative, addend: vaddr(1) }, // RELR adds to it again below
  ];
  // RELR: A = word 12; bitmap bits 1, 2, 4, 8W-1 (words 13, 14, 16, 12 + perBitmap); next bitmap bit 1
  // (word 13 + perBitmap); then an address entry past a gap.
  const first = 12;
  const bitmap1 = (1n << 1n) | (1n << 2n) | (1n << 4n) | (1n << (bits - 1n)) | 1n;
  const bitmap2 = (1n << 1n) | 1n;
  const relr = [vaddr(first), bitmap1, bitmap2, vaddr(words - 2)];
  const relrTargets = [first, first + 1, first + 2, first + 4, first + perBitmap, first + 1 + perBitmap, words - 2];
  const localGot = arch.localGot ? { vaddr: vaddr(7), count: 3 } : undefined;
  const relaAddsToWord = arch.relaAddsToWord;

  const expected = (base: bigint): bigint[] => {
    const mask = (1n << bits) - 1n;
    const memory = [...data, ...new Array<bigint>(tail).fill(0n)];
    const at = (address: bigint): number => Number((address - DATA) / W);
    const add = (index: number): void => {
      memory[index] = ((memory[index] ?? 0n) + base) & mask;
    };
    if (localGot !== undefined) for (let i = 0; i < localGot.count; i++) add(at(localGot.vaddr) + i);
    for (const entry of rel) if (entry.type === relative.type && entry.symbol === 0) add(at(entry.offset));
    for (const entry of rela) {
      if (entry.type !== relative.type || entry.symbol !== 0) continue;
      if (relaAddsToWord) add(at(entry.offset));
      else memory[at(entry.offset)] = (base + (entry.addend ?? 0n)) & mask;
    }
    for (const index of relrTargets) add(index);
    return memory;
  };
  const relocated = new Set<number>([
    ...(localGot === undefined ? [] : [7, 8, 9]),
    0,
    1,
    words + 1,
    3,
    4,
    6,
    13,
    ...relrTargets,
  ]);
  return {
    bytes: writeSynthetic({ arch, data, bssWords: tail, rel, rela, relr, ...(localGot === undefined ? {} : { localGot }) }),
    expected,
    relocated,
    skipped: [
      { table: 'rel', index: 2, type: other.type },
      { table: 'rela', index: 2, type: other.type },
    ],
  };
}

function bases(arch: Arch): bigint[] {
  return arch.wordSize === 8 ? [0x123456789000n, 0x7ff000000000n] : [0x80000000n, 0x10000n];
}

interface PlanDocument {
  base: string;
  endian: string;
  wordSize: number;
  writes: { address: string; size: number; value: string; source: string }[];
  skipped: { table: string; index: number; type: number; typeName: string }[];
}

describe.each(architectures.map((arch) => [arch.name, arch] as const))('synthetic %s', (_name, arch) => {
  const synthetic = buildCase(arch);
  const elf = readElf(synthetic.bytes);

  it('is read as this architecture, class and byte order', () => {
    expect(elf.arch.name).toBe(arch.name);
    expect(elf.reader.wordSize).toBe(arch.wordSize);
    expect(elf.reader.endian).toBe(arch.endian);
  });

  it.each(bases(arch))('relocates every word as the specifications say, at base %s', (base) => {
    const planned = plan(elf);
    const image = imageFor(planned);
    apply(planned, image, base);
    const expected = synthetic.expected(base);
    const w = arch.wordSize;
    const actual = expected.map((_, index) => {
      const [low, high] = readImageWord(image, Number(DATA - planned.layout.start) + index * w);
      return (BigInt(high) << 32n) | BigInt(low);
    });
    expect(actual.map((value) => value.toString(16))).toEqual(expected.map((value) => value.toString(16)));

    const document = JSON.parse(new TextDecoder().decode(planJson(planned, image, base))) as PlanDocument;
    expect(document.endian).toBe(arch.endian);
    expect(document.wordSize).toBe(w);
    const written = document.writes.map((write) => Number((BigInt(write.address) - base - DATA) / BigInt(w)));
    expect(new Set(written)).toEqual(synthetic.relocated);
    for (const write of document.writes) {
      const index = Number((BigInt(write.address) - base - DATA) / BigInt(w));
      expect(BigInt(write.value), write.source).toBe(expected[index]);
    }
    expect(document.skipped).toEqual(
      synthetic.skipped.map((skip) => ({ ...skip, typeName: typeName(arch, skip.type) })),
    );
    expect(document.skipped.every((skip) => !skip.typeName.startsWith('unknown'))).toBe(true);

    // The native engine runs the stub's C core on the same file: the same document, byte for byte.
    const native = relocate(elf, base, 'native');
    expect(new TextDecoder().decode(planJson(native.plan, native.image, base))).toBe(new TextDecoder().decode(planJson(planned, image, base)));
  });

  it('counts each table in inspect', () => {
    const inspection = inspect(plan(elf));
    const counts = Object.fromEntries(inspection.tables.map((table) => [table.table, table.relative]));
    expect(counts).toEqual({ rel: 3, rela: 4, relr: 7 });
    expect(inspection.localGot === null ? 0 : 3).toBe(arch.localGot ? 3 : 0);
  });
});
