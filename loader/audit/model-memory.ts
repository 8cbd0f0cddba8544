import { hostWordView, wordHalves } from '../../elf/index.js';
import { createImage, type Image, type LoadSegment, type MemorySnapshot, splitWord, TWO_32, type WriteList } from '../model/index.js';
import type { FileContext } from './file-context.js';
import { type ModelRun, OP_ADD_BASE, OP_ADD_BASE_ADDEND } from './relocator.js';

type Runs = Extract<ModelRun, { status: 'runs' }>;

/**
 * The memory a run leaves at `base`: every writable segment, every segment it wrote and any
 * `alsoSegments`, with its writes applied in order. Arithmetic wraps at the word size, as in the
 * relocators' registers.
 */
export function modelImage(context: FileContext, run: Runs, base: bigint, alsoSegments: readonly LoadSegment[] = []): Image {
  // Segments of another reading of the same file: the same PT_LOAD has the same layout offset.
  const also = new Set(alsoSegments.map((segment) => segment.offset));
  const segments = run.layout.segments.filter((segment, index) => segment.writable || run.touched.has(index) || also.has(segment.offset));
  const image = createImage(context.elf, run.layout, segments);
  applyWrites(run.writes, image, base);
  return image;
}

/**
 * Applies writes in order to the image at `base`; those outside it are left out (no byte of the
 * image is theirs). An image in the host's order is read and written as words in place where a
 * write is 4-aligned (every one, in files linkers make); a DataView does the rest.
 */
export function applyWrites(writes: WriteList, image: Image, base: bigint): void {
  const w = image.layout.wordSize;
  const [baseLow, baseHigh] = splitWord(base);
  const { count, targets, kinds, addendLow, addendHigh } = writes;
  const { view, little, origin } = image;
  const size = image.bytes.length;
  const { lowAt, highAt } = wordHalves(w, little);
  const words = hostWordView(image.bytes, little);
  const lowWord = lowAt >>> 2;
  const highWord = highAt >>> 2;
  const wide = w === 8;
  for (let i = 0; i < count; i++) {
    const at = (targets[i] as number) - origin;
    if (at < 0 || at + w > size) continue;
    const kind = kinds[i] as number;
    const inPlace = words !== undefined && (at & 3) === 0;
    const word = at >>> 2;
    let low = 0;
    let high = 0;
    if (kind === OP_ADD_BASE || kind === OP_ADD_BASE_ADDEND) {
      low = inPlace ? (words[word + lowWord] as number) : view.getUint32(at + lowAt, little);
      high = !wide ? 0 : inPlace ? (words[word + highWord] as number) : view.getUint32(at + highAt, little);
    }
    if (kind !== OP_ADD_BASE) {
      const sum = low + (addendLow[i] as number);
      low = sum >>> 0;
      high = (high + (addendHigh[i] as number) + (sum >= TWO_32 ? 1 : 0)) >>> 0;
    }
    const sum = low + baseLow;
    const sumHigh = (high + baseHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0;
    if (inPlace) {
      words[word + lowWord] = sum;
      if (wide) words[word + highWord] = sumHigh;
    } else {
      view.setUint32(at + lowAt, sum >>> 0, little);
      if (wide) view.setUint32(at + highAt, sumHigh, little);
    }
  }
}

/** The given segments of an image as a snapshot at `base`, in the form piekit's comparison reads. */
export function snapshotOf(image: Image, segments: readonly LoadSegment[], base: bigint): MemorySnapshot {
  return {
    base,
    segments: segments.map((segment) => ({
      vaddr: segment.header.vaddr,
      bytes: image.bytes.subarray(segment.offset - image.origin, segment.offset - image.origin + segment.memorySize),
    })),
  };
}
