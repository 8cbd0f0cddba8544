import { type Arch, type ElfFile, type RelocationInfo, type RelocationTable, type TableWords, tableWords, typeName } from '../../elf/index.js';
import { fragment } from './ascii-buffer.js';
import { resolvedTypeJudge } from './run-time-resolved.js';
import { joinWord } from './words.js';
import { SOURCE_REL, SOURCE_RELA } from './write-list.js';

export interface SkippedRelocation {
  readonly table: 'rel' | 'rela';
  readonly index: number;
  readonly offset: bigint;
  readonly symbol: number;
  readonly type: number;
  readonly typeName: string;
}

/**
 * The relocations a relocator left alone, as it met them: each one's table (SOURCE_REL or
 * SOURCE_RELA) and entry index. Both engines log skips this way; the entries themselves are read
 * back only when asked for, since a libc-sized library skips tens of thousands.
 */
export interface SkipLog {
  readonly sources: ArrayLike<number>;
  readonly entries: ArrayLike<number>;
}

const kindOf = (source: number): 'rel' | 'rela' => (source === SOURCE_RELA ? 'rela' : 'rel');

function tableOf(info: RelocationInfo, kind: 'rel' | 'rela'): RelocationTable {
  const table = info.tables.find((candidate) => candidate.kind === kind);
  if (table === undefined) throw new Error(`a skipped ${kind} entry without a ${kind} table`);
  return table;
}

/** One skipped relocation as writers of large plans take it: its r_offset as halves, no object, no bigint. */
export type SkipVisitor = (table: 'rel' | 'rela', index: number, offsetLow: number, offsetHigh: number, type: number, symbol: number) => void;

/**
 * Visits the entries left alone in the log's order, but for those a resolver gives a value at
 * run time (the plan lists them apart): a library skips tens of thousands, which `skippedRelocations`
 * makes objects of.
 */
export function forEachSkipped(elf: ElfFile, info: RelocationInfo, log: SkipLog, visit: SkipVisitor): void {
  const { decoder } = info;
  const words = new Map<'rel' | 'rela', TableWords>();
  const isResolved = resolvedTypeJudge(elf.arch);
  for (let i = 0; i < log.entries.length; i++) {
    const table = kindOf(log.sources[i] as number);
    let entries = words.get(table);
    if (entries === undefined) {
      entries = tableWords(elf.reader, tableOf(info, table));
      words.set(table, entries);
    }
    const index = log.entries[i] as number;
    const at = index * entries.step;
    const infoLow = entries.words[at + entries.infoLow] as number;
    const infoHigh = ((entries.words[at + entries.infoHigh] as number) & entries.highMask) >>> 0;
    const type = decoder.type(infoLow, infoHigh);
    if (isResolved(type)) continue;
    const offsetHigh = ((entries.words[at + entries.offsetHigh] as number) & entries.highMask) >>> 0;
    visit(table, index, entries.words[at + entries.offsetLow] as number, offsetHigh, type, decoder.symbol(infoLow, infoHigh));
  }
}

/** The entries left alone, but for those a resolver gives a value at run time (the plan lists them apart). */
export function skippedRelocations(elf: ElfFile, info: RelocationInfo, log: SkipLog): SkippedRelocation[] {
  const skipped: SkippedRelocation[] = [];
  forEachSkipped(elf, info, log, (table, index, offsetLow, offsetHigh, type, symbol) => {
    skipped.push({ table, index, offset: joinWord(offsetLow, offsetHigh), symbol, type, typeName: typeName(elf.arch, type) });
  });
  return skipped;
}

/** How many entries of one table were skipped, by type name. */
export function skippedByType(elf: ElfFile, info: RelocationInfo, log: SkipLog, table: RelocationTable): Map<string, number> {
  const byType = new Map<number, number>();
  for (let i = 0; i < log.entries.length; i++) {
    if (kindOf(log.sources[i] as number) !== table.kind) continue;
    const infoAt = (log.entries[i] as number) * table.entrySize + elf.reader.wordSize;
    const { little, lowAt, highAt } = elf.reader;
    const type = info.decoder.type(
      table.view.getUint32(infoAt + lowAt, little),
      elf.reader.wordSize === 8 ? table.view.getUint32(infoAt + highAt, little) : 0,
    );
    byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  const byName = new Map<string, number>();
  for (const [type, count] of byType) byName.set(typeName(elf.arch, type), (byName.get(typeName(elf.arch, type)) ?? 0) + count);
  return byName;
}

/**
 * The log of a relocator that skips exactly the non-relative entries of REL and RELA, as
 * piekit's startup code and the TypeScript engine do: read from the tables rather than kept
 * while planning, where it cost a tenth of the plan.
 */
export function nonRelativeEntries(elf: ElfFile, info: RelocationInfo): SkipLog {
  const sources: number[] = [];
  const entries: number[] = [];
  const { lowMask, low, highMask, high } = info.decoder.relative;
  for (const table of info.tables) {
    if (table.kind === 'relr') continue;
    const { words, step, infoLow, infoHigh } = tableWords(elf.reader, table);
    const source = table.kind === 'rela' ? SOURCE_RELA : SOURCE_REL;
    for (let index = 0, at = 0; index < table.count; index++, at += step) {
      if (((words[at + infoLow] as number) & lowMask) >>> 0 === low && ((words[at + infoHigh] as number) & highMask) >>> 0 === high) continue;
      sources.push(source);
      entries.push(index);
    }
  }
  return { sources, entries };
}

/** A memoizing getter of the skipped relocations, for a plan's `skipped` property. */
export function lazySkipped(elf: ElfFile, info: RelocationInfo, log: SkipLog): () => SkippedRelocation[] {
  let skipped: SkippedRelocation[] | undefined;
  return () => (skipped ??= skippedRelocations(elf, info, log));
}

/** Each type's name as bytes, made once per type: writers name tens of thousands of skipped entries with a handful of types. */
export function typeNameBytes(arch: Arch): (type: number) => Uint8Array {
  const names = new Map<number, Uint8Array>();
  return (type) => {
    let name = names.get(type);
    if (name === undefined) {
      name = fragment(typeName(arch, type));
      names.set(type, name);
    }
    return name;
  };
}
