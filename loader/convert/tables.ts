import { type ElfFile, hex, type RelocationTable, tableWords } from '../../elf/index.js';
import type { Plan } from '../model/index.js';
import { refuse } from './errors.js';
import type { WordUse } from './word-use.js';

/**
 * A converter rewrites the dynamic array (entries move up or down) and the tables; a relocation
 * that wrote into them would see its word move or vanish.
 */
export function refuseWritesIntoRewritten(planned: Plan, use: WordUse, tables: readonly RelocationTable[]): void {
  const dynamic = planned.info.dynamic.header;
  const ranges: [string, bigint, bigint][] = [
    ['the dynamic section', dynamic.vaddr, dynamic.vaddr + (dynamic.memsz > dynamic.filesz ? dynamic.memsz : dynamic.filesz)],
    ...tables.map((table): [string, bigint, bigint] => [`the ${table.kind.toUpperCase()} table`, table.vaddr, table.vaddr + table.size]),
  ];
  for (const [what, start, end] of ranges) {
    if (use.anyIn(planned, start, end)) {
      throw refuse(
        'TABLE_CONFLICT',
        `Invalid ELF relocations for conversion: a relocation writes inside ${what} (${hex(start)}..${hex(end)}), which conversion rewrites`,
      );
    }
  }
}

/** The table of a kind, as startup code finds it. */
export function tableOf(planned: Plan, kind: RelocationTable['kind']): RelocationTable | undefined {
  return planned.info.tables.find((table) => table.kind === kind);
}

/** Whether entry `index` of a REL/RELA table is relative, read from its r_info. */
export function entryIsRelative(elf: ElfFile, planned: Plan, table: RelocationTable, index: number): boolean {
  const at = table.fileOffset + index * table.entrySize + elf.reader.wordSize;
  return planned.info.decoder.isRelative(elf.reader.wordLow(at), elf.reader.wordHigh(at));
}

/** Each table's non-relative indexes, found once: pack asks for them when counting words, keeping entries and proving. */
const nonRelative = new WeakMap<RelocationTable, Uint32Array>();

/**
 * The indexes of a REL/RELA table's entries that are not relative (IRELATIVE, symbolic: what
 * startup code leaves to others), ascending, judged as the plan judges them, from r_info's halves:
 * a library's table holds hundreds of thousands of entries.
 */
export function nonRelativeIndexes(planned: Plan, table: RelocationTable): Uint32Array {
  const known = nonRelative.get(table);
  if (known !== undefined) return known;
  const indexes = scanNonRelative(planned, table);
  nonRelative.set(table, indexes);
  return indexes;
}

function scanNonRelative(planned: Plan, table: RelocationTable): Uint32Array {
  const { words, step, infoLow, infoHigh, highMask: wide } = tableWords(planned.elf.reader, table);
  const { lowMask, low, highMask, high } = planned.info.decoder.relative;
  // One slot to spare: every index is stored and kept only when it counts, with no branch that a
  // table of relative entries first would leave without feedback for the compiled loop.
  const indexes = new Uint32Array(table.count + 1);
  let count = 0;
  for (let index = 0, at = 0; index < table.count; index++, at += step) {
    const infoLowHalf = words[at + infoLow] as number;
    const infoHighHalf = (words[at + infoHigh] as number) & wide;
    indexes[count] = index;
    count += (infoLowHalf & lowMask) >>> 0 !== low || (infoHighHalf & highMask) >>> 0 !== high ? 1 : 0;
  }
  // A copy of the few found: the table-sized scratch is not kept with them.
  return indexes.slice(0, count);
}
