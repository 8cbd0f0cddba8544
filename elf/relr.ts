import type { ElfReader } from './reader.js';
import type { RelocationTable } from './relocations.js';

/**
 * Reads a RELR table (generic-ABI proposal, SHT_RELR) one entry at a time. An even entry A
 * relocates the word at A and sets `where` to the word after it; an odd entry is a bitmap whose
 * bit k (1..63, or 1..31 in ELF32) relocates `where[k - 1]`, after which `where` moves on by 63
 * (31) words. A bitmap before any address entry counts from address 0, as LLVM's decoder does.
 *
 * After each `next`, the entry's first word is at (`baseLow`, `baseHigh`) and `maskLow`/`maskHigh`
 * say which words it relocates (bit i: word i), as 32-bit halves so that hot callers need not
 * allocate bigints. Addresses wrap at the word size, as they do in the startup code.
 */
export class RelrEntries {
  /** Index of the entry read last (-1 before the first). */
  entry = -1;
  baseLow = 0;
  baseHigh = 0;
  maskLow = 0;
  maskHigh = 0;
  private whereLow = 0;
  private whereHigh = 0;
  private readonly view: DataView;
  private readonly count: number;
  private readonly wide: boolean;
  private readonly little: boolean;
  private readonly lowAt: number;
  private readonly highAt: number;
  private readonly wordSize: number;

  constructor(reader: ElfReader, table: RelocationTable) {
    this.view = table.view;
    this.count = table.count;
    this.wordSize = reader.wordSize;
    this.wide = reader.wordSize === 8;
    this.little = reader.little;
    this.lowAt = reader.lowAt;
    this.highAt = reader.highAt;
  }

  /** Reads the next entry; false past the last. */
  next(): boolean {
    const entry = this.entry + 1;
    if (entry >= this.count) return false;
    this.entry = entry;
    const w = this.wordSize;
    const at = entry * w;
    const low = this.view.getUint32(at + this.lowAt, this.little);
    const high = this.wide ? this.view.getUint32(at + this.highAt, this.little) : 0;
    let whereLow: number;
    if ((low & 1) === 0) {
      this.baseLow = low;
      this.baseHigh = high;
      this.maskLow = 1;
      this.maskHigh = 0;
      whereLow = low + w;
      this.whereHigh = high;
    } else {
      this.baseLow = this.whereLow;
      this.baseHigh = this.whereHigh;
      this.maskLow = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
      this.maskHigh = high >>> 1;
      whereLow = this.whereLow + (w * 8 - 1) * w;
    }
    if (whereLow > 0xffffffff) {
      whereLow -= 0x100000000;
      this.whereHigh = this.wide ? (this.whereHigh + 1) >>> 0 : 0;
    }
    this.whereLow = whereLow;
    return true;
  }
}

/** How many words a RELR table relocates, without decoding them. */
export function countRelrAddresses(reader: ElfReader, table: RelocationTable): number {
  let count = 0;
  const entries = new RelrEntries(reader, table);
  while (entries.next()) count += bitCount(entries.maskLow) + bitCount(entries.maskHigh);
  return count;
}

function bitCount(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * The word indexes (0..63) of the set bits of a mask given as halves, lowest first, into `into`;
 * returns how many. The one walk over a bitmap's bits, for callers that must not allocate.
 */
export function setBitIndexes(maskLow: number, maskHigh: number, into: Uint8Array): number {
  let count = 0;
  for (let low = maskLow; low !== 0; low &= low - 1) into[count++] = 31 - Math.clz32(low & -low);
  for (let high = maskHigh; high !== 0; high &= high - 1) into[count++] = 63 - Math.clz32(high & -high);
  return count;
}

/**
 * Every address a RELR table relocates, in order, decoded a run at a time into the caller's arrays:
 * a million addresses cost no call each.
 */
export class RelrAddresses {
  private readonly entries: RelrEntries;
  private readonly wordSize: number;

  constructor(reader: ElfReader, table: RelocationTable) {
    this.entries = new RelrEntries(reader, table);
    this.wordSize = reader.wordSize;
  }

  /**
   * Fills `lows`, `highs` (the addresses as halves) and `entries` (the index of the entry each
   * came from) from `at` up to `end`, at most; returns where it stopped: `end`, or less when the
   * table is done. The rest of an entry's bitmap waits for the next call.
   */
  fill(lows: Uint32Array, highs: Uint32Array, entries: Uint32Array, at: number, end: number): number {
    const cursor = this.entries;
    const w = this.wordSize;
    const wide = w === 8;
    for (;;) {
      let maskLow = cursor.maskLow;
      let maskHigh = cursor.maskHigh;
      const { baseLow, baseHigh, entry } = cursor;
      for (; at < end && (maskLow !== 0 || maskHigh !== 0); at++) {
        let bit: number;
        if (maskLow !== 0) {
          bit = 31 - Math.clz32(maskLow & -maskLow);
          maskLow = (maskLow & (maskLow - 1)) >>> 0;
        } else {
          bit = 63 - Math.clz32(maskHigh & -maskHigh);
          maskHigh = (maskHigh & (maskHigh - 1)) >>> 0;
        }
        const sum = baseLow + bit * w;
        lows[at] = sum >>> 0;
        highs[at] = wide ? (baseHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0;
        entries[at] = entry;
      }
      // The bits left for the next call, stored as each entry ends: V8 compiles the hot loop on
      // stack replacement, and code met only after it would lack feedback and deoptimize.
      cursor.maskLow = maskLow;
      cursor.maskHigh = maskHigh;
      if (at === end || !cursor.next()) return at;
    }
  }
}

export interface RelrAddress {
  readonly address: bigint;
  /** Index of the RELR entry (address or bitmap) that produced the address. */
  readonly entry: number;
}

export function decodeRelr(reader: ElfReader, table: RelocationTable): RelrAddress[] {
  const addresses: RelrAddress[] = [];
  const decoder = new RelrAddresses(reader, table);
  const size = 4096;
  const [lows, highs, entries] = [new Uint32Array(size), new Uint32Array(size), new Uint32Array(size)];
  for (let count = decoder.fill(lows, highs, entries, 0, size); count > 0; count = decoder.fill(lows, highs, entries, 0, size)) {
    for (let i = 0; i < count; i++) {
      addresses.push({ address: (BigInt(highs[i] as number) << 32n) | BigInt(lows[i] as number), entry: entries[i] as number });
    }
  }
  return addresses;
}
