import type { ElfFile } from '../../elf/index.js';
import { type ImageLayout, type LoadSegment, segmentAt } from '../model/index.js';

/**
 * Loaded memory read straight from the file, addressed by layout offset (link-time address minus
 * the layout's start): file bytes up to p_filesz, zeros after them.
 */
export function segmentOf(layout: ImageLayout, offset: number, size: number): LoadSegment {
  const segment = segmentAt(layout, offset, size);
  if (segment === undefined) throw new Error(`layout offset 0x${offset.toString(16)} is outside every segment after planning`);
  return segment;
}

/** The file offset of `size` bytes of a segment when all of them come from the file, else undefined. */
export function fileOffsetOf(segment: LoadSegment, offset: number, size: number): number | undefined {
  const within = offset - segment.offset;
  return within + size <= segment.fileSize ? segment.fileOffset + within : undefined;
}

/** `size` bytes of loaded memory at a layout offset inside one segment (read from the file when it is read lazily). */
export function memoryBytes(elf: ElfFile, segment: LoadSegment, offset: number, size: number): Uint8Array {
  const within = offset - segment.offset;
  const backed = Math.max(0, Math.min(size, segment.fileSize - within));
  const at = backed > 0 ? elf.reader.range(segment.fileOffset + within, backed, `PT_LOAD ${segment.header.index} file bytes`) : 0;
  if (backed === size) return elf.bytes.subarray(at, at + size);
  const bytes = new Uint8Array(size);
  if (backed > 0) bytes.set(elf.bytes.subarray(at, at + backed));
  return bytes;
}

/** The word at a layout offset as loaded, before relocation. */
export function memoryWord(elf: ElfFile, layout: ImageLayout, offset: number): bigint {
  const w = layout.wordSize;
  const bytes = memoryBytes(elf, segmentOf(layout, offset, w), offset, w);
  const view = new DataView(bytes.buffer, bytes.byteOffset, w);
  const little = elf.reader.little;
  return w === 8 ? view.getBigUint64(0, little) : BigInt(view.getUint32(0, little));
}
