/**
 * Word arithmetic on 32-bit halves. Hot loops handle millions of words; a bigint per word would
 * dominate their cost, and a single `number` cannot hold 64 bits exactly.
 */

export const TWO_32 = 0x100000000;

export function splitWord(value: bigint): [low: number, high: number] {
  return [Number(value & 0xffffffffn), Number((value >> 32n) & 0xffffffffn)];
}

export function joinWord(low: number, high: number): bigint {
  return (BigInt(high) << 32n) | BigInt(low);
}
