import { DF_TEXTREL, DT_FLAGS, DT_TEXTREL, hex, PT_GNU_RELRO } from '../../elf/index.js';
import { ADD_BASE, describeSource, type LoadSegment, type Plan } from '../model/index.js';
import { count, quantity } from '../wording.js';
import type { FileContext } from './file-context.js';
import { sortedTags } from './file-tables.js';
import { type Hazard, HazardItems, simpleHazard } from './hazard.js';
import type { Names } from './names.js';

/**
 * Hazards of the words relocation writes, from the planner's reading of the file under the
 * collecting policy: writes into segments without PF_W, a word written more than once, words
 * that are not aligned, writes outside every PT_LOAD, and relocated .data.rel.ro words that no
 * PT_GNU_RELRO will make read-only afterwards.
 */
export function writeHazards(context: FileContext, run: Plan, names: Names): Hazard[] {
  const { writes, layout } = run;
  const w = layout.wordSize;
  const sourceOf = (i: number): string => describeSource(writes.sources[i] as number, writes.entries[i] as number);
  const vaddrOf = (offset: number): bigint => layout.start + BigInt(offset);
  const segmentOf = segmentFinder(layout.segments);
  const text = new HazardItems();
  const misaligned = new HazardItems();
  const relro = new HazardItems();
  // Ranges as image offsets, so that the loop over hundreds of thousands of words stays in numbers.
  const toOffsets = (start: bigint, end: bigint): readonly [number, number] => {
    const clip = (vaddr: bigint): number =>
      Number(vaddr < layout.start ? 0n : vaddr - layout.start > BigInt(layout.size) ? BigInt(layout.size) : vaddr - layout.start);
    return [clip(start), clip(end)];
  };
  const relroRanges = context.elf.programHeaders
    .filter((header) => header.type === PT_GNU_RELRO)
    .map((header) => toOffsets(header.vaddr, header.vaddr + header.memsz));
  const relroSections = context.elf.sectionHeaders
    .filter((section) => /^\.data\.rel\.ro(\.|$)/.test(section.name) && section.size > 0n)
    .map((section) => toOffsets(section.addr, section.addr + section.size));
  const startRemainder = Number(layout.start % BigInt(w));
  // A bit per byte offset the writes span, not per byte of the layout (a library's text is 100 MB).
  let lowest = Number.POSITIVE_INFINITY;
  let highest = 0;
  for (let i = 0; i < writes.count; i++) {
    const offset = writes.targets[i] as number;
    if (offset < lowest) lowest = offset;
    if (offset > highest) highest = offset;
  }
  const seen = new Uint8Array(writes.count === 0 ? 0 : ((highest - lowest) >>> 3) + 1);
  const repeated = new Set<number>();
  let segment: LoadSegment | undefined;
  // A description made only for the few writes a hazard lists, not one per write.
  const describe = (i: number) => () => {
    const vaddr = vaddrOf(writes.targets[i] as number);
    return { entry: sourceOf(i), address: hex(vaddr), symbol: names.where(vaddr) };
  };
  // The segment of the write before, as bounds, and whether it is read-only (outside every segment: not).
  let segmentStart = 0;
  let segmentEnd = 0;
  let readOnly = false;
  const { targets } = writes;
  for (let i = 0; i < writes.count; i++) {
    const offset = targets[i] as number;
    if (segment === undefined || offset < segmentStart || offset >= segmentEnd) {
      segment = segmentOf(offset);
      segmentStart = segment?.offset ?? offset;
      segmentEnd = segment === undefined ? offset + 1 : segment.offset + segment.memorySize;
      readOnly = !(segment?.writable ?? true);
    }
    if (readOnly) text.add(describe(i));
    if ((startRemainder + offset) % w !== 0) misaligned.add(describe(i));
    const bit = offset - lowest;
    if ((seen[bit >>> 3] as number) & (1 << (bit & 7))) repeated.add(offset);
    seen[bit >>> 3] = (seen[bit >>> 3] as number) | (1 << (bit & 7));
    if (relroSections.length > 0 && inRange(relroSections, offset, 1) && !inRange(relroRanges, offset, w)) relro.add(describe(i));
  }
  const hazards: Hazard[] = [];
  const tags = sortedTags(context.dynamic, context.elf.reader.wordSize);
  const declared = tags.has(DT_TEXTREL) || ((tags.get(DT_FLAGS) ?? 0n) & DF_TEXTREL) !== 0n;
  if (text.count > 0) {
    const flag = declared ? 'DT_TEXTREL/DF_TEXTREL says so' : 'neither DT_TEXTREL nor DF_TEXTREL says so';
    hazards.push(
      text.hazard(
        'text-relocations',
        'error',
        `${count(text.count)} writes land in PT_LOADs without PF_W (${flag}): static startup code faults on the read-only page`,
      ),
    );
  } else if (declared) {
    hazards.push(simpleHazard('textrel-unused', 'info', 'DT_TEXTREL or DF_TEXTREL is set, but no relocation writes a read-only segment'));
  }
  if (repeated.size > 0) hazards.push(twiceHazard(run, repeated, vaddrOf, sourceOf, names));
  if (misaligned.count > 0)
    hazards.push(
      misaligned.hazard(
        'misaligned-words',
        'warning',
        `${count(misaligned.count)} relocated words are not ${w}-byte aligned: strict-alignment architectures fault on them`,
      ),
    );
  if (run.outside.length > 0) {
    const outside = new HazardItems();
    for (const write of run.outside) outside.add(() => ({ entry: write.source, address: hex(write.address) }));
    hazards.push(
      outside.hazard('outside-segments', 'error', `${count(outside.count)} relocations write outside every PT_LOAD: every relocator faults on them`),
    );
  }
  if (relro.count > 0) {
    const message = `${count(relro.count)} relocated .data.rel.ro words are not covered by PT_GNU_RELRO: they stay writable after relocation`;
    hazards.push(relro.hazard('relro-uncovered', 'warning', message));
  }
  return hazards;
}

/**
 * A word written by more than one entry: RELA sets `base + addend`, so RELA over RELA only wastes
 * work, but REL, RELR or the local GOT add the base to what is there, and a second such write (or
 * one after RELA) adds it twice; glibc applies RELR first and so gets another value than musl.
 */
function twiceHazard(
  run: Plan,
  repeated: ReadonlySet<number>,
  vaddrOf: (offset: number) => bigint,
  sourceOf: (i: number) => string,
  names: Names,
): Hazard {
  const { writes } = run;
  const writers = new Map<number, number[]>();
  for (let i = 0; i < writes.count; i++) {
    const offset = writes.targets[i] as number;
    if (!repeated.has(offset)) continue;
    const list = writers.get(offset);
    if (list === undefined) writers.set(offset, [i]);
    else list.push(i);
  }
  const items = new HazardItems();
  let addsTwice = false;
  for (const [offset, list] of writers) {
    if (list.slice(1).some((i) => writes.kinds[i] === ADD_BASE)) addsTwice = true;
    items.add(() => ({
      entry: list.slice(0, 8).map(sourceOf).join('+') + (list.length > 8 ? `+${list.length - 8} more` : ''),
      address: hex(vaddrOf(offset)),
      symbol: names.where(vaddrOf(offset)),
    }));
  }
  return addsTwice
    ? items.hazard(
        'written-twice',
        'error',
        `${quantity(items.count, 'word is', 'words are')} relocated more than once, and a later write adds the base again: they hold the base twice, or once, depending on the order a runtime applies the tables in`,
      )
    : items.hazard('written-twice', 'warning', `${quantity(items.count, 'word is', 'words are')} set by more than one RELA entry: the last one wins`);
}

/** Whether `size` bytes at `offset` lie inside one of the ranges ([start, end) image offsets). */
function inRange(ranges: readonly (readonly [number, number])[], offset: number, size: number): boolean {
  for (let r = 0; r < ranges.length; r++) {
    // Indexed rather than destructured: destructuring takes the iterator protocol until the loop is optimised.
    const range = ranges[r] as readonly [number, number];
    if (offset >= range[0] && offset + size <= range[1]) return true;
  }
  return false;
}

/** The segment holding an image offset, by binary search over the sorted segments. */
function segmentFinder(segments: readonly LoadSegment[]): (offset: number) => LoadSegment | undefined {
  return (offset) => {
    let low = 0;
    let high = segments.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((segments[middle] as LoadSegment).offset <= offset) low = middle + 1;
      else high = middle;
    }
    const segment = segments[low - 1];
    return segment !== undefined && offset < segment.offset + segment.memorySize ? segment : undefined;
  };
}
