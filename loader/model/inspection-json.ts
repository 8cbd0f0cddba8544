import { type AsciiWriter, fragment, putBytes, putDecimal, putHex64 } from './ascii-buffer.js';
import { forEachRowBlock, inspectHead, putSignedHex64, ROW_SOURCES } from './inspection.js';
import type { Plan } from './plan.js';
import { perShape, putSymbolName, RowNames } from './row-names.js';

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
    this.typeKeys ??= joined(fragment(`",\n      "type": ${type},\n      "typeName": "`), this.text, fragment('",\n      "symbol": '));
    return this.typeKeys;
  }

  /** The name as a section, from `relative` to the name's key. */
  asSection(relative: boolean): Uint8Array {
    const index = relative ? 1 : 0;
    let keys = this.sectionKeys[index];
    if (keys === undefined) {
      keys = joined(fragment(`,\n      "relative": ${relative},\n      "section": "`), this.text, fragment('",\n      "name": '));
      this.sectionKeys[index] = keys;
    }
    return keys;
  }
}

const jsonName = (text: string): JsonName => new JsonName(fragment(JSON.stringify(text).slice(1, -1)));
const NO_SECTION = [false, true].map((relative) => fragment(`,\n      "relative": ${relative},\n      "section": null,\n      "name": `));
const NO_SYMBOL = fragment('0');
const QUOTE = fragment('"');

/**
 * The fixed text of a shape's rows, joined into as few fragments as its rows allow: after the
 * row's address, a row with neither symbol nor addend is one fragment up to its name (or to its
 * end, when it has none); a row with an addend but no symbol, one up to the addend and one after.
 * Rows with a symbol number are written piece by piece. `...Named` fragments end where a name's
 * text starts, `...Null` ones end the row.
 */
interface JsonShape {
  readonly opening: Uint8Array;
  readonly plainNamed: Uint8Array;
  readonly plainNull: Uint8Array;
  readonly addendOpen: Uint8Array;
  readonly afterAddendNamed: Uint8Array;
  readonly afterAddendNull: Uint8Array;
  readonly types: Uint8Array;
  readonly sectionsNamed: Uint8Array;
  readonly sectionsNull: Uint8Array;
}

function jsonShape(names: RowNames<JsonName>, shape: number): JsonShape {
  const source = names.shapeSources[shape] as number;
  const type = names.shapeTypes[shape] as number;
  const relative = names.shapeRelative[shape] === 1;
  const section = names.sectionText(names.shapeStretches[shape] as number);
  const types = names.typeText(source, type).asType(type);
  const sections = section === null ? (NO_SECTION[relative ? 1 : 0] as Uint8Array) : section.asSection(relative);
  return {
    opening: NEXT[source] as Uint8Array,
    plainNamed: joined(types, NO_SYMBOL, ADDEND_NULL, sections, QUOTE),
    plainNull: joined(types, NO_SYMBOL, ADDEND_NULL, sections, NAME_NULL),
    addendOpen: joined(types, NO_SYMBOL, ADDEND_TEXT),
    afterAddendNamed: joined(QUOTE, sections, QUOTE),
    afterAddendNull: joined(QUOTE, sections, NAME_NULL),
    types,
    sectionsNamed: joined(sections, QUOTE),
    sectionsNull: joined(sections, NAME_NULL),
  };
}

function joined(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  parts.reduce((at, part) => putBytes(bytes, at, part), 0);
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
  const { shapes, symbols, offsetLows, offsetHighs } = names;
  const fixedOf = perShape((shape) => jsonShape(names, shape));
  let first = true;
  forEachRowBlock(plan, (rows) => {
    names.resolve(rows);
    const { index, vaddrLow, vaddrHigh, symbol: symbolNumbers, hasAddend, addendLow, addendHigh } = rows;
    for (let row = 0; row < rows.count; row++) {
      const shape = shapes[row] as number;
      const fixed = fixedOf(shape);
      const symbol = symbols[row] as number;
      const name = symbol < 0 ? undefined : names.symbolText(symbol).text;
      const bytes = out.room(ROW_BYTES + fixed.plainNull.length + (name === undefined ? 0 : name.length));
      let at: number;
      if (first) {
        at = putBytes(bytes, out.at, FIRST[names.shapeSources[shape] as number] as Uint8Array);
        first = false;
      } else {
        at = putBytes(bytes, out.at, fixed.opening);
      }
      at = putDecimal(bytes, at, index[row] as number);
      at = putBytes(bytes, at, VADDR);
      at = putHex64(bytes, at, vaddrLow[row] as number, vaddrHigh[row] as number);
      const symbolNumber = symbolNumbers[row] as number;
      if (symbolNumber === 0 && hasAddend[row] === 0) {
        at = putBytes(bytes, at, name === undefined ? fixed.plainNull : fixed.plainNamed);
      } else if (symbolNumber === 0) {
        at = putSignedHex64(bytes, putBytes(bytes, at, fixed.addendOpen), addendLow[row] as number, addendHigh[row] as number);
        at = putBytes(bytes, at, name === undefined ? fixed.afterAddendNull : fixed.afterAddendNamed);
      } else {
        at = putDecimal(bytes, putBytes(bytes, at, fixed.types), symbolNumber);
        if (hasAddend[row] === 1) {
          at = putSignedHex64(bytes, putBytes(bytes, at, ADDEND_TEXT), addendLow[row] as number, addendHigh[row] as number);
          at = putBytes(bytes, at, name === undefined ? fixed.afterAddendNull : fixed.afterAddendNamed);
        } else {
          at = putBytes(bytes, putBytes(bytes, at, ADDEND_NULL), name === undefined ? fixed.sectionsNull : fixed.sectionsNamed);
        }
      }
      if (name !== undefined) {
        at = putSymbolName(bytes, at, name, offsetLows[row] as number, offsetHighs[row] as number);
        at = putBytes(bytes, at, NAME_CLOSE);
      }
      out.at = at;
    }
  });
  out.text(first ? ']\n}\n' : '\n  ]\n}\n');
}
