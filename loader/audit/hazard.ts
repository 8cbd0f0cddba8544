/** How much a hazard matters: `error` makes `piekit audit` exit 1, the others are reported. */
export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** A property of the file itself that some or all startup code gets wrong or refuses. */
export interface Hazard {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  /** How many entries, words or headers are involved; the lists below hold the first LISTED of them. */
  readonly count: number;
  /** `table#index` of the relocation entries involved. */
  readonly entries: readonly string[];
  /** Link-time addresses involved, hexadecimal. */
  readonly addresses: readonly string[];
  /** Symbols: the one an entry refers to, or the one holding an address. */
  readonly symbols: readonly string[];
}

/** Lists in a hazard are cut here: a shared library can have tens of thousands of entries of one kind. */
export const LISTED = 50;

/** Collects the items of one hazard, keeping the first LISTED of each list and counting all. */
export class HazardItems {
  count = 0;
  readonly entries: string[] = [];
  readonly addresses: string[] = [];
  readonly symbols: string[] = [];

  /** Counts one item; `describe` runs only for the first LISTED, since naming costs symbol lookups. */
  add(describe: () => { readonly entry?: string; readonly address?: string; readonly symbol?: string }): void {
    this.count++;
    if (this.count > LISTED) return;
    const item = describe();
    if (item.entry !== undefined) this.entries.push(item.entry);
    if (item.address !== undefined) this.addresses.push(item.address);
    if (item.symbol !== undefined && item.symbol !== '' && !this.symbols.includes(item.symbol)) this.symbols.push(item.symbol);
  }

  hazard(id: string, severity: Severity, message: string): Hazard {
    return { id, severity, message, count: this.count, entries: this.entries, addresses: this.addresses, symbols: this.symbols };
  }
}

/** A hazard about headers or tags rather than entries. */
export function simpleHazard(id: string, severity: Severity, message: string, addresses: readonly string[] = []): Hazard {
  return { id, severity, message, count: 1, entries: [], addresses, symbols: [] };
}
