import { AddressNames, typeName } from '../../elf/index.js';
import { putBytes, putHex64 } from './ascii-buffer.js';
import { BLOCK_ROWS, type RowBlock } from './inspection.js';
import type { Plan } from './plan.js';
import { SOURCE_GOT } from './write-list.js';

/**
 * The section and symbol holding each row's address, and the row's type name, each text encoded
 * once by `encode` and kept by number: a library's rows repeat a few hundred names.
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
   * `resolve`'s results for the rows of the last block: the stretch of sections holding the
   * address, the symbol holding it (-1 for none) and the address's offset from the symbol.
   */
  readonly stretches = new Int32Array(BLOCK_ROWS);
  readonly symbols = new Int32Array(BLOCK_ROWS);
  readonly offsetLows = new Uint32Array(BLOCK_ROWS);
  readonly offsetHighs = new Uint32Array(BLOCK_ROWS);
  /** Each block's stretches and symbols, kept for a second pass over the same blocks when `keep` says so. */
  private readonly kept: Int32Array[] = [];
  private readonly keeping: boolean;
  /** The kept block a second pass reads next, or -1 while rows are looked up. */
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
    this.keeping = keep;
  }

  /** Names the rows of a block: each a lookup, or on a second pass what the first found. */
  resolve(rows: RowBlock): void {
    const { symbols, offsetLows, offsetHighs } = this;
    const table = this.names.symbols;
    const replaying = this.replayed >= 0;
    if (replaying) {
      const kept = this.kept[this.replayed++] as Int32Array;
      this.stretches.set(kept.subarray(0, rows.count));
      symbols.set(kept.subarray(rows.count));
    } else {
      this.lookUp(rows);
    }
    for (let row = 0; row < rows.count; row++) {
      const symbol = symbols[row] as number;
      if (symbol < 0) continue;
      const low = rows.vaddrLow[row] as number;
      const difference = low - table.valueLow(symbol);
      offsetLows[row] = difference >>> 0;
      offsetHighs[row] = (rows.vaddrHigh[row] as number) - table.valueHigh(symbol) - (difference < 0 ? 1 : 0);
    }
    if (!replaying && this.keeping) {
      const kept = new Int32Array(2 * rows.count);
      kept.set(this.stretches.subarray(0, rows.count));
      kept.set(symbols.subarray(0, rows.count), rows.count);
      this.kept.push(kept);
    }
  }

  /** Starts a second pass over the same rows, from the first, with what the first pass found. */
  rewind(): void {
    this.replayed = 0;
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
    for (let row = 0; row < rows.count; row++) {
      const low = rows.vaddrLow[row] as number;
      const high = rows.vaddrHigh[row] as number;
      this.stretches[row] = names.stretchOf(low, high);
      this.symbols[row] = names.symbolAt(low, high);
    }
  }
}

/** A symbol's name and the address's distance from it, as both tables print it: `name`, or `name+0x8`. */
export function putSymbolName(bytes: Uint8Array, at: number, name: Uint8Array, offsetLow: number, offsetHigh: number): number {
  at = putBytes(bytes, at, name);
  if (offsetLow === 0 && offsetHigh === 0) return at;
  bytes[at] = 0x2b;
  return putHex64(bytes, at + 1, offsetLow, offsetHigh);
}
