import {
  countRelrAddresses,
  type Diagnostics,
  DT_PLTGOT,
  ElfError,
  type ElfFile,
  forEachRelrEntry,
  hex,
  type RelocationInfo,
  type RelocationTable,
  readRelocationInfo,
  setBitIndexes,
  stopAtFirstError,
  type TableKind,
  type TableWords,
  tableWords,
} from '../../elf/index.js';
import { type ImageLayout, type LoadSegment, layoutOf, segmentAt } from './layout.js';
import { lazyResolvedAtRunTime, type RunTimeResolved } from './run-time-resolved.js';
import { lazySkipped, type SkippedRelocation, skippedByType } from './skipped.js';
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
  const builder = new PlanBuilder(elf, layout, diagnostics);
  const localGot = builder.addLocalGot(info);
  const tables = info.tables.map((table) => (table.kind === 'relr' ? builder.addRelr(table) : builder.addRelocations(info, table)));
  const skipped = lazySkipped(elf, info, builder.skips);
  const resolved = lazyResolvedAtRunTime(elf, info);
  return {
    elf,
    info,
    layout,
    writes: builder.writes,
    get skipped() {
      return skipped();
    },
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

/** The MIPS local GOT the startup code relocates first: DT_MIPS_LOCAL_GOTNO words at DT_PLTGOT. */
export function localGotOf(elf: ElfFile, info: RelocationInfo): Plan['localGot'] {
  const count = info.dynamic.mipsLocalGotno;
  if (!elf.arch.localGot || count === 0n) return undefined;
  return { vaddr: info.dynamic.sorted[Number(DT_PLTGOT)] ?? 0n, count: Number(count) };
}

class PlanBuilder {
  readonly writes = new WriteList();
  readonly skips = { sources: [] as number[], entries: [] as number[] };
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
  ) {
    [this.startLow, this.startHigh] = splitWord(layout.start);
    this.wordSize = layout.wordSize;
    this.cached = layout.segments[0] as LoadSegment;
  }

  addLocalGot(info: RelocationInfo): Plan['localGot'] {
    const got = localGotOf(this.elf, info);
    if (got === undefined) return undefined;
    const size = BigInt(this.wordSize);
    // Each word is checked as it is planned, so a huge count ends at the segment's end.
    for (let index = 0; index < got.count; index++) {
      const [low, high] = splitWord(BigInt.asUintN(this.wordSize * 8, got.vaddr + BigInt(index) * size));
      if (!this.push(low, high, ADD_BASE, 0, 0, SOURCE_GOT, index)) break;
    }
    return got;
  }

  addRelocations(info: RelocationInfo, table: RelocationTable): TableSummary {
    const entries = entryWords(this.elf, info, table, this.startLow, this.startHigh);
    const { words, step, offsetLow, offsetHigh, addendLow: addendLowAt, addendHigh: addendHighAt, highMask, isRela, kind, source } = entries;
    const before = this.writes.count;
    this.writes.reserve(table.count);
    for (let index = 0; index < table.count; index++) {
      const [from, to] = this.cachedWritableRange();
      index = planInSegment(entries, index, table.count, this.writes, this.skips, from, to);
      if (index === table.count) break;
      // A relative entry landing outside the cached writable segment: `push` finds its segment.
      const at = index * step;
      const addendLow = isRela ? (words[at + addendLowAt] as number) : 0;
      const addendHigh = isRela ? ((words[at + addendHighAt] as number) & highMask) >>> 0 : 0;
      this.push(words[at + offsetLow] as number, ((words[at + offsetHigh] as number) & highMask) >>> 0, kind, addendLow, addendHigh, source, index);
    }
    return { table, relative: this.writes.count - before, skipped: skippedByType(this.elf, info, this.skips, table) };
  }

  addRelr(table: RelocationTable): TableSummary {
    const before = this.writes.count;
    const w = this.wordSize;
    const writes = this.writes;
    // Room for the whole table at once: growing arrays of a million writes step by step costs
    // more than counting the bitmaps' bits first.
    writes.reserve(countRelrAddresses(this.elf.reader, table));
    const words = new Uint8Array(64);
    forEachRelrEntry(this.elf.reader, table, (whereLow, whereHigh, maskLow, maskHigh, entry) => {
      const count = setBitIndexes(maskLow, maskHigh, words);
      if (count === 0) return;
      // One check for the whole run when it lies in the last segment written; else word by word,
      // which names the exact word that falls outside.
      const span = ((words[count - 1] as number) + 1) * w;
      const first = this.offsetInCachedSegment(whereLow, whereHigh, span);
      if (first >= 0) {
        for (let i = 0; i < count; i++) writes.pushAddBase(first + (words[i] as number) * w, SOURCE_RELR, entry);
        return;
      }
      for (let i = 0; i < count; i++) {
        const sum = whereLow + (words[i] as number) * w;
        this.push(sum >>> 0, w === 8 ? (whereHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0 : 0, ADD_BASE, 0, 0, SOURCE_RELR, entry);
      }
    });
    return { table, relative: this.writes.count - before, skipped: new Map() };
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

/** What planning reads of a REL or RELA table's entries (TableWords), and what it writes for a relative one. */
interface EntryWords extends TableWords {
  /** r_info is relative when `(half & mask) === value` for both halves (InfoDecoder.relative, as int32). */
  readonly infoLowMask: number;
  readonly infoLowValue: number;
  readonly infoHighMask: number;
  readonly infoHighValue: number;
  readonly isRela: boolean;
  readonly kind: number;
  readonly source: number;
  readonly startLow: number;
  readonly startHigh: number;
}

function entryWords(elf: ElfFile, info: RelocationInfo, table: RelocationTable, startLow: number, startHigh: number): EntryWords {
  const { relative } = info.decoder;
  const isRela = table.kind === 'rela';
  return {
    ...tableWords(elf.reader, table),
    infoLowMask: relative.lowMask,
    infoLowValue: relative.low | 0,
    infoHighMask: relative.highMask,
    infoHighValue: relative.high | 0,
    isRela,
    kind: isRela && !elf.arch.relaAddsToWord ? SET_BASE_PLUS_ADDEND : ADD_BASE,
    source: TABLE_SOURCE[table.kind],
    startLow,
    startHigh,
  };
}

/**
 * Plans entries from `index` on, logging the ones a relocator skips, while each relative one
 * lands in the image offsets [from, to] (the cached writable segment): the writes go straight into
 * the arrays `writes` has reserved. Returns the index of the first relative entry that lands
 * elsewhere, or `count`. The hot loop of planning, apart from the class: run once per table, a
 * loop inside a large method is compiled on stack replacement, whose code V8 caches and which
 * deoptimizes at the method's colder code on every later call.
 */
function planInSegment(
  e: EntryWords,
  index: number,
  count: number,
  writes: WriteList,
  skips: { readonly sources: number[]; readonly entries: number[] },
  from: number,
  to: number,
): number {
  const { words, step, offsetLow, offsetHigh, infoLow, infoHigh, addendLow: addendLowAt, addendHigh: addendHighAt, highMask } = e;
  const { infoLowMask, infoLowValue, infoHighMask, infoHighValue } = e;
  const { isRela, kind, source, startLow, startHigh } = e;
  const { targets, addendLow, addendHigh, entries } = writes;
  const first = writes.count;
  let slot = first;
  let at = index * step;
  for (; index < count; index++, at += step) {
    if (((words[at + infoLow] as number) & infoLowMask) !== infoLowValue || ((words[at + infoHigh] as number) & infoHighMask) !== infoHighValue) {
      skips.sources.push(source);
      skips.entries.push(index);
      continue;
    }
    const offset = (words[at + offsetLow] as number) - startLow;
    if (((words[at + offsetHigh] as number) & highMask) >>> 0 !== startHigh || offset < from || offset > to) break;
    targets[slot] = offset;
    addendLow[slot] = isRela ? (words[at + addendLowAt] as number) : 0;
    addendHigh[slot] = isRela ? ((words[at + addendHighAt] as number) & highMask) >>> 0 : 0;
    entries[slot] = index;
    slot++;
  }
  // The same kind and source for the whole run: filled at once rather than stored per write.
  writes.kinds.fill(kind, first, slot);
  writes.sources.fill(source, first, slot);
  writes.count = slot;
  return index;
}
