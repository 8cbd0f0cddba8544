import type { ElfReader } from './reader.js';
import type { RelocationTable } from './relocations.js';

/**
 * Walks a RELR table (generic-ABI proposal, SHT_RELR): an even entry A relocates the word at A and
 * sets `where` to the next word; an odd entry is a bitmap whose bit k (1..63, or 1..31 in ELF32)
 * relocates `where[k - 1]`, after which `where` moves on by 63 (31) words. A bitmap before any
 * address entry counts from address 0, as LLVM's decoder does.
 *
 * Addresses are passed as 32-bit halves so that hot callers need not allocate bigints; arithmetic
 * wraps at the word size, as it does in the startup code.
 */
export function forEachRelrAddress(
  reader: ElfReader,
  table: RelocationTable,
  visit: (low: number, high: number, entry: number) => void,
): void {
  const w = reader.wordSize;
  const bitsPerEntry = w * 8 - 1;
  const wide = w === 8;
  let whereLow = 0;
  let whereHigh = 0;
  for (let entry = 0; entry < table.count; entry++) {
    const at = table.fileOffset + entry * w;
    let low = reader.wordLow(at);
    if ((low & 1) === 0) {
      whereLow = low;
      whereHigh = reader.wordHigh(at);
      visit(whereLow, whereHigh, entry);
      whereLow += w;
    } else {
      let high = reader.wordHigh(at);
      let offset = 0;
      // Shift the bitmap right one bit at a time across both halves; stop as soon as it is empty.
      for (;;) {
        low = (low >>> 1) | ((high & 1) << 31);
        high >>>= 1;
        if (low === 0 && high === 0) break;
        if ((low & 1) !== 0) {
          const sum = whereLow + offset;
          visit(sum >>> 0, wide ? (whereHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0, entry);
        }
        offset += w;
      }
      whereLow += bitsPerEntry * w;
    }
    if (whereLow > 0xffffffff) {
      whereLow -= 0x100000000;
      whereHigh = wide ? (whereHigh + 1) >>> 0 : 0;
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
  forEachRelrAddress(reader, table, (low, high, entry) => {
    addresses.push({ address: (BigInt(high) << 32n) | BigInt(low), entry });
  });
  return addresses;
}
