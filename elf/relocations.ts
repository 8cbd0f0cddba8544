import type { AddressMap } from './address-map.js';
import type { Arch, InfoLayout } from './architectures.js';
import {
  DT_REL,
  DT_RELA,
  DT_RELACOUNT,
  DT_RELAENT,
  DT_RELASZ,
  DT_RELCOUNT,
  DT_RELENT,
  DT_RELR,
  DT_RELRENT,
  DT_RELRSZ,
  DT_RELSZ,
} from './constants.js';
import type { Diagnostics } from './diagnostics.js';
import type { DynamicSection } from './dynamic.js';
import { ElfError, hex } from './errors.js';
import { hostWords } from './host-words.js';
import type { ElfReader } from './reader.js';

export type TableKind = 'rel' | 'rela' | 'relr';

/** A relocation table found through its dynamic tags, the way the startup code finds it. */
export interface RelocationTable {
  readonly kind: TableKind;
  readonly vaddr: bigint;
  readonly size: bigint;
  readonly entrySize: number;
  /** Whole entries in `view`. */
  readonly count: number;
  /** Where the table starts in the file. */
  readonly fileOffset: number;
  /**
   * The entries as memory holds them: a view of the file's bytes, or under a collecting policy
   * what is left of them (fewer entries, zeros past p_filesz).
   */
  readonly view: DataView;
}

/** A table over `bytes`, which are the file's own when they lie in its buffer. */
export function relocationTable(
  reader: ElfReader,
  kind: TableKind,
  vaddr: bigint,
  size: bigint,
  entrySize: number,
  bytes: Uint8Array,
): RelocationTable {
  const count = Math.floor(bytes.length / entrySize);
  const inFile = bytes.buffer === reader.bytes.buffer;
  return {
    kind,
    vaddr,
    size,
    entrySize,
    count,
    fileOffset: inFile ? bytes.byteOffset - reader.bytes.byteOffset : -1,
    view: new DataView(bytes.buffer, bytes.byteOffset, count * entrySize),
  };
}

/**
 * A REL or RELA table as 32-bit words in host order (hostWords), with the word indexes of an
 * entry's fields, for hot loops that read halves rather than bigints. On ELF32 a field's high
 * index is its low one, masked to 0 by `highMask`.
 */
export interface TableWords {
  readonly words: Uint32Array;
  /** Words per entry. */
  readonly step: number;
  readonly offsetLow: number;
  readonly offsetHigh: number;
  readonly infoLow: number;
  readonly infoHigh: number;
  readonly addendLow: number;
  readonly addendHigh: number;
  readonly highMask: number;
}

export function tableWords(reader: ElfReader, table: RelocationTable): TableWords {
  const { view, entrySize } = table;
  const field = reader.wordSize >>> 2;
  const low = reader.lowAt >>> 2;
  const high = reader.highAt >>> 2;
  return {
    words: hostWords(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), reader.little),
    step: entrySize >>> 2,
    offsetLow: low,
    offsetHigh: high,
    infoLow: field + low,
    infoHigh: field + high,
    addendLow: 2 * field + low,
    addendHigh: 2 * field + high,
    highMask: reader.wordSize === 8 ? 0xffffffff : 0,
  };
}

export interface Relocation {
  readonly index: number;
  readonly offset: bigint;
  readonly info: bigint;
  readonly symbol: number;
  /** For mips64, `r_type | r_type2 << 8 | r_type3 << 16`. */
  readonly type: number;
  /** REL entries carry their addend in the word they relocate: undefined here. */
  readonly addend: bigint | undefined;
  readonly relative: boolean;
}

/** The dynamic tags that describe one table kind, with their names for messages. */
export interface TableTags {
  readonly address: bigint;
  readonly size: bigint;
  readonly entrySize: bigint;
  /** DT_RELCOUNT/DT_RELACOUNT, the GNU count of leading relative entries; RELR has none. */
  readonly count: bigint | undefined;
  /** Words per entry: r_offset, r_info and for RELA r_addend; one for RELR. */
  readonly words: 1 | 2 | 3;
  readonly names: readonly [address: string, size: string, entrySize: string];
}

/** The tags of each table kind, in the order startup code applies the tables. */
export const TABLE_TAGS = {
  rel: { address: DT_REL, size: DT_RELSZ, entrySize: DT_RELENT, count: DT_RELCOUNT, words: 2, names: ['DT_REL', 'DT_RELSZ', 'DT_RELENT'] },
  rela: { address: DT_RELA, size: DT_RELASZ, entrySize: DT_RELAENT, count: DT_RELACOUNT, words: 3, names: ['DT_RELA', 'DT_RELASZ', 'DT_RELAENT'] },
  relr: { address: DT_RELR, size: DT_RELRSZ, entrySize: DT_RELRENT, count: undefined, words: 1, names: ['DT_RELR', 'DT_RELRSZ', 'DT_RELRENT'] },
} as const satisfies Readonly<Record<TableKind, TableTags>>;

/**
 * The REL, RELA and RELR tables in the order the startup code applies them; absent ones are left
 * out. Under a collecting policy a table is read past its defects: with the class's entry size, its
 * whole entries, and only those the file holds.
 */
export function findRelocationTables(reader: ElfReader, map: AddressMap, dynamic: DynamicSection, diagnostics: Diagnostics): RelocationTable[] {
  const tables: RelocationTable[] = [];
  for (const kind of ['rel', 'rela', 'relr'] as const) {
    const tags = TABLE_TAGS[kind];
    const vaddr = dynamic.sorted[Number(tags.address)] ?? 0n;
    if (vaddr === 0n) continue;
    const [addressName, sizeName, entryName] = tags.names;
    const entrySize = tags.words * reader.wordSize;
    // Absent is fine (the entry size follows from the class); present must be right, 0 included.
    const declared = dynamic.entries.findLast((entry) => entry.tag === tags.entrySize)?.value;
    if (declared !== undefined && declared !== BigInt(entrySize)) {
      diagnostics.report(
        new ElfError('BAD_ENTRY_SIZE', `Invalid ELF ${entryName}: ${declared}, ELF${reader.wordSize * 8} entries are ${entrySize} bytes`),
      );
    }
    const size = dynamic.sorted[Number(tags.size)] ?? 0n;
    if (size % BigInt(entrySize) !== 0n) {
      diagnostics.report(new ElfError('BAD_TABLE_SIZE', `Invalid ELF ${sizeName}: ${size} is not a multiple of the ${entrySize}-byte entry size`));
    }
    const whole = size - (size % BigInt(entrySize));
    const bytes = map.bytesAt(vaddr, whole, `${addressName} table (${addressName} = ${hex(vaddr)}, ${sizeName} = ${size})`, diagnostics);
    tables.push(relocationTable(reader, kind, vaddr, size, entrySize, bytes));
  }
  return tables;
}

/** Splits r_info given as its two 32-bit halves (a 32-bit r_info has no high half). */
export interface InfoDecoder {
  type(low: number, high: number): number;
  symbol(low: number, high: number): number;
  isRelative(low: number, high: number): boolean;
  /** `isRelative` as masks, for hot loops: relative when `(half & mask) >>> 0 === value` for both halves. */
  readonly relative: RelativePattern;
}

export interface RelativePattern {
  readonly lowMask: number;
  readonly low: number;
  readonly highMask: number;
  readonly high: number;
}

/**
 * The bits of r_info a startup relocator compares. Only the type, except on MIPS where the symbol
 * (and on mips64 r_ssym) must be 0 as well: the whole r_info is one constant.
 */
function relativePattern(arch: Arch): RelativePattern {
  const info = relativeInfo(arch);
  const [low, high] = [Number(info & 0xffffffffn), Number(info >> 32n)];
  const all = 0xffffffff;
  switch (arch.infoLayout) {
    case 'elf32':
      return { lowMask: arch.relativeNeedsNullSymbol ? all : 0xff, low, highMask: 0, high: 0 };
    case 'elf64':
      return { lowMask: all, low, highMask: 0, high: 0 };
    case 'sparc64':
      return { lowMask: 0xff, low, highMask: 0, high: 0 };
    case 'mips64':
      return { lowMask: all, low, highMask: all, high };
  }
}

/**
 * r_info from a symbol index and a type, the exact inverse of the decoder for the architecture's
 * layout. `type` is what the decoder returns: on mips64 the stacked
 * `r_type | r_type2 << 8 | r_type3 << 16`. The result is the word as ElfReader.word reads it, so
 * a writer storing it in the file's byte order stores the very bytes the decoder expects.
 */
export function encodeInfo(arch: Arch, symbol: number, type: number): bigint {
  const sym = BigInt(symbol >>> 0);
  switch (arch.infoLayout) {
    case 'elf32':
      return BigInt(((symbol << 8) | (type & 0xff)) >>> 0);
    case 'elf64':
      return (sym << 32n) | BigInt(type >>> 0);
    case 'sparc64':
      // The upper 24 bits of the low half are type-specific data, 0 for every type piekit writes.
      return (sym << 32n) | BigInt(type & 0xff);
    case 'mips64': {
      // Bytes in file order: r_sym (4 bytes), r_ssym, r_type3, r_type2, r_type (MIPS64 ELF ABI).
      const [first, second, third] = [type & 0xff, (type >>> 8) & 0xff, (type >>> 16) & 0xff];
      if (arch.endian === 'little') {
        // Read little-endian, the high half holds r_ssym (0) in its low byte and r_type in its top byte.
        return (BigInt(((first << 24) | (second << 16) | (third << 8)) >>> 0) << 32n) | sym;
      }
      return (sym << 32n) | BigInt(((third << 16) | (second << 8) | first) >>> 0);
    }
  }
}

/** The r_info of a relative relocation: the relative type with symbol 0. */
export function relativeInfo(arch: Arch): bigint {
  return encodeInfo(arch, 0, arch.relativeType);
}

export function infoDecoder(arch: Arch): InfoDecoder {
  const decode = typeAndSymbol(arch.infoLayout, arch.endian === 'little');
  const relative = relativePattern(arch);
  const { lowMask, low: lowValue, highMask, high: highValue } = relative;
  return {
    type: decode.type,
    symbol: decode.symbol,
    relative,
    isRelative: (low, high) => (low & lowMask) >>> 0 === lowValue && (high & highMask) >>> 0 === highValue,
  };
}

interface Decode {
  type(low: number, high: number): number;
  symbol(low: number, high: number): number;
}

function typeAndSymbol(layout: InfoLayout, little: boolean): Decode {
  switch (layout) {
    case 'elf32':
      return { type: (low) => low & 0xff, symbol: (low) => low >>> 8 };
    case 'elf64':
      return { type: (low) => low, symbol: (_low, high) => high };
    case 'sparc64':
      return { type: (low) => low & 0xff, symbol: (_low, high) => high };
    case 'mips64':
      // Bytes in file order: r_sym (4), r_ssym, r_type3, r_type2, r_type.
      return little
        ? {
            type: (_low, high) => (high >>> 24) | (((high >>> 16) & 0xff) << 8) | (((high >>> 8) & 0xff) << 16),
            symbol: (low) => low,
          }
        : { type: (low) => low & 0xffffff, symbol: (_low, high) => high };
  }
}

export function readRelocation(reader: ElfReader, decoder: InfoDecoder, table: RelocationTable, index: number): Relocation {
  const at = index * table.entrySize;
  const { little, lowAt, highAt, wordSize: w } = reader;
  const word = (offset: number): bigint => (w === 8 ? table.view.getBigUint64(offset, little) : BigInt(table.view.getUint32(offset, little)));
  const low = table.view.getUint32(at + w + lowAt, little);
  const high = w === 8 ? table.view.getUint32(at + w + highAt, little) : 0;
  return {
    index,
    offset: word(at),
    info: word(at + w),
    symbol: decoder.symbol(low, high),
    type: decoder.type(low, high),
    addend:
      table.kind === 'rela' ? (w === 8 ? table.view.getBigInt64(at + 2 * w, little) : BigInt(table.view.getInt32(at + 2 * w, little))) : undefined,
    relative: decoder.isRelative(low, high),
  };
}

/** mips64 names all three stacked types, as readelf does; elsewhere the one type's name. */
export function typeName(arch: Arch, type: number): string {
  const names = arch.typeNames;
  const one = (value: number): string => names.get(value) ?? `unknown (${value})`;
  if (arch.infoLayout !== 'mips64') return one(type);
  return [type & 0xff, (type >>> 8) & 0xff, (type >>> 16) & 0xff].map(one).join('/');
}
