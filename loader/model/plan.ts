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
    const { little, lowAt, highAt } = this.elf.reader;
    const view = table.view;
    const { lowMask, low: lowValue, highMask, high: highValue } = info.decoder.relative;
    const w = this.wordSize;
    const isRela = table.kind === 'rela';
    const source = TABLE_SOURCE[table.kind];
    const kind = isRela && !this.elf.arch.relaAddsToWord ? SET_BASE_PLUS_ADDEND : ADD_BASE;
    const before = this.writes.count;
    this.writes.reserve(table.count);
    for (let index = 0, at = 0; index < table.count; index++, at += table.entrySize) {
      const infoLow = view.getUint32(at + w + lowAt, little);
      const infoHigh = w === 8 ? view.getUint32(at + w + highAt, little) : 0;
      const offsetLow = view.getUint32(at + lowAt, little);
      const offsetHigh = w === 8 ? view.getUint32(at + highAt, little) : 0;
      if ((infoLow & lowMask) >>> 0 === lowValue && (infoHigh & highMask) >>> 0 === highValue) {
        const addendLow = isRela ? view.getUint32(at + 2 * w + lowAt, little) : 0;
        const addendHigh = isRela && w === 8 ? view.getUint32(at + 2 * w + highAt, little) : 0;
        this.push(offsetLow, offsetHigh, kind, addendLow, addendHigh, source, index);
        continue;
      }
      this.skips.sources.push(source);
      this.skips.entries.push(index);
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
