import type { Plan } from '../model/index.js';

/** A range of the program's memory, at link-time addresses. */
export interface LinkRange {
  readonly vaddr: bigint;
  readonly length: number;
}

/**
 * The part of each relocated segment that holds planned words, widened by a word on each side
 * (the classification looks at neighbours) and clipped to the segment: what must be read from a
 * running program. A large zero-filled tail without relocations is left alone.
 */
export function plannedRanges(plan: Plan): LinkRange[] {
  const { layout, writes } = plan;
  const w = layout.wordSize;
  const ranges: LinkRange[] = [];
  for (const segment of plan.relocatedSegments) {
    const start = segment.offset;
    const end = segment.offset + segment.memorySize;
    let low = end;
    let high = start;
    for (let i = 0; i < writes.count; i++) {
      const target = writes.targets[i] as number;
      if (target < start || target >= end) continue;
      if (target < low) low = target;
      if (target + w > high) high = target + w;
    }
    if (low >= high) continue;
    low = Math.max(start, low - w);
    high = Math.min(end, high + w);
    ranges.push({ vaddr: layout.start + BigInt(low), length: high - low });
  }
  return ranges;
}
