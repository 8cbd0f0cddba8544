import { ElfError, type ElfFile, hex, PF_W, type ProgramHeader } from '../../elf/index.js';

/** Images beyond this are refused rather than allocated: a corrupt p_memsz must not exhaust memory. */
export const IMAGE_LIMIT = 1 << 30;

export interface LoadSegment {
  readonly header: ProgramHeader;
  /** Position of p_vaddr in the image. */
  readonly offset: number;
  readonly memorySize: number;
  readonly fileOffset: number;
  readonly fileSize: number;
  readonly writable: boolean;
}

/** The PT_LOAD segments placed side by side as a loader maps them, from the lowest p_vaddr up. */
export interface ImageLayout {
  readonly start: bigint;
  readonly size: number;
  /** Sorted by address. */
  readonly segments: readonly LoadSegment[];
  readonly wordSize: 4 | 8;
}

export function layoutOf(elf: ElfFile): ImageLayout {
  const loads = elf.addressMap.loads;
  const wordSize = elf.reader.wordSize;
  const addressLimit = 1n << BigInt(wordSize * 8);
  for (const load of loads) {
    const name = `PT_LOAD ${load.index} (p_vaddr = ${hex(load.vaddr)})`;
    if (load.filesz > load.memsz) {
      throw new ElfError('BAD_SEGMENT', `Invalid ELF ${name}: p_filesz = ${hex(load.filesz)} exceeds p_memsz = ${hex(load.memsz)}`);
    }
    if (load.vaddr + load.memsz > addressLimit) {
      throw new ElfError('BAD_SEGMENT', `Invalid ELF ${name}: p_memsz = ${hex(load.memsz)} runs past the end of the address space`);
    }
    elf.reader.check(load.offset, load.filesz, `${name} file bytes (p_offset = ${hex(load.offset)}, p_filesz = ${hex(load.filesz)})`);
  }
  const sorted = [...loads].filter((load) => load.memsz > 0n).sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  const first = sorted[0];
  if (first === undefined) throw new ElfError('BAD_SEGMENT', 'Invalid ELF program headers: no PT_LOAD segment with memory');
  sorted.forEach((load, position) => {
    const next = sorted[position + 1];
    if (next !== undefined && load.vaddr + load.memsz > next.vaddr) {
      throw new ElfError(
        'BAD_SEGMENT',
        `Invalid ELF PT_LOAD ${next.index}: p_vaddr = ${hex(next.vaddr)} overlaps PT_LOAD ${load.index} ` +
          `(${hex(load.vaddr)}..${hex(load.vaddr + load.memsz)})`,
      );
    }
  });
  const start = first.vaddr;
  const end = sorted.reduce((highest, load) => (load.vaddr + load.memsz > highest ? load.vaddr + load.memsz : highest), 0n);
  if (end - start > BigInt(IMAGE_LIMIT)) {
    throw new ElfError(
      'IMAGE_TOO_LARGE',
      `Invalid ELF PT_LOAD segments: they span ${hex(end - start)} bytes, more than piekit maps (${hex(IMAGE_LIMIT)})`,
    );
  }
  return {
    start,
    size: Number(end - start),
    wordSize,
    segments: sorted.map((header) => ({
      header,
      offset: Number(header.vaddr - start),
      memorySize: Number(header.memsz),
      fileOffset: Number(header.offset),
      fileSize: Number(header.filesz),
      writable: (header.flags & PF_W) !== 0,
    })),
  };
}

/**
 * The segment holding [offset, offset + size) of the image, or undefined when those bytes fall
 * outside every segment (including the gaps between them).
 */
export function segmentAt(layout: ImageLayout, offset: number, size: number): LoadSegment | undefined {
  for (const segment of layout.segments) {
    if (offset >= segment.offset && offset + size <= segment.offset + segment.memorySize) return segment;
  }
  return undefined;
}
