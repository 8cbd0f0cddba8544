import { hex } from '../../elf/index.js';
import type { Plan } from '../model/index.js';

/** How many bytes of an untouched segment are compared to confirm a base. */
const CHECKED_BYTES = 256;

/**
 * Whether memory at `base` holds this program: the first bytes of a segment relocation leaves
 * alone, compared with the file (`programBytes`, the file as it was run). Returns a description of
 * the mismatch, `undefined` when it matches, or 'unchecked' when no such segment could be read
 * (every segment relocated, or a core that left it out).
 */
export async function checkBase(
  plan: Plan,
  programBytes: Uint8Array,
  base: bigint,
  read: (address: bigint, length: number) => Promise<Uint8Array | undefined>,
): Promise<string | undefined | 'unchecked'> {
  const relocated = new Set(plan.relocatedSegments);
  const mask = (1n << BigInt(plan.layout.wordSize * 8)) - 1n;
  for (const segment of plan.layout.segments) {
    if (relocated.has(segment) || segment.fileSize === 0) continue;
    const length = Math.min(segment.fileSize, CHECKED_BYTES);
    const address = (base + segment.header.vaddr) & mask;
    const actual = await read(address, length);
    if (actual === undefined) continue;
    const expected = programBytes.subarray(segment.fileOffset, segment.fileOffset + length);
    if (Buffer.from(actual).equals(expected)) return undefined;
    return `memory at ${hex(address)} is not PT_LOAD ${segment.header.index} of the file (vaddr ${hex(segment.header.vaddr)})`;
  }
  return 'unchecked';
}
