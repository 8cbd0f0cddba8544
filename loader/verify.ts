import { AddressNames, ElfError, hex, type SymbolName } from '../elf/index.js';
import { apply } from './apply.js';
import type { Dump } from './dump.js';
import { imageFor, readImageWord, type Image } from './image.js';
import { describeSource, type Plan } from './plan.js';
import { joinWord } from './words.js';

export interface Difference {
  /** Run-time address of the word. */
  readonly address: bigint;
  readonly vaddr: bigint;
  readonly section: string | undefined;
  readonly symbol: SymbolName | undefined;
  readonly expected: bigint;
  readonly actual: bigint;
  /** The planned writes that target this word, as `table#index`. */
  readonly writers: readonly string[];
}

export interface Comparison {
  readonly base: bigint;
  readonly comparedBytes: number;
  readonly differences: readonly Difference[];
}

/** The image the plan predicts for a dump's load base. */
export function expectedImage(plan: Plan, base: bigint): Image {
  const image = imageFor(plan);
  apply(plan, image, base);
  return image;
}

/**
 * Compares every byte of every writable segment of a dump with the plan applied at the dump's
 * base, word by word, naming what each differing word is and which entries wrote it.
 */
export function compareDump(plan: Plan, dump: Dump, image: Image = expectedImage(plan, dump.base)): Comparison {
  const layout = plan.layout;
  if (dump.wordSize !== layout.wordSize || dump.endian !== plan.elf.reader.endian) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${dump.wordSize * 8}-bit ${dump.endian}-endian, the file is ${layout.wordSize * 8}-bit ${plan.elf.reader.endian}-endian`);
  }
  const writable = layout.segments.filter((segment) => segment.writable);
  if (writable.length !== dump.segments.length) {
    throw new ElfError('BAD_DUMP', `Invalid dump: ${dump.segments.length} segments, the file has ${writable.length} writable PT_LOADs`);
  }
  const names = new AddressNames(plan.elf.reader, plan.elf.sectionHeaders);
  const differences: Difference[] = [];
  let comparedBytes = 0;
  writable.forEach((segment, position) => {
    const dumped = dump.segments[position];
    if (dumped === undefined || dumped.vaddr !== segment.header.vaddr || dumped.bytes.length !== segment.memorySize) {
      throw new ElfError(
        'BAD_DUMP',
        `Invalid dump segment ${position}: expected ${segment.memorySize} bytes at ${hex(segment.header.vaddr)} (PT_LOAD ${segment.header.index})`,
      );
    }
    comparedBytes += segment.memorySize;
    const expected = image.bytes.subarray(segment.offset - image.origin, segment.offset - image.origin + segment.memorySize);
    const w = layout.wordSize;
    // Words are aligned on run-time addresses; base and p_vaddr share their alignment.
    const misalignment = Number(segment.header.vaddr % BigInt(w));
    for (let at = 0; at < expected.length; at++) {
      if (expected[at] === dumped.bytes[at]) continue;
      const wordStart = Math.max(0, at - ((at + misalignment) % w));
      differences.push(describe(plan, image, dumped.bytes, names, dump.base, segment.offset + wordStart, wordStart));
      at = wordStart + w - 1;
    }
  });
  return { base: dump.base, comparedBytes, differences };
}

function describe(plan: Plan, image: Image, actualBytes: Uint8Array, names: AddressNames, base: bigint, imageOffset: number, inSegment: number): Difference {
  const w = plan.layout.wordSize;
  const vaddr = plan.layout.start + BigInt(imageOffset);
  const [low, high] = readImageWord(image, imageOffset);
  const padded = new Uint8Array(w);
  padded.set(actualBytes.subarray(inSegment, inSegment + w));
  const actualView = new DataView(padded.buffer);
  const actual = w === 8 ? actualView.getBigUint64(0, image.little) : BigInt(actualView.getUint32(0, image.little));
  const writers: string[] = [];
  const { count, targets, sources, entries } = plan.writes;
  for (let i = 0; i < count; i++) {
    const target = targets[i] as number;
    if (target + w > imageOffset && target < imageOffset + w) writers.push(describeSource(sources[i] as number, entries[i] as number));
  }
  return {
    address: BigInt.asUintN(w * 8, base + vaddr),
    vaddr,
    section: names.section(vaddr),
    symbol: names.symbol(vaddr),
    expected: joinWord(low, high),
    actual,
    writers,
  };
}
