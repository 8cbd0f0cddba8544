/**
 * The comparison on its own: memory snapshots made by hand from a synthetic static-PIE whose every
 * word the test chose, each difference planted at a word named here, and the counts written down.
 * Each kind of difference, a difference in the first and in the last word of each writable
 * segment, a word two tables write, and the number of words compared, checked against the
 * writer's own record (every word of the writable segments) and against llvm-readelf's list of the
 * relocations (every word the plan writes).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { plan, readElf } from 'piekit';
import { AddressNames } from 'piekit/elf';
import { comparePlannedWords, compareSegments, countByKind, type Difference, type MemorySnapshot } from 'piekit/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireCommand } from './support/environment.js';
import { type DataSegment, encodeWords, rInfo, type Target, writeElf } from './synthetic/elf-writer.js';

const TARGET: Target = { wordSize: 8, endian: 'little', machine: 62 }; // EM_X86_64
const R_X86_64_RELATIVE = 8;
const BASE = 0x7f0000000000n;

/** The file's words of each writable segment, by link-time address. */
const A = 0x2000n;
const B = 0x5000n;
const fileWords = {
  a: [0n, 0n, 0x3000n, 0x3008n, 0x3010n, 0x1111n, 0x3018n, 0x3020n],
  // Three words in the file, a fourth in the .bss tail.
  b: [0x3028n, 0x2222n, 0n],
};
const SEGMENTS: DataSegment[] = [
  { vaddr: A, bytes: encodeWords(TARGET, fileWords.a), memsz: 64n },
  { vaddr: B, bytes: encodeWords(TARGET, fileWords.b), memsz: 32n },
];
const relative = rInfo(TARGET, 0, R_X86_64_RELATIVE);
const RELA: [bigint, bigint, bigint][] = [
  [A, relative, 0x2100n],
  [A + 8n, relative, 0x2108n],
  [A + 16n, relative, 0x2200n], // RELR relocates this word too
  [B + 16n, relative, 0x5000n],
];
// RELR: A+16 (an address entry), then a bitmap for A+24, A+32, A+48 and A+56 (bits 1, 2, 4 and 5
// count words from A+24), then B (an address entry).
const RELR = [A + 16n, (1n << 0n) | (1n << 1n) | (1n << 2n) | (1n << 4n) | (1n << 5n), B];
const written = writeElf({ ...TARGET, data: SEGMENTS[0] as DataSegment, moreData: SEGMENTS.slice(1), rela: RELA, relr: RELR });

/**
 * The relocated memory at BASE, worked out here: RELA writes base + addend; RELR then adds the
 * base to what the word holds (glibc applies DT_RELR after DT_RELA, elf/dynamic-link.h), so the
 * word both tables write holds the base twice.
 */
const relocated = {
  a: [BASE + 0x2100n, BASE + 0x2108n, 2n * BASE + 0x2200n, BASE + 0x3008n, BASE + 0x3010n, 0x1111n, BASE + 0x3018n, BASE + 0x3020n],
  b: [BASE + 0x3028n, 0x2222n, BASE + 0x5000n, 0n],
};

function snapshot(words: { a: readonly bigint[]; b: readonly bigint[] }, base = BASE): MemorySnapshot {
  return {
    base,
    segments: [
      { vaddr: A, bytes: encodeWords(TARGET, words.a) },
      { vaddr: B, bytes: encodeWords(TARGET, words.b) },
    ],
  };
}

/** The relocated memory with some words replaced, by link-time address. */
function planted(changes: Record<string, bigint>): MemorySnapshot {
  const a = [...relocated.a];
  const b = [...relocated.b];
  for (const [address, value] of Object.entries(changes)) {
    const vaddr = BigInt(address);
    if (vaddr >= B) b[Number((vaddr - B) / 8n)] = value;
    else a[Number((vaddr - A) / 8n)] = value;
  }
  return snapshot({ a, b });
}

const kinds = (differences: readonly Difference[]): [string, string][] =>
  differences.map((difference) => [`0x${difference.vaddr.toString(16)}`, difference.kind]);

const elf = readElf(written.bytes);
const planned = plan(elf);
/** Every word of the writable segments, as the writer laid them out: 8 + 4. */
const SEGMENT_WORDS = SEGMENTS.reduce((sum, segment) => sum + Number(segment.memsz) / TARGET.wordSize, 0);

describe('the comparison of a whole memory snapshot with the plan', () => {
  it('finds nothing in memory relocated as worked out here, having compared every word of both writable segments', () => {
    const comparison = compareSegments(planned, snapshot(relocated));
    expect(comparison.differences).toEqual([]);
    expect(SEGMENT_WORDS).toBe(12);
    expect(comparison.comparedWords).toBe(SEGMENT_WORDS);
  });

  // Each difference kind once or more, the first and the last word of each segment among them.
  const broken = planted({
    [`${A}`]: 0n, // first word of A: the file's own word
    [`${A + 16n}`]: BASE + 0x2200n, // the word both tables write, with RELA's write only
    [`${A + 24n}`]: 2n * BASE + 0x3008n, // one base too many, its neighbours as planned
    [`${A + 48n}`]: BASE + 0x3020n, // the planned value of the word after it
    [`${A + 56n}`]: 0xdeadbeefn, // last word of A: nothing it should hold
    [`${B}`]: 0x3028n, // first word of B: unrelocated, while its neighbour got the base instead
    [`${B + 8n}`]: BASE + 0x2222n,
    [`${B + 24n}`]: 0x42n, // last word of B, in the .bss tail, which no relocation writes
  });

  it('names each planted word with its kind, and no other', () => {
    const comparison = compareSegments(planned, broken);
    expect(comparison.comparedWords).toBe(SEGMENT_WORDS);
    expect(kinds(comparison.differences)).toEqual([
      ['0x2000', 'unrelocated'],
      ['0x2010', 'other'],
      ['0x2018', 'relocated twice'],
      ['0x2030', 'shifted'],
      ['0x2038', 'other'],
      ['0x5000', 'shifted'],
      ['0x5008', 'shifted'],
      ['0x5018', 'other'],
    ]);
    expect(countByKind(comparison.differences)).toEqual({ unrelocated: 1, 'relocated twice': 1, shifted: 3, other: 3, overwritten: 0 });
    expect(comparison.counts).toEqual(countByKind(comparison.differences));
    expect([comparison.differing, comparison.matchingWords]).toEqual([8, SEGMENT_WORDS - 8]);
  });

  it('describes the first differing words on demand, as the whole list has them', () => {
    const comparison = compareSegments(planned, broken);
    expect(kinds([...comparison.describeDifferences(3)])).toEqual(kinds(comparison.differences.slice(0, 3)));
    expect([...comparison.describeDifferences(0)]).toEqual([]);
    expect([...comparison.describeDifferences()]).toEqual(comparison.differences);
  });

  it('gives each difference its run-time address, the value expected and found, and the entries that write it', () => {
    const byVaddr = new Map(compareSegments(planned, broken).differences.map((difference) => [difference.vaddr, difference]));
    expect(byVaddr.get(A)).toMatchObject({ address: BASE + A, expected: BASE + 0x2100n, actual: 0n, writers: ['rela#0'] });
    const both = byVaddr.get(A + 16n);
    expect(both).toMatchObject({ address: BASE + A + 16n, expected: 2n * BASE + 0x2200n, actual: BASE + 0x2200n });
    expect([...(both?.writers ?? [])].sort()).toEqual(['rela#2', 'relr#0']);
    expect(byVaddr.get(B + 24n)).toMatchObject({ expected: 0n, actual: 0x42n, writers: [] });
    expect(byVaddr.get(B + 8n)?.writers).toEqual([]);
  });

  it('tells a word left unrelocated from a relocation that landed on its neighbour', () => {
    const alone = compareSegments(planned, planted({ [`${B}`]: 0x3028n }));
    expect(kinds(alone.differences)).toEqual([['0x5000', 'unrelocated']]);
    const landed = compareSegments(planned, planted({ [`${B + 16n}`]: 0n, [`${B + 24n}`]: BASE }));
    expect(kinds(landed.differences)).toEqual([
      ['0x5010', 'shifted'],
      ['0x5018', 'shifted'],
    ]);
  });

  it('compares at the base of the snapshot', () => {
    const other = 0x555555554000n;
    const atOther = {
      a: relocated.a.map((word, i) => (i === 5 ? word : word + (other - BASE) * (i === 2 ? 2n : 1n))),
      b: relocated.b.map((word, i) => (i === 1 || i === 3 ? word : word + (other - BASE))),
    };
    expect(compareSegments(planned, snapshot(atOther, other)).differences).toEqual([]);
    expect(kinds(compareSegments(planned, snapshot(relocated, other)).differences).length).toBe(9);
  });
});

describe('the comparison of the planned words only', () => {
  let listed: bigint[] = [];
  let directory = '';

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'piekit-compare-'));
    const file = join(directory, 'two-segments');
    await writeFile(file, written.bytes);
    // No section headers: llvm-readelf finds the tables through the dynamic array.
    const readelf = await execa('llvm-readelf-19', ['--relocations', '--dyn-relocations', file], { reject: false, all: true });
    listed = [...readelf.stdout.matchAll(/^\s*([0-9a-f]{16})\s/gm)].map((match) => BigInt(`0x${match[1]}`));
  });

  afterAll(async () => {
    if (directory !== '') await rm(directory, { recursive: true, force: true });
  });

  it('compares every word a relocation writes, as many as llvm-readelf lists distinct offsets', async (context) => {
    await requireCommand(context, 'llvm-readelf-19', 'llvm-19');
    const distinct = new Set(listed);
    expect(listed.length, 'llvm-readelf lists 4 RELA entries and 6 RELR words').toBe(10);
    expect(distinct.size).toBe(9);
    const comparison = comparePlannedWords(planned, snapshot(relocated));
    expect(comparison.differences).toEqual([]);
    expect(comparison.comparedWords).toBe(distinct.size);
  });

  it('reports the planted words the plan writes, and none it does not', () => {
    const comparison = comparePlannedWords(
      planned,
      planted({ [`${A}`]: 0n, [`${A + 56n}`]: 0xdeadbeefn, [`${B}`]: 0x3028n, [`${B + 8n}`]: BASE + 0x2222n, [`${B + 24n}`]: 0x42n }),
    );
    expect(comparison.comparedWords).toBe(9);
    expect(kinds(comparison.differences)).toEqual([
      ['0x2000', 'unrelocated'],
      ['0x2038', 'other'],
      ['0x5000', 'shifted'],
    ]);
  });
});

describe('the names given to differing words', () => {
  let directory = '';
  afterAll(async () => {
    if (directory !== '') await rm(directory, { recursive: true, force: true });
  });

  it('names a word by a symbol only within its size (llvm-nm -S), else by its section and the offset in it', async (context) => {
    await requireCommand(context, 'gcc', 'gcc');
    await requireCommand(context, 'llvm-nm-19', 'llvm-19');
    directory = await mkdtemp(join(tmpdir(), 'piekit-names-'));
    const source = join(directory, 'names.c');
    const file = join(directory, 'names');
    // A 4-byte object: the words after it in .data are not its.
    await writeFile(source, 'int small = 1;\nchar *table[8] = {"a", "b"};\nint main(void) { return small + (table[0] != 0); }\n');
    await execa('gcc', ['-static-pie', '-O1', '-o', file, source]);
    const nm = await execa('llvm-nm-19', ['-S', '--defined-only', file]);
    const symbols = [...nm.stdout.matchAll(/^([0-9a-f]+) ([0-9a-f]+) [dDbBrRtTvVwW] (\S+)$/gm)].map((match) => ({
      value: BigInt(`0x${match[1]}`),
      end: BigInt(`0x${match[1]}`) + (BigInt(`0x${match[2]}`) === 0n ? 1n : BigInt(`0x${match[2]}`)),
      name: match[3] as string,
    }));
    const sections = await execa('llvm-readelf-19', ['-S', '-W', file]);
    const data = sections.stdout.match(/\] \.data\s+PROGBITS\s+([0-9a-f]+) [0-9a-f]+ ([0-9a-f]+)/);
    expect(data, 'llvm-readelf lists .data').not.toBeNull();
    const start = BigInt(`0x${data?.[1]}`);
    const size = BigInt(`0x${data?.[2]}`);
    const small = symbols.find((symbol) => symbol.name === 'small');
    expect(small?.end, 'llvm-nm: small is 4 bytes').toBe((small?.value ?? 0n) + 4n);
    const elf = readElf(await readFile(file));
    const names = new AddressNames(elf.reader, elf.sectionHeaders);
    let unnamed = 0;
    for (let address = start; address < start + size; address += 4n) {
      const holders = symbols.filter((symbol) => symbol.value <= address && address < symbol.end);
      const nearest = holders.reduce((found, symbol) => (symbol.value > found ? symbol.value : found), -1n);
      const label = names.label(address);
      if (nearest < 0n) {
        unnamed++;
        expect(label).toBe(address === start ? '.data' : `.data+0x${(address - start).toString(16)}`);
      } else {
        const offset = address - nearest;
        const expected = holders
          .filter((symbol) => symbol.value === nearest)
          .map((symbol) => (offset === 0n ? symbol.name : `${symbol.name}+0x${offset.toString(16)}`));
        expect(expected).toContain(label);
      }
    }
    expect(unnamed, 'words of .data no symbol holds, after small among them').toBeGreaterThan(0);
    expect(names.label((small?.value ?? 0n) + 4n), 'the word after small').not.toMatch(/^small\b/);
  });
});
