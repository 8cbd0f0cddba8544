import { type ElfFile, hex, PF_R, PN_XNUM, PT_LOAD, PT_NULL, PT_PHDR } from '../../elf/index.js';
import { type ElfWriter, PHDR_SIZE, type ProgramHeaderFields } from './elf-writer.js';
import { refuse } from './errors.js';

/** Where a new read-only PT_LOAD goes, and whether the program header table moves into it. */
export interface NewSegment {
  readonly offset: number;
  readonly vaddr: bigint;
  readonly size: number;
  readonly align: bigint;
  /** The program header table is rewritten at the segment's start, one entry longer. */
  readonly movesHeaders: boolean;
  /** Index of the PT_NULL entry the new PT_LOAD takes when the table stays. */
  readonly slot: number | undefined;
  /** Where the content starts, after the moved program headers. */
  readonly contentOffset: number;
  readonly contentVaddr: bigint;
}

const alignUp = (value: bigint, align: bigint): bigint => ((value + align - 1n) / align) * align;

/**
 * Places `contentSize` bytes in a new PT_LOAD above every segment, in the file after `fileEnd`.
 *
 * A new entry needs room in the program header table: a PT_NULL entry after the last PT_LOAD
 * (PT_LOADs stay sorted by p_vaddr, gABI), or else the table moves into the new segment, as
 * patchelf does, so that it is still loaded. The kernel and qemu-user find the table for AT_PHDR
 * from e_phoff: Linux before 5.18 and qemu 7.2 as `load_addr + e_phoff`, with load_addr the
 * lowest `p_vaddr - p_offset`; so a segment holding the moved table keeps that same
 * `p_vaddr - p_offset`. p_align is the largest of the file's PT_LOADs (the maximum page size the
 * file was linked for), at least the page size qemu reports, and the segment starts on a fresh
 * page of that size in memory and in the file, so that mapping it covers neither the previous
 * segment's last page nor bytes of the file that are not its own.
 */
export function placeNewSegment(elf: ElfFile, fileEnd: number, contentSize: number): NewSegment {
  const w = elf.reader.wordSize;
  const loads = elf.programHeaders.filter((header) => header.type === PT_LOAD);
  const lastLoad = loads.reduce((last, header) => Math.max(last, header.index), -1);
  const slot = elf.programHeaders.find((header) => header.type === PT_NULL && header.index > lastLoad)?.index;
  const movesHeaders = slot === undefined;
  const align = loads.reduce((largest, header) => (header.align > largest ? header.align : largest), elf.arch.pageSize);
  const memoryEnd = loads.reduce((end, header) => (header.vaddr + header.memsz > end ? header.vaddr + header.memsz : end), 0n);
  const headerBytes = movesHeaders ? (elf.programHeaders.length + 1) * PHDR_SIZE[w] : 0;
  if (movesHeaders && elf.programHeaders.length + 1 >= PN_XNUM) {
    throw refuse('NO_ROOM', `Invalid ELF program headers for conversion: ${elf.programHeaders.length} entries, one more needs extended numbering`);
  }
  // A page of its own in the file too: no bytes of the file's end are mapped with it.
  const start = alignUp(BigInt(fileEnd), align);
  let offset: bigint;
  let vaddr: bigint;
  if (movesHeaders) {
    const delta = loads.reduce((lowest, header) => (header.vaddr - header.offset < lowest ? header.vaddr - header.offset : lowest), memoryEnd);
    if (delta % align !== 0n) {
      throw refuse(
        'NO_ROOM',
        `Invalid ELF PT_LOAD segments for conversion: p_vaddr - p_offset = ${hex(delta)} is not a multiple of p_align ${hex(align)}, ` +
          'so no new segment can hold the program headers where the kernel looks for them',
      );
    }
    const lowest = alignUp(memoryEnd - delta, align);
    offset = start > lowest ? start : lowest;
    vaddr = offset + delta;
  } else {
    offset = start;
    vaddr = alignUp(memoryEnd, align);
  }
  const contentOffset = Number(offset) + headerBytes;
  return {
    offset: Number(offset),
    vaddr,
    size: headerBytes + contentSize,
    align,
    movesHeaders,
    slot,
    contentOffset,
    contentVaddr: vaddr + BigInt(headerBytes),
  };
}

/** The new PT_LOAD's header and, when it moves, the whole program header table (with PT_PHDR following it). */
export function writeNewSegment(writer: ElfWriter, elf: ElfFile, segment: NewSegment): void {
  const entrySize = PHDR_SIZE[elf.reader.wordSize];
  const size = BigInt(segment.size);
  const load: ProgramHeaderFields = {
    type: PT_LOAD,
    flags: PF_R,
    offset: BigInt(segment.offset),
    vaddr: segment.vaddr,
    paddr: segment.vaddr,
    filesz: size,
    memsz: size,
    align: segment.align,
  };
  if (!segment.movesHeaders) {
    writer.programHeader(Number(elf.header.phoff) + (segment.slot ?? 0) * entrySize, load);
    return;
  }
  const headers: ProgramHeaderFields[] = [];
  const tableSize = BigInt((elf.programHeaders.length + 1) * entrySize);
  const lastLoad = elf.programHeaders.findLastIndex((header) => header.type === PT_LOAD);
  elf.programHeaders.forEach((header, index) => {
    headers.push(
      header.type === PT_PHDR
        ? { ...header, offset: BigInt(segment.offset), vaddr: segment.vaddr, paddr: segment.vaddr, filesz: tableSize, memsz: tableSize }
        : header,
    );
    if (index === lastLoad) headers.push(load);
  });
  headers.forEach((header, index) => {
    writer.programHeader(segment.offset + index * entrySize, header);
  });
  writer.header('phoff', BigInt(segment.offset));
  writer.header('phnum', headers.length);
}
