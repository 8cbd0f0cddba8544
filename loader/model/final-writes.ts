import { wordMask } from '../../elf/index.js';
import { type Image, readImageWord } from './image.js';
import { describeSource, type Plan } from './plan.js';
import { joinWord } from './words.js';

/** One relocated word: its run-time address, its final value and the entry that wrote it last. */
export interface FinalWrite {
  readonly address: bigint;
  readonly size: 4 | 8;
  readonly value: bigint;
  readonly source: string;
}

/**
 * Indexes into `plan.writes`: one per distinct word, in first-write order, each naming the last
 * write to that word (the one that produced its final value).
 */
export function finalWriteIndexes(plan: Plan): Uint32Array {
  const { count, targets } = plan.writes;
  // One bit per byte of the span the writes cover, not of the whole image: a library's writes
  // cover its data segment, a few MB of a 130 MB layout.
  let lowest = 0xffffffff;
  let highest = 0;
  for (let i = 0; i < count; i++) {
    const at = targets[i] as number;
    if (at < lowest) lowest = at;
    if (at > highest) highest = at;
  }
  const seen = new Uint8Array(count === 0 ? 0 : ((highest - lowest) >>> 3) + 1);
  const order = new Uint32Array(count);
  let distinct = 0;
  let repeated = false;
  for (let i = 0; i < count; i++) {
    const at = (targets[i] as number) - lowest;
    const bit = 1 << (at & 7);
    const byte = seen[at >>> 3] as number;
    if ((byte & bit) !== 0) {
      repeated = true;
      continue;
    }
    seen[at >>> 3] = byte | bit;
    order[distinct++] = i;
  }
  const result = order.subarray(0, distinct);
  if (!repeated) return result;
  const last = new Map<number, number>();
  for (let i = 0; i < count; i++) last.set(targets[i] as number, i);
  return result.map((first) => last.get(targets[first] as number) ?? first);
}

export function finalWrites(plan: Plan, image: Image, base: bigint): FinalWrite[] {
  const size = plan.layout.wordSize;
  const origin = base + plan.layout.start;
  const mask = wordMask(size);
  return Array.from(finalWriteIndexes(plan), (index) => {
    const at = plan.writes.targets[index] as number;
    const [low, high] = readImageWord(image, at);
    return {
      address: (origin + BigInt(at)) & mask,
      size,
      value: joinWord(low, high),
      source: describeSource(plan.writes.sources[index] as number, plan.writes.entries[index] as number),
    };
  });
}
