import { type ElfFile, wordHalves } from '../../elf/index.js';
import type { ImageLayout, LoadSegment } from './layout.js';
import type { Plan } from './plan.js';

/**
 * Memory of PT_LOAD segments at their link-time addresses: file bytes, then zeros up to p_memsz.
 * It may hold only a window of the layout (the segments relocation touches): `origin` is the
 * layout offset of `bytes[0]`. Everything addresses it by layout offset.
 */
export interface Image {
  readonly layout: ImageLayout;
  readonly origin: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
}

/** An image of the given segments (by default all of them) and whatever lies between them. */
export function createImage(elf: ElfFile, layout: ImageLayout, segments: readonly LoadSegment[] = layout.segments): Image {
  const origin = segments.length === 0 ? 0 : Math.min(...segments.map((segment) => segment.offset));
  const end = segments.length === 0 ? 0 : Math.max(...segments.map((segment) => segment.offset + segment.memorySize));
  const bytes = new Uint8Array(end - origin);
  for (const segment of layout.segments) {
    if (segment.offset < origin || segment.offset + segment.memorySize > end) continue;
    const into = bytes.subarray(segment.offset - origin, segment.offset - origin + segment.fileSize);
    elf.reader.copyInto(segment.fileOffset, segment.fileSize, `PT_LOAD ${segment.header.index} file bytes`, into);
  }
  return { layout, origin, bytes, view: new DataView(bytes.buffer), little: elf.reader.endian === 'little' };
}

/** The smallest image the plan can be applied to: its relocated segments. */
export function imageFor(plan: Plan): Image {
  return createImage(plan.elf, plan.layout, plan.relocatedSegments);
}

/** The word at a layout offset, as its two 32-bit halves. */
export function readImageWord(image: Image, offset: number): [low: number, high: number] {
  const { view, little } = image;
  const at = offset - image.origin;
  const wordSize = image.layout.wordSize;
  const { lowAt, highAt } = wordHalves(wordSize, little);
  return [view.getUint32(at + lowAt, little), wordSize === 4 ? 0 : view.getUint32(at + highAt, little)];
}
