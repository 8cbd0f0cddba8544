import { type AsciiWriter, fragment, putBytes, putDecimal, putHex64 } from './ascii-buffer.js';
import { forEachRowBlock, inspectHead, putSignedHex64, ROW_SOURCES } from './inspection.js';
import type { Plan } from './plan.js';
import { putSymbolName, RowNames } from './row-names.js';

const FIRST = ROW_SOURCES.map((name) => fragment(`\n    {\n      "source": "${name}#`));
const NEXT = ROW_SOURCES.map((name) => fragment(`,\n    {\n      "source": "${name}#`));
const VADDR = fragment('",\n      "vaddr": "');
const ADDEND_TEXT = fragment(',\n      "addend": "');
const ADDEND_NULL = fragment(',\n      "addend": null');
const NAME_NULL = fragment('null\n    }');
const NAME_CLOSE = fragment('"\n    }');
/** Every fixed part of a row, its numbers at their longest. */
const ROW_BYTES = 400;

/**
 * A name as the rows print it, with the keys around it, which never change: a row is mostly
 * constant text, copied a few long fragments at a time.
 */
class JsonName {
  private typeKeys: Uint8Array | undefined;
  private readonly sectionKeys: (Uint8Array | undefined)[] = [undefined, undefined];

  /** `text`: the name as a JSON string's contents (without the quotes), in UTF-8. */
  constructor(readonly text: Uint8Array) {}

  /** The name as the type name of `type` (always the same number), from the type's key to the symbol's. */
  asType(type: number): Uint8Array {
    this.typeKeys ??= joined(`",\n      "type": ${type},\n      "typeName": "`, this.text, '",\n      "symbol": ');
    return this.typeKeys;
  }

  /** The name as a section, from `relative` to the name's key. */
  asSection(relative: boolean): Uint8Array {
    const index = relative ? 1 : 0;
    let keys = this.sectionKeys[index];
    if (keys === undefined) {
      keys = joined(`,\n      "relative": ${relative},\n      "section": "`, this.text, '",\n      "name": ');
      this.sectionKeys[index] = keys;
    }
    return keys;
  }
}

const jsonName = (text: string): JsonName => new JsonName(fragment(JSON.stringify(text).slice(1, -1)));
const NO_SECTION = [false, true].map((relative) => fragment(`,\n      "relative": ${relative},\n      "section": null,\n      "name": `));

function joined(before: string, text: Uint8Array, after: string): Uint8Array {
  const head = fragment(before);
  const tail = fragment(after);
  const bytes = new Uint8Array(head.length + text.length + tail.length);
  bytes.set(head);
  bytes.set(text, head.length);
  bytes.set(tail, head.length + text.length);
  return bytes;
}

/**
 * `piekit inspect --json` as it is computed: the bytes `JSON.stringify(inspect(plan), null, 2)`
 * gives, without building the hundreds of thousands of objects and the string.
 */
export function writeInspectionJson(plan: Plan, out: AsciiWriter): void {
  const head = JSON.stringify({ ...inspectHead(plan), relocations: [] }, null, 2);
  // The head ends in `"relocations": []\n}`: rows go between the brackets.
  out.text(head.slice(0, -3));
  const names = new RowNames(plan, jsonName);
  const { symbols, stretches, offsetLows, offsetHighs } = names;
  let starts = FIRST;
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    for (let row = 0; row < rows.count; row++) {
      const source = rows.source[row] as number;
      const type = rows.type[row] as number;
      const relative = rows.relative[row] === 1;
      const types = names.typeText(source, type).asType(type);
      const section = names.sectionText(stretches[row] as number);
      const sections = section === null ? (NO_SECTION[relative ? 1 : 0] as Uint8Array) : section.asSection(relative);
      const symbol = symbols[row] as number;
      const name = symbol < 0 ? undefined : names.symbolText(symbol).text;
      const bytes = out.room(ROW_BYTES + types.length + sections.length + (name?.length ?? 0));
      let at = putBytes(bytes, out.at, starts[source] as Uint8Array);
      starts = NEXT;
      at = putDecimal(bytes, at, rows.index[row] as number);
      at = putBytes(bytes, at, VADDR);
      at = putHex64(bytes, at, rows.vaddrLow[row] as number, rows.vaddrHigh[row] as number);
      at = putBytes(bytes, at, types);
      at = putDecimal(bytes, at, rows.symbol[row] as number);
      if (rows.hasAddend[row] === 1) {
        at = putBytes(bytes, at, ADDEND_TEXT);
        at = putSignedHex64(bytes, at, rows.addendLow[row] as number, rows.addendHigh[row] as number);
        bytes[at++] = 0x22;
      } else {
        at = putBytes(bytes, at, ADDEND_NULL);
      }
      at = putBytes(bytes, at, sections);
      if (name === undefined) at = putBytes(bytes, at, NAME_NULL);
      else {
        bytes[at++] = 0x22;
        at = putSymbolName(bytes, at, name, offsetLows[row] as number, offsetHighs[row] as number);
        at = putBytes(bytes, at, NAME_CLOSE);
      }
      out.at = at;
    }
  });
  out.text(starts === FIRST ? ']\n}\n' : '\n  ]\n}\n');
}
