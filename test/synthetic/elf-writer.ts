/**
 * A writer of synthetic static-PIEs, independent of piekit (it imports nothing from it), so that
 * tests can check piekit's reader and planner against files whose every byte they chose.
 *
 * Layout, link-time address = file offset for the first segment:
 *   PT_LOAD R   at vaddr 0: ELF header, program headers, dynamic array, REL, RELA, RELR tables
 *   PT_LOAD RW  at `data.vaddr`: `data.bytes`, then zeros up to `data.memsz` (a .bss tail)
 *   PT_DYNAMIC  inside the first PT_LOAD
 *   PT_LOAD RW  one more for each of `moreData`, laid out like `data`
 * No section headers: a stripped static-PIE has none and startup code never reads them.
 */

import {
  DT_NULL,
  DT_REL,
  DT_RELA,
  DT_RELAENT,
  DT_RELASZ,
  DT_RELENT,
  DT_RELR,
  DT_RELRENT,
  DT_RELRSZ,
  DT_RELSZ,
  EM_MIPS,
  EM_SPARCV9,
  ET_DYN,
  PF_R,
  PF_W,
  PT_DYNAMIC,
  PT_LOAD,
} from '../support/gabi.js';

export type WordSize = 4 | 8;
export type Endian = 'little' | 'big';

/** What fixes the encoding of words and of r_info. */
export interface Target {
  readonly wordSize: WordSize;
  readonly endian: Endian;
  readonly machine: number;
}

export interface SyntheticElf extends Target {
  readonly entry?: bigint;
  readonly flags?: number;
  readonly data: DataSegment;
  /** Further writable segments, each after the one before in the file and in memory. */
  readonly moreData?: readonly DataSegment[];
  /** Written after the table tags the writer adds, before DT_NULL (a later duplicate wins). */
  readonly dynamic?: readonly (readonly [tag: bigint, value: bigint])[];
  /** r_offset, r_info (see `rInfo`). */
  readonly rel?: readonly (readonly [offset: bigint, info: bigint])[];
  /** r_offset, r_info, r_addend (negative values are stored in two's complement). */
  readonly rela?: readonly (readonly [offset: bigint, info: bigint, addend: bigint])[];
  /** Raw RELR words: even = address entry, odd = bitmap. */
  readonly relr?: readonly bigint[];
}

export interface DataSegment {
  readonly vaddr: bigint;
  readonly bytes: Uint8Array;
  readonly memsz: bigint;
}

const PAGE = 0x1000n;

/** Words in the file's byte order; negative values wrap to two's complement. */
export function encodeWords(target: Pick<Target, 'wordSize' | 'endian'>, words: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(words.length * target.wordSize);
  const view = new DataView(bytes.buffer);
  words.forEach((word, i) => {
    putWord(view, i * target.wordSize, target, word);
  });
  return bytes;
}

function putWord(view: DataView, at: number, target: Pick<Target, 'wordSize' | 'endian'>, value: bigint): void {
  const little = target.endian === 'little';
  if (target.wordSize === 8) view.setBigUint64(at, BigInt.asUintN(64, value), little);
  else view.setUint32(at, Number(BigInt.asUintN(32, value)), little);
}

/**
 * r_info as the word the writer stores in the file's byte order.
 *   ELF32: sym << 8 | type (8-bit type).
 *   ELF64: sym << 32 | type.
 *   SPARC64 (EM_SPARCV9): sym << 32 | typeData << 8 | type (24-bit type data, 8-bit type).
 *   mips64: not an integer but five fields laid out byte by byte: r_sym (4 bytes, file byte
 *     order), r_ssym, r_type3, r_type2, r_type. `type` is then the stacked
 *     r_type | r_type2 << 8 | r_type3 << 16. The bytes are placed first and read back in the file's
 *     byte order, so that storing the word again reproduces exactly those bytes.
 */
export function rInfo(target: Target, symbol: number, type: number, typeData = 0): bigint {
  if (target.wordSize === 4) return (BigInt(symbol) << 8n) | BigInt(type & 0xff);
  if (target.machine === EM_SPARCV9) return (BigInt(symbol) << 32n) | (BigInt(typeData & 0xffffff) << 8n) | BigInt(type & 0xff);
  if (target.machine !== EM_MIPS) return (BigInt(symbol) << 32n) | BigInt(type >>> 0);
  const little = target.endian === 'little';
  const field = new DataView(new ArrayBuffer(8));
  field.setUint32(0, symbol, little);
  field.setUint8(4, 0); // r_ssym
  field.setUint8(5, (type >>> 16) & 0xff); // r_type3
  field.setUint8(6, (type >>> 8) & 0xff); // r_type2
  field.setUint8(7, type & 0xff); // r_type
  return field.getBigUint64(0, little);
}

/** Where the writer put each part; tests use it to name table addresses without recomputing the layout. */
export interface Written {
  readonly bytes: Uint8Array;
  readonly dynamicVaddr: bigint;
  readonly relVaddr: bigint;
  readonly relaVaddr: bigint;
  readonly relrVaddr: bigint;
  readonly dataOffset: number;
}

export function writeElf(spec: SyntheticElf): Written {
  const w = spec.wordSize;
  const W = BigInt(w);
  const ehsize = w === 8 ? 64 : 52;
  const phentsize = w === 8 ? 56 : 32;
  const shentsize = w === 8 ? 64 : 40;
  const moreData = spec.moreData ?? [];
  const phnum = 3 + moreData.length;

  const rel = spec.rel ?? [];
  const rela = spec.rela ?? [];
  const relr = spec.relr ?? [];
  const dynamicAt = ehsize + phnum * phentsize; // a multiple of the word size in both classes
  const tableTags: [bigint, bigint][] = [];
  // The dynamic array's length fixes where the tables start, so count its entries first.
  const dynamicCount = (spec.rel ? 3 : 0) + (spec.rela ? 3 : 0) + (spec.relr ? 3 : 0) + (spec.dynamic?.length ?? 0) + 1;
  const relAt = dynamicAt + dynamicCount * 2 * w;
  const relaAt = relAt + rel.length * 2 * w;
  const relrAt = relaAt + rela.length * 3 * w;
  const textEnd = relrAt + relr.length * w;
  if (spec.rel) tableTags.push([DT_REL, BigInt(relAt)], [DT_RELSZ, BigInt(rel.length) * 2n * W], [DT_RELENT, 2n * W]);
  if (spec.rela) tableTags.push([DT_RELA, BigInt(relaAt)], [DT_RELASZ, BigInt(rela.length) * 3n * W], [DT_RELAENT, 3n * W]);
  if (spec.relr) tableTags.push([DT_RELR, BigInt(relrAt)], [DT_RELRSZ, BigInt(relr.length) * W], [DT_RELRENT, W]);
  const dynamic = [...tableTags, ...(spec.dynamic ?? []), [DT_NULL, 0n] as const];

  const { data } = spec;
  if (data.vaddr < BigInt(textEnd)) throw new Error(`data segment at 0x${data.vaddr.toString(16)} overlaps the headers and tables`);
  // p_offset congruent to p_vaddr modulo the page size, as a loader that maps pages requires.
  const offsets: number[] = [];
  let fileEnd = textEnd;
  let memoryEnd = BigInt(textEnd);
  for (const segment of [data, ...moreData]) {
    if (BigInt(segment.bytes.length) > segment.memsz) throw new Error('data bytes exceed the data segment memsz');
    if (segment.vaddr < memoryEnd) throw new Error(`data segment at 0x${segment.vaddr.toString(16)} overlaps what comes before it`);
    const offset = Number(((BigInt(fileEnd) + PAGE - 1n) / PAGE) * PAGE + (segment.vaddr % PAGE));
    offsets.push(offset);
    fileEnd = offset + segment.bytes.length;
    memoryEnd = segment.vaddr + segment.memsz;
  }
  const dataOffset = offsets[0] as number;
  const bytes = new Uint8Array(fileEnd);
  const view = new DataView(bytes.buffer);
  const little = spec.endian === 'little';
  const word = (at: number, value: bigint): void => putWord(view, at, spec, value);

  bytes.set([0x7f, 0x45, 0x4c, 0x46, w === 8 ? 2 : 1, little ? 1 : 2, 1]); // EI_VERSION = EV_CURRENT
  view.setUint16(16, ET_DYN, little);
  view.setUint16(18, spec.machine, little);
  view.setUint32(20, 1, little);
  word(24, spec.entry ?? BigInt(textEnd));
  word(24 + w, BigInt(ehsize)); // e_phoff
  word(24 + 2 * w, 0n); // e_shoff: no section headers
  const rest = 24 + 3 * w; // e_flags and the 16-bit fields follow the three address-sized ones
  view.setUint32(rest, spec.flags ?? 0, little);
  view.setUint16(rest + 4, ehsize, little);
  view.setUint16(rest + 6, phentsize, little);
  view.setUint16(rest + 8, phnum, little);
  view.setUint16(rest + 10, shentsize, little);

  const programHeader = (
    index: number,
    type: number,
    flags: number,
    offset: bigint,
    vaddr: bigint,
    filesz: bigint,
    memsz: bigint,
    align: bigint,
  ): void => {
    const at = ehsize + index * phentsize;
    view.setUint32(at, type, little);
    // ELF64 moves p_flags up next to p_type so that the 8-byte fields stay aligned.
    if (w === 8) {
      view.setUint32(at + 4, flags, little);
      [offset, vaddr, vaddr, filesz, memsz, align].forEach((value, i) => {
        word(at + 8 + 8 * i, value);
      });
    } else {
      [offset, vaddr, vaddr, filesz, memsz].forEach((value, i) => {
        word(at + 4 + 4 * i, value);
      });
      view.setUint32(at + 24, flags, little);
      word(at + 28, align);
    }
  };
  const text = BigInt(textEnd);
  programHeader(0, PT_LOAD, PF_R, 0n, 0n, text, text, PAGE);
  programHeader(1, PT_LOAD, PF_R | PF_W, BigInt(dataOffset), data.vaddr, BigInt(data.bytes.length), data.memsz, PAGE);
  const dynamicSize = BigInt(dynamic.length * 2 * w);
  programHeader(2, PT_DYNAMIC, PF_R, BigInt(dynamicAt), BigInt(dynamicAt), dynamicSize, dynamicSize, W);
  moreData.forEach((segment, i) => {
    const offset = BigInt(offsets[i + 1] as number);
    programHeader(3 + i, PT_LOAD, PF_R | PF_W, offset, segment.vaddr, BigInt(segment.bytes.length), segment.memsz, PAGE);
  });

  dynamic.forEach(([tag, value], i) => {
    word(dynamicAt + i * 2 * w, tag);
    word(dynamicAt + i * 2 * w + w, value);
  });
  rel.forEach((entry, i) => {
    entry.forEach((value, j) => {
      word(relAt + i * 2 * w + j * w, value);
    });
  });
  rela.forEach((entry, i) => {
    entry.forEach((value, j) => {
      word(relaAt + i * 3 * w + j * w, value);
    });
  });
  relr.forEach((value, i) => {
    word(relrAt + i * w, value);
  });
  [data, ...moreData].forEach((segment, i) => {
    bytes.set(segment.bytes, offsets[i] as number);
  });
  return {
    bytes,
    dynamicVaddr: BigInt(dynamicAt),
    relVaddr: BigInt(relAt),
    relaVaddr: BigInt(relaAt),
    relrVaddr: BigInt(relrAt),
    dataOffset,
  };
}
