/**
 * RELR decoding written straight from the generic-ABI proposal, in bigint, for tests to compare
 * piekit's decoder with. An even entry A relocates the word at A and sets where = A + W; an odd
 * entry is a bitmap whose bit k (1..8W-1) relocates where + (k - 1) * W, after which where advances
 * by 8W-1 words. Nothing here comes from piekit.
 */
export interface SpecAddress {
  readonly address: bigint;
  /** Index of the RELR entry the address was decoded from. */
  readonly entry: number;
}

export function decodeRelrSpec(entries: readonly bigint[], wordSize: 4 | 8): SpecAddress[] {
  const W = BigInt(wordSize);
  const bits = 8 * wordSize;
  const mask = (1n << BigInt(bits)) - 1n;
  const out: SpecAddress[] = [];
  let where = 0n;
  entries.forEach((entry, index) => {
    if ((entry & 1n) === 0n) {
      out.push({ address: entry, entry: index });
      where = (entry + W) & mask;
      return;
    }
    for (let k = 1; k < bits; k++) {
      if (((entry >> BigInt(k)) & 1n) === 1n) out.push({ address: (where + BigInt(k - 1) * W) & mask, entry: index });
    }
    where = (where + BigInt(bits - 1) * W) & mask;
  });
  return out;
}
