/**
 * RELR words for sorted, word-aligned addresses, exactly as lld's RelrSection::updateAllocSize
 * (lld/ELF/SyntheticSections.cpp) writes them: an address entry relocates its word, then each
 * bitmap (least significant bit 1) relocates the following 63 (ELF32: 31) words, one bit each,
 * until no address falls in the next bitmap's range. lld only hands it aligned addresses (an
 * unaligned relative relocation stays in REL/RELA). A repeated address starts a new address entry,
 * so it is relocated twice, as a REL table listing it twice would. lld pads a table that shrank
 * between layout passes with empty bitmaps; this is the table of one pass, without padding.
 */
export function encodeRelr(addresses: readonly bigint[], wordSize: 4 | 8): bigint[] {
  const w = BigInt(wordSize);
  const limit = 1n << BigInt(wordSize * 8);
  addresses.forEach((address, i) => {
    if (address % w !== 0n || address < 0n || address >= limit) {
      throw new RangeError(`encodeRelr: 0x${address.toString(16)} is not a ${wordSize}-byte aligned ELF${wordSize * 8} address`);
    }
    if (i > 0 && address < (addresses[i - 1] as bigint)) throw new RangeError('encodeRelr: addresses must be sorted');
  });
  const words: bigint[] = [];
  // Addresses further apart than a bitmap reaches never share an entry, so runs split at gaps too
  // wide for exact doubles encode the same on their own.
  let first = 0;
  while (first < addresses.length) {
    const start = addresses[first] as bigint;
    let end = first + 1;
    while (end < addresses.length && (addresses[end] as bigint) - start < 1n << 52n) end++;
    const offsets = new Float64Array(end - first);
    for (let i = first; i < end; i++) offsets[i - first] = Number((addresses[i] as bigint) - start);
    const encoded = encodeRelrOffsets(start, offsets, wordSize);
    for (let i = 0; i < encoded.count; i++) words.push((BigInt(encoded.high[i] as number) << 32n) | BigInt(encoded.low[i] as number));
    first = end;
  }
  return words;
}

/** RELR words as 32-bit halves, the first `count` of `low` and `high` (ELF32: `high` is 0). */
export interface RelrWords {
  readonly count: number;
  readonly low: Uint32Array;
  readonly high: Uint32Array;
}

/**
 * The same encoding for addresses given as `start` plus sorted, word-aligned offsets below 2^53,
 * as halves: a table of a million relocations is encoded without a bigint per word.
 */
export function encodeRelrOffsets(start: bigint, offsets: ArrayLike<number>, wordSize: 4 | 8): RelrWords {
  // Every word relocates at least one address: no more words than offsets.
  const low = new Uint32Array(offsets.length);
  const high = new Uint32Array(offsets.length);
  const startLow = Number(start & 0xffffffffn);
  const startHigh = Number((start >> 32n) & 0xffffffffn);
  return { count: encodeInto(startLow, startHigh, offsets, wordSize, low, high), low, high };
}

/**
 * The encoder's loop, apart from the allocations and bigints around it: V8 compiles a hot loop on
 * stack replacement, and code after it would meet the compiled loop without feedback.
 */
function encodeInto(startLow: number, startHigh: number, offsets: ArrayLike<number>, wordSize: number, low: Uint32Array, high: Uint32Array): number {
  const span = (wordSize * 8 - 1) * wordSize;
  const count = offsets.length;
  let words = 0;
  let i = 0;
  let base = 0;
  // Bits 0..30 and 31..62 of the bitmap being filled, before the shift that makes room for the marker bit.
  let bitsLow = 0;
  let bitsHigh = 0;
  while (i < count) {
    const offset = offsets[i] as number;
    // lld takes the distance unsigned: an address below `base` (a repeated one) is too far.
    const distance = offset - base;
    if (words > 0 && distance >= 0 && distance < span && distance % wordSize === 0) {
      const bit = distance / wordSize;
      if (bit < 31) bitsLow |= 1 << bit;
      else bitsHigh |= 1 << (bit - 31);
      i++;
      continue;
    }
    if ((bitsLow | bitsHigh) !== 0) {
      // The bitmap is done; the next one starts a span further, for the same offset.
      low[words] = ((bitsLow << 1) | 1) >>> 0;
      high[words++] = wordSize === 8 ? bitsHigh >>> 0 : 0;
      bitsLow = 0;
      bitsHigh = 0;
      base += span;
      continue;
    }
    // An address entry; its sum may exceed 2^32 but stays below 2^53, exact as a double.
    const sum = startLow + offset;
    const carry = Math.floor(sum / 0x100000000);
    low[words] = sum - carry * 0x100000000;
    high[words++] = wordSize === 8 ? (startHigh + carry) >>> 0 : 0;
    base = offset + wordSize;
    i++;
  }
  if ((bitsLow | bitsHigh) !== 0) {
    low[words] = ((bitsLow << 1) | 1) >>> 0;
    high[words++] = wordSize === 8 ? bitsHigh >>> 0 : 0;
  }
  return words;
}
