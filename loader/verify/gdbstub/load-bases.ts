import { randomInt } from 'node:crypto';
import type { Arch } from '../../../elf/index.js';
import type { ImageLayout } from '../../model/index.js';

/**
 * Where random bases are drawn from: the ranges native/loader/map.c's loader_random_base uses,
 * well inside every user address space piekit runs in. On 32-bit guests qemu-user puts its own
 * program at 0x40000000 with the stack and mmaps just below, and MIPS32 user space ends at 2 GiB.
 */
export const RANDOM_BASE_RANGES: Readonly<Record<4 | 8, { readonly low: bigint; readonly high: bigint }>> = {
  8: { low: 1n << 32n, high: 1n << 46n },
  4: { low: 0x10000000n, high: 0x3c000000n },
};

/** How many taken bases to draw past before giving up, as the loader does. */
export const RANDOM_BASE_TRIES = 64;

/** A page-aligned base at which the whole span of the PT_LOADs lies inside the range. */
export function randomBase(arch: Arch, layout: ImageLayout): bigint {
  const page = arch.pageSize;
  const { low, high } = RANDOM_BASE_RANGES[layout.wordSize];
  const first = layout.start & ~(page - 1n);
  const span = ((layout.start + BigInt(layout.size) + page - 1n) & ~(page - 1n)) - first;
  const room = high - low - span;
  if (room <= 0n) throw new RangeError(`the PT_LOADs' span 0x${span.toString(16)} is too large for a random base`);
  const pages = room / page;
  // randomInt takes at most 2^48 - 1 values: enough for every page of the 64-bit range.
  const pick = BigInt(randomInt(0, Number(pages < 0xffffffffffffn ? pages : 0xffffffffffffn)));
  return low + pick * page - first;
}
