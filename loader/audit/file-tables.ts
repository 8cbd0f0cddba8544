import { DT_JMPREL, DT_PLTREL, DT_PLTRELSZ, DT_REL, DT_RELA, type DynamicEntry, TABLE_TAGS } from '../../elf/index.js';
import { joinWord } from '../model/index.js';
import type { FileContext } from './file-context.js';

export type FileTableKind = 'rel' | 'rela' | 'relr' | 'jmprel';

/**
 * A relocation table as the file's dynamic array names it (tags sorted as piekit's plan sorts
 * them), read without judging it: what is wrong with it is reported, not thrown.
 */
export interface FileTable {
  readonly kind: FileTableKind;
  readonly format: 'rel' | 'rela' | 'relr';
  readonly vaddr: bigint;
  /** The size tag's value. */
  readonly size: bigint;
  /** The class's entry size for the format. */
  readonly entrySize: number;
  /** The DT_*ENT value, or undefined when the tag is absent (DT_JMPREL shares its format's tag). */
  readonly declaredEntrySize: bigint | undefined;
  /** The size is not a multiple of the entry size. */
  readonly partial: boolean;
  /** Whole entries readable from memory (fewer than the size says when the table runs off its PT_LOAD). */
  readonly count: number;
  readonly truncated: boolean;
  readonly view: DataView;
}

/** The dynamic tags as piekit sorts them: unsigned, up to DT_NULL, the last duplicate winning. */
export function sortedTags(entries: readonly DynamicEntry[], wordSize: 4 | 8): Map<bigint, bigint> {
  const sorted = new Map<bigint, bigint>();
  for (const entry of entries) {
    if (entry.tag === 0n) break;
    sorted.set(BigInt.asUintN(wordSize * 8, entry.tag), entry.value);
  }
  return sorted;
}

const cache = new WeakMap<FileContext, readonly FileTable[]>();

/** REL, RELA, RELR and DT_JMPREL (in DT_PLTREL's format), those whose address tag is nonzero. */
export function fileTables(context: FileContext): readonly FileTable[] {
  let tables = cache.get(context);
  if (tables === undefined) {
    tables = readFileTables(context);
    cache.set(context, tables);
  }
  return tables;
}

function readFileTables(context: FileContext): FileTable[] {
  const w = context.elf.reader.wordSize;
  const tags = sortedTags(context.dynamic, w);
  const tables: FileTable[] = [];
  for (const kind of ['rel', 'rela', 'relr'] as const) {
    const format = TABLE_TAGS[kind];
    const table = readFileTable(context, kind, kind, tags.get(format.address) ?? 0n, tags.get(format.size) ?? 0n, tags.get(format.entrySize));
    if (table !== undefined) tables.push(table);
  }
  const pltrel = tags.get(DT_PLTREL);
  const format = pltrel === DT_REL ? 'rel' : pltrel === DT_RELA ? 'rela' : undefined;
  if (format !== undefined) {
    const table = readFileTable(
      context,
      'jmprel',
      format,
      tags.get(DT_JMPREL) ?? 0n,
      tags.get(DT_PLTRELSZ) ?? 0n,
      tags.get(TABLE_TAGS[format].entrySize),
    );
    if (table !== undefined) tables.push(table);
  }
  return tables;
}

function readFileTable(
  context: FileContext,
  kind: FileTableKind,
  format: 'rel' | 'rela' | 'relr',
  vaddr: bigint,
  size: bigint,
  declaredEntrySize: bigint | undefined,
): FileTable | undefined {
  if (vaddr === 0n) return undefined;
  const entrySize = TABLE_TAGS[format].words * context.elf.reader.wordSize;
  const whole = size - (size % BigInt(entrySize));
  const bytes = context.loaded.read(vaddr, whole);
  const count = Math.floor(bytes.length / entrySize);
  return {
    kind,
    format,
    vaddr,
    size,
    entrySize,
    declaredEntrySize,
    partial: size % BigInt(entrySize) !== 0n,
    count,
    truncated: BigInt(count * entrySize) < whole,
    view: new DataView(bytes.buffer, bytes.byteOffset, count * entrySize),
  };
}

const relativeOfTables = new WeakMap<FileTable, Uint8Array>();

/**
 * Fields of entry `index` of a REL/RELA-format table, read from the table's one decoding into
 * host-order 32-bit words (FileContext.words). r_info comes as its 32-bit halves, since a library
 * has hundreds of thousands of entries and most callers only test their type.
 */
export class EntryReader {
  private readonly words: Uint32Array;
  private relative: Uint8Array | undefined;
  private readonly low: number;
  private readonly high: number;
  private readonly field: number;
  private readonly perEntry: number;

  constructor(
    private readonly context: FileContext,
    private readonly table: FileTable,
  ) {
    const reader = context.elf.reader;
    const { view } = table;
    this.words = context.words(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    this.low = reader.lowAt >>> 2;
    this.high = reader.highAt >>> 2;
    this.field = reader.wordSize >>> 2;
    this.perEntry = table.entrySize >>> 2;
  }

  get count(): number {
    return this.table.count;
  }

  infoLow(index: number): number {
    return this.words[index * this.perEntry + this.field + this.low] as number;
  }

  infoHigh(index: number): number {
    return this.field === 2 ? (this.words[index * this.perEntry + this.field + this.high] as number) : 0;
  }

  /** Whether entry `index` is relative as the psABI decodes r_info: decided once per table for every reader. */
  isRelative(index: number): boolean {
    this.relative ??= this.relativeEntries();
    return this.relative[index] === 1;
  }

  /** The first entry from `from` on that is not relative, or -1: the engine's own search over the flags. */
  nextOther(from: number): number {
    this.relative ??= this.relativeEntries();
    return this.relative.indexOf(0, from);
  }

  private relativeEntries(): Uint8Array {
    let flags = relativeOfTables.get(this.table);
    if (flags === undefined) {
      const { lowMask, low, highMask, high } = this.context.decoder.relative;
      const { words, perEntry, field } = this;
      const lowAt = field + this.low;
      const highAt = field + this.high;
      const wide = field === 2;
      flags = new Uint8Array(this.count);
      for (let index = 0, at = 0; index < this.count; index++, at += perEntry) {
        const infoHigh = wide ? (words[at + highAt] as number) : 0;
        flags[index] = ((words[at + lowAt] as number) & lowMask) >>> 0 === low && (infoHigh & highMask) >>> 0 === high ? 1 : 0;
      }
      relativeOfTables.set(this.table, flags);
    }
    return flags;
  }

  offset(index: number): bigint {
    const at = index * this.perEntry;
    return this.field === 2 ? joinWord(this.words[at + this.low] as number, this.words[at + this.high] as number) : BigInt(this.words[at] as number);
  }
}

const insideOfTables = new WeakMap<FileTable, { readonly tables: readonly FileTable[]; readonly inside: Uint8Array }>();

/**
 * Whether a DT_JMPREL entry lies inside the REL/RELA table of the file (GNU ld may cover .rela.plt
 * with DT_RELASZ): found once per table for every entry, since every model that leaves the table
 * unwalked, the hazards and the costs ask about each.
 */
export function insideOtherTable(tables: readonly FileTable[], table: FileTable, index: number): boolean {
  if (table.kind !== 'jmprel') return false;
  let known = insideOfTables.get(table);
  if (known?.tables !== tables) {
    const inside = new Uint8Array(table.count);
    for (let entry = 0; entry < table.count; entry++) {
      const address = table.vaddr + BigInt(entry * table.entrySize);
      const covered = tables.some(
        (other) => other.kind !== 'jmprel' && other.kind !== 'relr' && address >= other.vaddr && address < other.vaddr + other.size,
      );
      inside[entry] = covered ? 1 : 0;
    }
    known = { tables, inside };
    insideOfTables.set(table, known);
  }
  return known.inside[index] === 1;
}
