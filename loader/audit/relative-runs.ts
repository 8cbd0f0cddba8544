import type { InfoDecoder } from '../../elf/index.js';
import { TWO_32, type WriteList } from '../model/index.js';

/** Relative when `(r_info's low half & lowMask) >>> 0 === low` and likewise for the high half: every model's test is one. */
export type RelativePattern = InfoDecoder['relative'];

/** Every entry is relative: a trusted DT_RELCOUNT/DT_RELACOUNT head. */
export const ANY_ENTRY: RelativePattern = { lowMask: 0, low: 0, highMask: 0, high: 0 };

/** Where a REL/RELA entry's fields lie among its table's host-order 32-bit words. */
export interface EntryFields {
  /** The entries, `perEntry` words each (Table.words). */
  readonly words: Uint32Array;
  readonly count: number;
  readonly perEntry: number;
  /** Word indexes of a field's low and high halves, and the words of a field (1 or 2). */
  readonly low: number;
  readonly high: number;
  readonly field: number;
  readonly isRela: boolean;
}

/** Entries a test does not call relative, from one up to the first it does (`end`). */
export interface NonRelativeStretch {
  readonly end: number;
  /** How many of them the psABI calls relative (the decoder's own test). */
  readonly relative: number;
  /** The others by type, in the order each type first occurs: how many, and the first one's index. */
  readonly types: readonly { readonly type: number; readonly count: number; readonly first: number }[];
}

interface DecodedEntries {
  readonly targets: Uint32Array;
  readonly addendLow: Uint32Array;
  readonly addendHigh: Uint32Array;
  readonly indexes: Uint32Array;
}

/** Below this many entries a stretch is copied entry by entry: views of the columns cost more. */
const COPIED_IN_BULK = 16;

/**
 * The relative entries of one REL or RELA table, for every model that walks it: each entry's
 * target (layout offset) and addend decoded once, and, per relative test and segment, how far a
 * stretch of relative entries writing that segment runs from each entry, found once. Models
 * mostly agree on relative entries: ten runs over a library's 300,000 cost one decoding and ten
 * copies of the columns, not ten walks entry by entry.
 */
export class RelativeRuns {
  private decoded: DecodedEntries | undefined;
  private readonly byTest = new Map<string, Stretches>();
  private readonly nonRelativeByTest = new Map<string, Map<number, NonRelativeStretch>>();

  constructor(
    readonly fields: EntryFields,
    /** The layout's start, as halves: targets are offsets from it. */
    readonly startLow: number,
    readonly startHigh: number,
  ) {}

  /** Where stretches of entries that `pattern` calls relative and that write layout offsets [first, last] end (`last` the last offset a whole word starts at). */
  stretches(pattern: RelativePattern, first: number, last: number): Stretches {
    const key = `${pattern.lowMask}:${pattern.low}:${pattern.highMask}:${pattern.high}:${first}:${last}`;
    let stretches = this.byTest.get(key);
    if (stretches === undefined) {
      const { fields, startLow, startHigh } = this;
      stretches = new Stretches(fields.count, (from) => stretchEnd(fields, pattern, startLow, startHigh, first, last, from));
      this.byTest.set(key, stretches);
    }
    return stretches;
  }

  /**
   * The entries from `from` on that `pattern` does not call relative, up to the first it does,
   * counted by type: a model walks them by their type's handling rather than one by one.
   */
  nonRelative(pattern: RelativePattern, decoder: InfoDecoder, from: number): NonRelativeStretch {
    const key = `${pattern.lowMask}:${pattern.low}:${pattern.highMask}:${pattern.high}`;
    let known = this.nonRelativeByTest.get(key);
    if (known === undefined) {
      known = new Map();
      this.nonRelativeByTest.set(key, known);
    }
    let stretch = known.get(from);
    if (stretch === undefined) {
      stretch = nonRelativeStretch(this.fields, pattern, decoder, from);
      known.set(from, stretch);
    }
    return stretch;
  }

  /** Appends entries [from, end), which `end` found relative, as writes of `op` from `source`; the caller has reserved room. */
  copy(writes: WriteList, from: number, end: number, op: number, source: number): void {
    this.decoded ??= decode(this.fields, this.startLow);
    const { targets, addendLow, addendHigh, indexes } = this.decoded;
    const at = writes.count;
    const count = end - from;
    if (count < COPIED_IN_BULK) {
      for (let i = 0; i < count; i++) {
        writes.targets[at + i] = targets[from + i] as number;
        writes.kinds[at + i] = op;
        writes.addendLow[at + i] = addendLow[from + i] as number;
        writes.addendHigh[at + i] = addendHigh[from + i] as number;
        writes.sources[at + i] = source;
        writes.entries[at + i] = from + i;
      }
    } else {
      writes.targets.set(targets.subarray(from, end), at);
      writes.kinds.fill(op, at, at + count);
      writes.addendLow.set(addendLow.subarray(from, end), at);
      writes.addendHigh.set(addendHigh.subarray(from, end), at);
      writes.sources.fill(source, at, at + count);
      writes.entries.set(indexes.subarray(from, end), at);
    }
    writes.count = at + count;
  }
}

/** Where stretches of entries (or writes) that one test accepts end: each found once, by `scan`, for every run asking. */
export class Stretches {
  /** For each entry, one past where the stretch from it ends, or 0 until found; made when a stretch is first found. */
  private ends: Uint32Array | undefined;

  /** `scan(from)`: the first entry from `from` on that the test refuses, or the count. */
  constructor(
    private readonly count: number,
    private readonly scan: (from: number) => number,
  ) {}

  /** The first entry of [from, to) that the test refuses, or `to`. */
  end(from: number, to: number): number {
    let end = (this.ends?.[from] ?? 0) - 1;
    if (end < 0) {
      end = this.scan(from);
      // Every entry of the stretch ends it at the same place; an entry alone is found again at once.
      if (end > from + 1) {
        this.ends ??= new Uint32Array(this.count);
        this.ends.fill(end + 1, from, end);
      }
    }
    return end < to ? end : to;
  }
}

const runsOfTables = new WeakMap<Uint32Array, RelativeRuns>();

/** The runs of a table's entries, shared by every run over the same words with the same fields and layout. */
export function relativeRunsOf(fields: EntryFields, startLow: number, startHigh: number): RelativeRuns {
  const known = runsOfTables.get(fields.words);
  const same = (a: EntryFields, b: EntryFields): boolean =>
    a.count === b.count && a.perEntry === b.perEntry && a.low === b.low && a.high === b.high && a.field === b.field && a.isRela === b.isRela;
  if (known !== undefined && known.startLow === startLow && known.startHigh === startHigh && same(known.fields, fields)) return known;
  const runs = new RelativeRuns(fields, startLow, startHigh);
  runsOfTables.set(fields.words, runs);
  return runs;
}

/** Whether `pattern` calls the r_info halves relative. */
export function isRelativeBy(pattern: RelativePattern, infoLow: number, infoHigh: number): boolean {
  return (infoLow & pattern.lowMask) >>> 0 === pattern.low && (infoHigh & pattern.highMask) >>> 0 === pattern.high;
}

/** The walk of `RelativeRuns.end` to the table's end, apart so that the engine compiles the loop on its own. */
function stretchEnd(
  fields: EntryFields,
  pattern: RelativePattern,
  startLow: number,
  startHigh: number,
  first: number,
  last: number,
  from: number,
): number {
  const { words, count, perEntry, low, high, field } = fields;
  const wide = field === 2;
  const { lowMask, low: lowValue, highMask, high: highValue } = pattern;
  let index = from;
  for (let at = from * perEntry; index < count; index++, at += perEntry) {
    const infoLow = words[at + field + low] as number;
    const infoHigh = wide ? (words[at + field + high] as number) : 0;
    if ((infoLow & lowMask) >>> 0 !== lowValue || (infoHigh & highMask) >>> 0 !== highValue) break;
    const offsetHigh = wide ? (words[at + high] as number) : 0;
    let offset = (words[at + low] as number) - startLow;
    let borrow = 0;
    if (offset < 0) {
      offset += TWO_32;
      borrow = 1;
    }
    if (offsetHigh - startHigh - borrow !== 0 || offset < first || offset > last) break;
  }
  return index;
}

function nonRelativeStretch(fields: EntryFields, pattern: RelativePattern, decoder: InfoDecoder, from: number): NonRelativeStretch {
  const { words, count, perEntry, low, high, field } = fields;
  const wide = field === 2;
  const types = new Map<number, { type: number; count: number; first: number }>();
  let relative = 0;
  let index = from;
  for (let at = from * perEntry; index < count; index++, at += perEntry) {
    const infoLow = words[at + field + low] as number;
    const infoHigh = wide ? (words[at + field + high] as number) : 0;
    if (isRelativeBy(pattern, infoLow, infoHigh)) break;
    if (isRelativeBy(decoder.relative, infoLow, infoHigh)) {
      relative++;
      continue;
    }
    const type = decoder.type(infoLow, infoHigh);
    const known = types.get(type);
    if (known === undefined) types.set(type, { type, count: 1, first: index });
    else known.count++;
  }
  return { end: index, relative, types: [...types.values()] };
}

/** Every entry's target (as a layout offset, meaningful where it lies in the layout), addend halves and index. */
function decode(fields: EntryFields, startLow: number): DecodedEntries {
  const { words, count, perEntry, low, high, field, isRela } = fields;
  const wide = field === 2;
  const targets = new Uint32Array(count);
  const addendLow = new Uint32Array(count);
  const addendHigh = new Uint32Array(count);
  const indexes = new Uint32Array(count);
  for (let index = 0, at = 0; index < count; index++, at += perEntry) {
    targets[index] = (words[at + low] as number) - startLow;
    if (isRela) {
      addendLow[index] = words[at + 2 * field + low] as number;
      addendHigh[index] = wide ? (words[at + 2 * field + high] as number) : 0;
    }
    indexes[index] = index;
  }
  return { targets, addendLow, addendHigh, indexes };
}
