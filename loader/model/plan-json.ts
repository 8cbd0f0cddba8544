import { hex, wordHalves } from '../../elf/index.js';
import { type AsciiWriter, collect, fragment, putBytes, putDecimal, putHex64 } from './ascii-buffer.js';
import { finalWriteIndexes } from './final-writes.js';
import type { Image } from './image.js';
import type { Plan } from './plan.js';
import type { RunTimeResolved } from './run-time-resolved.js';
import { typeNameBytes } from './skipped.js';
import { splitWord, TWO_32 } from './words.js';
import { SOURCES } from './write-list.js';

const ADDRESS_FIRST = fragment('{"address": "');
const ADDRESS_NEXT = fragment(', {"address": "');
const SIZE_4 = fragment('", "size": 4, "value": "');
const SIZE_8 = fragment('", "size": 8, "value": "');
const SOURCE_NAMES = SOURCES.map((name) => fragment(`", "source": "${name}#`));
const CLOSE = fragment('"}');
const NOTHING = fragment('');
const SEPARATOR = fragment(', ');
const SKIP_TABLES = { rel: fragment('{"table": "rel", "index": '), rela: fragment('{"table": "rela", "index": ') } as const;
const SKIP_TYPE = fragment(', "type": ');
const SKIP_TYPE_NAME = fragment(', "typeName": "');
/** `0x` and 16 digits; an entry index of at most 10 decimal digits. */
const HEX_64 = 18;
const DECIMAL_32 = 10;
/** The longest one write element can be, from its fragments: room is asked for once per element. */
const BYTES_PER_WRITE =
  ADDRESS_NEXT.length +
  HEX_64 +
  Math.max(SIZE_4.length, SIZE_8.length) +
  HEX_64 +
  Math.max(...SOURCE_NAMES.map((name) => name.length)) +
  DECIMAL_32 +
  CLOSE.length;
/** One skipped entry but its type's name. */
const BYTES_PER_SKIP = SEPARATOR.length + SKIP_TABLES.rela.length + DECIMAL_32 + SKIP_TYPE.length + DECIMAL_32 + SKIP_TYPE_NAME.length + CLOSE.length;

/** The `piekit plan --json` document (README.md documents it), as bytes. */
export function planJson(plan: Plan, image: Image, base: bigint): Uint8Array {
  return collect((out) => writePlanJson(plan, image, base, out));
}

/** The `piekit plan --json` document, written as it is computed: it can hold millions of writes. */
export function writePlanJson(plan: Plan, image: Image, base: bigint, out: AsciiWriter): void {
  const size = plan.layout.wordSize;
  const [originLow, originHigh] = splitWord(BigInt.asUintN(size * 8, base + plan.layout.start));
  const indexes = finalWriteIndexes(plan);
  out.text(`{"base": "${hex(base)}", "endian": "${plan.elf.reader.endian}", "wordSize": ${size}, "writes": [`);
  const { targets, sources, entries } = plan.writes;
  const { view, little, origin } = image;
  const { lowAt, highAt } = wordHalves(size, little);
  const sizeFragment = size === 8 ? SIZE_8 : SIZE_4;
  for (let n = 0; n < indexes.length; n++) {
    const index = indexes[n] as number;
    const target = targets[index] as number;
    const sum = originLow + target;
    const inImage = target - origin;
    const low = view.getUint32(inImage + lowAt, little);
    const high = size === 4 ? 0 : view.getUint32(inImage + highAt, little);
    const bytes = out.room(BYTES_PER_WRITE);
    let at = out.at;
    at = putBytes(bytes, at, n === 0 ? ADDRESS_FIRST : ADDRESS_NEXT);
    at = putHex64(bytes, at, sum >>> 0, size === 8 ? (originHigh + (sum >= TWO_32 ? 1 : 0)) >>> 0 : 0);
    at = putBytes(bytes, at, sizeFragment);
    at = putHex64(bytes, at, low, high);
    at = putBytes(bytes, at, SOURCE_NAMES[sources[index] as number] as Uint8Array);
    at = putDecimal(bytes, at, entries[index] as number);
    out.at = putBytes(bytes, at, CLOSE);
  }
  out.text('], "skipped": [');
  const nameOf = typeNameBytes(plan.elf.arch);
  let separator = NOTHING;
  plan.forEachSkipped((table, index, _offsetLow, _offsetHigh, type) => {
    const name = nameOf(type);
    const bytes = out.room(BYTES_PER_SKIP + name.length);
    let at = putBytes(bytes, out.at, separator);
    at = putBytes(bytes, at, SKIP_TABLES[table]);
    at = putDecimal(bytes, at, index);
    at = putBytes(bytes, at, SKIP_TYPE);
    at = putDecimal(bytes, at, type);
    at = putBytes(bytes, at, SKIP_TYPE_NAME);
    at = putBytes(bytes, at, name);
    out.at = putBytes(bytes, at, CLOSE);
    separator = SEPARATOR;
  });
  out.text('], "resolvedAtRunTime": [');
  plan.resolvedAtRunTime.forEach((entry, n) => {
    out.text(`${n === 0 ? '' : ', '}${resolvedJson(entry)}`);
  });
  out.text(']}\n');
}

function resolvedJson(entry: RunTimeResolved): string {
  const resolver = entry.resolver === undefined ? 'null' : `"${hex(entry.resolver)}"`;
  return `{"table": "${entry.table}", "index": ${entry.index}, "vaddr": "${hex(entry.offset)}", "type": ${entry.type}, "typeName": "${entry.typeName}", "resolver": ${resolver}}`;
}
