import { type ImageLayout, segmentAt, TWO_32, type WriteList } from '../model/index.js';

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
  private readonly startLow: number;
  /** Address low halves less the layout start's (a layout offset where the write is in the layout). */
  readonly targets: Uint32Array;
  /** Address high halves that are not the layout start's (plus the carry of the low half): only writes outside the layout have one. */
  readonly irregularHighs = new Map<number, number>();
  readonly entries: Uint32Array;
  /** Per write, the index of a segment holding its word (OUTSIDE where none does). */
  readonly segments: Uint16Array;
  /** Where the writes to one segment from a write on end, by the write: found when first asked. */
  private readonly stretchEnds = new Map<number, number>();
  private readonly startHigh: number;

  constructor(
    readonly fields: RelrFields,
    readonly layout: ImageLayout,
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
    this.entries = new Uint32Array(total);
    this.segments = new Uint16Array(total);
    this.leadingBitmap = count > 0 && ((words[low] as number) & 1) === 1;
    const cursor = new SegmentCursor(layout);
    this.startLow = cursor.startLow;
    this.startHigh = cursor.startHigh;
    decode(fields, cursor, this);
  }

  /** Write `i`'s address, as halves. */
  addressLow(i: number): number {
    return ((this.targets[i] as number) + this.startLow) >>> 0;
  }

  addressHigh(i: number): number {
    return this.irregularHighs.get(i) ?? derivedHigh(this.targets[i] as number, this.startLow, this.startHigh);
  }

  entry(i: number): number {
    return this.entries[i] as number;
  }

  /** The index in the layout of a segment holding write `i`'s word, or -1 where none does. */
  segmentOf(i: number): number {
    const segment = this.segments[i] as number;
    return segment === OUTSIDE ? -1 : segment;
  }

  /** Where the writes from `i` on that land in write `i`'s segment end. */
  stretchEnd(i: number): number {
    let end = this.stretchEnds.get(i);
    if (end === undefined) {
      end = sameSegmentEnd(this.segments, i);
      this.stretchEnds.set(i, end);
    }
    return end;
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
export function relrWritesOf(fields: RelrFields, layout: ImageLayout): RelrWrites {
  let known = writesOfTables.get(fields.words);
  if (known === undefined) {
    known = [];
    writesOfTables.set(fields.words, known);
  }
  const same = (a: RelrFields): boolean =>
    a.count === fields.count && a.low === fields.low && a.high === fields.high && a.field === fields.field && a.shift === fields.shift;
  const found = known.find((candidate) => candidate.layout === layout && same(candidate.fields));
  if (found !== undefined) return found;
  const decoded = new RelrWrites(fields, layout);
  known.push(decoded);
  return decoded;
}

/** No segment holds the word, or it lies outside the layout. */
const OUTSIDE = 0xffff;

/**
 * The RELR decoding as the gABI proposal gives it (`where` advancing a word past each address
 * entry and by 63 or 31 words per bitmap), arithmetic wrapping at the word size as in the
 * relocators' registers; bit k of a bitmap names where[k - 1], or where[k] with `shift`. Each
 * write's segment is found with it: once per bitmap whose every word lies in one segment.
 */
function decode(fields: RelrFields, cursor: SegmentCursor, into: Decoded): void {
  const { words, count, low, high, field, shift } = fields;
  const { targets, irregularHighs, entries, segments } = into;
  const { startLow, startHigh } = cursor;
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
      if (highHalf !== derivedHigh(targets[at] as number, startLow, startHigh)) irregularHighs.set(at, highHalf);
      entries[at] = entry;
      segments[at] = cursor.of(lowHalf, highHalf, w);
      at++;
      const next = lowHalf + w;
      whereLow = next >>> 0;
      whereHigh = wide && next >= TWO_32 ? (highHalf + 1) >>> 0 : highHalf;
      continue;
    }
    // Bit k of the mask (the entry without its tag bit) names the word k words from `where`, lowest first.
    const from = whereLow + shift;
    // The segment of every word the bitmap can name, where one holds them all.
    const whole = from + bitsPerEntry * w <= TWO_32 ? cursor.of(from, whereHigh, bitsPerEntry * w) : OUTSIDE;
    for (let mask = ((lowHalf >>> 1) | ((highHalf & 1) << 31)) >>> 0, bit = 0; mask !== 0; mask &= mask - 1, at++) {
      bit = 31 - Math.clz32(mask & -mask);
      const sum = from + bit * w;
      targets[at] = sum - startLow;
      const highHalf = wide ? (whereHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0 : 0;
      if (highHalf !== derivedHigh(targets[at] as number, startLow, startHigh)) irregularHighs.set(at, highHalf);
      entries[at] = entry;
      segments[at] = whole !== OUTSIDE ? whole : cursor.of(sum >>> 0, highHalf, w);
    }
    for (let mask = highHalf >>> 1, bit = 0; mask !== 0; mask &= mask - 1, at++) {
      bit = 63 - Math.clz32(mask & -mask);
      const sum = from + bit * w;
      targets[at] = sum - startLow;
      const highHalf = (whereHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0;
      if (highHalf !== derivedHigh(targets[at] as number, startLow, startHigh)) irregularHighs.set(at, highHalf);
      entries[at] = entry;
      segments[at] = whole !== OUTSIDE ? whole : cursor.of(sum >>> 0, highHalf, w);
    }
    const advanced = whereLow + bitsPerEntry * w;
    whereLow = advanced >>> 0;
    whereHigh = wide ? (whereHigh + Math.floor(advanced / TWO_32)) >>> 0 : 0;
  }
}

interface Decoded {
  readonly targets: Uint32Array;
  readonly irregularHighs: Map<number, number>;
  readonly entries: Uint32Array;
  readonly segments: Uint16Array;
}

/**
 * The segment holding `size` bytes at an address given as halves, by index in the layout, or
 * OUTSIDE: the one found last is tried first. A layout of OUTSIDE segments or more gets OUTSIDE
 * throughout, and its writes go one by one.
 */
class SegmentCursor {
  readonly startLow: number;
  readonly startHigh: number;
  private index = OUTSIDE;
  private first = 0;
  private end = 0;

  constructor(private readonly layout: ImageLayout) {
    this.startLow = Number(layout.start & 0xffffffffn);
    this.startHigh = Number((layout.start >> 32n) & 0xffffffffn);
  }

  of(low: number, high: number, size: number): number {
    // As push computes the offset: an address whose low half is below the start's borrows from its high half.
    let offset = low - this.startLow;
    let borrow = 0;
    if (offset < 0) {
      offset += TWO_32;
      borrow = 1;
    }
    if (high - this.startHigh - borrow !== 0) return OUTSIDE;
    if (this.index !== OUTSIDE && offset >= this.first && offset + size <= this.end) return this.index;
    const segments = this.layout.segments;
    if (segments.length >= OUTSIDE) return OUTSIDE;
    const found = segmentAt(this.layout, offset, size);
    if (found === undefined) return OUTSIDE;
    this.index = segments.indexOf(found);
    this.first = found.offset;
    this.end = found.offset + found.memorySize;
    return this.index;
  }
}

/** The first write from `from` on whose segment is not write `from`'s. */
function sameSegmentEnd(segments: Uint16Array, from: number): number {
  const segment = segments[from];
  let i = from + 1;
  while (i < segments.length && segments[i] === segment) i++;
  return i;
}

/**
 * The high half of a write in the layout: the start's, plus the carry where its low half is below
 * the start's (the layout offset `target` wrapped).
 */
function derivedHigh(target: number, startLow: number, startHigh: number): number {
  return (target + startLow >= TWO_32 ? startHigh + 1 : startHigh) >>> 0;
}

function popcount(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
