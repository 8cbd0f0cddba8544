import { wordHalves } from '../../elf/index.js';
import type { Image } from './image.js';
import type { Plan } from './plan.js';
import { splitWord } from './words.js';
import { ADD_BASE } from './write-list.js';

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
  const wordSize = plan.layout.wordSize;
  checkBase(base, wordSize);
  const [baseLow, baseHigh] = splitWord(base);
  const { count, targets, kinds, addendLow, addendHigh } = plan.writes;
  const { view, little, origin } = image;
  if (wordSize === 4) {
    for (let i = 0; i < count; i++) {
      const at = (targets[i] as number) - origin;
      const word = kinds[i] === ADD_BASE ? view.getUint32(at, little) : (addendLow[i] as number);
      view.setUint32(at, (word + baseLow) >>> 0, little);
    }
    return;
  }
  const { lowAt, highAt } = wordHalves(wordSize, little);
  for (let i = 0; i < count; i++) {
    const at = (targets[i] as number) - origin;
    let low: number;
    let high: number;
    if (kinds[i] === ADD_BASE) {
      low = view.getUint32(at + lowAt, little);
      high = view.getUint32(at + highAt, little);
    } else {
      low = addendLow[i] as number;
      high = addendHigh[i] as number;
    }
    const sum = low + baseLow;
    view.setUint32(at + lowAt, sum >>> 0, little);
    view.setUint32(at + highAt, (high + baseHigh + (sum > 0xffffffff ? 1 : 0)) >>> 0, little);
  }
}
