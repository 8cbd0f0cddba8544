import {
  countRelrAddresses,
  type Diagnostics,
  DT_PLTGOT,
  ElfError,
  type ElfFile,
  hex,
  type RelocationInfo,
  type RelocationTable,
  RelrEntries,
  readRelocationInfo,
  setBitIndexes,
  stopAtFirstError,
  type TableKind,
  type TableWords,
  tableWords,
} from '../../elf/index.js';
import { type ImageLayout, type LoadSegment, layoutOf, segmentAt } from './layout.js';
import { lazyResolvedAtRunTime, type RunTimeResolved } from './run-time-resolved.js';
import { forEachSkipped, nonRelativeEntries, type SkippedRelocation, type SkipVisitor, skippedByType, skippedRelocations } from './skipped.js';
import { joinWord, splitWord, TWO_32 } from './words.js';
import { ADD_BASE, SET_BASE_PLUS_ADDEND, SOURCE_GOT, SOURCE_REL, SOURCE_RELA, SOURCE_RELR, SOURCES, WriteList } from './write-list.js';

export interface TableSummary {
  readonly table: RelocationTable;
  /** Words this table relocates (for RELR, decoded addresses). */
  readonly relative: number;
  /** Entries left alone, counted by type name. */
  readonly skipped: ReadonlyMap<string, number>;
}

/**
 * What the startup code will do, independent of the load base: the writes in the order it makes
 * them, and the relocations it leaves alone.
 */
export interface Plan {
  readonly elf: ElfFile;
  readonly info: RelocationInfo;
  readonly layout: ImageLayout;
  readonly writes: WriteList;
  readonly skipped: readonly SkippedRelocation[];
  /** `skipped` visited entry by entry, without an object each: for writers of large plans. */
  forEachSkipped(visit: SkipVisitor): void;
  /** IRELATIVE entries of REL, RELA and DT_JMPREL: a resolver in the program gives their value at run time. */
  readonly resolvedAtRunTime: readonly RunTimeResolved[];
  readonly tables: readonly TableSummary[];
  /** The MIPS local GOT, when the file has one. */
  readonly localGot: { readonly vaddr: bigint; readonly count: number } | undefined;
  /** Indexes into `writes` of the writes that land in non-writable segments. */
  readonly textRelocations: readonly number[];
  /** The segments relocation reads and writes: the writable ones and any with text relocations. */
  readonly relocatedSegments: readonly LoadSegment[];
  /** Writes left out for landing outside every PT_LOAD: only a plan made under a collecting policy has any. */
  readonly outside: readonly OutsideWrite[];
}

export interface OutsideWrite {
  /** `table#index` */
  readonly source: string;
  readonly address: bigint;
}

const TABLE_SOURCE: Readonly<Record<TableKind, number>> = { rel: SOURCE_REL, rela: SOURCE_RELA, relr: SOURCE_RELR };

export function describeSource(source: number, entry: number): string {
  return `${SOURCES[source] ?? 'unknown'}#${entry}`;
}

/**
 * The plan, with the file's defects reported to `diagnostics`: under a collecting policy, what can
 * be planned past them (tables read as far as the file holds them, writes outside every PT_LOAD
 * left out); PT_LOADs that cannot be laid out are refused under either policy.
 */
export function plan(elf: ElfFile, diagnostics: Diagnostics = stopAtFirstError): Plan {
  const info = readRelocationInfo(elf, diagnostics);
  const layout = layoutOf(elf);
  const got = localGotOf(elf, info);
  const builder = new PlanBuilder(elf, layout, diagnostics, writesAtMost(elf, layout, info, got));
  const localGot = builder.addLocalGot(got);
  // Planning logs no skips: they are the tables' non-relative entries, found again when asked for.
  const skipLog = memoized(() => nonRelativeEntries(elf, info));
  const tables = info.tables.map((table) => {
    const relative = table.kind === 'relr' ? builder.addRelr(table) : builder.addRelocations(info, table);
    const byType = memoized(() => skippedByType(elf, info, skipLog(), table));
    return {
      table,
      relative,
      get skipped() {
        return byType();
      },
    };
  });
  const skipped = memoized(() => skippedRelocations(elf, info, skipLog()));
  const resolved = lazyResolvedAtRunTime(elf, info);
  return {
    elf,
    info,
    layout,
    writes: builder.writes,
    get skipped() {
      return skipped();
    },
    forEachSkipped: (visit) => forEachSkipped(elf, info, skipLog(), visit),
    get resolvedAtRunTime() {
      return resolved();
    },
    tables,
    localGot,
    textRelocations: builder.textRelocations,
    relocatedSegments: layout.segments.filter((segment) => segment.writable || builder.textSegments.has(segment)),
    outside: builder.outside,
  };
}

function memoized<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** The MIPS local GOT the startup code relocates first: DT_MIPS_LOCAL_GOTNO words at DT_PLTGOT. */
export function localGotOf(elf: ElfFile, info: RelocationInfo): Plan['localGot'] {
  const count = info.dynamic.mipsLocalGotno;
  if (!elf.arch.localGot || count === 0n) return undefined;
  return { vaddr: info.dynamic.sorted[Number(DT_PLTGOT)] ?? 0n, count: Number(count) };
}

/**
 * Room for every write the tables can make: each REL/RELA entry, each RELR address and each
 * local GOT word the image can hold. Known before planning, so the write list is allocated once.
 */
function writesAtMost(elf: ElfFile, layout: ImageLayout, info: RelocationInfo, got: Plan['localGot']): number {
  let count = got === undefined ? 0 : Math.min(got.count, Math.floor(layout.size / layout.wordSize));
  for (const table of info.tables) count += table.kind === 'relr' ? countRelrAddresses(elf.reader, table) : table.count;
  return count;
}

class PlanBuilder {
  readonly writes: WriteList;
  readonly textRelocations: number[] = [];
  readonly textSegments = new Set<LoadSegment>();
  readonly outside: OutsideWrite[] = [];
  private readonly startLow: number;
  private readonly startHigh: number;
  private readonly wordSize: number;
  private cached: LoadSegment;

  constructor(
    private readonly elf: ElfFile,
    private readonly layout: ImageLayout,
    private readonly diagnostics: Diagnostics,
    capacity: number,
  ) {
    this.writes = new WriteList(capacity);
    [this.startLow, this.startHigh] = splitWord(layout.start);
    this.wordSize = layout.wordSize;
    this.cached = layout.segments[0] as LoadSegment;
  }

  addLocalGot(got: Plan['localGot']): Plan['localGot'] {
    if (got === undefined) return undefined;
    const size = BigInt(this.wordSize);
    // Each word is checked as it is planned, so a huge count ends at the segment's end.
    for (let index = 0; index < got.count; index++) {
      const [low, high] = splitWord(BigInt.asUintN(this.wordSize * 8, got.vaddr + BigInt(index) * size));
      if (!this.push(low, high, ADD_BASE, 0, 0, SOURCE_GOT, index)) break;
    }
    return got;
  }

  /** Plans a REL or RELA table's relative entries; returns how many writes it made. */
  addRelocations(info: RelocationInfo, table: RelocationTable): number {
    const scan = relativeScan(this.elf, info, table, this.startLow, this.startHigh);
    const { words, step, offsetLow, offsetHigh, addendLow, addendHigh, addendLowMask, addendHighMask, highMask, kind, source } = scan;
    const before = this.writes.count;
    for (let index = 0; index < table.count; ) {
      const [from, to] = this.cachedWritableRange();
      const end = Math.min(table.count, index + SCAN_CHUNK);
      const first = this.writes.count;
      const planned = planInSegment(scan, index, end, this.writes, from, to);
      const written = planned % (SCAN_CHUNK + 1);
      // The same kind and source for the whole run: filled at once rather than stored per write.
      this.writes.kinds.fill(kind, first, first + written);
      this.writes.sources.fill(source, first, first + written);
      this.writes.count = first + written;
      index += (planned - written) / (SCAN_CHUNK + 1);
      if (index === end) continue;
      // A relative entry landing outside the cached writable segment: `push` finds its segment.
      const at = index * step;
      const low = words[at + offsetLow] as number;
      const high = ((words[at + offsetHigh] as number) & highMask) >>> 0;
      const lowAddend = ((words[at + addendLow] as number) & addendLowMask) >>> 0;
      const highAddend = ((words[at + addendHigh] as number) & addendHighMask) >>> 0;
      this.push(low, high, kind, lowAddend, highAddend, source, index);
      index++;
    }
    return this.writes.count - before;
  }

  /** Plans a RELR table; returns how many writes it made. */
  addRelr(table: RelocationTable): number {
    const before = this.writes.count;
    const w = this.wordSize;
    const cursor = new RelrEntries(this.elf.reader, table);
    const words = new Uint8Array(64);
    while (cursor.next()) {
      const { baseLow, baseHigh, maskLow, maskHigh, entry } = cursor;
      if ((maskLow | maskHigh) === 0) continue;
      // One check for the whole run when it lies in the last segment written; else word by word,
      // which names the exact word that falls outside.
      const span = (maskHigh !== 0 ? 64 - Math.clz32(maskHigh) : 32 - Math.clz32(maskLow)) * w;
      const first = this.offsetInCachedSegment(baseLow, baseHigh, span);
      if (first >= 0) {
        this.writes.count = addBits(this.writes, first, maskLow, maskHigh, w, entry);
        continue;
      }
      const count = setBitIndexes(maskLow, maskHigh, words);
      for (let i = 0; i < count; i++) {
        const sum = baseLow + (words[i] as number) * w;
        this.push(sum >>> 0, w === 8 ? (baseHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0, ADD_BASE, 0, 0, SOURCE_RELR, entry);
      }
    }
    return this.writes.count - before;
  }

  /** The image offsets a word may start at in the cached segment when it is writable, else an empty range. */
  private cachedWritableRange(): [from: number, to: number] {
    const segment = this.cached;
    return segment.writable ? [segment.offset, segment.offset + segment.memorySize - this.wordSize] : [1, 0];
  }

  /** The image offset of `size` bytes at an address when they lie in the cached writable segment, else -1. */
  private offsetInCachedSegment(low: number, high: number, size: number): number {
    let offset = low - this.startLow;
    let borrow = 0;
    if (offset < 0) {
      offset += TWO_32;
      borrow = 1;
    }
    const segment = this.cached;
    const inside = high - this.startHigh - borrow === 0 && offset >= segment.offset && offset + size <= segment.offset + segment.memorySize;
    return inside && segment.writable ? offset : -1;
  }

  /** Places one write in the image; one outside every segment is reported, naming the entry, and left out (false). */
  private push(low: number, high: number, kind: number, addendLow: number, addendHigh: number, source: number, entry: number): boolean {
    let offset = low - this.startLow;
    let borrow = 0;
    if (offset < 0) {
      offset += TWO_32;
      borrow = 1;
    }
    const w = this.wordSize;
    let segment = this.cached;
    if (high - this.startHigh - borrow !== 0 || offset < segment.offset || offset + w > segment.offset + segment.memorySize) {
      const found = high - this.startHigh - borrow === 0 ? segmentAt(this.layout, offset, w) : undefined;
      if (found === undefined) {
        const address = joinWord(low, high);
        this.diagnostics.report(
          new ElfError(
            'WRITE_OUTSIDE_SEGMENTS',
            `Invalid ELF ${describeSource(source, entry)}: the ${w}-byte word at ${hex(address)} is outside every PT_LOAD segment`,
          ),
        );
        this.outside.push({ source: describeSource(source, entry), address });
        return false;
      }
      segment = this.cached = found;
    }
    if (!segment.writable) {
      this.textRelocations.push(this.writes.count);
      this.textSegments.add(segment);
    }
    this.writes.push(offset, kind, addendLow, addendHigh, source, entry);
    return true;
  }
}

/**
 * Plans the words of one RELR entry's mask (bit i: the word at `first` + i words), lowest first,
 * into the room `writes` has; returns the new count, which the caller stores: kinds and addends
 * are ADD_BASE's zeros already. A million addresses cost no call each.
 */
function addBits(writes: WriteList, first: number, maskLow: number, maskHigh: number, w: number, entry: number): number {
  const { targets, sources, entries } = writes;
  let slot = writes.count;
  for (let mask = maskLow; mask !== 0; mask &= mask - 1) {
    targets[slot] = first + (31 - Math.clz32(mask & -mask)) * w;
    sources[slot] = SOURCE_RELR;
    entries[slot++] = entry;
  }
  for (let mask = maskHigh; mask !== 0; mask &= mask - 1) {
    targets[slot] = first + (63 - Math.clz32(mask & -mask)) * w;
    sources[slot] = SOURCE_RELR;
    entries[slot++] = entry;
  }
  return slot;
}

/** Entries planInSegment scans per call: few enough that both its results fit one number (see there). */
const SCAN_CHUNK = 4096;

/** What planning reads of a REL or RELA table's entries (TableWords), and what it writes for a relative one. */
interface RelativeScan extends TableWords {
  /** r_info is relative when `(half & mask) === value` for both halves (InfoDecoder.relative, as int32). */
  readonly infoLowMask: number;
  readonly infoLowValue: number;
  readonly infoHighMask: number;
  readonly infoHighValue: number;
  /** The addend is `words[addendLow] & addendLowMask` (and high): masks of 0 give REL's implicit 0. */
  readonly addendLowMask: number;
  readonly addendHighMask: number;
  readonly kind: number;
  readonly source: number;
  readonly startLow: number;
  /** As int32, as `& highMask` gives it. */
  readonly startHigh: number;
}

function relativeScan(elf: ElfFile, info: RelocationInfo, table: RelocationTable, startLow: number, startHigh: number): RelativeScan {
  const { relative } = info.decoder;
  const isRela = table.kind === 'rela';
  const { words, step, offsetLow, offsetHigh, infoLow, infoHigh, addendLow, addendHigh, highMask } = tableWords(elf.reader, table);
  // Spelled out rather than spread: a spread object gets a map of its own on each call, and the
  // hot loop reading it deoptimizes on every table. A REL entry has no addend field: its indexes
  // point at r_offset, masked to 0.
  return {
    words,
    step,
    offsetLow,
    offsetHigh,
    infoLow,
    infoHigh,
    addendLow: isRela ? addendLow : offsetLow,
    addendHigh: isRela ? addendHigh : offsetLow,
    highMask,
    infoLowMask: relative.lowMask,
    infoLowValue: relative.low | 0,
    infoHighMask: relative.highMask,
    infoHighValue: relative.high | 0,
    addendLowMask: isRela ? -1 : 0,
    addendHighMask: isRela ? highMask : 0,
    kind: isRela && !elf.arch.relaAddsToWord ? SET_BASE_PLUS_ADDEND : ADD_BASE,
    source: TABLE_SOURCE[table.kind],
    startLow,
    startHigh: startHigh | 0,
  };
}

/**
 * Plans entries [index, end) (at most SCAN_CHUNK), passing over the ones a relocator skips, while
 * each relative one lands in the image offsets [from, to] (the cached writable segment): the
 * writes go straight into the arrays `writes` has room in, from its count on; the caller sets
 * their kind and source and the new count. The hot loop of planning, apart from the class.
 *
 * Returns how far it went (to the first relative entry that lands elsewhere, or `end`) times
 * SCAN_CHUNK + 1, plus how many writes it made, counted in the loop itself: any operation after
 * the loop deoptimizes on every call. V8 compiles the loop on stack replacement before the code
 * after it has run with a feedback vector, so without its feedback, and enters that cached
 * compilation again on each later call.
 */
function planInSegment(s: RelativeScan, index: number, end: number, writes: WriteList, from: number, to: number): number {
  const { words, step, offsetLow, offsetHigh, infoLow, infoHigh, addendLow: addendLowAt, addendHigh: addendHighAt, highMask } = s;
  const { infoLowMask, infoLowValue, infoHighMask, infoHighValue, addendLowMask, addendHighMask, startLow, startHigh } = s;
  const { targets, addendLow, addendHigh, entries } = writes;
  let slot = writes.count;
  let done = 0;
  for (let at = index * step; index < end; index++, at += step, done += SCAN_CHUNK + 1) {
    if (((words[at + infoLow] as number) & infoLowMask) !== infoLowValue || ((words[at + infoHigh] as number) & infoHighMask) !== infoHighValue)
      continue;
    const offset = (words[at + offsetLow] as number) - startLow;
    if (((words[at + offsetHigh] as number) & highMask) !== startHigh || offset < from || offset > to) break;
    targets[slot] = offset;
    addendLow[slot] = (words[at + addendLowAt] as number) & addendLowMask;
    addendHigh[slot] = (words[at + addendHighAt] as number) & addendHighMask;
    entries[slot] = index;
    slot++;
    done++;
  }
  return done;
}
