import {
  type ElfFile,
  hex,
  type RelocationTable,
  relativeInfo,
  SHF_ALLOC,
  SHT_DYNSYM,
  SHT_NULL,
  SHT_REL,
  SHT_RELA,
  SHT_RELR,
  swapUnlessHostOrder,
  TABLE_TAGS,
} from '../../elf/index.js';
import { type ImageLayout, type LoadSegment, type Plan, plan, SOURCE_RELR, splitWord } from '../model/index.js';
import { type Conversion, converted, refuseTextRelocations, tableSizes, unchanged } from './conversion.js';
import { type DynamicEdits, rewriteDynamic, writeDynamic } from './dynamic-edit.js';
import { ElfWriter } from './elf-writer.js';
import { refuse } from './errors.js';
import { fileOffsetOf, memoryWord, segmentOf } from './memory.js';
import { type NewSegment, placeNewSegment, writeNewSegment } from './new-segment.js';
import { PatchedFile } from './patched-file.js';
import { SectionEdits, sectionAt } from './sections.js';
import { entryIsRelative, refuseWritesIntoRewritten, tableOf } from './tables.js';
import { allTags, tagName } from './tags.js';
import { WordUse } from './word-use.js';

export interface UnpackOptions {
  /** The table the relative entries go to; by default the one the architecture's psABI uses. */
  readonly format?: 'rel' | 'rela';
  /**
   * RELA only: leave each word's link-time value in place, where by default it is zeroed as lld
   * writes a RELA target. Relocators that add the word (Zig 0.11's `*p += base + addend`) need the zero.
   */
  readonly keepAddends?: boolean;
}

/** Where the new table goes: in place of the old tables, or in a new segment. */
interface TablePlace {
  readonly vaddr: bigint;
  readonly fileOffset: number;
  readonly segment: NewSegment | undefined;
}

/**
 * Turns every RELR word into a relative REL or RELA entry, for runtimes that do not read RELR.
 * A RELA entry's addend is the word's link-time value, and the word becomes 0 (as lld leaves a RELA
 * target, so that a relocator adding the word still computes base + addend); a REL entry leaves the
 * value in the word.
 * The relative entries come first and an existing table of the same format follows them: that is
 * the order linkers emit (relative before IRELATIVE), and DT_RELACOUNT/DT_RELCOUNT can then count
 * them. A table of the other format is refused: its relative entries would be split over two
 * formats, and a runtime such as glibc on x86_64 reads only one.
 */
export function unpack(elf: ElfFile, options: UnpackOptions = {}): Conversion {
  const planned = plan(elf);
  refuseTextRelocations(planned);
  const before = tableSizes(planned.info.tables);
  const relr = tableOf(planned, 'relr');
  if (relr === undefined || relr.count === 0) {
    return unchanged('unpack', elf, before, 'it has no RELR table');
  }
  const format = options.format ?? elf.arch.abiTable;
  const conflicting = planned.info.tables.find((table) => table.kind !== 'relr' && table.kind !== format && table.count > 0);
  if (conflicting !== undefined) {
    throw refuse(
      'TABLE_CONFLICT',
      `Invalid ELF ${conflicting.kind.toUpperCase()} table for unpacking to ${format.toUpperCase()}: the file already has one at ${hex(conflicting.vaddr)}, ` +
        `and its relative entries would be split over two formats (use --format ${conflicting.kind})`,
    );
  }
  const use = new WordUse(planned);
  refuseWritesIntoRewritten(planned, use, planned.info.tables);
  const old = tableOf(planned, format);
  const w = elf.reader.wordSize;
  const entrySize = (format === 'rel' ? 2 : 3) * w;
  const targets = relrTargets(planned, use);
  const oldCount = old?.count ?? 0;
  const size = (targets.length + oldCount) * entrySize;
  const leadingRelative = targets.length + (old === undefined ? 0 : leadingRelativeOf(elf, planned, old));

  const place = placeTable(elf, relr, old, size);
  const tags = TABLE_TAGS[format];
  const countPresent = planned.info.dynamic.entries.some((entry) => entry.tag === tags.count);
  const edits: DynamicEdits = {
    remove: allTags(TABLE_TAGS.relr),
    set: [
      [tags.address, place.vaddr],
      [tags.size, BigInt(size)],
      [tags.entrySize, BigInt(entrySize)],
    ],
    ...(countPresent ? { replace: [[tags.count, BigInt(leadingRelative)]] } : { optional: [[tags.count, BigInt(leadingRelative)]] }),
  };
  const dynamic = rewriteDynamic(elf, planned.info.dynamic, edits);
  const sections = sectionEdits(elf, relr, old, place, format, size);

  const fileEnd = elf.bytes.length;
  const end = place.segment === undefined ? fileEnd : Math.max(fileEnd, place.segment.offset + place.segment.size);
  const output = new PatchedFile(elf, end + sections.appendedSize(end));
  const writer = new ElfWriter(output, elf.reader.endian, w);
  output.fill(relr.fileOffset, relr.fileOffset + Number(relr.size));
  if (old !== undefined) output.fill(old.fileOffset, old.fileOffset + Number(old.size));
  // ARC's RELA adds the base to the word (elf.arch.relaAddsToWord): there the word is the value.
  const zeroWords = format === 'rela' && !elf.arch.relaAddsToWord && options.keepAddends !== true;
  writeEntries(writer, planned, targets, place.fileOffset, format, zeroWords);
  if (old !== undefined)
    output.setBytes(place.fileOffset + targets.length * entrySize, elf.bytes.subarray(old.fileOffset, old.fileOffset + Number(old.size)));
  if (place.segment !== undefined) writeNewSegment(writer, elf, place.segment);
  writeDynamic(writer, dynamic);
  sections.write(writer, end);

  const notes: string[] = [];
  if (format !== elf.arch.abiTable) {
    notes.push(
      `${format.toUpperCase()} is not the table ${elf.arch.name}'s psABI uses (${elf.arch.abiTable.toUpperCase()}): runtimes such as glibc read only the ABI's`,
    );
  }
  if (!countPresent && !dynamic.entries.some(([tag]) => tag === tags.count)) {
    notes.push(`no free dynamic entry for ${tagName(tags.count)}, which is optional: left out`);
  }
  if (place.segment !== undefined) {
    notes.push(
      `the table is in a new read-only PT_LOAD at ${hex(place.segment.vaddr)} (file offset ${hex(place.segment.offset)})` +
        (place.segment.movesHeaders ? ', which also holds the program header table, moved there to make room for it' : ''),
    );
  }
  return converted('unpack', planned, before, output, notes);
}

/**
 * The words the RELR table relocates, in its order (ascending for any linker's table). Each must
 * be written by nothing else: RELR is applied last, a REL/RELA entry earlier, so a word another
 * relocation also writes would see its writes reordered (and a RELR address listed twice adds
 * the base twice, which no RELA entry can express).
 */
function relrTargets(planned: Plan, use: WordUse): Uint32Array {
  const { writes, layout } = planned;
  // RELR is applied last: its writes end the plan's list, and their targets are a view of it.
  let first = writes.count;
  while (first > 0 && writes.sources[first - 1] === SOURCE_RELR) first--;
  const targets = writes.targets.subarray(first, writes.count);
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i] as number;
    if (!use.single(target)) {
      throw refuse(
        'TABLE_CONFLICT',
        `Invalid ELF relr#${writes.entries[first + i]} for unpacking: the word at ${hex(layout.start + BigInt(target))} is also written by another relocation, ` +
          'and moving it out of RELR would change the order of those writes',
      );
    }
  }
  return targets;
}

/** Entries made per block: the words' offsets, values and entries for one block at a time, not for a million. */
const BLOCK = 4096;

/**
 * One relative entry per RELR word, in its order: r_offset the word's link-time address, and for
 * RELA r_addend its link-time value (file bytes, or zero past p_filesz), which `zeroWords` then
 * clears in the word. Each block of entries is made as 32-bit words in the host's order, put in
 * the file's, and stored with one copy: a bigint, or a DataView call, per field of a million
 * entries would cost more than the rest of unpacking.
 */
function writeEntries(writer: ElfWriter, planned: Plan, targets: Uint32Array, at: number, format: 'rel' | 'rela', zeroWords: boolean): void {
  const { elf, layout } = planned;
  const { little, lowAt, highAt } = elf.reader;
  const output = writer.file;
  const w = layout.wordSize;
  const rela = format === 'rela';
  const entryWords = ((rela ? 3 : 2) * w) >>> 2;
  const [startLow, startHigh] = splitWord(layout.start);
  const [infoLow, infoHigh] = splitWord(relativeInfo(elf.arch));
  const offsets = new Float64Array(BLOCK);
  const valueLow = new Uint32Array(BLOCK);
  const valueHigh = new Uint32Array(BLOCK);
  const block = new Uint32Array(BLOCK * entryWords);
  const shape: EntryShape = { step: entryWords, field: w >>> 2, low: lowAt >>> 2, high: highAt >>> 2, startLow, startHigh, infoLow, infoHigh, rela };
  for (let first = 0; first < targets.length; first += BLOCK) {
    const count = Math.min(BLOCK, targets.length - first);
    if (rela) {
      const unbacked = wordOffsets(layout, targets, first, count, offsets);
      output.takeWords(offsets, count, w, little, valueLow, valueHigh, zeroWords);
      // Memory past p_filesz, which the file does not hold and so cannot zero: read apart.
      for (let i = 0; unbacked > 0 && i < count; i++) {
        if ((offsets[i] as number) >= 0) continue;
        [valueLow[i], valueHigh[i]] = splitWord(memoryWord(elf, layout, targets[first + i] as number));
      }
    }
    fillEntries(block, shape, targets, first, count, valueLow, valueHigh);
    swapUnlessHostOrder(block, count * entryWords, little);
    output.setBytes(at, new Uint8Array(block.buffer, 0, count * entryWords * 4));
    at += count * entryWords * 4;
  }
}

/** The file offset of each of `count` words (-1 for one past p_filesz); returns how many are past it. */
function wordOffsets(layout: ImageLayout, targets: Uint32Array, first: number, count: number, offsets: Float64Array): number {
  const w = layout.wordSize;
  let segment = layout.segments[0] as LoadSegment;
  let unbacked = 0;
  for (let i = 0; i < count; i++) {
    const target = targets[first + i] as number;
    if (target < segment.offset || target + w > segment.offset + segment.memorySize) segment = segmentOf(layout, target, w);
    const at = fileOffsetOf(segment, target, w) ?? -1;
    offsets[i] = at;
    unbacked += at < 0 ? 1 : 0;
  }
  return unbacked;
}

/** Where an entry's fields lie among its 32-bit words, and what a relative entry holds. */
interface EntryShape {
  readonly step: number;
  /** Words per field, and the indexes of a field's low and high halves in it (the same on ELF32). */
  readonly field: number;
  readonly low: number;
  readonly high: number;
  readonly startLow: number;
  readonly startHigh: number;
  readonly infoLow: number;
  readonly infoHigh: number;
  readonly rela: boolean;
}

/** The loop of `writeEntries`, apart: its own small function is compiled sooner than the whole. */
function fillEntries(
  block: Uint32Array,
  s: EntryShape,
  targets: Uint32Array,
  first: number,
  count: number,
  valueLow: Uint32Array,
  valueHigh: Uint32Array,
): void {
  const { step, field, low, high, startLow, startHigh, infoLow, infoHigh, rela } = s;
  for (let i = 0, at = 0; i < count; i++, at += step) {
    const sum = startLow + (targets[first + i] as number);
    // On ELF32 a field's high index is its low one: the high half (0) is stored first and then over.
    block[at + high] = startHigh + (sum > 0xffffffff ? 1 : 0);
    block[at + low] = sum;
    block[at + field + high] = infoHigh;
    block[at + field + low] = infoLow;
    if (rela) {
      block[at + 2 * field + high] = valueHigh[i] as number;
      block[at + 2 * field + low] = valueLow[i] as number;
    }
  }
}

function leadingRelativeOf(elf: ElfFile, planned: Plan, table: RelocationTable): number {
  let count = 0;
  while (count < table.count && entryIsRelative(elf, planned, table, count)) count++;
  return count;
}

/**
 * The old RELR table and a same-format table that touches it form one space the new table may
 * fill (no byte between them belongs to anything else). With section headers, the zero bytes
 * after that space up to the next allocated section are free as well (pack leaves what it freed
 * there, zeroed). Else a new segment holds the table.
 */
function placeTable(elf: ElfFile, relr: RelocationTable, old: RelocationTable | undefined, size: number): TablePlace {
  const spaces: [RelocationTable, RelocationTable][] = [[relr, relr]];
  if (old !== undefined) {
    const [first, second] = old.vaddr < relr.vaddr ? [old, relr] : [relr, old];
    if (first.vaddr + first.size === second.vaddr && second.fileOffset === first.fileOffset + Number(first.size)) spaces.push([first, second]);
  }
  for (const [first, last] of spaces) {
    const end = last.vaddr + last.size + freeBytesAfter(elf, last);
    if (BigInt(size) <= end - first.vaddr) return { vaddr: first.vaddr, fileOffset: first.fileOffset, segment: undefined };
  }
  const segment = placeNewSegment(elf, elf.bytes.length, size);
  return { vaddr: segment.contentVaddr, fileOffset: segment.contentOffset, segment };
}

/** Zero file-backed bytes after a table that no allocated section claims, before the next one that does. */
function freeBytesAfter(elf: ElfFile, table: RelocationTable): bigint {
  const end = table.vaddr + table.size;
  const load = elf.addressMap.segmentOf(table.vaddr);
  if (elf.sectionHeaders.length === 0 || load === undefined) return 0n;
  let limit = load.vaddr + load.filesz;
  for (const section of elf.sectionHeaders) {
    if ((section.flags & SHF_ALLOC) !== 0n && section.addr >= end && section.addr < limit) limit = section.addr;
    if ((section.flags & SHF_ALLOC) !== 0n && section.addr < end && section.addr + section.size > end) return 0n;
  }
  const start = table.fileOffset + Number(table.size);
  const length = Number(limit - end);
  if (length <= 0) return 0n;
  const at = elf.reader.range(start, length, 'space after the relocation tables');
  const bytes = elf.bytes.subarray(at, at + length);
  const firstUsed = bytes.findIndex((byte) => byte !== 0);
  return BigInt(firstUsed < 0 ? length : firstUsed);
}

/**
 * The table's section: the same-format section when the file has one (its entries follow the new
 * ones), else the RELR section retyped and renamed (.rel.dyn/.rela.dyn, as linkers name them),
 * else a new section. A RELR section left over becomes SHT_NULL, an inactive entry (gABI), so
 * that readelf does not list the RELR relocations a second time.
 */
function sectionEdits(
  elf: ElfFile,
  relr: RelocationTable,
  old: RelocationTable | undefined,
  place: TablePlace,
  format: 'rel' | 'rela',
  size: number,
): SectionEdits {
  const edits = new SectionEdits(elf);
  if (!edits.present) return edits;
  const w = BigInt(elf.reader.wordSize);
  const fields = {
    type: format === 'rel' ? SHT_REL : SHT_RELA,
    flags: SHF_ALLOC,
    addr: place.vaddr,
    offset: BigInt(place.fileOffset),
    size: BigInt(size),
    link: elf.sectionHeaders.find((section) => section.type === SHT_DYNSYM)?.index ?? 0,
    info: 0,
    addralign: w,
    entsize: (format === 'rel' ? 2n : 3n) * w,
  };
  const name = format === 'rel' ? '.rel.dyn' : '.rela.dyn';
  const tableSection = old === undefined ? undefined : sectionAt(elf, [SHT_REL, SHT_RELA], old.vaddr);
  const relrSection = sectionAt(elf, [SHT_RELR], relr.vaddr);
  if (tableSection !== undefined) {
    edits.change(tableSection, { addr: place.vaddr, offset: BigInt(place.fileOffset), size: BigInt(size) });
    if (relrSection !== undefined) {
      edits.change(relrSection, { type: SHT_NULL, flags: 0n, addr: 0n, offset: 0n, size: 0n, link: 0, info: 0, addralign: 0n, entsize: 0n });
    }
  } else if (relrSection !== undefined) {
    edits.change(relrSection, { ...fields, name });
  } else {
    edits.add({ ...fields, name });
  }
  return edits;
}
