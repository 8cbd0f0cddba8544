import { hostWordView, wordHalves } from '../../elf/index.js';
import type { Image } from './image.js';
import type { Plan } from './plan.js';
import { splitWord } from './words.js';
import { ADD_BASE, type WriteList } from './write-list.js';

export function checkBase(base: bigint, wordSize: 4 | 8): void {
  if (base < 0n || base >= 1n << BigInt(wordSize * 8)) {
    throw new RangeError(`load base 0x${base.toString(16)} does not fit a ${wordSize * 8}-bit address`);
  }
}

/**
 * Performs the planned writes on an image loaded at `base`, in order, exactly as the startup
 * code does: arithmetic wraps at the word size, and a word hit twice sees the first write.
 * The image must hold the plan's relocated segments (`imageFor` makes such an image).
 */
export function apply(plan: Plan, image: Image, base: bigint): void {
  checkBase(base, plan.layout.wordSize);
  // Typed arrays drop stores out of bounds where a DataView throws: the image must hold every write.
  const { origin } = image;
  const end = origin + image.bytes.length;
  for (const segment of plan.relocatedSegments) {
    if (segment.offset < origin || segment.offset + segment.memorySize > end) {
      throw new RangeError(`the image (layout offsets ${origin} to ${end}) does not hold PT_LOAD ${segment.header.index}, which the plan relocates`);
    }
  }
  const [baseLow, baseHigh] = splitWord(base);
  applyWrites(plan.writes, image, plan.layout.wordSize, baseLow, baseHigh);
}

/**
 * The loop of `apply`, apart: its own function is compiled whole rather than on stack
 * replacement inside a larger one. An image in the host's order is read and written as words in
 * place where a write is 4-aligned (every one, in files linkers make); a DataView does the rest.
 */
function applyWrites(writes: WriteList, image: Image, wordSize: 4 | 8, baseLow: number, baseHigh: number): void {
  const { count, targets, kinds, addendLow, addendHigh } = writes;
  const { view, little, origin } = image;
  // A 4-byte word's halves are the same word: its high half, stored first, is overwritten by its low.
  const { lowAt, highAt } = wordHalves(wordSize, little);
  const words = hostWordView(image.bytes, little);
  const lowWord = lowAt >>> 2;
  const highWord = highAt >>> 2;
  for (let i = 0; i < count; i++) {
    const at = (targets[i] as number) - origin;
    const inPlace = words !== undefined && (at & 3) === 0;
    const word = at >>> 2;
    let low: number;
    let high: number;
    if (kinds[i] !== ADD_BASE) {
      low = addendLow[i] as number;
      high = addendHigh[i] as number;
    } else if (inPlace) {
      low = words[word + lowWord] as number;
      high = words[word + highWord] as number;
    } else {
      low = view.getUint32(at + lowAt, little);
      high = view.getUint32(at + highAt, little);
    }
    const sum = low + baseLow;
    const sumHigh = high + baseHigh + (sum > 0xffffffff ? 1 : 0);
    if (inPlace) {
      words[word + highWord] = sumHigh;
      words[word + lowWord] = sum;
    } else {
      view.setUint32(at + highAt, sumHigh >>> 0, little);
      view.setUint32(at + lowAt, sum >>> 0, little);
    }
  }
}
