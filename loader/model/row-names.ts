import { AddressNames, typeName } from '../../elf/index.js';
import { putBytes, putHex64 } from './ascii-buffer.js';
import { BLOCK_ROWS, type RowBlock, rowCount } from './inspection.js';
import type { Plan } from './plan.js';
import { SOURCE_GOT } from './write-list.js';

/**
 * The section and symbol holding each row's address, and the row's type name, each text encoded
 * once by `encode` and kept by number: a library's rows repeat a few hundred names. Rows that
 * share their source, type, whether they are applied and their section share a shape, numbered
 * from 0 in the order first met: a writer prepares each shape's fixed text once.
 */
export class RowNames<T> {
  private readonly names: AddressNames;
  /** Section texts by stretch + 1 (stretch -1 lies below every section). */
  private readonly sections: (T | null | undefined)[] = [];
  private readonly symbolTexts: (T | undefined)[];
  private readonly types = new Map<number, T>();
  private lastType = -1;
  private lastTypeText: T | undefined;
  private readonly localGot: T;
  /**
   * `resolve`'s results for the rows of the last block: the row's shape, the symbol holding the
   * address (-1 for none) and the address's offset from the symbol.
   */
  readonly shapes = new Int32Array(BLOCK_ROWS);
  readonly symbols = new Int32Array(BLOCK_ROWS);
  readonly offsetLows = new Uint32Array(BLOCK_ROWS);
  readonly offsetHighs = new Uint32Array(BLOCK_ROWS);
  /** Each shape's source, type, 1 when applied, and stretch of sections. */
  readonly shapeSources: number[] = [];
  readonly shapeTypes: number[] = [];
  readonly shapeRelative: number[] = [];
  readonly shapeStretches: number[] = [];
  /** Shapes by stretch, then by `(type * 8 + source) * 2 + relative`. */
  private readonly shapeIndex = new Map<number, Map<number, number>>();
  /**
   * Every row's shape and symbol, kept for a second pass over the same rows when `keep` says so:
   * allocated once for all the rows (a block's worth each would be hundreds of buffers).
   */
  private readonly keptShapes: Int32Array | undefined;
  private readonly keptSymbols: Int32Array | undefined;
  private kept = 0;
  /** Where in the kept rows a second pass reads next, or -1 while rows are looked up. */
  private replayed = -1;

  constructor(
    private readonly plan: Plan,
    private readonly encode: (text: string) => T,
    keep = false,
  ) {
    this.names = new AddressNames(plan.elf.reader, plan.elf.sectionHeaders);
    // Allocated whole: filled at random indexes, a growing array would turn into a dictionary.
    this.symbolTexts = new Array<T | undefined>(this.names.symbols.count).fill(undefined);
    this.localGot = encode('local GOT');
    if (keep) {
      const rows = rowCount(plan);
      this.keptShapes = new Int32Array(rows);
      this.keptSymbols = new Int32Array(rows);
    }
  }

  /**
   * Names the rows of a block: each a lookup, or on a second pass what the first found. The first
   * of two passes finds shapes and symbols only.
   */
  resolve(rows: RowBlock): void {
    const { symbols, offsetLows, offsetHighs } = this;
    const table = this.names.symbols;
    const replaying = this.replayed >= 0;
    if (replaying) {
      const from = this.replayed;
      this.replayed += rows.count;
      this.shapes.set((this.keptShapes as Int32Array).subarray(from, this.replayed));
      symbols.set((this.keptSymbols as Int32Array).subarray(from, this.replayed));
    } else {
      this.lookUp(rows);
      // A first pass that keeps what it finds for a second writes nothing: it needs no offsets.
      if (this.keptShapes !== undefined) {
        this.keep(rows.count);
        return;
      }
    }
    // Rows run through one symbol: its value is read again only when the symbol changes.
    let last = -1;
    let valueLow = 0;
    let valueHigh = 0;
    for (let row = 0; row < rows.count; row++) {
      const symbol = symbols[row] as number;
      if (symbol < 0) continue;
      if (symbol !== last) {
        last = symbol;
        valueLow = table.valueLow(symbol);
        valueHigh = table.valueHigh(symbol);
      }
      const difference = (rows.vaddrLow[row] as number) - valueLow;
      offsetLows[row] = difference >>> 0;
      offsetHighs[row] = (rows.vaddrHigh[row] as number) - valueHigh - (difference < 0 ? 1 : 0);
    }
  }

  private keep(count: number): void {
    (this.keptShapes as Int32Array).set(this.shapes.subarray(0, count), this.kept);
    (this.keptSymbols as Int32Array).set(this.symbols.subarray(0, count), this.kept);
    this.kept += count;
  }

  /** Starts a second pass over the same rows, from the first, with what the first pass found. */
  rewind(): void {
    this.replayed = 0;
  }

  get shapeCount(): number {
    return this.shapeSources.length;
  }

  sectionText(stretch: number): T | null {
    let section = this.sections[stretch + 1];
    if (section === undefined) {
      const name = this.names.sectionName(stretch);
      section = name === undefined ? null : this.encode(name);
      this.sections[stretch + 1] = section;
    }
    return section;
  }

  symbolText(symbol: number): T {
    let text = this.symbolTexts[symbol];
    if (text === undefined) {
      text = this.encode(this.names.symbols.symbolName(symbol));
      this.symbolTexts[symbol] = text;
    }
    return text;
  }

  typeText(source: number, type: number): T {
    if (source === SOURCE_GOT) return this.localGot;
    // Rows come in runs of one type (a library's relative entries first).
    if (type === this.lastType) return this.lastTypeText as T;
    let text = this.types.get(type);
    if (text === undefined) {
      text = this.encode(typeName(this.plan.elf.arch, type));
      this.types.set(type, text);
    }
    this.lastType = type;
    this.lastTypeText = text;
    return text;
  }

  private lookUp(rows: RowBlock): void {
    const names = this.names;
    const { source: sources, type: types, relative: relatives, vaddrLow, vaddrHigh } = rows;
    const shapes = this.shapes;
    let shape = -1;
    let lastSource = -1;
    let lastType = -1;
    let lastRelative = -1;
    let lastStretch = -2;
    for (let row = 0; row < rows.count; row++) {
      const low = vaddrLow[row] as number;
      const high = vaddrHigh[row] as number;
      const stretch = names.stretchOf(low, high);
      const source = sources[row] as number;
      const type = types[row] as number;
      const relative = relatives[row] as number;
      if (stretch !== lastStretch || source !== lastSource || type !== lastType || relative !== lastRelative) {
        shape = this.shapeOf(source, type, relative, stretch);
        lastStretch = stretch;
        lastSource = source;
        lastType = type;
        lastRelative = relative;
      }
      shapes[row] = shape;
      this.symbols[row] = names.symbolAt(low, high);
    }
  }

  private shapeOf(source: number, type: number, relative: number, stretch: number): number {
    let byKind = this.shapeIndex.get(stretch);
    if (byKind === undefined) {
      byKind = new Map();
      this.shapeIndex.set(stretch, byKind);
    }
    // A mips64 type takes 24 bits: the key stays below 2^28.
    const key = (type * 8 + source) * 2 + relative;
    let shape = byKind.get(key);
    if (shape === undefined) {
      shape = this.shapeSources.length;
      this.shapeSources.push(source);
      this.shapeTypes.push(type);
      this.shapeRelative.push(relative);
      this.shapeStretches.push(stretch);
      byKind.set(key, shape);
    }
    return shape;
  }
}

/** A symbol's name and the address's distance from it, as both tables print it: `name`, or `name+0x8`. */
export function putSymbolName(bytes: Uint8Array, at: number, name: Uint8Array, offsetLow: number, offsetHigh: number): number {
  at = putBytes(bytes, at, name);
  if (offsetLow === 0 && offsetHigh === 0) return at;
  bytes[at] = 0x2b;
  return putHex64(bytes, at + 1, offsetLow, offsetHigh);
}

/** What `make` gives for a row shape, made once, when a row of that shape first asks: a writer's fixed text of each shape. */
export function perShape<S>(make: (shape: number) => S): (shape: number) => S {
  const made: (S | undefined)[] = [];
  return (shape) => {
    let value = made[shape];
    if (value === undefined) {
      value = make(shape);
      made[shape] = value;
    }
    return value;
  };
}
