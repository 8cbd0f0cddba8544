import { AddressNames, ElfError, type ElfFile, hex, hostWordView, type SymbolName, wordHalves, wordMask } from '../../elf/index.js';
import { apply } from './apply.js';
import { finalWriteIndexes } from './final-writes.js';
import { type Image, imageFor } from './image.js';
import { describeSource, type Plan } from './plan.js';
import { joinWord, splitWord } from './words.js';

/**
 * Memory of a relocated program: byte ranges at link-time addresses, as read from it at `base`
 * (a dump, a stopped process, a core file, or a relocator's model). Ranges may leave gaps.
 */
export interface MemorySnapshot {
  readonly base: bigint;
  readonly segments: readonly MemorySegment[];
}

export interface MemorySegment {
  /** Link-time address of `bytes[0]`. */
  readonly vaddr: bigint;
  readonly bytes: Uint8Array;
}

/**
 * How a word differs from the plan:
 * - `unrelocated`: it holds the file's own link-time word;
 * - `relocated twice`: it holds the planned value plus the base once more;
 * - `shifted`: it holds the planned value of the word before or after it, or its relocation landed
 *   on a neighbour instead (it is unrelocated while the neighbour holds one base too many), the
 *   signatures of a decoder one word off;
 * - `other`: anything else;
 * - `overwritten`, only in memory of a program that ran on past its relocator (a stopped process,
 *   a core): none of the above, and an address inside the image at the run's base, as the
 *   program's own stores after relocating leave (glibc's before main). Not a relocation error.
 */
export type DifferenceKind = RelocationDifferenceKind | 'overwritten';
export type RelocationDifferenceKind = 'unrelocated' | 'relocated twice' | 'shifted' | 'other';
/** The kinds a relocator can be blamed for. */
export const DIFFERENCE_KINDS: readonly RelocationDifferenceKind[] = ['unrelocated', 'relocated twice', 'shifted', 'other'];
/** Every kind a running program's memory can show. */
export const RUN_DIFFERENCE_KINDS: readonly DifferenceKind[] = [...DIFFERENCE_KINDS, 'overwritten'];

export interface Difference {
  /** Run-time address of the word. */
  readonly address: bigint;
  readonly vaddr: bigint;
  readonly section: string | undefined;
  /** Distance from the start of `section`: how a word no symbol holds is named. */
  readonly sectionOffset: bigint | undefined;
  /** The symbol holding the word, within its size. */
  readonly symbol: SymbolName | undefined;
  readonly expected: bigint;
  readonly actual: bigint;
  readonly kind: DifferenceKind;
  /** The planned writes that target this word, as `table#index`; none for a word outside the plan. */
  readonly writers: readonly string[];
}

/** A comparison with the base the snapshot was read at. */
export interface Comparison extends ComparedWords {
  readonly base: bigint;
}

/**
 * A comparison as reports give it: the words compared, those matching, the differing ones counted
 * by kind, and described only when asked for: a core of a large program may differ in a million
 * words, which must not all become objects at once.
 */
export interface ComparedWords {
  /** Words compared: the planned ones, or every word of the writable segments. */
  readonly comparedWords: number;
  readonly matchingWords: number;
  /** Words that differ, of every kind. */
  readonly differing: number;
  readonly counts: Readonly<Record<DifferenceKind, number>>;
  /** The first `limit` differing words (all by default) in address order, each described as it is reached. */
  describeDifferences(limit?: number): Iterable<Difference>;
  /** Every differing word, described, in address order: made when first read. */
  readonly differences: readonly Difference[];
}

/** The image the plan predicts at a base. */
export function expectedImage(plan: Plan, base: bigint): Image {
  const image = imageFor(plan);
  apply(plan, image, base);
  return image;
}

/**
 * Every word the plan writes, compared with the snapshot; nothing else is, since the program may
 * have run on and written its own data. A planned word the snapshot lacks is an error: the
 * snapshot must hold the relocated segments.
 */
export function comparePlannedWords(
  plan: Plan,
  snapshot: MemorySnapshot,
  expected: Image = expectedImage(plan, snapshot.base),
  /** The program ran on past its relocator: a pointer into the image may be its own store (`overwritten`). */
  ranOn = false,
): Comparison {
  return compareWords(plan, snapshot, expected, plannedWords(plan), ranOn);
}

/**
 * Every word of every writable segment compared with the plan applied at the snapshot's base:
 * for samples that write their memory out right after relocation, before anything else runs.
 */
export function compareSegments(plan: Plan, snapshot: MemorySnapshot, expected: Image = expectedImage(plan, snapshot.base)): Comparison {
  return compareWords(plan, snapshot, expected, segmentWords(plan, snapshot), false);
}

/** Differing words described per pass over the plan's writes (for their writers): bounds the memory a description holds. */
const DESCRIBED_AT_ONCE = 1 << 14;

/** The words `walk` visits compared, each classified now; only their offsets are kept, for describing later. */
function compareWords(plan: Plan, snapshot: MemorySnapshot, expected: Image, walk: WordWalk, ranOn: boolean): Comparison {
  const context = new ComparisonContext(plan, snapshot, expected, ranOn);
  // By index in RUN_DIFFERENCE_KINDS: counting through the record's string keys costs more than the comparison.
  const byKind = new Float64Array(RUN_DIFFERENCE_KINDS.length);
  let offsets = new Uint32Array(1024);
  let differing = 0;
  let compared = 0;
  walk((offset) => {
    compared++;
    const index = context.kindCode(offset);
    if (index < 0) return;
    byKind[index] = (byKind[index] as number) + 1;
    if (differing === offsets.length) {
      const wider = new Uint32Array(2 * differing);
      wider.set(offsets);
      offsets = wider;
    }
    offsets[differing++] = offset;
  });
  const inOrder = offsets.subarray(0, differing).sort();
  const counts = countByKind([]);
  RUN_DIFFERENCE_KINDS.forEach((kind, index) => {
    counts[kind] = byKind[index] as number;
  });
  let all: readonly Difference[] | undefined;
  return {
    base: snapshot.base,
    comparedWords: compared,
    matchingWords: compared - differing,
    differing,
    counts,
    describeDifferences: (limit = differing) => describeInOrder(plan, context, inOrder.subarray(0, Math.max(0, limit))),
    get differences() {
      all ??= [...describeInOrder(plan, context, inOrder)];
      return all;
    },
  };
}

/** Differing words at the given offsets (ascending), described one by one, their writers found a batch at a time. */
function* describeInOrder(plan: Plan, context: ComparisonContext, offsets: Uint32Array): Generator<Difference, void, undefined> {
  for (let from = 0; from < offsets.length; from += DESCRIBED_AT_ONCE) {
    const batch = offsets.subarray(from, from + DESCRIBED_AT_ONCE);
    const writers = writersAt(plan, new Set(batch));
    for (const offset of batch) yield context.describe(offset, context.kindAt(offset) as DifferenceKind, writers.get(offset) ?? []);
  }
}

/** What a comparison finds, counted: only the differing words of lowest address are described. */
export interface DifferenceTally {
  readonly count: number;
  readonly byKind: Record<RelocationDifferenceKind, number>;
  /** At most the limit asked for, by address. */
  readonly first: readonly Difference[];
}

/** Calls `visit` with the layout offset of each word to compare, each once. */
export type WordWalk = (visit: (offset: number) => void) => void;

/** Every word of the writable segments, as `compareSegments` compares them (the snapshot must hold them). */
export function segmentWords(plan: Plan, snapshot: MemorySnapshot): WordWalk {
  return (visit) => forEachSegmentWord(plan, snapshot, visit);
}

/** Every word the plan writes, once each, as `comparePlannedWords` compares them. */
export function plannedWords(plan: Plan): WordWalk {
  return (visit) => forEachPlannedWord(plan, visit);
}

/** Every word from layout offset `from` on, a word size apart, up to `to` (excluded). */
export interface WordStretch {
  readonly from: number;
  readonly to: number;
}

/**
 * The words `walk` visits, or those of the stretches, compared as `compareSegments` and
 * `comparePlannedWords` compare them, as counts: a runtime that misses every word of a library
 * must not cost an object, nor a bigint, per word. Only the `limit` differing words of lowest
 * address are described.
 */
export function tallyDifferences(
  plan: Plan,
  snapshot: MemorySnapshot,
  expected: Image,
  words: WordWalk | readonly WordStretch[],
  limit: number,
): DifferenceTally {
  const context = new ComparisonContext(plan, snapshot, expected);
  // By index in DIFFERENCE_KINDS: counting through the record's string keys costs more than the comparison.
  const counts = new Float64Array(DIFFERENCE_KINDS.length);
  const lowest = new LowestOffsets(limit);
  if (typeof words === 'function') {
    words((offset) => {
      const kind = context.kindCode(offset);
      // A model's memory, never a program that ran on: no word is overwritten.
      if (kind < 0 || kind >= DIFFERENCE_KINDS.length) return;
      counts[kind] = (counts[kind] as number) + 1;
      lowest.add(offset);
    });
  } else {
    context.tallyStretches(words, counts, lowest);
  }
  const byKind = countByKind([], DIFFERENCE_KINDS);
  let count = 0;
  DIFFERENCE_KINDS.forEach((kind, index) => {
    byKind[kind] = counts[index] as number;
    count += counts[index] as number;
  });
  const chosen = lowest.sorted();
  // One pass over the writes for the few words described, rather than an index of them all.
  const writers = writersAt(plan, new Set(chosen));
  const first = Array.from(chosen, (offset) => context.describe(offset, context.kindAt(offset) as DifferenceKind, writers.get(offset) ?? []));
  return { count, byKind, first };
}

/** The `limit` smallest of the offsets added (distinct), kept without holding them all. */
class LowestOffsets {
  private kept: Uint32Array;
  private size = 0;
  /** Once `limit` are kept, an offset from here up cannot be among the smallest. */
  private ceiling = Number.POSITIVE_INFINITY;

  constructor(private readonly limit: number) {
    this.kept = new Uint32Array(Math.min(Math.max(2 * limit, 64), 1 << 16));
  }

  /** Offsets from here up would not be kept. */
  below(): number {
    return this.limit <= 0 ? Number.NEGATIVE_INFINITY : this.ceiling;
  }

  add(offset: number): void {
    if (this.limit <= 0 || offset >= this.ceiling) return;
    if (this.size === this.kept.length) this.trim();
    this.kept[this.size++] = offset;
  }

  sorted(): Uint32Array {
    this.trim();
    return this.kept.slice(0, this.size);
  }

  /** Sorts what is kept and drops all but the smallest; grows instead while all of them are wanted. */
  private trim(): void {
    this.kept.subarray(0, this.size).sort();
    if (this.size > this.limit) this.size = this.limit;
    else if (this.size === this.kept.length) {
      const wider = new Uint32Array(this.kept.length * 2);
      wider.set(this.kept);
      this.kept = wider;
    }
    if (this.size === this.limit) this.ceiling = this.kept[this.limit - 1] as number;
  }
}

/** Visits the layout offset of every word the plan writes, once each. */
function forEachPlannedWord(plan: Plan, visit: (offset: number) => void): void {
  const indexes = finalWriteIndexes(plan);
  for (let n = 0; n < indexes.length; n++) visit(plan.writes.targets[indexes[n] as number] as number);
}

/** Visits the layout offset of every whole word of the writable segments, which the snapshot must hold exactly. */
function forEachSegmentWord(plan: Plan, snapshot: MemorySnapshot, visit: (offset: number) => void): void {
  const layout = plan.layout;
  const writable = layout.segments.filter((segment) => segment.writable);
  if (writable.length !== snapshot.segments.length) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${snapshot.segments.length} segments, the file has ${writable.length} writable PT_LOADs`);
  }
  const w = layout.wordSize;
  writable.forEach((segment, position) => {
    const dumped = snapshot.segments[position];
    if (dumped === undefined || dumped.vaddr !== segment.header.vaddr || dumped.bytes.length !== segment.memorySize) {
      throw new ElfError(
        'BAD_DUMP',
        `Invalid dump segment ${position}: expected ${segment.memorySize} bytes at ${hex(segment.header.vaddr)} (PT_LOAD ${segment.header.index})`,
      );
    }
    // Words are aligned on run-time addresses; base and p_vaddr share their alignment. A dump
    // holds p_memsz bytes, so a word that p_vaddr or p_memsz cuts is not in it; no relocation
    // writes one (the plan refuses writes outside the segments).
    const misalignment = Number(segment.header.vaddr % BigInt(w));
    const first = segment.offset + (misalignment === 0 ? 0 : w - misalignment);
    for (let offset = first; offset + w <= segment.offset + segment.memorySize; offset += w) visit(offset);
  });
}

/** Counts of the differences by kind, every kind listed present (a difference of another kind is not counted). */
export function countByKind<K extends DifferenceKind = DifferenceKind>(
  differences: readonly Difference[],
  kinds: readonly K[] = RUN_DIFFERENCE_KINDS as readonly K[],
): Record<K, number> {
  const counts = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<K, number>;
  for (const difference of differences) if (difference.kind in counts) counts[difference.kind as K]++;
  return counts;
}

/** The differences a relocator is blamed for: all but the words the program overwrote after relocating. */
export function relocationErrors(compared: ComparedWords): number {
  return compared.differing - compared.counts.overwritten;
}

const namesOfFiles = new WeakMap<ElfFile, AddressNames>();

/** A file's symbol and section names, read once however many comparisons and reports name its words. */
export function addressNamesOf(elf: ElfFile): AddressNames {
  let names = namesOfFiles.get(elf);
  if (names === undefined) {
    names = new AddressNames(elf.reader, elf.sectionHeaders);
    namesOfFiles.set(elf, names);
  }
  return names;
}

/** The planned writes of the given words only. */
function writersAt(plan: Plan, offsets: ReadonlySet<number>): Map<number, string[]> {
  const writers = new Map<number, string[]>();
  const { count, targets, sources, entries } = plan.writes;
  // The words asked about are few and close together: most writes are told apart by two comparisons.
  let lowest = Number.POSITIVE_INFINITY;
  let highest = Number.NEGATIVE_INFINITY;
  for (const offset of offsets) {
    if (offset < lowest) lowest = offset;
    if (offset > highest) highest = offset;
  }
  for (let i = 0; i < count; i++) {
    const target = targets[i] as number;
    if (target < lowest || target > highest || !offsets.has(target)) continue;
    const description = describeSource(sources[i] as number, entries[i] as number);
    const list = writers.get(target);
    if (list === undefined) writers.set(target, [description]);
    else list.push(description);
  }
  return writers;
}

/** One bit per layout offset the plan's writes span, from `first`, set where a planned write lands. */
interface PlannedOffsets {
  readonly first: number;
  readonly bits: Uint8Array;
}

const plannedOfPlans = new WeakMap<Plan, PlannedOffsets>();

/** Built once per plan, over the offsets its writes span rather than the whole layout (a library's text is 100 MB). */
function plannedOffsetsOf(plan: Plan): PlannedOffsets {
  let planned = plannedOfPlans.get(plan);
  if (planned === undefined) {
    const { count, targets } = plan.writes;
    let first = count === 0 ? 0 : Number.POSITIVE_INFINITY;
    let last = 0;
    for (let i = 0; i < count; i++) {
      const at = targets[i] as number;
      if (at < first) first = at;
      if (at > last) last = at;
    }
    const bits = new Uint8Array(((last - first) >>> 3) + 1);
    for (let i = 0; i < count; i++) {
      const at = (targets[i] as number) - first;
      bits[at >>> 3] = (bits[at >>> 3] as number) | (1 << (at & 7));
    }
    planned = { first, bits };
    plannedOfPlans.set(plan, planned);
  }
  return planned;
}

const filesOfPlans = new WeakMap<Plan, Image>();

/** The file's own bytes over the plan's relocated segments, before any write: built once per plan. */
export function unrelocatedImage(plan: Plan): Image {
  let image = filesOfPlans.get(plan);
  if (image === undefined) {
    image = imageFor(plan);
    filesOfPlans.set(plan, image);
  }
  return image;
}

interface SnapshotRange {
  /** Layout offset of `bytes[0]`. */
  readonly start: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * Words of the plan, the file and the snapshot at one layout offset, and their classification.
 * Words are read as their 32-bit halves into `low` and `high`: a bigint is made only for a word
 * that is described.
 */
class ComparisonContext {
  // Built only once a word differs: most comparisons find none.
  private originalCache: Image | undefined;
  private plannedCache: PlannedOffsets | undefined;
  private readonly mask: bigint;
  private readonly w: 4 | 8;
  private readonly lowAt: number;
  private readonly highAt: number;
  private readonly little: boolean;
  private readonly baseLow: number;
  private readonly baseHigh: number;
  private readonly baseIsZero: boolean;
  /** The snapshot's ranges placed at layout offsets; the one that answered last is tried first. */
  private readonly ranges: readonly SnapshotRange[];
  private lastRange = 0;
  /** The halves of the word the last read found. */
  private low = 0;
  private high = 0;

  constructor(
    private readonly plan: Plan,
    private readonly snapshot: MemorySnapshot,
    private readonly expected: Image,
    private readonly ranOn = false,
  ) {
    this.w = plan.layout.wordSize;
    this.mask = wordMask(this.w);
    this.little = expected.little;
    ({ lowAt: this.lowAt, highAt: this.highAt } = wordHalves(this.w, this.little));
    [this.baseLow, this.baseHigh] = splitWord(snapshot.base & this.mask);
    this.baseIsZero = snapshot.base === 0n;
    const { start, size } = plan.layout;
    this.ranges = snapshot.segments
      .filter((segment) => segment.vaddr + BigInt(segment.bytes.length) > start && segment.vaddr < start + BigInt(size))
      .map((segment) => {
        // Clipped to the layout, so that offsets stay small numbers.
        const skip = segment.vaddr < start ? Number(start - segment.vaddr) : 0;
        const bytes = segment.bytes.subarray(skip);
        return { start: Number(segment.vaddr - start) + skip, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length) };
      });
  }

  private get original(): Image {
    this.originalCache ??= unrelocatedImage(this.plan);
    return this.originalCache;
  }

  /** How the word at a layout offset differs, or undefined when it is as planned. */
  kindAt(offset: number): DifferenceKind | undefined {
    return RUN_DIFFERENCE_KINDS[this.kindCode(offset)];
  }

  /** `kindAt` as an index in RUN_DIFFERENCE_KINDS, -1 where the word is as planned. */
  kindCode(offset: number): number {
    if (!this.readActual(offset)) {
      const vaddr = this.plan.layout.start + BigInt(offset);
      throw new ElfError('BAD_DUMP', `Invalid memory snapshot: the word at ${hex(vaddr)} (run-time ${hex(this.runTime(vaddr))}) was not read`);
    }
    const actualLow = this.low;
    const actualHigh = this.high;
    // Where the plan's image holds no word, the plan's word is the snapshot's own.
    if (!this.readImage(this.expected, offset)) return -1;
    if (this.low === actualLow && this.high === actualHigh) return -1;
    return this.classify(offset, actualLow, actualHigh, this.low, this.high);
  }

  /**
   * Counts the words of the stretches that differ by kind (index in DIFFERENCE_KINDS) into
   * `counts` and adds their offsets to `lowest`. Blocks the snapshot and the plan's image hold
   * alike are passed over by the engine's own comparison; the words of the others are read from
   * host-order views where the memories have them (`differingWords`), else through `kindCode`.
   */
  tallyStretches(stretches: readonly WordStretch[], counts: Float64Array, lowest: LowestOffsets): void {
    const w = this.w;
    const expected = this.expected;
    const original = this.original;
    const alike = original.origin === expected.origin && original.bytes.length === expected.bytes.length && !this.ranOn;
    const plan = alike ? hostWordView(expected.bytes, this.little) : undefined;
    const file = alike ? hostWordView(original.bytes, this.little) : undefined;
    const expectedBytes = Buffer.from(expected.bytes.buffer, expected.bytes.byteOffset, expected.bytes.length);
    const offsets = new Uint32Array(COMPARED_AT_ONCE / 4);
    const kinds = new Int8Array(COMPARED_AT_ONCE / 4);
    for (const { from, to } of stretches) {
      const range = this.ranges.find((candidate) => from >= candidate.start && to <= candidate.start + candidate.bytes.length);
      const held = range !== undefined && from >= expected.origin && to <= expected.origin + expected.bytes.length;
      const actualBytes = held ? Buffer.from(range.bytes.buffer, range.bytes.byteOffset, range.bytes.length) : undefined;
      const actualStart = held ? range.start : 0;
      const actual = held ? hostWordView(range.bytes, this.little) : undefined;
      const views: WordViews | undefined =
        actual !== undefined && plan !== undefined && file !== undefined && (from - actualStart) % 4 === 0 && (from - expected.origin) % 4 === 0
          ? {
              actual,
              plan,
              file,
              actualStart,
              imageOrigin: expected.origin,
              lo: this.lowAt >>> 2,
              hi: this.highAt >>> 2,
              wide: w === 8,
              baseLow: this.baseLow,
              baseHigh: this.baseHigh,
            }
          : undefined;
      // Words whose neighbours the range and the image hold.
      const firstInside = held ? Math.max(actualStart, expected.origin) + w : 0;
      const lastInside = held ? Math.min(actualStart + (range as SnapshotRange).bytes.length, expected.origin + expected.bytes.length) - 2 * w : -1;
      // A block after one that differed is read word by word at once: where runs miss most words,
      // comparing first would only cost a call per block.
      let afterDiffering = false;
      for (let block = from; block < to; block += COMPARED_AT_ONCE) {
        const end = Math.min(block + COMPARED_AT_ONCE, to);
        const fast = views !== undefined && block >= firstInside && end - w <= lastInside;
        if (
          !(fast && afterDiffering) &&
          actualBytes !== undefined &&
          actualBytes.compare(expectedBytes, block - expected.origin, end - expected.origin, block - actualStart, end - actualStart) === 0
        ) {
          afterDiffering = false;
          continue;
        }
        if (fast) {
          const decided = (counts[UNRELOCATED] as number) + (counts[OTHER] as number);
          const found = differingWords(views, block, end, w, offsets, kinds, counts, lowest.below());
          for (let i = 0; i < found; i++) {
            const offset = offsets[i] as number;
            if ((kinds[i] as number) < 0) this.tallyWord(offset, this.kindCode(offset), counts, lowest);
            else lowest.add(offset);
          }
          afterDiffering = found > 0 || (counts[UNRELOCATED] as number) + (counts[OTHER] as number) !== decided;
        } else {
          for (let offset = block; offset + w <= end; offset += w) this.tallyWord(offset, this.kindCode(offset), counts, lowest);
        }
      }
    }
  }

  private tallyWord(offset: number, kind: number, counts: Float64Array, lowest: LowestOffsets): void {
    // A model's memory, never a program that ran on: no word is overwritten.
    if (kind < 0 || kind >= DIFFERENCE_KINDS.length) return;
    counts[kind] = (counts[kind] as number) + 1;
    lowest.add(offset);
  }

  /** The differing word at a layout offset, named. */
  describe(offset: number, kind: DifferenceKind, writers: readonly string[]): Difference {
    const vaddr = this.plan.layout.start + BigInt(offset);
    const names = addressNamesOf(this.plan.elf);
    this.readWord(this.expected, offset);
    const expected = joinWord(this.low, this.high);
    this.readActual(offset);
    return {
      address: this.runTime(vaddr),
      vaddr,
      section: names.section(vaddr),
      sectionOffset: names.sectionOffset(vaddr),
      symbol: names.symbol(vaddr),
      expected,
      actual: joinWord(this.low, this.high),
      kind,
      writers,
    };
  }

  /** As an index in RUN_DIFFERENCE_KINDS; `tallyMarked` applies the same rules to words read from views. */
  private classify(offset: number, actualLow: number, actualHigh: number, expectedLow: number, expectedHigh: number): number {
    const w = this.w;
    if (this.plusBase(expectedLow, expectedHigh, actualLow, actualHigh)) {
      // One base too many next to an unrelocated word is where that word's relocation landed.
      if (this.leftUnrelocated(offset - w) || this.leftUnrelocated(offset + w)) return SHIFTED;
      return this.inPlan(offset) ? RELOCATED_TWICE : OTHER;
    }
    if (this.plannedAs(offset - w, actualLow, actualHigh) || this.plannedAs(offset + w, actualLow, actualHigh)) return SHIFTED;
    this.readWord(this.original, offset);
    if (this.low === actualLow && this.high === actualHigh) {
      return this.gotExtraBase(offset - w) || this.gotExtraBase(offset + w) ? SHIFTED : UNRELOCATED;
    }
    return this.ranOn && this.insideImage(joinWord(actualLow, actualHigh)) ? OVERWRITTEN : OTHER;
  }

  /** Whether the plan writes the word at `offset` and means it to hold `(low, high)`. */
  private plannedAs(offset: number, low: number, high: number): boolean {
    // The word first where the image holds it: the index of planned offsets is built only once one matches.
    if (this.readImage(this.expected, offset)) return this.low === low && this.high === high && this.inPlan(offset);
    if (!this.inPlan(offset)) return false;
    this.readWord(this.expected, offset);
    return this.low === low && this.high === high;
  }

  private plusBase(expectedLow: number, expectedHigh: number, low: number, high: number): boolean {
    return plusBase(expectedLow, expectedHigh, low, high, this.baseLow, this.baseHigh, this.w === 8);
  }

  /** An address of the loaded image at the snapshot's base. */
  private insideImage(value: bigint): boolean {
    const { start, size } = this.plan.layout;
    const low = (this.snapshot.base + start) & this.mask;
    return value >= low && value < low + BigInt(size);
  }

  private inPlan(offset: number): boolean {
    this.plannedCache ??= plannedOffsetsOf(this.plan);
    return inPlanned(this.plannedCache, offset);
  }

  private leftUnrelocated(offset: number): boolean {
    if (!this.inPlan(offset) || !this.readActual(offset)) return false;
    const { low, high } = this;
    this.readWord(this.original, offset);
    if (this.low !== low || this.high !== high) return false;
    this.readWord(this.expected, offset);
    return this.low !== low || this.high !== high;
  }

  private gotExtraBase(offset: number): boolean {
    if (this.baseIsZero || !this.readActual(offset)) return false;
    const { low, high } = this;
    this.readWord(this.expected, offset);
    return this.plusBase(this.low, this.high, low, high);
  }

  /** Reads the snapshot's word at a layout offset into `low` and `high`; false where it holds none. */
  private readActual(offset: number): boolean {
    const w = this.w;
    const ranges = this.ranges;
    let range = ranges[this.lastRange] as SnapshotRange | undefined;
    let at = range === undefined ? -1 : offset - range.start;
    if (range === undefined || at < 0 || at + w > range.bytes.length) {
      range = undefined;
      for (let tried = 1; tried < ranges.length; tried++) {
        const index = (this.lastRange + tried) % ranges.length;
        const candidate = ranges[index] as SnapshotRange;
        at = offset - candidate.start;
        if (at < 0 || at + w > candidate.bytes.length) continue;
        this.lastRange = index;
        range = candidate;
        break;
      }
      if (range === undefined) return false;
    }
    this.low = range.view.getUint32(at + this.lowAt, this.little);
    this.high = w === 8 ? range.view.getUint32(at + this.highAt, this.little) : 0;
    return true;
  }

  /** Reads an image's word at a layout offset into `low` and `high`; false where the image has no bytes. */
  private readImage(image: Image, offset: number): boolean {
    const at = offset - image.origin;
    if (at < 0 || at + this.w > image.bytes.length) return false;
    this.low = image.view.getUint32(at + this.lowAt, this.little);
    this.high = this.w === 8 ? image.view.getUint32(at + this.highAt, this.little) : 0;
    return true;
  }

  /** A word of an image, or of the snapshot where the image has no bytes (a neighbour in an untouched segment), or 0. */
  private readWord(image: Image, offset: number): void {
    if (this.readImage(image, offset) || this.readActual(offset)) return;
    this.low = 0;
    this.high = 0;
  }

  private runTime(vaddr: bigint): bigint {
    return (this.snapshot.base + vaddr) & this.mask;
  }
}

/** Bytes of the snapshot and the plan's image compared at once before their words are. */
const COMPARED_AT_ONCE = 512;

// Indexes in RUN_DIFFERENCE_KINDS (the first four are DIFFERENCE_KINDS).
const UNRELOCATED = 0;
const RELOCATED_TWICE = 1;
const SHIFTED = 2;
const OTHER = 3;
const OVERWRITTEN = 4;

function inPlanned(planned: PlannedOffsets, offset: number): boolean {
  const at = offset - planned.first;
  return offset >= 0 && at >= 0 && ((planned.bits[at >>> 3] ?? 0) & (1 << (at & 7))) !== 0;
}

/** Whether `(low, high)` is `(expectedLow, expectedHigh)` plus the base, wrapping at the word size. */
function plusBase(expectedLow: number, expectedHigh: number, low: number, high: number, baseLow: number, baseHigh: number, wide: boolean): boolean {
  const sum = expectedLow + baseLow;
  if (low !== sum >>> 0) return false;
  return wide ? high === (expectedHigh + baseHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : high === 0;
}

/** Whether the word of a host-order view at 32-bit index `at` (halves at `lo`, `hi`) is `(low, high)`. */
function wordIs(words: Uint32Array, at: number, lo: number, hi: number, wide: boolean, low: number, high: number): boolean {
  return words[at + lo] === low && (!wide || words[at + hi] === high);
}

/** Host-order views of a snapshot range and of the plan's and the file's images (one origin), for `differingWords`. */
interface WordViews {
  readonly actual: Uint32Array;
  readonly plan: Uint32Array;
  readonly file: Uint32Array;
  /** Layout offsets of `actual[0]` and of `plan[0]` and `file[0]`. */
  readonly actualStart: number;
  readonly imageOrigin: number;
  /** Indexes of a word's halves among its 32-bit words. */
  readonly lo: number;
  readonly hi: number;
  readonly wide: boolean;
  readonly baseLow: number;
  readonly baseHigh: number;
}

/**
 * The words of [from, end) (layout offsets, a word size apart, their neighbours inside the views)
 * that differ from the plan. A word showing none of classify's signatures but its last two is
 * decided here, the file's word unrelocated, anything else other, and counted into `counts`
 * (by index in DIFFERENCE_KINDS); its offset goes into `offsets` only below `below`, with its
 * kind into `kinds`. The others go there with the kind -1: `classify` decides them. Returns how
 * many went there. Apart and small, so that the engine optimises it soon: a run may miss a
 * million words.
 */
function differingWords(
  views: WordViews,
  from: number,
  end: number,
  w: number,
  offsets: Uint32Array,
  kinds: Int8Array,
  counts: Float64Array,
  below: number,
): number {
  const { actual, plan, file, lo, hi, wide, baseLow, baseHigh } = views;
  const step = w >>> 2;
  let found = 0;
  for (
    let offset = from, a = (from - views.actualStart) >>> 2, e = (from - views.imageOrigin) >>> 2;
    offset + w <= end;
    offset += w, a += step, e += step
  ) {
    const low = actual[a + lo] as number;
    const high = wide ? (actual[a + hi] as number) : 0;
    if (wordIs(plan, e, lo, hi, wide, low, high)) continue;
    let kind = -1;
    // Not the plan's word plus the base, nor a neighbour's planned word, ...
    if (
      !plusBaseAt(plan, e, lo, hi, wide, low, high, baseLow, baseHigh) &&
      !wordIs(plan, e - step, lo, hi, wide, low, high) &&
      !wordIs(plan, e + step, lo, hi, wide, low, high)
    ) {
      if (!wordIs(file, e, lo, hi, wide, low, high)) kind = OTHER;
      // ... and for the file's word, no neighbour holding its planned word plus the base.
      else if (
        !plusBaseAt(plan, e - step, lo, hi, wide, actual[a - step + lo] as number, wide ? (actual[a - step + hi] as number) : 0, baseLow, baseHigh) &&
        !plusBaseAt(plan, e + step, lo, hi, wide, actual[a + step + lo] as number, wide ? (actual[a + step + hi] as number) : 0, baseLow, baseHigh)
      )
        kind = UNRELOCATED;
    }
    if (kind >= 0) {
      counts[kind] = (counts[kind] as number) + 1;
      if (offset >= below) continue;
    }
    offsets[found] = offset;
    kinds[found] = kind;
    found++;
  }
  return found;
}

/** Whether `(low, high)` is the word of `plan` at 32-bit index `e` plus the base. */
function plusBaseAt(
  plan: Uint32Array,
  e: number,
  lo: number,
  hi: number,
  wide: boolean,
  low: number,
  high: number,
  baseLow: number,
  baseHigh: number,
): boolean {
  return plusBase(plan[e + lo] as number, wide ? (plan[e + hi] as number) : 0, low, high, baseLow, baseHigh, wide);
}
