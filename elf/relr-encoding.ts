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
    words.push(...encodeRelrOffsets(start, offsets, wordSize));
    first = end;
  }
  return words;
}

/**
 * The same encoding for addresses given as `start` plus sorted, word-aligned offsets below 2^53,
 * so that a table of a million relocations is encoded without a bigint per address: only the
 * entries written are bigints.
 */
export function encodeRelrOffsets(start: bigint, offsets: ArrayLike<number>, wordSize: 4 | 8): bigint[] {
  const bits = wordSize * 8 - 1;
  const span = bits * wordSize;
  const words: bigint[] = [];
  const count = offsets.length;
  for (let i = 0; i < count; ) {
    const leading = offsets[i] as number;
    words.push(start + BigInt(leading));
    let base = leading + wordSize;
    i++;
    for (;;) {
      // Bits 0..30 and 31..62 of the bitmap, before the shift that makes room for the marker bit.
      // lld takes the distance unsigned: an address below `base` (a repeated one) is too far.
      let low = 0;
      let high = 0;
      for (; i < count; i++) {
        const distance = (offsets[i] as number) - base;
        if (distance < 0 || distance >= span || distance % wordSize !== 0) break;
        const bit = distance / wordSize;
        if (bit < 31) low |= 1 << bit;
        else high |= 1 << (bit - 31);
      }
      if (low === 0 && high === 0) break;
      words.push((BigInt(high >>> 0) << 32n) | (BigInt(low >>> 0) << 1n) | 1n);
      base += span;
    }
  }
  return words;
}
