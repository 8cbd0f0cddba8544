import { createHash } from 'node:crypto';
import { ElfError, type Engine, planJson, readElf, relocate } from '../../loader/index.js';

/**
 * What an engine makes of a file, as one comparable line: `ok <digest of the plan document and
 * the writable bytes>`, `error <ElfError code>`, or `defect <message>` for anything else thrown.
 */
export function outcome(bytes: Uint8Array, engine: Engine): string {
  try {
    const elf = readElf(bytes);
    const base = elf.reader.wordSize === 8 ? 0x7f0000000000n : 0x40000000n;
    const { plan, image } = relocate(elf, base, engine);
    const hash = createHash('sha1').update(planJson(plan, image, base));
    for (const segment of plan.layout.segments.filter((candidate) => candidate.writable)) {
      hash.update(image.bytes.subarray(segment.offset - image.origin, segment.offset - image.origin + segment.memorySize));
    }
    return `ok ${hash.digest('hex')}`;
  } catch (error) {
    if (error instanceof ElfError) return `error ${error.code}`;
    return `defect ${error instanceof Error ? error.message : String(error)}`;
  }
}
