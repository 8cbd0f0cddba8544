/**
 * Every architecture of piekit's table, planned from synthetic files (test/synthetic/elf-writer.ts)
 * that hold one table kind each (REL, RELA, RELR and, on MIPS, the local GOT) and all of them
 * together. The expected memory is computed here from the specifications, not from piekit:
 *   MIPS local GOT: words 0..n-1 at DT_PLTGOT += base, before any table;
 *   REL: word += base (the word holds the implicit addend);
 *   RELA: word = base + addend (ARC, e_machine 195 or 93: word += base, as glibc's ARC loader does);
 *   RELR: address entry A relocates A and sets where = A + W; bitmap bit k (1..8W-1) relocates
 *     where + (k - 1) * W, then where += (8W - 1) * W;
 * tables in the order REL, RELA, RELR; all arithmetic modulo 2^(8W). Relocation type numbers and
 * their readelf names are spelled out below from each psABI, not read from piekit's table.
 */

import { readFileSync } from 'node:fs';
import { apply, finalWrites, type Image, imageFor, inspect, type Plan, plan, planJson, relocate } from 'piekit';
import { type Arch, architectures, readElf } from 'piekit/elf';
import { describe, expect, it } from 'vitest';
import { DT_MIPS_LOCAL_GOTNO, DT_PLTGOT, EM_MIPS, EM_SPARCV9, knownTypes } from './support/gabi.js';
import { encodeWords, rInfo, type Target, type Written, writeElf } from './synthetic/elf-writer.js';
import { decodeRelrSpec } from './synthetic/relr-spec.js';

/**
 * ARCv2 and ARCompact: README.md's arc row takes both, and both add the base to the RELA word.
 * No ARC emulator runs here, so the oracle is glibc's own code, sysdeps/arc/dl-machine.h (2.36),
 * elf_machine_rela: `if (r_type == R_ARC_RELATIVE) *reloc_addr += map->l_addr;` with r_addend
 * unused, because GNU ld writes the link-time address into the word and a section-relative addend.
 */
const EM_ARC = [195, 93];
const DATA = 0x20000n;
const GOT_WORDS = 4;
/** First word of the RELR run. */
const RELR_START = 20;

/** The architecture names of README.md's architecture table (its first column, comma-separated). */
function readmeArchitectures(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('\n## Architectures\n'), readme.indexOf('\n\n', readme.indexOf('| architecture | e_machine |')));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| architecture'))
    .flatMap((line) => (line.split('|')[1] ?? '').split(',').map((name) => name.trim()));
}

type Kind = 'got' | 'rel' | 'rela' | 'relr' | 'all';

interface Reloc {
  readonly word: number;
  readonly symbol: number;
  readonly type: number;
  readonly typeData?: number;
  readonly addend?: bigint;
  readonly relative: boolean;
  readonly name: string;
}

interface Scenario {
  readonly arch: Arch;
  readonly kind: Kind;
  readonly machine: number;
  readonly entry: bigint;
  readonly dataWords: number;
  readonly tailWords: number;
  readonly data: readonly bigint[];
  /** MIPS files with the local GOT tags relocate these words first. */
  readonly gotRelocated: boolean;
  readonly rel: readonly Reloc[] | undefined;
  readonly rela: readonly Reloc[] | undefined;
  readonly relr: readonly bigint[] | undefined;
  readonly written: Written;
}

function kindsOf(arch: Arch): Kind[] {
  return arch.machine === EM_MIPS ? ['got', 'rel', 'rela', 'relr', 'all'] : ['rel', 'rela', 'relr', 'all'];
}

function scenario(arch: Arch, kind: Kind, machine: number = arch.machine): Scenario {
  const w = arch.wordSize;
  const W = BigInt(w);
  const bits = BigInt(8 * w);
  const perBitmap = 8 * w - 1;
  const mask = (1n << bits) - 1n;
  const wide = w === 8;
  const mips = machine === EM_MIPS;
  const dataWords = 24 + 4 * perBitmap;
  const tailWords = 8;
  const vaddr = (index: number): bigint => DATA + BigInt(index) * W;
  const { relative: relativeType, absolute } = knownTypes(machine, w);
  const relative = { symbol: 0, type: relativeType.type, relative: true, name: relativeType.name };
  const other = { symbol: 1, type: absolute.type, relative: false, name: absolute.name };
  // MIPS: the relative type against a symbol is not relative.
  const mipsOther = { symbol: 2, type: relativeType.type, relative: false, name: relativeType.name };
  const all = kind === 'all';

  // Link-time pointers to other data words, then words chosen to test addends and wrapping.
  const data = Array.from({ length: dataWords }, (_, index) => vaddr((index * 7 + 3) % dataWords) + BigInt(index % 5));
  data[0] = 0n; // GOT[0]
  data[1] = 1n << (bits - 1n); // GOT[1]: top bit set, wraps at base 2^(8W-1)
  data[2] = vaddr(40);
  data[3] = mask - 0xfn;
  data[5] = mask - 0xfn; // REL implicit addend -16
  data[6] = wide ? 0x1_2345_6789_abc0n : 0x8000_0010n; // REL implicit addend > 2^32, or with the top bit set
  data[7] = 0x5a5an; // targets of entries that are skipped: never change
  data[8] = 0xa5a5n;
  data[9] = 0x1111n; // RELA targets: the word is replaced (ARC: added to)
  data[13] = 0x2222n;
  data[14] = 0x3333n;
  data[RELR_START + 1] = wide ? 0xffff_ff00_0000_0000n : 0x8000_1000n;

  const rel: Reloc[] = [
    { word: 4, ...relative },
    { word: 5, ...relative },
    { word: 6, ...relative },
    { word: 7, ...other },
    ...(mips ? [{ word: 8, ...mipsOther }] : []),
    { word: dataWords + 1, ...relative }, // in the .bss tail: 0 + base
    ...(all ? [{ word: 3, ...relative }] : []), // on MIPS a GOT word: relocated twice
  ];
  const rela: Reloc[] = [
    { word: 9, ...relative, addend: vaddr(50) + 4n },
    { word: 10, ...relative, addend: -8n },
    { word: 11, ...relative, addend: wide ? 0x1_0000_0123n : 0x8000_0004n },
    { word: 12, ...relative, addend: wide ? -0x1_0000_0010n : -0x10000n },
    { word: 13, ...other, addend: 0x40n },
    ...(mips ? [{ word: 14, ...mipsOther, addend: 0x50n }] : []),
    // SPARC64 keeps 24 bits of type data above an 8-bit type: the type alone decides.
    ...(machine === EM_SPARCV9 ? [{ word: 15, ...relative, typeData: 0x5, addend: 0x60n }] : []),
    { word: dataWords + 2, ...relative, addend: 0x30n },
    ...(all ? [{ word: 4, ...relative, addend: 0x77n }] : []), // after REL wrote it: replaced
  ];
  const bit = (...ks: number[]): bigint => ks.reduce((value, k) => value | (1n << BigInt(k)), 1n);
  const half = (8 * w) / 2;
  const relr: bigint[] = [
    vaddr(RELR_START),
    bit(1, 2, 4, half, half + 1, perBitmap),
    mask, // every bit
    1n, // no bit: only moves `where` on
    bit(1, 3),
    vaddr(dataWords - 1),
    bit(1, 3), // into the .bss tail, the second word after a RELA write
    ...(all ? [vaddr(10)] : []), // back to a RELA word
  ];

  const hasGot = kind === 'got' || all;
  const target: Target = { wordSize: w, endian: arch.endian, machine };
  const info = (reloc: Reloc): bigint => rInfo(target, reloc.symbol, reloc.type, reloc.typeData);
  const useRel = kind === 'rel' || all;
  const useRela = kind === 'rela' || all;
  const useRelr = kind === 'relr' || all;
  const entry = arch.name.startsWith('thumb') ? 0x201n : 0x200n;
  const written = writeElf({
    ...target,
    entry,
    data: { vaddr: DATA, bytes: encodeWords(target, data), memsz: BigInt((dataWords + tailWords) * w) },
    // On other machines DT_MIPS_LOCAL_GOTNO's number means something else: no GOT step.
    ...(hasGot
      ? {
          dynamic: [
            [DT_PLTGOT, vaddr(0)],
            [DT_MIPS_LOCAL_GOTNO, BigInt(GOT_WORDS)],
          ] as const,
        }
      : {}),
    ...(useRel ? { rel: rel.map((reloc) => [vaddr(reloc.word), info(reloc)] as const) } : {}),
    ...(useRela ? { rela: rela.map((reloc) => [vaddr(reloc.word), info(reloc), reloc.addend ?? 0n] as const) } : {}),
    ...(useRelr ? { relr } : {}),
  });
  return {
    arch,
    kind,
    machine,
    entry,
    dataWords,
    tailWords,
    data,
    gotRelocated: hasGot && mips,
    rel: useRel ? rel : undefined,
    rela: useRela ? rela : undefined,
    relr: useRelr ? relr : undefined,
    written,
  };
}

interface ExpectedWrite {
  readonly address: bigint;
  readonly size: number;
  readonly value: bigint;
  readonly source: string;
}

/** Memory of the data segment after relocation at `base`, and the writes as `finalWrites` lists them. */
function expected(s: Scenario, base: bigint): { memory: bigint[]; writes: ExpectedWrite[] } {
  const w = s.arch.wordSize;
  const W = BigInt(w);
  const mask = (1n << BigInt(8 * w)) - 1n;
  const memory = [...s.data, ...new Array<bigint>(s.tailWords).fill(0n)];
  const firstOrder: number[] = [];
  const lastSource = new Map<number, string>();
  const write = (index: number, value: bigint, source: string): void => {
    if (!lastSource.has(index)) firstOrder.push(index);
    lastSource.set(index, source);
    memory[index] = value & mask;
  };
  const word = (index: number): bigint => memory[index] ?? 0n;
  const at = (address: bigint): number => Number((address - DATA) / W);
  if (s.gotRelocated) for (let i = 0; i < GOT_WORDS; i++) write(i, word(i) + base, `got#${i}`);
  s.rel?.forEach((reloc, i) => {
    if (reloc.relative) write(reloc.word, word(reloc.word) + base, `rel#${i}`);
  });
  s.rela?.forEach((reloc, i) => {
    if (!reloc.relative) return;
    const value = EM_ARC.includes(s.machine) ? word(reloc.word) + base : base + (reloc.addend ?? 0n);
    write(reloc.word, value, `rela#${i}`);
  });
  if (s.relr) for (const { address, entry } of decodeRelrSpec(s.relr, w)) write(at(address), word(at(address)) + base, `relr#${entry}`);
  return {
    memory,
    writes: firstOrder.map((index) => ({
      address: base + DATA + BigInt(index) * W,
      size: w,
      value: memory[index] ?? 0n,
      source: lastSource.get(index) ?? '',
    })),
  };
}

function skippedOf(s: Scenario): { table: string; index: number; type: number; typeName: string }[] {
  const list = (table: 'rel' | 'rela', relocs: readonly Reloc[] | undefined) =>
    (relocs ?? []).flatMap((reloc, index) => (reloc.relative ? [] : [{ table, index, type: reloc.type, typeName: reloc.name }]));
  return [...list('rel', s.rel), ...list('rela', s.rela)];
}

function bases(arch: Arch): bigint[] {
  // A low base, one above 4 GiB (64-bit) or with the top bit set (32-bit), and one near the top.
  return arch.wordSize === 8 ? [0x1000_0000n, 0x7f12_3456_0000n, 0xffff_ffff_fff0_0000n] : [0x1000_0000n, 0x8000_0000n, 0xfff0_0000n];
}

const hex = (value: bigint): string => `0x${value.toString(16)}`;

/** The data segment (data words and .bss tail) as the image holds it. */
function dataBytes(planned: Plan, image: Image, s: Scenario): Uint8Array {
  const start = Number(DATA - planned.layout.start) - image.origin;
  return image.bytes.slice(start, start + (s.dataWords + s.tailWords) * s.arch.wordSize);
}

interface PlanDocument {
  base: string;
  endian: string;
  wordSize: number;
  writes: { address: string; size: number; value: string; source: string }[];
  skipped: { table: string; index: number; type: number; typeName: string }[];
  resolvedAtRunTime: unknown[];
}

function documentOf(s: Scenario, base: bigint): PlanDocument {
  const { writes } = expected(s, base);
  return {
    base: hex(base),
    endian: s.arch.endian,
    wordSize: s.arch.wordSize,
    writes: writes.map((write) => ({ address: hex(write.address), size: write.size, value: hex(write.value), source: write.source })),
    skipped: skippedOf(s),
    // The scenarios hold no IRELATIVE entry.
    resolvedAtRunTime: [],
  };
}

it('the architecture table holds every architecture of the README, with its psABI relative type', () => {
  expect(architectures.map((arch) => arch.name).sort()).toEqual(readmeArchitectures().sort());
  for (const arch of architectures) {
    const { relative } = knownTypes(arch.machine, arch.wordSize);
    expect(arch.relativeType, arch.name).toBe(relative.type);
    expect(arch.relativeNeedsNullSymbol, arch.name).toBe(arch.machine === EM_MIPS);
    expect(arch.localGot, arch.name).toBe(arch.machine === EM_MIPS);
  }
});

describe.each(architectures.map((arch) => [arch.name, arch] as const))('synthetic %s', (_name, arch) => {
  it('is read as this architecture, class and byte order; the ARM entry bit 0 alone decides thumb', () => {
    const s = scenario(arch, 'rel');
    const elf = readElf(s.written.bytes);
    expect(elf.arch.name).toBe(arch.name);
    expect(elf.header.class).toBe(arch.wordSize * 8);
    expect(elf.reader.endian).toBe(arch.endian);
    expect(elf.header.entry).toBe(s.entry);
    expect(elf.sectionHeaders).toEqual([]);
    if (arch.machine === 40) {
      // Flip e_entry's bit 0 (its lowest byte is the first in LE, the last in BE): ARM <-> Thumb.
      const bytes = s.written.bytes.slice();
      const lowest = arch.endian === 'little' ? 24 : 24 + 3;
      bytes[lowest] = (bytes[lowest] ?? 0) ^ 1;
      const flipped = readElf(bytes).arch.name;
      const expectedName = { arm: 'thumb', thumb: 'arm', armeb: 'thumbeb', thumbeb: 'armeb' }[arch.name as string];
      expect(flipped).toBe(expectedName);
    }
  });

  it.each(arch.machines.filter((machine) => machine !== arch.machine))('e_machine %i is the same architecture, planned alike', (machine) => {
    const s = scenario(arch, 'all', machine);
    const elf = readElf(s.written.bytes);
    expect(elf.arch.name).toBe(arch.name);
    const planned = plan(elf);
    const image = imageFor(planned);
    const base = bases(arch)[1] ?? 0n;
    apply(planned, image, base);
    expect(finalWrites(planned, image, base)).toEqual(expected(s, base).writes);
  });

  describe.each(kindsOf(arch))('%s', (kind) => {
    const s = scenario(arch, kind);
    const elf = readElf(s.written.bytes);

    it.each(bases(arch).map((base) => [hex(base), base] as const))('relocates every word as the specifications say, at base %s', (_hex, base) => {
      const { memory, writes } = expected(s, base);
      const planned = plan(elf);
      const image = imageFor(planned);
      apply(planned, image, base);

      expect(finalWrites(planned, image, base)).toEqual(writes);
      // Byte for byte in the file's byte order, including the words nothing may touch.
      expect(dataBytes(planned, image, s)).toEqual(encodeWords(arch, memory));
      const document = JSON.parse(new TextDecoder().decode(planJson(planned, image, base))) as PlanDocument;
      expect(document).toEqual(documentOf(s, base));

      // The stub's C core on the same file: the same memory and the same document.
      const native = relocate(elf, base, 'native');
      expect(dataBytes(native.plan, native.image, s)).toEqual(encodeWords(arch, memory));
      expect(JSON.parse(new TextDecoder().decode(planJson(native.plan, native.image, base)))).toEqual(documentOf(s, base));
    });

    it('inspect lists the tables, their counts and every relocation', () => {
      const inspection = inspect(plan(elf));
      const w = arch.wordSize;
      const { relative } = knownTypes(arch.machine, w);
      const signedHex = (value: bigint): string => {
        const signed = BigInt.asIntN(8 * w, value);
        return signed < 0n ? `-${hex(-signed)}` : hex(signed);
      };
      const vaddr = (index: number): bigint => DATA + BigInt(index * w);
      const skippedByName = (relocs: readonly Reloc[]): Record<string, number> => {
        const counts: Record<string, number> = {};
        for (const reloc of relocs) if (!reloc.relative) counts[reloc.name] = (counts[reloc.name] ?? 0) + 1;
        return counts;
      };
      const decoded = s.relr === undefined ? [] : decodeRelrSpec(s.relr, w);

      expect(inspection).toMatchObject({
        class: w * 8,
        endian: arch.endian,
        machine: arch.machine,
        arch: arch.name,
        type: 3,
        entry: hex(s.entry),
        textRelocations: 0,
        localGot: s.gotRelocated ? { vaddr: hex(DATA), count: GOT_WORDS } : null,
      });
      expect(inspection.segments.map((segment) => [segment.type, segment.flags])).toEqual([
        ['LOAD', 'R  '],
        ['LOAD', 'RW '],
        ['DYNAMIC', 'R  '],
      ]);
      const tables = [
        ...(s.rel
          ? [
              {
                table: 'rel',
                vaddr: hex(s.written.relVaddr),
                size: s.rel.length * 2 * w,
                entrySize: 2 * w,
                entries: s.rel.length,
                relative: s.rel.filter((r) => r.relative).length,
                skipped: skippedByName(s.rel),
              },
            ]
          : []),
        ...(s.rela
          ? [
              {
                table: 'rela',
                vaddr: hex(s.written.relaVaddr),
                size: s.rela.length * 3 * w,
                entrySize: 3 * w,
                entries: s.rela.length,
                relative: s.rela.filter((r) => r.relative).length,
                skipped: skippedByName(s.rela),
              },
            ]
          : []),
        ...(s.relr
          ? [
              {
                table: 'relr',
                vaddr: hex(s.written.relrVaddr),
                size: s.relr.length * w,
                entrySize: w,
                entries: s.relr.length,
                relative: decoded.length,
                skipped: {},
              },
            ]
          : []),
      ];
      expect(inspection.tables).toEqual(tables);

      const none = { section: null, name: null };
      const entries = (table: 'rel' | 'rela', relocs: readonly Reloc[] | undefined) =>
        (relocs ?? []).map((reloc, index) => ({
          source: `${table}#${index}`,
          vaddr: hex(vaddr(reloc.word)),
          type: reloc.type,
          typeName: reloc.name,
          symbol: reloc.symbol,
          addend: table === 'rela' ? signedHex(reloc.addend ?? 0n) : null,
          relative: reloc.relative,
          ...none,
        }));
      expect(inspection.relocations).toEqual([
        ...(s.gotRelocated
          ? Array.from({ length: GOT_WORDS }, (_, index) => ({
              source: `got#${index}`,
              vaddr: hex(vaddr(index)),
              type: relative.type,
              typeName: 'local GOT',
              symbol: 0,
              addend: null,
              relative: true,
              ...none,
            }))
          : []),
        ...entries('rel', s.rel),
        ...entries('rela', s.rela),
        ...decoded.map(({ address, entry }) => ({
          source: `relr#${entry}`,
          vaddr: hex(address),
          type: relative.type,
          typeName: relative.name,
          symbol: 0,
          addend: null,
          relative: true,
          ...none,
        })),
      ]);
    });
  });
});
