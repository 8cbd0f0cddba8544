import { type ElfFile, PT_LOAD, type RelocationTable, SHF_ALLOC, SHT_NOBITS, SHT_NULL } from '../../elf/index.js';
import { type ElfWriter, PHDR_SIZE } from './elf-writer.js';
import type { SectionEdits } from './sections.js';

/** The file's end given back: the PT_LOAD that ends with the table cut where its content now ends, and what followed it moved down. */
export interface Reclaim {
  /** The output's size: the file is cut there. */
  readonly fileEnd: number;
  /** Where the segment's content now ends in the file. */
  readonly usedEnd: number;
  readonly segment: ElfFile['programHeaders'][number];
  /** Sections no segment loads that followed the segment (a section name table a converter appended), moved to follow its new end. */
  readonly moves: readonly { readonly index: number; readonly from: number; readonly size: number; readonly to: number }[];
}

const alignUp = (value: number, align: number): number => Math.ceil(value / align) * align;

/**
 * Freed table space can be given back only where no loaded byte follows it: a table that ends
 * its PT_LOAD (filesz = memsz: nothing zero-filled after it), the PT_LOAD whose file bytes end
 * last, followed in the file only by sections no segment loads (they move down) and with the
 * section header table before `usedEnd` (the file offset where the table's kept entries, or the
 * RELR table placed in it, end). That is where unpack puts a table that did not fit in the old
 * one: a read-only PT_LOAD of its own at the file's end. Elsewhere the space stays, zero-filled:
 * the code and data after it cannot move.
 */
export function reclaimable(elf: ElfFile, table: RelocationTable, usedEnd: number, appended: number): Reclaim | undefined {
  const fileEnd = elf.bytes.length;
  const tableEnd = table.fileOffset + Number(table.size);
  if (appended > 0 || usedEnd >= tableEnd) return undefined;
  const loads = elf.programHeaders.filter((header) => header.type === PT_LOAD);
  const segment = loads.find((header) => header.offset + header.filesz === BigInt(tableEnd) && header.memsz === header.filesz);
  if (segment === undefined || BigInt(usedEnd) < segment.offset) return undefined;
  if (loads.some((header) => header !== segment && header.offset + header.filesz > segment.offset)) return undefined;
  const { shoff, shnum, shentsize } = elf.header;
  if (shnum > 0 && Number(shoff) + shnum * shentsize > usedEnd) return undefined;
  const withBytes = elf.sectionHeaders.filter(
    (section) => section.type !== SHT_NULL && section.type !== SHT_NOBITS && section.size > 0n && section.offset !== BigInt(table.fileOffset),
  );
  const trailing = withBytes.filter((section) => section.offset >= BigInt(tableEnd)).sort((a, b) => Number(a.offset - b.offset));
  if (trailing.some((section) => (section.flags & SHF_ALLOC) !== 0n)) return undefined;
  if (withBytes.some((section) => section.offset < BigInt(tableEnd) && section.offset + section.size > BigInt(usedEnd))) return undefined;
  const lastByte = trailing.reduce((end, section) => Math.max(end, Number(section.offset + section.size)), tableEnd);
  // Bytes after the last section that nothing names: not the converter's to drop.
  if (lastByte !== fileEnd) return undefined;
  let at = usedEnd;
  const moves = trailing.map((section) => {
    const to = alignUp(at, Math.max(1, Number(section.addralign)));
    at = to + Number(section.size);
    return { index: section.index, from: Number(section.offset), size: Number(section.size), to };
  });
  return { fileEnd: at, usedEnd, segment, moves };
}

/** The segment's header with its sizes cut to the table's new end, and the sections that followed it moved down. */
export function writeReclaim(writer: ElfWriter, sections: SectionEdits, elf: ElfFile, reclaim: Reclaim): void {
  const { segment } = reclaim;
  const size = BigInt(reclaim.usedEnd) - segment.offset;
  const { index, ...fields } = segment;
  writer.programHeader(Number(elf.header.phoff) + index * PHDR_SIZE[elf.reader.wordSize], { ...fields, filesz: size, memsz: size });
  for (const move of reclaim.moves) {
    // A file read lazily holds only the bytes asked for.
    elf.reader.range(move.from, move.size, 'a section moved down');
    writer.file.setBytes(move.to, elf.bytes.subarray(move.from, move.from + move.size));
    sections.change(move.index, { offset: BigInt(move.to) });
  }
}
