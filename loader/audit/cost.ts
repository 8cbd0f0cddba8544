import { encodeRelrOffsets, PT_GNU_RELRO } from '../../elf/index.js';
import { type Plan, SOURCE_GOT, SOURCES, segmentFlags } from '../model/index.js';
import type { FileContext } from './file-context.js';
import { EntryReader, type FileTableKind, fileTables, insideOtherTable } from './file-tables.js';

export interface TableCost {
  readonly table: FileTableKind;
  readonly bytes: number;
  readonly entries: number;
  /** Words it relocates (RELR: decoded addresses; REL/RELA/JMPREL: relative entries). */
  readonly relative: number;
}

/** What lld would write for the same relative words with `-z pack-relative-relocs`. */
export interface PackedCost {
  /** Distinct word-aligned relative words of REL, RELA and RELR, packed into one RELR table. */
  readonly relative: number;
  readonly relrBytes: number;
  readonly relrEntries: number;
  /** Relative entries lld keeps in REL/RELA because their word is not aligned. */
  readonly unaligned: number;
  /** Bytes of REL/RELA/JMPREL entries that stay: the unaligned relative ones and every other entry. */
  readonly otherBytes: number;
  readonly totalBytes: number;
}

export interface PageCost {
  readonly pageSize: number;
  /** Distinct pages relocation writes, each a private copy of a file page once written. */
  readonly dirtied: number;
  /** Of those, pages that PT_GNU_RELRO makes read-only again afterwards. */
  readonly inRelro: number;
  readonly segments: readonly { readonly segment: number; readonly flags: string; readonly pages: number; readonly inRelro: number }[];
}

export interface CostReport {
  readonly tables: readonly TableCost[];
  /** MIPS: local GOT words relocated without any table entry. */
  readonly localGotWords: number;
  readonly totalBytes: number;
  readonly packed: PackedCost;
  readonly pages: PageCost;
}

/** Table sizes, what RELR would take for the same words, and the pages relocation dirties. */
export function costReport(context: FileContext, reading: Plan): CostReport {
  const tables = fileTables(context);
  const w = context.elf.reader.wordSize;
  const { layout } = reading;
  const { bySource, alignedOffsets, alignedCount, unaligned, localGotWords, ascending } = countWrites(reading, w);
  const sorted = ascending ? alignedOffsets.subarray(0, alignedCount) : alignedOffsets.subarray(0, alignedCount).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[distinct - 1]) sorted[distinct++] = sorted[i] as number;
  // Addresses as the layout's start plus offsets: every one is aligned, in the address space and sorted.
  const relr = encodeRelrOffsets(layout.start, sorted.subarray(0, distinct), w);
  let otherBytes = 0;
  const costs: TableCost[] = [];
  for (const table of tables) {
    const bytes = table.count * table.entrySize;
    let relative = table.kind === 'jmprel' ? 0 : (bySource[SOURCES.indexOf(table.kind)] ?? 0);
    if (table.format !== 'relr') {
      const entries = new EntryReader(context, table);
      let kept = 0;
      if (table.kind === 'jmprel') {
        for (let index = 0; index < entries.count; index++) {
          if (insideOtherTable(tables, table, index)) continue;
          if (entries.isRelative(index)) relative++;
          kept++;
        }
      } else {
        // Only DT_JMPREL entries can lie inside another table: the others kept are those not relative.
        for (let index = entries.nextOther(0); index >= 0; index = entries.nextOther(index + 1)) kept++;
      }
      otherBytes += kept * table.entrySize;
    }
    costs.push({ table: table.kind, bytes, entries: table.count, relative });
  }
  // An unaligned relative entry stays in the table it came from: REL or RELA, per the psABI.
  otherBytes += unaligned * (context.arch.abiTable === 'rel' ? 2 : 3) * w;
  const relrBytes = relr.count * w;
  return {
    tables: costs,
    localGotWords,
    totalBytes: costs.reduce((sum, table) => sum + table.bytes, 0),
    packed: { relative: distinct, relrBytes, relrEntries: relr.count, unaligned, otherBytes, totalBytes: relrBytes + otherBytes },
    pages: pageCost(context, reading),
  };
}

/**
 * The plan's writes by source, and the offsets of the aligned ones other than the local GOT's, in
 * write order. Apart, so that the engine compiles the loop on its own.
 */
function countWrites(reading: Plan, w: number) {
  const { writes, layout } = reading;
  const bySource = new Array<number>(SOURCES.length).fill(0);
  // Image offsets, not addresses: a library has hundreds of thousands of words, and offsets are
  // numbers. The start's remainder modulo the word size decides alignment.
  const startRemainder = Number(layout.start % BigInt(w));
  const alignedOffsets = new Uint32Array(writes.count);
  let alignedCount = 0;
  let unaligned = 0;
  let localGotWords = 0;
  // Linkers mostly emit relocations in address order: then the offsets need no sort.
  let ascending = true;
  const { sources, targets } = writes;
  for (let i = 0; i < writes.count; i++) {
    const source = sources[i] as number;
    bySource[source] = (bySource[source] ?? 0) + 1;
    if (source === SOURCE_GOT) {
      localGotWords++;
      continue;
    }
    const offset = targets[i] as number;
    if ((startRemainder + offset) % w !== 0) unaligned++;
    else {
      if (alignedCount > 0 && offset < (alignedOffsets[alignedCount - 1] as number)) ascending = false;
      alignedOffsets[alignedCount++] = offset;
    }
  }
  return { bySource, alignedOffsets, alignedCount, unaligned, localGotWords, ascending };
}

/**
 * Pages written, per PT_LOAD, and how many PT_GNU_RELRO covers the way glibc's _dl_protect_relro
 * (elf/dl-reloc.c) protects them: from the page holding its start up to the page holding its end,
 * that last page excluded.
 */
function pageCost(context: FileContext, reading: Plan): PageCost {
  const page = context.arch.pageSize;
  const pageSize = Number(page);
  const { writes, layout } = reading;
  // Pages counted from the one holding the layout's start, in numbers.
  const firstPage = layout.start / page;
  const startInPage = Number(layout.start % page);
  const relativePage = (vaddr: bigint): number => Number(vaddr / page - firstPage);
  const relro = context.elf.programHeaders
    .filter((header) => header.type === PT_GNU_RELRO && header.vaddr >= firstPage * page)
    .map((header) => [relativePage(header.vaddr), relativePage(header.vaddr + header.memsz)] as const);
  const pages = pagesWritten(writes, layout, startInPage, pageSize);
  const inRelro = (pageNumber: number): boolean => relro.some(([start, end]) => pageNumber >= start && pageNumber < end);
  const segments = [...pages]
    .sort(([a], [b]) => a - b)
    .map(([index, written]) => {
      const segment = layout.segments[index];
      let count = 0;
      let relroCount = 0;
      for (let page = 0; page < written.length; page++) {
        if (written[page] === 0) continue;
        count++;
        if (inRelro(page)) relroCount++;
      }
      return {
        segment: segment?.header.index ?? -1,
        flags: segment === undefined ? '   ' : segmentFlags(segment.header.flags),
        pages: count,
        inRelro: relroCount,
      };
    });
  return {
    pageSize,
    dirtied: segments.reduce((sum, segment) => sum + segment.pages, 0),
    inRelro: segments.reduce((sum, segment) => sum + segment.inRelro, 0),
    segments,
  };
}

/**
 * Pages written, one flag per page of the layout (counted from the one holding its start) for
 * each segment written, by index in the layout (-1: none holds the word). Apart, so that the
 * engine compiles the loop on its own.
 */
function pagesWritten(writes: Plan['writes'], layout: Plan['layout'], startInPage: number, pageSize: number): Map<number, Uint8Array> {
  const w = layout.wordSize;
  const pageCount = Math.floor((startInPage + layout.size + w) / pageSize) + 1;
  const pages = new Map<number, Uint8Array>();
  let cursor = -1;
  let flags: Uint8Array | undefined;
  const { targets } = writes;
  for (let i = 0; i < writes.count; i++) {
    const offset = targets[i] as number;
    const current = layout.segments[cursor];
    if (flags === undefined || current === undefined || offset < current.offset || offset >= current.offset + current.memorySize) {
      cursor = layout.segments.findIndex((segment) => offset >= segment.offset && offset < segment.offset + segment.memorySize);
      flags = pages.get(cursor);
      if (flags === undefined) {
        flags = new Uint8Array(pageCount);
        pages.set(cursor, flags);
      }
    }
    // A word that straddles a page boundary dirties both pages.
    flags[Math.floor((startInPage + offset) / pageSize)] = 1;
    flags[Math.floor((startInPage + offset + w - 1) / pageSize)] = 1;
  }
  return pages;
}
