import { TWO_32, type WriteList } from '../model/index.js';
import { Stretches } from './relative-runs.js';

/** Where a RELR table's words lie and how a relocator decodes it. */
export interface RelrFields {
  /** The entries as host-order 32-bit words (Table.words), `field` words each. */
  readonly words: Uint32Array;
  readonly count: number;
  /** Word indexes of an entry's low and high halves, and the words of an entry (1 or 2). */
  readonly low: number;
  readonly high: number;
  readonly field: number;
  /** 0 when bit k of a bitmap relocates where[k - 1] as the proposal says, the word size when it relocates where[k]. */
  readonly shift: number;
}

/**
 * The words a RELR table relocates, decoded once for every model that decodes it the same way:
 * each word's address (its low half as a layout offset, and its high half) and the entry naming
 * it. A bitmap before any address counts from address 0. Models walk the writes in order, and
 * stretches of them inside one segment are found once and copied as columns: seven runs over a
 * million-word table cost two decodings.
 */
export class RelrWrites {
  /** Writes decoded. */
  readonly count: number;
  /** Whether a bitmap comes before any address: its writes start at address 0. */
  readonly leadingBitmap: boolean;
  /** Address low halves less the layout start's (a layout offset where the write is in the layout). */
  private readonly targets: Uint32Array;
  private readonly highs: Uint32Array;
  private readonly entries: Uint32Array;
  private readonly bySegment = new Map<string, Stretches>();

  constructor(
    readonly fields: RelrFields,
    /** The layout's start, as halves. */
    readonly startLow: number,
    readonly startHigh: number,
  ) {
    const { words, count, low, field } = fields;
    const wide = field === 2;
    let total = 0;
    for (let at = 0; at < count * field; at += field) {
      const lowHalf = words[at + low] as number;
      total += (lowHalf & 1) === 0 ? 1 : popcount(lowHalf >>> 1) + (wide ? popcount(words[at + fields.high] as number) : 0);
    }
    this.count = total;
    this.targets = new Uint32Array(total);
    this.highs = new Uint32Array(total);
    this.entries = new Uint32Array(total);
    this.leadingBitmap = count > 0 && ((words[low] as number) & 1) === 1;
    decode(fields, startLow, this.targets, this.highs, this.entries);
  }

  /** Write `i`'s address, as halves. */
  addressLow(i: number): number {
    return ((this.targets[i] as number) + this.startLow) >>> 0;
  }

  addressHigh(i: number): number {
    return this.highs[i] as number;
  }

  entry(i: number): number {
    return this.entries[i] as number;
  }

  /** Where stretches of writes inside layout offsets [first, last] end (`last` the last offset a whole word starts at). */
  stretches(first: number, last: number): Stretches {
    const key = `${first}:${last}`;
    let stretches = this.bySegment.get(key);
    if (stretches === undefined) {
      const { targets, highs, startLow, startHigh } = this;
      stretches = new Stretches(this.count, (from) => stretchEnd(targets, highs, startLow, startHigh, first, last, from));
      this.bySegment.set(key, stretches);
    }
    return stretches;
  }

  /** Appends writes [from, end), which `stretches` found inside one segment, as `word += base` writes from `source`; the caller has reserved room. */
  copy(writes: WriteList, from: number, end: number, op: number, source: number): void {
    const at = writes.count;
    const count = end - from;
    writes.targets.set(this.targets.subarray(from, end), at);
    writes.kinds.fill(op, at, at + count);
    writes.addendLow.fill(0, at, at + count);
    writes.addendHigh.fill(0, at, at + count);
    writes.sources.fill(source, at, at + count);
    writes.entries.set(this.entries.subarray(from, end), at);
    writes.count = at + count;
  }
}

const writesOfTables = new WeakMap<Uint32Array, RelrWrites[]>();

/** The decoded writes of a RELR table, shared by every run over the same words decoding them the same way in the same layout. */
export function relrWritesOf(fields: RelrFields, startLow: number, startHigh: number): RelrWrites {
  let known = writesOfTables.get(fields.words);
  if (known === undefined) {
    known = [];
    writesOfTables.set(fields.words, known);
  }
  const same = (a: RelrFields): boolean =>
    a.count === fields.count && a.low === fields.low && a.high === fields.high && a.field === fields.field && a.shift === fields.shift;
  const found = known.find((candidate) => candidate.startLow === startLow && candidate.startHigh === startHigh && same(candidate.fields));
  if (found !== undefined) return found;
  const decoded = new RelrWrites(fields, startLow, startHigh);
  known.push(decoded);
  return decoded;
}

/**
 * The RELR decoding as the gABI proposal gives it (`where` advancing a word past each address
 * entry and by 63 or 31 words per bitmap), arithmetic wrapping at the word size as in the
 * relocators' registers; bit k of a bitmap names where[k - 1], or where[k] with `shift`.
 */
function decode(fields: RelrFields, startLow: number, targets: Uint32Array, highs: Uint32Array, entries: Uint32Array): void {
  const { words, count, low, high, field, shift } = fields;
  const wide = field === 2;
  const w = field * 4;
  const bitsPerEntry = w * 8 - 1;
  let whereLow = 0;
  let whereHigh = 0;
  let at = 0;
  for (let entry = 0, word = 0; entry < count; entry++, word += field) {
    const lowHalf = words[word + low] as number;
    const highHalf = wide ? (words[word + high] as number) : 0;
    if ((lowHalf & 1) === 0) {
      targets[at] = lowHalf - startLow;
      highs[at] = highHalf;
      entries[at] = entry;
      at++;
      const next = lowHalf + w;
      whereLow = next >>> 0;
      whereHigh = wide && next >= TWO_32 ? (highHalf + 1) >>> 0 : highHalf;
      continue;
    }
    // Bit k of the mask (the entry without its tag bit) names the word k words from `where`, lowest first.
    const from = whereLow + shift;
    for (let mask = ((lowHalf >>> 1) | ((highHalf & 1) << 31)) >>> 0, bit = 0; mask !== 0; mask &= mask - 1, at++) {
      bit = 31 - Math.clz32(mask & -mask);
      const sum = from + bit * w;
      targets[at] = sum - startLow;
      highs[at] = wide ? (whereHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0 : 0;
      entries[at] = entry;
    }
    for (let mask = highHalf >>> 1, bit = 0; mask !== 0; mask &= mask - 1, at++) {
      bit = 63 - Math.clz32(mask & -mask);
      const sum = from + bit * w;
      targets[at] = sum - startLow;
      highs[at] = (whereHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0;
      entries[at] = entry;
    }
    const advanced = whereLow + bitsPerEntry * w;
    whereLow = advanced >>> 0;
    whereHigh = wide ? (whereHigh + Math.floor(advanced / TWO_32)) >>> 0 : 0;
  }
}

/** The first write from `from` on outside the layout or outside [first, last], or the count. */
function stretchEnd(
  targets: Uint32Array,
  highs: Uint32Array,
  startLow: number,
  startHigh: number,
  first: number,
  last: number,
  from: number,
): number {
  let i = from;
  for (; i < targets.length; i++) {
    const offset = targets[i] as number;
    // An address whose low half is below the start's borrowed from its high half (as push computes the offset).
    const borrow = (offset + startLow) >>> 0 < startLow ? 1 : 0;
    if ((highs[i] as number) - startHigh - borrow !== 0 || offset < first || offset > last) break;
  }
  return i;
}

function popcount(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
