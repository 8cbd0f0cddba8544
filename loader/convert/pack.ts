import { type ElfFile, encodeRelrOffsets, hex, type RelocationTable, SHF_ALLOC, SHT_REL, SHT_RELA, SHT_RELR, TABLE_TAGS } from '../../elf/index.js';
import { joinWord, type LoadSegment, type Plan, plan, SET_BASE_PLUS_ADDEND, SOURCE_REL, SOURCE_RELA, SOURCE_RELR } from '../model/index.js';
import { type Conversion, converted, refuseTextRelocations, tableSizes, unchanged } from './conversion.js';
import { type DynamicEdits, rewriteDynamic, writeDynamic } from './dynamic-edit.js';
import { ElfWriter } from './elf-writer.js';
import { refuse } from './errors.js';
import { fileOffsetOf, memoryWord, segmentOf } from './memory.js';
import { relrNotes } from './notes.js';
import { PatchedFile } from './patched-file.js';
import { type Reclaim, reclaimable, writeReclaim } from './reclaim.js';

import { SectionEdits, sectionAt } from './sections.js';
import { nonRelativeIndexes, refuseWritesIntoRewritten } from './tables.js';
import { allTags } from './tags.js';
import { WordUse } from './word-use.js';

/** What stays in one REL/RELA table: the entries RELR cannot hold, in their order. */
interface Remaining {
  readonly table: RelocationTable;
  readonly kept: Uint32Array;
  /** Relative entries among the kept ones, and how many of them lead the table (DT_RELACOUNT). */
  readonly relative: number;
  readonly leadingRelative: number;
}

/** Where the RELR table goes: the freed tail of a REL/RELA table, or the old RELR table's place. */
interface RelrPlace {
  readonly vaddr: bigint;
  readonly fileOffset: number;
}

/**
 * Moves every relative REL/RELA entry that RELR can hold into a RELR table inside the space the
 * tables free. RELR can hold an entry whose word is word-aligned (lld's rule: the encoding counts
 * in words) and written by no other relocation (RELR is applied after REL and RELA, so a shared
 * word would see its writes reordered). RELR adds the base to the word, so a RELA entry's addend
 * is first stored in its word, except on ARC, whose RELA already adds the base to the word.
 */
export function pack(elf: ElfFile): Conversion {
  const planned = plan(elf);
  refuseTextRelocations(planned);
  const use = new WordUse(planned);
  const tables = planned.info.tables;
  const relTables = tables.filter((table) => table.kind !== 'relr');
  const oldRelr = tables.find((table) => table.kind === 'relr');
  const before = tableSizes(tables);
  const w = planned.layout.wordSize;

  const { packable, targets, addends, packed, unaligned, shared } = choose(planned, use, relTables);
  if (packed === 0) {
    const why =
      relTables.length === 0
        ? 'it has no REL or RELA table'
        : unaligned + shared === 0
          ? 'none of its REL/RELA entries is relative'
          : `none of its relative REL/RELA entries can go to RELR (${unaligned} at unaligned addresses, ${shared} on words other relocations also write)`;
    return unchanged('pack', elf, before, why);
  }
  refuseWritesIntoRewritten(planned, use, tables);

  const remaining = relTables.map((table) => remainingOf(planned, table, packable.get(table) as Uint8Array));
  const words = encodeRelrOffsets(planned.layout.start, targets, w);
  const relrBytes = words.count * w;
  const place = placeRelr(elf, remaining, oldRelr, relrBytes);

  const dynamic = rewriteDynamic(elf, planned.info.dynamic, dynamicEdits(remaining, place, relrBytes, w));
  const sections = sectionEdits(elf, remaining, oldRelr, place, relrBytes);

  const end = elf.bytes.length;
  const reclaim = reclaimOf(elf, remaining, place, relrBytes, sections.appendedSize(end));
  const size = reclaim?.fileEnd ?? end + sections.appendedSize(end);
  const output = new PatchedFile(elf, size);
  const writer = new ElfWriter(output, elf.reader.endian, w);
  for (const { table, kept } of remaining) {
    let at = table.fileOffset;
    // The kept entries a run of consecutive ones at a time: symbolic entries follow one another.
    for (let first = 0; first < kept.length; ) {
      let end = first + 1;
      while (end < kept.length && kept[end] === (kept[end - 1] as number) + 1) end++;
      const from = table.fileOffset + (kept[first] as number) * table.entrySize;
      const length = (end - first) * table.entrySize;
      output.setBytes(at, elf.bytes.subarray(from, from + length));
      at += length;
      first = end;
    }
    output.fill(at, Math.min(size, table.fileOffset + Number(table.size)));
  }
  if (oldRelr !== undefined) output.fill(oldRelr.fileOffset, Math.min(size, oldRelr.fileOffset + Number(oldRelr.size)));
  if (reclaim !== undefined) writeReclaim(writer, sections, elf, reclaim);
  for (let i = 0; i < words.count; i++) writer.wordHalves(place.fileOffset + i * w, words.low[i] as number, words.high[i] as number);
  output.setWords(addends.at, addends.low, addends.high, addends.count, w, writer.little);
  writeDynamic(writer, dynamic);
  sections.write(writer, end);

  const keptRelative = remaining.reduce((sum, { relative }) => sum + relative, 0);
  const notes = [...relrNotes(elf, planned)];
  if (reclaim !== undefined) {
    notes.push(
      `the freed table space ended its PT_LOAD ${reclaim.segment.index} and the loaded file: given back, ${end - reclaim.fileEnd} bytes${reclaim.moves.length === 0 ? '' : ` (${reclaim.moves.length} unloaded ${reclaim.moves.length === 1 ? 'section' : 'sections'} after it moved down)`}`,
    );
  }
  if (keptRelative > 0) {
    notes.push(
      `${keptRelative} relative entries stay in REL/RELA: ${unaligned} at unaligned addresses, ${shared} on words other relocations also write`,
    );
  }
  return converted('pack', planned, before, output, notes);
}

/** Where a table that ends the file now ends: its kept entries, or the RELR table placed after them. */
function reclaimOf(elf: ElfFile, remaining: readonly Remaining[], place: RelrPlace, relrBytes: number, appended: number): Reclaim | undefined {
  for (const { table, kept } of remaining) {
    const tableEnd = table.fileOffset + Number(table.size);
    const relrInside = place.fileOffset >= table.fileOffset && place.fileOffset < tableEnd;
    const usedEnd = Math.max(table.fileOffset + kept.length * table.entrySize, relrInside ? place.fileOffset + relrBytes : 0);
    const reclaim = reclaimable(elf, table, usedEnd, appended);
    if (reclaim !== undefined) return reclaim;
  }
  return undefined;
}

interface Choice {
  /** Per REL/RELA table, 1 for each entry that goes to RELR. */
  readonly packable: Map<RelocationTable, Uint8Array>;
  /** Layout offsets of every word RELR relocates (the packed entries' and an old RELR table's), sorted. */
  readonly targets: Float64Array;
  /** The words that must hold their RELA addend: file offsets, and the values as 32-bit halves (a bigint per word would cost more than the rest of packing a large library). */
  readonly addends: { readonly count: number; readonly at: Float64Array; readonly low: Uint32Array; readonly high: Uint32Array };
  readonly packed: number;
  readonly unaligned: number;
  readonly shared: number;
}

function choose(planned: Plan, use: WordUse, relTables: readonly RelocationTable[]): Choice {
  const { writes, layout, elf } = planned;
  const { count, sources, targets: writeTargets, kinds, entries, addendLow, addendHigh } = writes;
  const w = layout.wordSize;
  const packable = new Map(relTables.map((table) => [table, new Uint8Array(table.count)]));
  // Each source's marks looked up once rather than per write: there is at most one table of a kind.
  const marksOf = (kind: RelocationTable['kind']): Uint8Array | undefined => {
    const table = relTables.find((candidate) => candidate.kind === kind);
    return table === undefined ? undefined : packable.get(table);
  };
  const relMarks = marksOf('rel');
  const relaMarks = marksOf('rela');
  const targets = new Float64Array(count);
  const addends = { count: 0, at: new Float64Array(count), low: new Uint32Array(count), high: new Uint32Array(count) };
  let found = 0;
  let packed = 0;
  let unaligned = 0;
  let shared = 0;
  let segment = layout.segments[0] as LoadSegment;
  for (let i = 0; i < count; i++) {
    const source = sources[i] as number;
    const target = writeTargets[i] as number;
    if (source === SOURCE_RELR) {
      targets[found++] = target;
      continue;
    }
    const marks = source === SOURCE_RELA ? relaMarks : source === SOURCE_REL ? relMarks : undefined;
    if (marks === undefined) continue;
    if (!use.aligned(target)) {
      unaligned++;
      continue;
    }
    if (!use.single(target)) {
      shared++;
      continue;
    }
    marks[entries[i] as number] = 1;
    targets[found++] = target;
    packed++;
    if (kinds[i] !== SET_BASE_PLUS_ADDEND) continue;
    if (target < segment.offset || target + w > segment.offset + segment.memorySize) segment = segmentOf(layout, target, w);
    const low = addendLow[i] as number;
    const high = w === 8 ? (addendHigh[i] as number) : 0;
    const at = fileOffsetOf(segment, target, w);
    if (at !== undefined) {
      addends.at[addends.count] = at;
      addends.low[addends.count] = low;
      addends.high[addends.count++] = high;
      continue;
    }
    if (memoryWord(elf, layout, target) !== joinWord(low, high)) {
      throw refuse(
        'ADDEND_IN_NOBITS',
        `Invalid ELF rela#${entries[i]} for packing: its addend ${hex(joinWord(low, high))} must be stored in the word at ` +
          `${hex(layout.start + BigInt(target))}, past p_filesz of PT_LOAD ${segment.header.index} (memory the file does not hold, such as .bss): ` +
          'RELR keeps the addend in the word',
      );
    }
  }
  return { packable, targets: sorted(targets.subarray(0, found)), addends, packed, unaligned, shared };
}

/** Linkers emit relative entries in address order: the targets are sorted only when they are not. */
function sorted(targets: Float64Array): Float64Array {
  for (let i = 1; i < targets.length; i++) if ((targets[i] as number) < (targets[i - 1] as number)) return targets.sort();
  return targets;
}

function remainingOf(planned: Plan, table: RelocationTable, packable: Uint8Array): Remaining {
  const others = nonRelativeIndexes(planned, table);
  // Packed entries are relative, so every other one is kept: the relative ones that lead are
  // those before the first entry that is not relative.
  const firstOther = others.length === 0 ? table.count : (others[0] as number);
  const kept = new Uint32Array(table.count + 1);
  let count = 0;
  let leadingRelative = 0;
  // No branch that the packed entries, which may all come first, leave without feedback.
  for (let index = 0; index < table.count; index++) {
    const keep = (packable[index] as number) ^ 1;
    kept[count] = index;
    count += keep;
    leadingRelative += index < firstOther ? keep : 0;
  }
  return { table, kept: kept.subarray(0, count), relative: count - others.length, leadingRelative };
}

/** The ABI's table first: it is the one a linker would have shrunk. */
function placeRelr(elf: ElfFile, remaining: readonly Remaining[], oldRelr: RelocationTable | undefined, size: number): RelrPlace {
  const w = BigInt(elf.reader.wordSize);
  const ordered = [...remaining].sort((a, b) => Number(b.table.kind === elf.arch.abiTable) - Number(a.table.kind === elf.arch.abiTable));
  for (const { table, kept } of ordered) {
    const end = table.vaddr + BigInt(kept.length * table.entrySize);
    const vaddr = ((end + w - 1n) / w) * w;
    if (vaddr + BigInt(size) <= table.vaddr + table.size) return { vaddr, fileOffset: table.fileOffset + Number(vaddr - table.vaddr) };
  }
  if (oldRelr !== undefined && BigInt(size) <= oldRelr.size) return { vaddr: oldRelr.vaddr, fileOffset: oldRelr.fileOffset };
  throw refuse(
    'NO_ROOM',
    `Invalid ELF relocation tables for packing: the ${size}-byte RELR table fits neither in the space the REL/RELA entries free nor in the old RELR table`,
  );
}

/**
 * A table left empty loses all its tags (an empty table is no table, and its DT_*ENT and count
 * would only take entries). DT_RELACOUNT/DT_RELCOUNT counts the relative entries that lead the
 * table; glibc applies that many as relative without looking, so it is exact or removed.
 */
function dynamicEdits(remaining: readonly Remaining[], place: RelrPlace, relrBytes: number, w: number): DynamicEdits {
  const remove: bigint[] = [];
  const replace: [bigint, bigint][] = [];
  for (const { table, kept, leadingRelative } of remaining) {
    const tags = TABLE_TAGS[table.kind as 'rel' | 'rela'];
    if (kept.length === 0) {
      remove.push(...allTags(tags));
      continue;
    }
    replace.push([tags.size, BigInt(kept.length * table.entrySize)]);
    if (leadingRelative === 0) remove.push(tags.count);
    else replace.push([tags.count, BigInt(leadingRelative)]);
  }
  const relr = TABLE_TAGS.relr;
  return {
    remove,
    replace,
    set: [
      [relr.address, place.vaddr],
      [relr.size, BigInt(relrBytes)],
      [relr.entrySize, BigInt(w)],
    ],
  };
}

/**
 * Sections follow the tables: a REL/RELA section shrinks to its kept entries; the RELR table gets
 * a SHT_RELR section named .relr.dyn (as lld names it), so that readelf -r lists its relocations.
 * When the table emptied is where RELR now starts, its section becomes that SHT_RELR section;
 * otherwise a section is added (or the old RELR table's one follows it).
 */
function sectionEdits(
  elf: ElfFile,
  remaining: readonly Remaining[],
  oldRelr: RelocationTable | undefined,
  place: RelrPlace,
  relrBytes: number,
): SectionEdits {
  const edits = new SectionEdits(elf);
  if (!edits.present) return edits;
  const w = BigInt(elf.reader.wordSize);
  const relrFields = {
    type: SHT_RELR,
    flags: SHF_ALLOC,
    addr: place.vaddr,
    offset: BigInt(place.fileOffset),
    size: BigInt(relrBytes),
    link: 0,
    info: 0,
    addralign: w,
    entsize: w,
  };
  const oldRelrSection = oldRelr === undefined ? undefined : sectionAt(elf, [SHT_RELR], oldRelr.vaddr);
  let relrDone = false;
  if (oldRelrSection !== undefined) {
    edits.change(oldRelrSection, relrFields);
    relrDone = true;
  }
  for (const { table, kept } of remaining) {
    const index = sectionAt(elf, [SHT_REL, SHT_RELA], table.vaddr);
    if (index === undefined) continue;
    if (!relrDone && kept.length === 0 && place.vaddr === table.vaddr) {
      edits.change(index, { ...relrFields, name: '.relr.dyn' });
      relrDone = true;
      continue;
    }
    edits.change(index, { size: BigInt(kept.length * table.entrySize) });
  }
  if (!relrDone) edits.add({ ...relrFields, name: '.relr.dyn' });
  return edits;
}
