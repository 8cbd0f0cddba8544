import type { ElfReader } from './reader.js';
import type { RelocationTable } from './relocations.js';

/**
 * Walks a RELR table (generic-ABI proposal, SHT_RELR) one entry at a time. An even entry A
 * relocates the word at A and sets `where` to the word after it; an odd entry is a bitmap whose
 * bit k (1..63, or 1..31 in ELF32) relocates `where[k - 1]`, after which `where` moves on by 63
 * (31) words. A bitmap before any address entry counts from address 0, as LLVM's decoder does.
 *
 * `visit` gets the address of the entry's first word and a mask of the words it relocates (bit i:
 * word i), as 32-bit halves so that hot callers need not allocate bigints. Addresses wrap at the
 * word size, as they do in the startup code.
 */
export function forEachRelrEntry(
  reader: ElfReader,
  table: RelocationTable,
  visit: (whereLow: number, whereHigh: number, maskLow: number, maskHigh: number, entry: number) => void,
): void {
  const w = reader.wordSize;
  const wide = w === 8;
  const { little, lowAt, highAt } = reader;
  const view = table.view;
  const advance = (w * 8 - 1) * w;
  let whereLow = 0;
  let whereHigh = 0;
  for (let entry = 0, at = 0; entry < table.count; entry++, at += w) {
    const low = view.getUint32(at + lowAt, little);
    const high = wide ? view.getUint32(at + highAt, little) : 0;
    if ((low & 1) === 0) {
      visit(low, high, 1, 0, entry);
      whereLow = low + w;
      whereHigh = high;
    } else {
      visit(whereLow, whereHigh, ((low >>> 1) | ((high & 1) << 31)) >>> 0, high >>> 1, entry);
      whereLow += advance;
    }
    if (whereLow > 0xffffffff) {
      whereLow -= 0x100000000;
      whereHigh = wide ? (whereHigh + 1) >>> 0 : 0;
    }
  }
}

/** How many words a RELR table relocates, without decoding them. */
export function countRelrAddresses(reader: ElfReader, table: RelocationTable): number {
  let count = 0;
  forEachRelrEntry(reader, table, (_whereLow, _whereHigh, maskLow, maskHigh) => {
    count += bitCount(maskLow) + bitCount(maskHigh);
  });
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

/** Every address a RELR table relocates, in order, with the index of the entry it came from. */
export function forEachRelrAddress(reader: ElfReader, table: RelocationTable, visit: (low: number, high: number, entry: number) => void): void {
  const w = reader.wordSize;
  const words = new Uint8Array(64);
  forEachRelrEntry(reader, table, (whereLow, whereHigh, maskLow, maskHigh, entry) => {
    const count = setBitIndexes(maskLow, maskHigh, words);
    for (let i = 0; i < count; i++) {
      const sum = whereLow + (words[i] as number) * w;
      visit(sum >>> 0, w === 8 ? (whereHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0, entry);
    }
  });
}

export interface RelrAddress {
  readonly address: bigint;
  /** Index of the RELR entry (address or bitmap) that produced the address. */
  readonly entry: number;
}

export function decodeRelr(reader: ElfReader, table: RelocationTable): RelrAddress[] {
  const addresses: RelrAddress[] = [];
  forEachRelrAddress(reader, table, (low, high, entry) => {
    addresses.push({ address: (BigInt(high) << 32n) | BigInt(low), entry });
  });
  return addresses;
}
