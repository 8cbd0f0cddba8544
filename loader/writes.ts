import { hex } from '../elf/index.js';
import { readImageWord, type Image } from './image.js';
import { describeSource, type Plan } from './plan.js';
import { AsciiBuffer, putBytes, putDecimal, putHex64 } from './ascii-buffer.js';
import { joinWord, splitWord, TWO_32 } from './words.js';
import { SOURCES } from './write-list.js';

/** One relocated word: its run-time address, its final value and the entry that wrote it last. */
export interface FinalWrite {
  readonly address: bigint;
  readonly size: 4 | 8;
  readonly value: bigint;
  readonly source: string;
}

/**
 * Indexes into `plan.writes`: one per distinct word, in first-write order, each naming the last
 * write to that word (the one that produced its final value).
 */
export function finalWriteIndexes(plan: Plan): Uint32Array {
  const { count, targets } = plan.writes;
  const seen = new Uint8Array((plan.layout.size >>> 3) + 1);
  const order = new Uint32Array(count);
  let distinct = 0;
  let repeated = false;
  for (let i = 0; i < count; i++) {
    const at = targets[i] as number;
    const bit = 1 << (at & 7);
    const byte = seen[at >>> 3] as number;
    if ((byte & bit) !== 0) {
      repeated = true;
      continue;
    }
    seen[at >>> 3] = byte | bit;
    order[distinct++] = i;
  }
  const result = order.subarray(0, distinct);
  if (!repeated) return result;
  const last = new Map<number, number>();
  for (let i = 0; i < count; i++) last.set(targets[i] as number, i);
  return result.map((first) => last.get(targets[first] as number) ?? first);
}

export function finalWrites(plan: Plan, image: Image, base: bigint): FinalWrite[] {
  const size = plan.layout.wordSize;
  const origin = base + plan.layout.start;
  const mask = (1n << BigInt(size * 8)) - 1n;
  return Array.from(finalWriteIndexes(plan), (index) => {
    const at = plan.writes.targets[index] as number;
    const [low, high] = readImageWord(image, at);
    return {
      address: (origin + BigInt(at)) & mask,
      size,
      value: joinWord(low, high),
      source: describeSource(plan.writes.sources[index] as number, plan.writes.entries[index] as number),
    };
  });
}

const ADDRESS_FIRST = AsciiBuffer.fragment('{"address": "');
const ADDRESS_NEXT = AsciiBuffer.fragment(', {"address": "');
const SIZE_4 = AsciiBuffer.fragment('", "size": 4, "value": "');
const SIZE_8 = AsciiBuffer.fragment('", "size": 8, "value": "');
const SOURCE_NAMES = SOURCES.map((name) => AsciiBuffer.fragment(`", "source": "${name}#`));
const CLOSE = AsciiBuffer.fragment('"}');
/** Upper bounds of one element's length, to size the buffer once. */
const BYTES_PER_WRITE = 110;
const BYTES_PER_SKIP = 120;

/** The `piekit plan --json` document (README.md documents it), as bytes: it can hold millions of writes. */
export function planJson(plan: Plan, image: Image, base: bigint): Uint8Array {
  const size = plan.layout.wordSize;
  const [originLow, originHigh] = splitWord(BigInt.asUintN(size * 8, base + plan.layout.start));
  const indexes = finalWriteIndexes(plan);
  const out = new AsciiBuffer(indexes.length * BYTES_PER_WRITE + plan.skipped.length * BYTES_PER_SKIP + 256);
  out.text(`{"base": "${hex(base)}", "endian": "${plan.elf.reader.endian}", "wordSize": ${size}, "writes": [`);
  // The hot loop writes into the buffer directly: its size was reserved above, and calls per
  // fragment cost more than the fragments.
  const { targets, sources, entries } = plan.writes;
  const { view, little, origin } = image;
  const sizeFragment = size === 8 ? SIZE_8 : SIZE_4;
  const bytes = out.unwritten(indexes.length * BYTES_PER_WRITE);
  let at = 0;
  for (let n = 0; n < indexes.length; n++) {
    const index = indexes[n] as number;
    const target = targets[index] as number;
    const sum = originLow + target;
    const inImage = target - origin;
    const low = size === 8 && !little ? view.getUint32(inImage + 4, false) : view.getUint32(inImage, little);
    const high = size === 4 ? 0 : little ? view.getUint32(inImage + 4, true) : view.getUint32(inImage, false);
    at = putBytes(bytes, at, n === 0 ? ADDRESS_FIRST : ADDRESS_NEXT);
    at = putHex64(bytes, at, sum >>> 0, size === 8 ? (originHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0 : 0);
    at = putBytes(bytes, at, sizeFragment);
    at = putHex64(bytes, at, low, high);
    at = putBytes(bytes, at, SOURCE_NAMES[sources[index] as number] as Uint8Array);
    at = putDecimal(bytes, at, entries[index] as number);
    at = putBytes(bytes, at, CLOSE);
  }
  out.advance(at);
  // One string for all skipped entries: encoding each one separately costs more than the writes.
  out.text('], "skipped": [');
  out.text(
    plan.skipped
      .map((skip) => `{"table": "${skip.table}", "index": ${skip.index}, "type": ${skip.type}, "typeName": "${skip.typeName}"}`)
      .join(', '),
  );
  return out.text(']}\n').toBytes();
}
