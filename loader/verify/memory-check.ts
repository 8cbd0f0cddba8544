/** What the methods that read a running program's memory share: is it this program at this base, and how do its planned words compare. */
import { type ElfFile, hex, wordMask } from '../../elf/index.js';
import { type Engine, relocate } from '../engines/index.js';
import { type ComparedWords, comparePlannedWords, type MemorySnapshot, type Plan } from '../model/index.js';

/** How many bytes of an untouched segment are compared to confirm a base. */
const CHECKED_BYTES = 256;

/**
 * Whether memory at `base` holds this program: the first bytes of a segment relocation leaves
 * alone, compared with the file (`programBytes` gives its bytes at a file offset, as it was run). Shared by the methods
 * that find the base themselves (a stopped process, a core). Returns a description of the
 * mismatch, `undefined` when it matches, or 'unchecked' when no such segment could be read (every
 * segment relocated, or a core that left it out).
 */
export async function baseMismatch(
  plan: Plan,
  programBytes: (offset: number, length: number) => Uint8Array,
  base: bigint,
  read: (address: bigint, length: number) => Promise<Uint8Array | undefined>,
): Promise<string | undefined | 'unchecked'> {
  const relocated = new Set(plan.relocatedSegments);
  const mask = wordMask(plan.layout.wordSize);
  for (const segment of plan.layout.segments) {
    if (relocated.has(segment) || segment.fileSize === 0) continue;
    const length = Math.min(segment.fileSize, CHECKED_BYTES);
    const address = (base + segment.header.vaddr) & mask;
    const actual = await read(address, length);
    if (actual === undefined) continue;
    const expected = programBytes(segment.fileOffset, length);
    if (Buffer.from(actual).equals(expected)) return undefined;
    return `memory at ${hex(address)} is not PT_LOAD ${segment.header.index} of the file (vaddr ${hex(segment.header.vaddr)})`;
  }
  return 'unchecked';
}

/** A file's bytes at a file offset, read when asked for: a check of a few bytes does not read the whole file. */
export function fileBytes(elf: ElfFile): (offset: number, length: number) => Uint8Array {
  return (offset, length) => {
    const at = elf.reader.range(offset, length, 'program bytes');
    return elf.bytes.subarray(at, at + length);
  };
}

/**
 * Every planned word of a snapshot compared with what the engine predicts at the snapshot's base.
 * The program has run past its relocator (to a stop, or into a core): a word it wrote is `overwritten`.
 */
export function comparePlanned(elf: ElfFile, planned: Plan, snapshot: MemorySnapshot, engine: Engine): ComparedWords {
  // The TypeScript plan does not depend on the base: the one already made serves.
  const { plan: used, image } = engine === 'ts' ? { plan: planned, image: undefined } : relocate(elf, snapshot.base, engine);
  return comparePlannedWords(used, snapshot, image, true);
}
