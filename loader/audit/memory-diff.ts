import {
  apply,
  checkBase,
  countByKind,
  DIFFERENCE_KINDS,
  type DifferenceTally,
  type Image,
  type LoadSegment,
  type Plan,
  plannedWords,
  tallyDifferences,
  unrelocatedImage,
  type WordWalk,
} from '../model/index.js';
import { applyWrites, snapshotOf } from './model-memory.js';
import type { ModelRun } from './relocator.js';

type Runs = Extract<ModelRun, { status: 'runs' }>;

const NONE: DifferenceTally = { count: 0, byKind: countByKind([], DIFFERENCE_KINDS), first: [] };

/**
 * The memory runs leave compared with the plan's, classified by piekit's comparison
 * (loader/model/compare.ts) as `verify` classifies a real program's memory: every word of the
 * writable segments, and the plan's words in read-only ones (text relocations).
 *
 * One image of the plan's relocated segments holds each run's memory in turn: a run costs a pass
 * over the words it writes, not an image of its own. Only words the plan or the run writes can
 * differ, since both start from the file's bytes: stretches of equal words are passed over at
 * memory speed, and `count` visits only the words a bitmap marks written.
 */
export class PlanComparison {
  private readonly w: 4 | 8;
  private readonly writable: readonly LoadSegment[];
  private state: { readonly memory: Image; readonly grid: number } | undefined;
  /** Bitmaps of the words the plan writes and those it or the current run writes, for `count`. */
  private marks: { readonly planned: Uint32Array; readonly written: Uint32Array } | undefined;

  private expectedCache: Image | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly base: bigint,
  ) {
    checkBase(base, plan.layout.wordSize);
    this.w = plan.layout.wordSize;
    this.writable = plan.layout.segments.filter((segment) => segment.writable);
  }

  /** The plan's memory at the base, made when a run first differs (most write what the plan writes): the file's image copied, not read again. */
  private get expected(): Image {
    if (this.expectedCache === undefined) {
      const original = unrelocatedImage(this.plan);
      const bytes = original.bytes.slice();
      this.expectedCache = { ...original, bytes, view: new DataView(bytes.buffer) };
      apply(this.plan, this.expectedCache, this.base);
    }
    return this.expectedCache;
  }

  /** The words where the run's memory differs from the plan's, counted by kind; the `limit` of lowest address described. */
  tally(run: Runs, limit: number): DifferenceTally {
    if (sameWrites(this.plan, run)) return NONE;
    const { memory, grid } = this.load(run);
    const { plan, base, expected } = this;
    // Only words the plan or the run writes can differ, and tallyDifferences passes equal stretches
    // over at memory speed: the whole words of the writable segments are compared.
    const stretches = this.writable.map((segment) => {
      const { from, to } = this.wordSpan(segment, 'whole');
      return { from: grid + from * this.w, to: grid + (to + 1) * this.w };
    });
    const inSegments = tallyDifferences(plan, snapshotOf(memory, this.writable, base), expected, stretches, limit);
    const readOnly = plan.relocatedSegments.filter((segment) => !segment.writable);
    if (readOnly.length === 0) return inSegments;
    const inReadOnly = (offset: number): boolean =>
      readOnly.some((segment) => offset >= segment.offset && offset - segment.offset < segment.memorySize);
    const walk: WordWalk = (visit) =>
      plannedWords(plan)((offset) => {
        if (inReadOnly(offset)) visit(offset);
      });
    const text = tallyDifferences(plan, snapshotOf(memory, plan.relocatedSegments, base), expected, walk, limit);
    const byKind = countByKind([], DIFFERENCE_KINDS);
    for (const kind of DIFFERENCE_KINDS) byKind[kind] = inSegments.byKind[kind] + text.byKind[kind];
    const first = [...inSegments.first, ...text.first].sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0)).slice(0, limit);
    return { count: inSegments.count + text.count, byKind, first };
  }

  /**
   * How many words differ from the plan, without classifying them: the words of the writable
   * segments (aligned on run-time addresses as the comparison aligns them, those the segment
   * bounds cut counted too) and the plan's words in read-only segments. Directory audits count;
   * classifying every word of every library costs more than the audit itself.
   */
  count(run: Runs): number {
    if (sameWrites(this.plan, run)) return 0;
    const { memory } = this.load(run);
    this.mark(run);
    const { plan, expected, w } = this;
    let differing = 0;
    this.forEachWritten('cut', (word, segment) => {
      const end = segment.offset + segment.memorySize;
      if (differs(memory, expected, Math.max(word, segment.offset), Math.min(word + w, end))) differing++;
    });
    const text = new Set(Array.from(plan.textRelocations, (index) => plan.writes.targets[index] as number));
    for (const offset of text) if (differs(memory, expected, offset, offset + w)) differing++;
    return differing;
  }

  /** The run's memory, in the image every run shares. */
  private load(run: Runs): NonNullable<PlanComparison['state']> {
    this.state ??= this.prepare();
    const state = this.state;
    state.memory.bytes.set(unrelocatedImage(this.plan).bytes);
    applyWrites(run.writes, state.memory, this.base);
    return state;
  }

  /** Marks the words the run (loaded last) or the plan writes. */
  private mark(run: Runs): void {
    const { memory, grid } = this.state as NonNullable<PlanComparison['state']>;
    if (this.marks === undefined) {
      const words = Math.ceil((memory.origin + memory.bytes.length - grid) / this.w);
      const planned = new Uint32Array((words + 31) >>> 5);
      markWords(planned, this.plan.writes.targets, this.plan.writes.count, memory, grid);
      this.marks = { planned, written: new Uint32Array(planned.length) };
    }
    const { planned, written } = this.marks;
    written.set(planned);
    markWords(written, run.writes.targets, run.writes.count, memory, grid);
  }

  private prepare(): NonNullable<PlanComparison['state']> {
    const { plan, w } = this;
    const original = unrelocatedImage(plan);
    const bytes = new Uint8Array(original.bytes.length);
    const memory: Image = { ...original, bytes, view: new DataView(bytes.buffer) };
    // Word k of the bitmaps starts at layout offset grid + k * w, aligned on run-time addresses
    // (the layout's start and the base share their alignment); word 0 holds the image's first byte.
    const aligned = Number((BigInt(w) - (plan.layout.start % BigInt(w))) % BigInt(w));
    const grid = memory.origin - ((((memory.origin - aligned) % w) + w) % w);
    return { memory, grid };
  }

  /**
   * Visits, in address order, the marked words of the writable segments with the segment: `whole`,
   * those inside the segment, as the comparison takes them; `cut`, also those its bounds cut (a
   * word two segments cut is visited for each).
   */
  private forEachWritten(words: 'whole' | 'cut', visit: (offset: number, segment: LoadSegment) => void): void {
    const { grid } = this.state as NonNullable<PlanComparison['state']>;
    const { written } = this.marks as NonNullable<PlanComparison['marks']>;
    const w = this.w;
    for (const segment of this.writable) {
      const { from, to } = this.wordSpan(segment, words);
      for (let k = from; k <= to; k++) {
        const bits = written[k >>> 5] as number;
        if (bits === 0) k |= 31;
        else if ((bits & (1 << (k & 31))) !== 0) visit(grid + k * w, segment);
      }
    }
  }

  /**
   * A segment's word indexes in the bitmaps: from the first word starting in it (`whole`) or
   * holding its first byte (`cut`), to the last word ending in it (`whole`) or holding its last
   * byte (`cut`).
   */
  private wordSpan(segment: LoadSegment, words: 'whole' | 'cut'): { from: number; to: number } {
    const { grid } = this.state as NonNullable<PlanComparison['state']>;
    const w = this.w;
    const shift = w === 8 ? 3 : 2;
    const end = segment.offset + segment.memorySize;
    const from = (words === 'whole' ? segment.offset + w - 1 - grid : segment.offset - grid) >> shift;
    const to = (words === 'whole' ? end - w - grid : end - 1 - grid) >> shift;
    return { from, to };
  }
}

/** Marks the bitmap words the image's words that writes at `targets` touch; writes outside the image are not seen. */
function markWords(bits: Uint32Array, targets: Uint32Array, count: number, image: Image, grid: number): void {
  const w = image.layout.wordSize;
  const shift = w === 8 ? 3 : 2;
  const start = image.origin;
  const end = image.origin + image.bytes.length;
  for (let i = 0; i < count; i++) {
    const target = targets[i] as number;
    if (target < start || target + w > end) continue;
    const first = (target - grid) >> shift;
    const last = (target + w - 1 - grid) >> shift;
    bits[first >>> 5] = (bits[first >>> 5] as number) | (1 << (first & 31));
    if (last !== first) bits[last >>> 5] = (bits[last >>> 5] as number) | (1 << (last & 31));
  }
}

function differs(a: Image, b: Image, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if (a.bytes[at - a.origin] !== b.bytes[at - b.origin]) return true;
  return false;
}

/** The same writes in the same order: the same memory, without building it. */
export function sameWrites(plan: Plan, run: Runs): boolean {
  const a = plan.writes;
  const b = run.writes;
  if (a.count !== b.count) return false;
  // Byte for byte first: a run that writes what the plan writes mostly has the same addends too.
  const identical = (x: Uint8Array | Uint32Array, y: Uint8Array | Uint32Array): boolean =>
    Buffer.from(x.buffer, x.byteOffset, a.count * x.BYTES_PER_ELEMENT).equals(Buffer.from(y.buffer, y.byteOffset, a.count * y.BYTES_PER_ELEMENT));
  if (!identical(a.targets, b.targets) || !identical(a.kinds, b.kinds)) return false;
  if (identical(a.addendLow, b.addendLow) && identical(a.addendHigh, b.addendHigh)) return true;
  // An addend counts only where the write uses it.
  for (let i = 0; i < a.count; i++) {
    if (a.targets[i] !== b.targets[i] || a.kinds[i] !== b.kinds[i]) return false;
    if (a.kinds[i] !== 0 && (a.addendLow[i] !== b.addendLow[i] || a.addendHigh[i] !== b.addendHigh[i])) return false;
  }
  return true;
}
