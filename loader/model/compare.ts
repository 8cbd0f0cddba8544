import { AddressNames, ElfError, type ElfFile, hex, type SymbolName, wordMask } from '../../elf/index.js';
import { apply } from './apply.js';
import { finalWriteIndexes } from './final-writes.js';
import { type Image, imageFor, readImageWord } from './image.js';
import { describeSource, type Plan } from './plan.js';
import { joinWord } from './words.js';

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

export interface Comparison {
  readonly base: bigint;
  /** Words compared: the planned ones, or every word of the writable segments. */
  readonly comparedWords: number;
  readonly differences: readonly Difference[];
}

/** A comparison as reports give it: the words compared, those matching, and the differences counted by kind. */
export interface ComparedWords {
  readonly comparedWords: number;
  readonly matchingWords: number;
  readonly counts: Readonly<Record<DifferenceKind, number>>;
  /** In address order. */
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
  const context = new ComparisonContext(plan, snapshot, expected, ranOn);
  const differences: Difference[] = [];
  const comparedWords = forEachPlannedWord(plan, (offset) => {
    const difference = context.differenceAt(offset);
    if (difference !== undefined) differences.push(difference);
  });
  return { base: snapshot.base, comparedWords, differences: differences.sort((a, b) => (a.vaddr < b.vaddr ? -1 : 1)) };
}

/**
 * Every word of every writable segment compared with the plan applied at the snapshot's base:
 * for samples that write their memory out right after relocation, before anything else runs.
 */
export function compareSegments(plan: Plan, snapshot: MemorySnapshot, expected: Image = expectedImage(plan, snapshot.base)): Comparison {
  const context = new ComparisonContext(plan, snapshot, expected);
  const differences: Difference[] = [];
  const comparedWords = forEachSegmentWord(plan, snapshot, (offset) => {
    const difference = context.differenceAt(offset);
    if (difference !== undefined) differences.push(difference);
  });
  return { base: snapshot.base, comparedWords, differences };
}

/** What a comparison finds, counted: only the differing words of lowest address are described. */
export interface DifferenceTally {
  readonly count: number;
  readonly byKind: Record<RelocationDifferenceKind, number>;
  /** At most the limit asked for, by address. */
  readonly first: readonly Difference[];
}

/**
 * `compareSegments` (`words: 'segments'`) or `comparePlannedWords` (`'planned'`), restricted to
 * the layout offsets `within` accepts, as counts: a runtime that misses every word of a library
 * must not cost an object per word.
 */
export function tallyDifferences(
  plan: Plan,
  snapshot: MemorySnapshot,
  expected: Image,
  words: 'segments' | 'planned',
  limit: number,
  within: (offset: number) => boolean = () => true,
): DifferenceTally {
  const context = new ComparisonContext(plan, snapshot, expected);
  const byKind = countByKind([], DIFFERENCE_KINDS);
  let offsets = new Uint32Array(1024);
  let kinds = new Uint8Array(1024);
  let count = 0;
  const visit = (offset: number): void => {
    if (!within(offset)) return;
    const kind = context.kindAt(offset);
    // A model's memory, never a program that ran on: no word is overwritten.
    if (kind === undefined || kind === 'overwritten') return;
    byKind[kind]++;
    if (count === offsets.length) {
      const wider = new Uint32Array(count * 2);
      wider.set(offsets);
      offsets = wider;
      const widerKinds = new Uint8Array(count * 2);
      widerKinds.set(kinds);
      kinds = widerKinds;
    }
    offsets[count] = offset;
    kinds[count++] = DIFFERENCE_KINDS.indexOf(kind);
  };
  if (words === 'segments') forEachSegmentWord(plan, snapshot, visit);
  else forEachPlannedWord(plan, visit);
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (offsets[a] as number) - (offsets[b] as number));
  const chosen = order.slice(0, limit);
  // One pass over the writes for the few words described, rather than an index of them all.
  const writers = writersAt(plan, new Set(chosen.map((i) => offsets[i] as number)));
  const first = chosen.map((i) => {
    const offset = offsets[i] as number;
    return context.describe(offset, DIFFERENCE_KINDS[kinds[i] as number] as DifferenceKind, writers.get(offset) ?? []);
  });
  return { count, byKind, first };
}

/** Visits the layout offset of every word the plan writes, once each; returns how many. */
function forEachPlannedWord(plan: Plan, visit: (offset: number) => void): number {
  const indexes = finalWriteIndexes(plan);
  for (let n = 0; n < indexes.length; n++) visit(plan.writes.targets[indexes[n] as number] as number);
  return indexes.length;
}

/** Visits the layout offset of every whole word of the writable segments, which the snapshot must hold exactly; returns how many. */
function forEachSegmentWord(plan: Plan, snapshot: MemorySnapshot, visit: (offset: number) => void): number {
  const layout = plan.layout;
  const writable = layout.segments.filter((segment) => segment.writable);
  if (writable.length !== snapshot.segments.length) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${snapshot.segments.length} segments, the file has ${writable.length} writable PT_LOADs`);
  }
  const w = layout.wordSize;
  let comparedWords = 0;
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
    for (let offset = first; offset + w <= segment.offset + segment.memorySize; offset += w) {
      comparedWords++;
      visit(offset);
    }
  });
  return comparedWords;
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

export function comparedWords(comparison: Comparison): ComparedWords {
  const { comparedWords: compared, differences } = comparison;
  return { comparedWords: compared, matchingWords: compared - differences.length, counts: countByKind(differences), differences };
}

/** The differences a relocator is blamed for: all but the words the program overwrote after relocating. */
export function relocationErrors(compared: ComparedWords): number {
  return compared.differences.length - compared.counts.overwritten;
}

const namesOfFiles = new WeakMap<ElfFile, AddressNames>();

/** A file's symbol and section names, read once however many comparisons name its words. */
function addressNamesOf(plan: Plan): AddressNames {
  let names = namesOfFiles.get(plan.elf);
  if (names === undefined) {
    names = new AddressNames(plan.elf.reader, plan.elf.sectionHeaders);
    namesOfFiles.set(plan.elf, names);
  }
  return names;
}

const writersOfPlans = new WeakMap<Plan, Map<number, string[]>>();

/** The planned writes of each word, as `table#index`: built once per plan, when a differing word is first named. */
function writersOf(plan: Plan): Map<number, string[]> {
  let writers = writersOfPlans.get(plan);
  if (writers === undefined) {
    writers = new Map<number, string[]>();
    const { count, targets, sources, entries } = plan.writes;
    for (let i = 0; i < count; i++) {
      const target = targets[i] as number;
      const description = describeSource(sources[i] as number, entries[i] as number);
      const list = writers.get(target);
      if (list === undefined) writers.set(target, [description]);
      else list.push(description);
    }
    writersOfPlans.set(plan, writers);
  }
  return writers;
}

/** The planned writes of the given words only. */
function writersAt(plan: Plan, offsets: ReadonlySet<number>): Map<number, string[]> {
  const writers = new Map<number, string[]>();
  const { count, targets, sources, entries } = plan.writes;
  for (let i = 0; i < count; i++) {
    const target = targets[i] as number;
    if (!offsets.has(target)) continue;
    const description = describeSource(sources[i] as number, entries[i] as number);
    const list = writers.get(target);
    if (list === undefined) writers.set(target, [description]);
    else list.push(description);
  }
  return writers;
}

const plannedOfPlans = new WeakMap<Plan, Uint8Array>();

/** One bit per layout offset, set where a planned write lands: built once per plan. */
function plannedOffsetsOf(plan: Plan): Uint8Array {
  let planned = plannedOfPlans.get(plan);
  if (planned === undefined) {
    planned = new Uint8Array((plan.layout.size >>> 3) + 1);
    const { count, targets } = plan.writes;
    for (let i = 0; i < count; i++) {
      const at = targets[i] as number;
      planned[at >>> 3] = (planned[at >>> 3] as number) | (1 << (at & 7));
    }
    plannedOfPlans.set(plan, planned);
  }
  return planned;
}

/** Words of the plan, the file and the snapshot at one layout offset, and their classification. */
class ComparisonContext {
  // Built only once a word differs: most comparisons find none.
  private originalCache: Image | undefined;
  private plannedCache: Uint8Array | undefined;
  private readonly mask: bigint;
  /** The snapshot's ranges placed at layout offsets; the one that answered last is tried first. */
  private readonly ranges: { readonly start: number; readonly bytes: Uint8Array }[];
  private lastRange = 0;

  constructor(
    private readonly plan: Plan,
    private readonly snapshot: MemorySnapshot,
    private readonly expected: Image,
    private readonly ranOn = false,
  ) {
    this.mask = wordMask(plan.layout.wordSize);
    const { start, size } = plan.layout;
    this.ranges = snapshot.segments
      .filter((segment) => segment.vaddr + BigInt(segment.bytes.length) > start && segment.vaddr < start + BigInt(size))
      .map((segment) => {
        // Clipped to the layout, so that offsets stay small numbers.
        const skip = segment.vaddr < start ? Number(start - segment.vaddr) : 0;
        return { start: Number(segment.vaddr - start) + skip, bytes: segment.bytes.subarray(skip) };
      });
  }

  private get original(): Image {
    this.originalCache ??= imageFor(this.plan);
    return this.originalCache;
  }

  differenceAt(offset: number): Difference | undefined {
    const kind = this.kindAt(offset);
    return kind === undefined ? undefined : this.describe(offset, kind);
  }

  /** How the word at a layout offset differs, or undefined when it is as planned. */
  kindAt(offset: number): DifferenceKind | undefined {
    const w = this.plan.layout.wordSize;
    const actualBytes = this.bytesAt(offset);
    if (actualBytes === undefined) {
      const vaddr = this.plan.layout.start + BigInt(offset);
      throw new ElfError('BAD_DUMP', `Invalid memory snapshot: the word at ${hex(vaddr)} (run-time ${hex(this.runTime(vaddr))}) was not read`);
    }
    // Bytes first: millions of words match, and only a difference is worth a bigint.
    const { bytes, origin } = this.expected;
    const at = offset - origin;
    let same = at >= 0 && at + w <= bytes.length;
    for (let i = 0; same && i < w; i++) same = bytes[at + i] === actualBytes[i];
    if (same) return undefined;
    const actual = this.actualAt(offset) as bigint;
    const expected = this.wordOf(this.expected, offset);
    if (actual === expected) return undefined;
    return this.classify(offset, actual, expected);
  }

  /** The differing word at a layout offset, named. */
  describe(offset: number, kind: DifferenceKind, writers: readonly string[] = writersOf(this.plan).get(offset) ?? []): Difference {
    const vaddr = this.plan.layout.start + BigInt(offset);
    const names = addressNamesOf(this.plan);
    return {
      address: this.runTime(vaddr),
      vaddr,
      section: names.section(vaddr),
      sectionOffset: names.sectionOffset(vaddr),
      symbol: names.symbol(vaddr),
      expected: this.wordOf(this.expected, offset),
      actual: this.actualAt(offset) as bigint,
      kind,
      writers,
    };
  }

  private classify(offset: number, actual: bigint, expected: bigint): DifferenceKind {
    const w = this.plan.layout.wordSize;
    const base = this.snapshot.base;
    if (actual === ((expected + base) & this.mask)) {
      // One base too many next to an unrelocated word is where that word's relocation landed.
      if ([offset - w, offset + w].some((neighbour) => this.leftUnrelocated(neighbour))) return 'shifted';
      return this.inPlan(offset) ? 'relocated twice' : 'other';
    }
    const neighbours = [offset - w, offset + w];
    if (neighbours.some((neighbour) => this.inPlan(neighbour) && this.wordOf(this.expected, neighbour) === actual)) return 'shifted';
    if (actual === this.wordOf(this.original, offset)) {
      return neighbours.some((neighbour) => this.gotExtraBase(neighbour)) ? 'shifted' : 'unrelocated';
    }
    return this.ranOn && this.insideImage(actual) ? 'overwritten' : 'other';
  }

  /** An address of the loaded image at the snapshot's base. */
  private insideImage(value: bigint): boolean {
    const { start, size } = this.plan.layout;
    const low = (this.snapshot.base + start) & this.mask;
    return value >= low && value < low + BigInt(size);
  }

  private inPlan(offset: number): boolean {
    this.plannedCache ??= plannedOffsetsOf(this.plan);
    return offset >= 0 && ((this.plannedCache[offset >>> 3] as number) & (1 << (offset & 7))) !== 0;
  }

  private leftUnrelocated(offset: number): boolean {
    return (
      this.inPlan(offset) &&
      this.actualAt(offset) === this.wordOf(this.original, offset) &&
      this.wordOf(this.expected, offset) !== this.wordOf(this.original, offset)
    );
  }

  private gotExtraBase(offset: number): boolean {
    const actual = this.actualAt(offset);
    return actual !== undefined && this.snapshot.base !== 0n && actual === ((this.wordOf(this.expected, offset) + this.snapshot.base) & this.mask);
  }

  /** The snapshot's bytes of the word at a layout offset, or undefined where it holds none. */
  private bytesAt(offset: number): Uint8Array | undefined {
    const w = this.plan.layout.wordSize;
    for (let tried = 0; tried < this.ranges.length; tried++) {
      const index = (this.lastRange + tried) % this.ranges.length;
      const range = this.ranges[index] as { readonly start: number; readonly bytes: Uint8Array };
      if (offset < range.start || offset + w > range.start + range.bytes.length) continue;
      this.lastRange = index;
      return range.bytes.subarray(offset - range.start, offset - range.start + w);
    }
    return undefined;
  }

  /** The snapshot's word at a layout offset, or undefined where it holds none. */
  private actualAt(offset: number): bigint | undefined {
    const bytes = this.bytesAt(offset);
    if (bytes === undefined) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return bytes.length === 8 ? view.getBigUint64(0, this.expected.little) : BigInt(view.getUint32(0, this.expected.little));
  }

  /** A word of an image, or of the file where the image has no bytes (a neighbour in an untouched segment). */
  private wordOf(image: Image, offset: number): bigint {
    if (offset >= image.origin && offset + this.plan.layout.wordSize <= image.origin + image.bytes.length) {
      const [low, high] = readImageWord(image, offset);
      return joinWord(low, high);
    }
    return this.actualAt(offset) ?? 0n;
  }

  private runTime(vaddr: bigint): bigint {
    return (this.snapshot.base + vaddr) & this.mask;
  }
}
