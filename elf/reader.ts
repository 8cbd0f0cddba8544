import { ElfError, hex } from './errors.js';
import { markFound } from './multi-search.js';

export type Endian = 'little' | 'big';
export type WordSize = 4 | 8;

/**
 * Where the low and high 32-bit halves of a word lie inside it. Hot loops read words as two
 * halves: a bigint per word would dominate their cost, and a `number` cannot hold 64 bits exactly.
 */
export function wordHalves(wordSize: WordSize, little: boolean): { readonly lowAt: number; readonly highAt: number } {
  if (wordSize === 4) return { lowAt: 0, highAt: 0 };
  return little ? { lowAt: 0, highAt: 4 } : { lowAt: 4, highAt: 0 };
}

/** All ones in a word of `wordSize` bytes: address arithmetic wraps there, as the target's does. */
export function wordMask(wordSize: WordSize): bigint {
  return wordSize === 8 ? 0xffff_ffff_ffff_ffffn : 0xffff_ffffn;
}

/** Where the bytes of a file read lazily come from (file-source.ts). */
export interface LazySource {
  /** Makes bytes [start, end) of the reader's buffer present before they are read. */
  fill(start: number, end: number): void;
  /** Copies the file's bytes from `position` into `into` without keeping them (from memory where they are present); returns how many it copied. */
  copy(position: number, into: Uint8Array): number;
  /** Whether bytes [start, end) are present already. */
  isPresent(start: number, end: number): boolean;
}

/** A search over a whole file read lazily goes through a window this large. */
const SEARCH_WINDOW = 1 << 20;

/**
 * Bounds-checked reads of one file in one class and byte order. Every structure module reads
 * through this, so endianness and word size are decided once, in the header.
 */
export class ElfReader {
  readonly view: DataView;
  readonly little: boolean;
  /** Offsets of a word's 32-bit halves (wordHalves). */
  readonly lowAt: number;
  readonly highAt: number;
  /** wordMask(wordSize). */
  readonly wordMask: bigint;

  /**
   * `source` makes bytes present before they are read, for files read lazily (see file-source.ts):
   * planning a 130 MB library touches a tenth of it.
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly endian: Endian,
    readonly wordSize: WordSize,
    private readonly source?: LazySource,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = endian === 'little';
    ({ lowAt: this.lowAt, highAt: this.highAt } = wordHalves(wordSize, this.little));
    this.wordMask = wordMask(wordSize);
  }

  get length(): number {
    return this.bytes.length;
  }

  /**
   * The file offset of `size` bytes at `offset`, or an error naming `what`: an offset beyond the
   * end is OUT_OF_BOUNDS, a structure that starts inside the file but runs past its end is
   * TRUNCATED.
   */
  range(offset: bigint | number, size: bigint | number, what: string): number {
    const start = this.check(offset, size, what);
    this.source?.fill(start, start + Number(size));
    return start;
  }

  /**
   * Whether the file holds `pattern` within its bytes [from, to) (clipped to the file; the whole
   * file by default).
   */
  includes(pattern: Uint8Array, from = 0, to = this.bytes.length): boolean {
    return this.includesEach([pattern], from, to)[0] === true;
  }

  /**
   * Which of `patterns` the file holds within its bytes [from, to), each searched for in one pass
   * over them. Bytes of a file read lazily that are not present yet are searched through a window
   * of their own, so that a search does not keep a 130 MB library in memory, nor read it twice.
   */
  includesEach(patterns: readonly Uint8Array[], from = 0, to = this.bytes.length): boolean[] {
    const { source, bytes } = this;
    const found = patterns.map(() => false);
    const end = Math.min(to, bytes.length);
    if (from >= end) return found;
    if (source === undefined || source.isPresent(from, end)) {
      markFound(bytes.subarray(from, end), patterns, found);
      return found;
    }
    // Windows overlap by the longest pattern, so that one lying across two is seen whole.
    const longest = Math.max(0, ...patterns.map((pattern) => pattern.length));
    const window = new Uint8Array(Math.min(SEARCH_WINDOW, end - from) + longest);
    for (let start = from; start < end; start += SEARCH_WINDOW) {
      const copied = source.copy(start, window.subarray(0, Math.min(window.length, end - start)));
      markFound(window.subarray(0, copied), patterns, found);
      if (found.every((each) => each)) break;
    }
    return found;
  }

  /**
   * Copies `size` bytes at `offset`, checked as `range` checks them, into `into`. A file read
   * lazily is read straight into `into` and keeps nothing: an image of a library's data segment
   * must not also leave that segment in the file's buffer.
   */
  copyInto(offset: bigint | number, size: bigint | number, what: string, into: Uint8Array): void {
    const start = this.check(offset, size, what);
    const length = Number(size);
    if (this.source === undefined) into.set(this.bytes.subarray(start, start + length));
    else if (this.source.copy(start, into.subarray(0, length)) !== length) throw new Error(`the file ended while ${what} was read`);
  }

  /** Every byte of the file, read in first where it is read lazily: for copying or searching it whole. */
  allBytes(): Uint8Array {
    this.range(0, this.bytes.length, 'file');
    return this.bytes;
  }

  /** As `range`, without making the bytes present: for structures that are only validated. */
  check(offset: bigint | number, size: bigint | number, what: string): number {
    const start = BigInt(offset);
    const length = BigInt(size);
    const fileSize = BigInt(this.bytes.length);
    if (start > fileSize) {
      throw new ElfError('OUT_OF_BOUNDS', `Invalid ELF ${what}: offset ${hex(start)} is past the end of the ${fileSize}-byte file`);
    }
    if (start + length > fileSize) {
      throw new ElfError('TRUNCATED', `Invalid ELF ${what}: ${length} bytes at offset ${hex(start)} run past the end of the ${fileSize}-byte file`);
    }
    return Number(start);
  }

  u8(offset: number): number {
    return this.view.getUint8(offset);
  }

  u16(offset: number): number {
    return this.view.getUint16(offset, this.little);
  }

  u32(offset: number): number {
    return this.view.getUint32(offset, this.little);
  }

  u64(offset: number): bigint {
    return this.view.getBigUint64(offset, this.little);
  }

  /** An unsigned address-sized field (Elf32_Addr/Off or Elf64_Addr/Off/Xword). */
  word(offset: number): bigint {
    return this.wordSize === 8 ? this.view.getBigUint64(offset, this.little) : BigInt(this.view.getUint32(offset, this.little));
  }

  /** A signed address-sized field (Elf32_Sword or Elf64_Sxword), as r_addend and d_tag are. */
  signedWord(offset: number): bigint {
    return this.wordSize === 8 ? this.view.getBigInt64(offset, this.little) : BigInt(this.view.getInt32(offset, this.little));
  }

  /** The low and high 32 bits of a word, for hot loops that must not allocate bigints. */
  wordLow(offset: number): number {
    return this.view.getUint32(offset + this.lowAt, this.little);
  }

  wordHigh(offset: number): number {
    return this.wordSize === 4 ? 0 : this.view.getUint32(offset + this.highAt, this.little);
  }
}
