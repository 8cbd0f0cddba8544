import { AddressNames, typeName } from '../../elf/index.js';
import type { RelocationRow } from './inspection.js';
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
  private readonly symbols: (T | undefined)[] = [];
  private readonly types = new Map<number, T>();
  private readonly localGot: T;
  private hint = -1;
  /** Results of the last `resolve`: the section text (null outside every section), the symbol (-1 for none) and the offset from it. */
  section: T | null = null;
  symbol = -1;
  offsetLow = 0;
  offsetHigh = 0;

  constructor(
    private readonly plan: Plan,
    private readonly encode: (text: string) => T,
  ) {
    this.names = new AddressNames(plan.elf.reader, plan.elf.sectionHeaders);
    this.localGot = encode('local GOT');
  }

  resolve(row: RelocationRow): void {
    const { vaddrLow: low, vaddrHigh: high } = row;
    const stretch = this.names.stretchOf(low, high);
    let section = this.sections[stretch + 1];
    if (section === undefined) {
      const name = this.names.sectionName(stretch);
      section = name === undefined ? null : this.encode(name);
      this.sections[stretch + 1] = section;
    }
    this.section = section;
    const symbol = this.names.symbolAt(low, high, this.hint);
    this.hint = this.names.lastPosition;
    this.symbol = symbol;
    if (symbol < 0) return;
    const table = this.names.symbols;
    const difference = low - table.valueLow(symbol);
    this.offsetLow = difference >>> 0;
    this.offsetHigh = (high - table.valueHigh(symbol) - (difference < 0 ? 1 : 0)) >>> 0;
  }

  symbolText(symbol: number): T {
    let text = this.symbols[symbol];
    if (text === undefined) {
      text = this.encode(this.names.symbols.symbolName(symbol));
      this.symbols[symbol] = text;
    }
    return text;
  }

  typeText(row: RelocationRow): T {
    if (row.source === SOURCE_GOT) return this.localGot;
    let text = this.types.get(row.type);
    if (text === undefined) {
      text = this.encode(typeName(this.plan.elf.arch, row.type));
      this.types.set(row.type, text);
    }
    return text;
  }
}
