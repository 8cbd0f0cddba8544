import { type AsciiWriter, fragment, putBytes, putDecimal, putHex64 } from './ascii-buffer.js';
import { forEachRelocation, inspectHead, putSignedHex64, ROW_SOURCES } from './inspection.js';
import type { Plan } from './plan.js';
import { RowNames } from './row-names.js';

const FIRST = ROW_SOURCES.map((name) => fragment(`\n    {\n      "source": "${name}#`));
const NEXT = ROW_SOURCES.map((name) => fragment(`,\n    {\n      "source": "${name}#`));
const VADDR = fragment('",\n      "vaddr": "');
const TYPE = fragment('",\n      "type": ');
const TYPE_NAME = fragment(',\n      "typeName": "');
const SYMBOL = fragment('",\n      "symbol": ');
const ADDEND = fragment(',\n      "addend": ');
const RELATIVE_TRUE = fragment(',\n      "relative": true,\n      "section": ');
const RELATIVE_FALSE = fragment(',\n      "relative": false,\n      "section": ');
const NAME = fragment(',\n      "name": ');
const NULL = fragment('null');
const QUOTE = fragment('"');
const OFFSET = fragment('+');
const CLOSE = fragment('\n    }');
/** Every fixed part of a row, its numbers at their longest. */
const ROW_BYTES = 400;

/** A string's contents as JSON writes it (without the quotes), in UTF-8. */
const jsonText = (text: string): Uint8Array => fragment(JSON.stringify(text).slice(1, -1));

/**
 * `piekit inspect --json` as it is computed: the bytes `JSON.stringify(inspect(plan), null, 2)`
 * gives, without building the hundreds of thousands of objects and the string.
 */
export function writeInspectionJson(plan: Plan, out: AsciiWriter): void {
  const head = JSON.stringify({ ...inspectHead(plan), relocations: [] }, null, 2);
  // The head ends in `"relocations": []\n}`: rows go between the brackets.
  out.text(head.slice(0, -3));
  const names = new RowNames(plan, jsonText);
  let rows = 0;
  forEachRelocation(plan, (row) => {
    names.resolve(row);
    const typeName = names.typeText(row);
    const section = names.section;
    const symbol = names.symbol < 0 ? undefined : names.symbolText(names.symbol);
    const bytes = out.room(ROW_BYTES + typeName.length + (section?.length ?? 0) + (symbol?.length ?? 0));
    let at = putBytes(bytes, out.at, (rows === 0 ? FIRST : NEXT)[row.source] as Uint8Array);
    at = putDecimal(bytes, at, row.index);
    at = putBytes(bytes, at, VADDR);
    at = putHex64(bytes, at, row.vaddrLow, row.vaddrHigh);
    at = putBytes(bytes, at, TYPE);
    at = putDecimal(bytes, at, row.type);
    at = putBytes(bytes, at, TYPE_NAME);
    at = putBytes(bytes, at, typeName);
    at = putBytes(bytes, at, SYMBOL);
    at = putDecimal(bytes, at, row.symbol);
    at = putBytes(bytes, at, ADDEND);
    if (row.hasAddend) {
      at = putBytes(bytes, at, QUOTE);
      at = putSignedHex64(bytes, at, row.addendLow, row.addendHigh);
      at = putBytes(bytes, at, QUOTE);
    } else {
      at = putBytes(bytes, at, NULL);
    }
    at = putBytes(bytes, at, row.relative ? RELATIVE_TRUE : RELATIVE_FALSE);
    if (section === null) at = putBytes(bytes, at, NULL);
    else {
      at = putBytes(bytes, at, QUOTE);
      at = putBytes(bytes, at, section);
      at = putBytes(bytes, at, QUOTE);
    }
    at = putBytes(bytes, at, NAME);
    if (symbol === undefined) at = putBytes(bytes, at, NULL);
    else {
      at = putBytes(bytes, at, QUOTE);
      at = putBytes(bytes, at, symbol);
      if (names.offsetLow !== 0 || names.offsetHigh !== 0) {
        at = putBytes(bytes, at, OFFSET);
        at = putHex64(bytes, at, names.offsetLow, names.offsetHigh);
      }
      at = putBytes(bytes, at, QUOTE);
    }
    out.at = putBytes(bytes, at, CLOSE);
    rows++;
  });
  out.text(rows === 0 ? ']\n}\n' : '\n  ]\n}\n');
}
