import { SHF_ALLOC, SHF_TLS, SHT_DYNSYM, SHT_NOBITS, SHT_SYMTAB } from './constants.js';
import { hex } from './errors.js';
import { hostWords } from './host-words.js';
import type { ElfReader } from './reader.js';
import { readString, type SectionHeader } from './section-headers.js';

const STT_FUNC = 2;
const STT_SECTION = 3;
const STT_FILE = 4;
const STT_TLS = 6;
const STB_LOCAL = 0;

/** One defined symbol, by name. */
export interface SymbolEntry {
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly isFunction: boolean;
  /** st_other: visibility, and on ELFv2 Power the local entry point's offset. */
  readonly other: number;
}

export interface SymbolName {
  readonly name: string;
  /** Distance from the symbol's value to the address asked about. */
  readonly offset: bigint;
}

/**
 * The defined symbols of a file (Elf32_Sym/Elf64_Sym), from .symtab or else .dynsym: section and
 * file symbols, undefined ones and ARM/AArch64 mapping symbols (`$a`, `$t`, `$d`, `$x`) left out.
 * Fields sit in typed arrays and names are decoded on first use, since a library exports tens of
 * thousands; an index sorted by address is built once, the one by name on first lookup.
 */
export class SymbolTable {
  readonly count: number;
  private readonly nameOffsets: Uint32Array;
  private readonly valueLows: Uint32Array;
  private readonly valueHighs: Uint32Array;
  private readonly sizeLows: Uint32Array;
  private readonly sizeHighs: Uint32Array;
  private readonly infos: Uint8Array;
  private readonly others: Uint8Array;
  private readonly strings: Uint8Array;
  private readonly decoded: (string | undefined)[];
  /** Symbol numbers by address, file order among equal addresses. */
  readonly byAddress: Uint32Array;
  private byName: Map<string, number> | undefined;

  constructor(elf: { readonly reader: ElfReader; readonly sectionHeaders: readonly SectionHeader[] }) {
    const { reader, sectionHeaders: sections } = elf;
    const table = sections.find((section) => section.type === SHT_SYMTAB) ?? sections.find((section) => section.type === SHT_DYNSYM);
    const strings = table === undefined ? undefined : sections[table.link];
    const usable = table !== undefined && strings !== undefined && strings.type !== SHT_NOBITS && table.type !== SHT_NOBITS;
    const is64 = reader.wordSize === 8;
    const entrySize = is64 ? 24 : 16;
    const total = usable ? Math.max(0, Math.floor(Number(table.size) / entrySize) - 1) : 0;
    const columns: SymbolColumns = {
      nameOffsets: new Uint32Array(total),
      valueLows: new Uint32Array(total),
      valueHighs: new Uint32Array(total),
      sizeLows: new Uint32Array(total),
      sizeHighs: new Uint32Array(total),
      infos: new Uint8Array(total),
      others: new Uint8Array(total),
    };
    this.nameOffsets = columns.nameOffsets;
    this.valueLows = columns.valueLows;
    this.valueHighs = columns.valueHighs;
    this.sizeLows = columns.sizeLows;
    this.sizeHighs = columns.sizeHighs;
    this.infos = columns.infos;
    this.others = columns.others;
    this.strings = new Uint8Array(0);
    let count = 0;
    if (usable) {
      const start = reader.range(table.offset, table.size, `symbol table (section ${table.index})`);
      const stringStart = reader.range(strings.offset, strings.size, `string table (section ${strings.index})`);
      this.strings = reader.bytes.subarray(stringStart, stringStart + Number(strings.size));
      // The entries as host-order 32-bit words (a view where the file's order is the host's): a
      // library has tens of thousands of symbols, and a DataView read costs several loads each.
      const words = hostWords(reader.bytes.subarray(start + entrySize, start + (total + 1) * entrySize), reader.little);
      count = keepSymbols(words, total, reader, this.strings, columns);
    }
    this.count = count;
    this.decoded = new Array<string | undefined>(count);
    this.byAddress = sortedByValue(this.valueLows, this.valueHighs, count);
  }

  symbolName(symbol: number): string {
    let name = this.decoded[symbol];
    if (name === undefined) {
      name = readString(this.strings, this.nameOffsets[symbol] as number);
      this.decoded[symbol] = name;
    }
    return name;
  }

  symbolValue(symbol: number): bigint {
    return (BigInt(this.valueHighs[symbol] as number) << 32n) | BigInt(this.valueLows[symbol] as number);
  }

  symbolSize(symbol: number): bigint {
    return (BigInt(this.sizeHighs[symbol] as number) << 32n) | BigInt(this.sizeLows[symbol] as number);
  }

  entry(symbol: number): SymbolEntry {
    return {
      name: this.symbolName(symbol),
      value: this.symbolValue(symbol),
      size: this.symbolSize(symbol),
      isFunction: ((this.infos[symbol] as number) & 0xf) === STT_FUNC,
      other: this.others[symbol] as number,
    };
  }

  /**
   * The position in `byAddress` of the last symbol whose value is at most the address (given as
   * halves), or -1. `hint`, a position found for a nearby address, is tried first: relocations
   * come mostly in address order.
   */
  positionAt(low: number, high: number, hint = -1): number {
    const count = this.byAddress.length;
    let from = 0;
    let to = count;
    if (hint >= 0 && hint < count) {
      if (this.atMost(hint, low, high)) {
        // Addresses mostly ascend: the answer is the hint or a few positions past it.
        from = hint + 1;
        for (const end = Math.min(count, hint + 4); from < end && this.atMost(from, low, high); ) from++;
        if (from === count || !this.atMost(from, low, high)) return from - 1;
      } else {
        to = hint;
      }
    }
    while (from < to) {
      const middle = (from + to) >>> 1;
      if (this.atMost(middle, low, high)) from = middle + 1;
      else to = middle;
    }
    return from - 1;
  }

  /** Whether the symbol at a position of `byAddress` has a value at most the address. */
  private atMost(position: number, low: number, high: number): boolean {
    const symbol = this.byAddress[position] as number;
    const h = this.valueHighs[symbol] as number;
    return h < high || (h === high && (this.valueLows[symbol] as number) <= low);
  }

  /** Whether the symbol's value is an address: a TLS symbol's is an offset in the TLS template. */
  isAddress(symbol: number): boolean {
    return ((this.infos[symbol] as number) & 0xf) !== STT_TLS;
  }

  /** How many bytes the symbol holds, as halves: its size, or 1 for a size of 0, which holds its own address. */
  extentLow(symbol: number): number {
    const low = this.sizeLows[symbol] as number;
    return low === 0 && this.sizeHighs[symbol] === 0 ? 1 : low;
  }

  extentHigh(symbol: number): number {
    return this.sizeHighs[symbol] as number;
  }

  valueLow(symbol: number): number {
    return this.valueLows[symbol] as number;
  }

  valueHigh(symbol: number): number {
    return this.valueHighs[symbol] as number;
  }

  /** Whether the address (as halves) lies inside the symbol; a symbol of size 0 holds its own address. */
  holds(symbol: number, low: number, high: number): boolean {
    const endLow = (this.valueLows[symbol] as number) + this.extentLow(symbol);
    const endHigh = (this.valueHighs[symbol] as number) + this.extentHigh(symbol) + (endLow > 0xffffffff ? 1 : 0);
    // An end past 2^64 holds every address above the value.
    if (endHigh > 0xffffffff) return true;
    return high < endHigh || (high === endHigh && low < endLow >>> 0);
  }

  /**
   * The symbol a caller naming it means: several local symbols may share a name (a static function
   * in two files); a function, and a function of global binding, are preferred.
   */
  get(name: string): SymbolEntry | undefined {
    const symbol = this.namesIndex().get(name);
    return symbol === undefined ? undefined : this.entry(symbol);
  }

  has(name: string): boolean {
    return this.mentions(name) && this.namesIndex().has(name);
  }

  /**
   * Whether the string table holds `text` anywhere (names are Latin-1, a byte a character): when it
   * does not, no name is or contains it, and a library's tens of thousands of names need not be
   * decoded to say so.
   */
  mentions(text: string): boolean {
    return Buffer.from(this.strings.buffer, this.strings.byteOffset, this.strings.length).includes(text, 0, 'latin1');
  }

  /** How many distinct names. */
  get size(): number {
    return this.namesIndex().size;
  }

  names(): IterableIterator<string> {
    return this.namesIndex().keys();
  }

  private namesIndex(): Map<string, number> {
    if (this.byName !== undefined) return this.byName;
    const byName = new Map<string, number>();
    const isFunction = (symbol: number): boolean => ((this.infos[symbol] as number) & 0xf) === STT_FUNC;
    for (let symbol = 0; symbol < this.count; symbol++) {
      const name = this.symbolName(symbol);
      const known = byName.get(name);
      const global = (this.infos[symbol] as number) >> 4 !== STB_LOCAL;
      if (known === undefined || (isFunction(symbol) && !isFunction(known)) || (global && isFunction(symbol))) byName.set(name, symbol);
    }
    this.byName = byName;
    return byName;
  }
}

interface SymbolColumns {
  readonly nameOffsets: Uint32Array;
  readonly valueLows: Uint32Array;
  readonly valueHighs: Uint32Array;
  readonly sizeLows: Uint32Array;
  readonly sizeHighs: Uint32Array;
  readonly infos: Uint8Array;
  readonly others: Uint8Array;
}

/**
 * The symbols SymbolTable keeps of `total` entries (host-order words, the null entry left out),
 * their fields into `into`; returns how many. Apart, so that the engine compiles the loop on its own.
 */
function keepSymbols(
  words: Uint32Array,
  total: number,
  reader: { readonly wordSize: 4 | 8; readonly little: boolean; readonly lowAt: number; readonly highAt: number },
  names: Uint8Array,
  into: SymbolColumns,
): number {
  const { little } = reader;
  const is64 = reader.wordSize === 8;
  // Elf64_Sym: name, info/other/shndx, value, size; Elf32_Sym: name, value, size, info/other/shndx (words).
  const packedAt = is64 ? 1 : 3;
  const valueAt = is64 ? 2 : 1;
  const sizeAt = is64 ? 4 : 2;
  const lowAt = reader.lowAt >>> 2;
  const highAt = reader.highAt >>> 2;
  const perEntry = is64 ? 6 : 4;
  const { nameOffsets, valueLows, valueHighs, sizeLows, sizeHighs, infos, others } = into;
  let count = 0;
  for (let at = 0; at < total * perEntry; at += perEntry) {
    // info, other and shndx in file order: a little-endian word holds info lowest.
    const packed = words[at + packedAt] as number;
    const info = little ? packed & 0xff : packed >>> 24;
    const kind = info & 0xf;
    const shndx = little ? packed >>> 16 : packed & 0xffff;
    if (kind === STT_SECTION || kind === STT_FILE || shndx === 0) continue;
    const nameOffset = words[at] as number;
    const first = nameOffset < names.length ? (names[nameOffset] as number) : 0;
    if (first === 0 || first === 0x24 /* $ */) continue;
    nameOffsets[count] = nameOffset;
    valueLows[count] = words[at + valueAt + lowAt] as number;
    valueHighs[count] = is64 ? (words[at + valueAt + highAt] as number) : 0;
    sizeLows[count] = words[at + sizeAt + lowAt] as number;
    sizeHighs[count] = is64 ? (words[at + sizeAt + highAt] as number) : 0;
    infos[count] = info;
    others[count] = little ? (packed >>> 8) & 0xff : (packed >>> 16) & 0xff;
    count++;
  }
  return count;
}

/** Symbols a sort key packs with their number: below 2^21, a number and a 32-bit distance fit a double's 53 bits. */
const PACKED_SYMBOLS = 1 << 21;
const TWO_32 = 2 ** 32;

/**
 * Symbol numbers `0..count-1` ordered by value (given as halves), file order among equal values.
 * The engine's own sort of packed keys does it where it can: a comparator called a million times
 * for a library's fifty thousand symbols costs more than the rest of reading them.
 */
function sortedByValue(lows: Uint32Array, highs: Uint32Array, count: number): Uint32Array {
  const order = new Uint32Array(count);
  const keys = packedKeys(lows, highs, count);
  if (keys === undefined) {
    for (let i = 0; i < count; i++) order[i] = i;
    return order.sort((a, b) => (highs[a] as number) - (highs[b] as number) || (lows[a] as number) - (lows[b] as number) || a - b);
  }
  keys.sort();
  for (let position = 0; position < count; position++) order[position] = (keys[position] as number) % PACKED_SYMBOLS;
  return order;
}

/**
 * Each symbol's distance from the lowest value times 2^21 plus its number, exact in a double, so
 * that keys order as (value, number) do; undefined when values spread over 2^32 or more.
 */
function packedKeys(lows: Uint32Array, highs: Uint32Array, count: number): Float64Array | undefined {
  if (count >= PACKED_SYMBOLS) return undefined;
  let lowestHigh = TWO_32;
  let lowestLow = 0;
  for (let i = 0; i < count; i++) {
    const high = highs[i] as number;
    const low = lows[i] as number;
    if (high < lowestHigh || (high === lowestHigh && low < lowestLow)) {
      lowestHigh = high;
      lowestLow = low;
    }
  }
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const distance = ((highs[i] as number) - lowestHigh) * TWO_32 + ((lows[i] as number) - lowestLow);
    if (distance >= TWO_32) return undefined;
    keys[i] = distance * PACKED_SYMBOLS + i;
  }
  return keys;
}

/**
 * Names for addresses, from the section headers and symbol tables when the file still has them.
 * Used only for explanations: a stripped file simply gets no names. A symbol names only the bytes
 * it holds (`st_size`, its own address alone when 0), as GNU addr2line and llvm-symbolizer do for
 * data: the nearest symbol below an address says nothing about a word past its end.
 */
export class AddressNames {
  readonly symbols: SymbolTable;
  /** Boundaries of the allocated sections, sorted; between `starts[i]` and `starts[i + 1]` lies `owners[i]`. */
  private readonly starts: bigint[];
  private readonly owners: (SectionHeader | undefined)[];
  /** `starts` as halves, the high one up to 2^33 (a section may end past 2^64), for `stretchOf`. */
  private readonly startLows: Uint32Array;
  private readonly startHighs: Float64Array;
  private lastStretch = -1;
  /**
   * For each position of the address index, the symbol reaching furthest among it and those
   * before: a word past it is held by none. Built when a symbol first fails to hold an address.
   */
  private furthest: Int32Array | undefined;

  constructor(reader: ElfReader, sections: readonly SectionHeader[]) {
    // A NOBITS TLS section (.tbss) takes no room in the image: its address is the template's, and
    // the words there belong to whatever section follows (.init_array in glibc static-PIEs).
    const tlsTemplate = (section: SectionHeader): boolean => section.type === SHT_NOBITS && (section.flags & SHF_TLS) !== 0n;
    const allocated = sections.filter((section) => (section.flags & SHF_ALLOC) !== 0n && section.size > 0n && !tlsTemplate(section));
    this.symbols = new SymbolTable({ reader, sectionHeaders: sections });
    // Sections may overlap (.tbss): each stretch between boundaries belongs to the first section,
    // in header order, that covers it.
    const bounds = [...new Set(allocated.flatMap((section) => [section.addr, section.addr + section.size]))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    this.starts = bounds;
    this.startLows = Uint32Array.from(bounds, (bound) => Number(bound & 0xffffffffn));
    this.startHighs = Float64Array.from(bounds, (bound) => Number(bound >> 32n));
    this.owners = bounds.map((start) => allocated.find((section) => start >= section.addr && start - section.addr < section.size));
  }

  section(address: bigint): string | undefined {
    return this.sectionName(this.stretchAt(address));
  }

  /** The address's distance from the start of its section, or undefined outside every allocated section. */
  sectionOffset(address: bigint): bigint | undefined {
    const stretch = this.stretchAt(address);
    const owner = stretch < 0 ? undefined : this.owners[stretch];
    return owner === undefined ? undefined : address - owner.addr;
  }

  /** Which stretch between section boundaries holds the address (-1 below them all): equal stretches, equal sections. */
  stretchAt(address: bigint): number {
    const starts = this.starts;
    let from = 0;
    let to = starts.length;
    while (from < to) {
      const middle = (from + to) >>> 1;
      if ((starts[middle] as bigint) <= address) from = middle + 1;
      else to = middle;
    }
    return from - 1;
  }

  /** `stretchAt` for an address given as halves; the stretch found last is tried first. */
  stretchOf(low: number, high: number): number {
    const last = this.lastStretch;
    if (last >= 0 && !this.startAbove(last, low, high) && (last + 1 === this.startLows.length || this.startAbove(last + 1, low, high))) return last;
    let from = 0;
    let to = this.startLows.length;
    while (from < to) {
      const middle = (from + to) >>> 1;
      if (this.startAbove(middle, low, high)) to = middle;
      else from = middle + 1;
    }
    this.lastStretch = from - 1;
    return from - 1;
  }

  /** Whether the boundary at `position` lies above the address. */
  private startAbove(position: number, low: number, high: number): boolean {
    const startHigh = this.startHighs[position] as number;
    return startHigh > high || (startHigh === high && (this.startLows[position] as number) > low);
  }

  /** The section name of a stretch, or undefined outside every allocated section. */
  sectionName(stretch: number): string | undefined {
    return stretch < 0 ? undefined : this.owners[stretch]?.name;
  }

  /** The symbol holding the address (the one starting nearest below it when several do), or undefined. */
  symbol(address: bigint): SymbolName | undefined {
    const found = this.symbolAt(Number(address & 0xffffffffn), Number(address >> 32n));
    return found < 0 ? undefined : { name: this.symbols.symbolName(found), offset: address - this.symbols.symbolValue(found) };
  }

  /** `symbol+0x8` where a symbol holds the address, else `.data+0x70` (its section and the offset in it), else undefined. */
  label(address: bigint): string | undefined {
    const symbol = this.symbol(address);
    if (symbol !== undefined) return withOffset(symbol.name, symbol.offset);
    const section = this.section(address);
    return section === undefined ? undefined : withOffset(section, this.sectionOffset(address) ?? 0n);
  }

  /**
   * `symbol` for an address given as halves: the symbol number, or -1. Addresses come mostly in
   * ascending runs inside one symbol: the stretch of addresses the last answer holds for is tried
   * first, then the index from the position found last.
   */
  symbolAt(low: number, high: number): number {
    const inRun =
      (high > this.runFromHigh || (high === this.runFromHigh && low >= this.runFromLow)) &&
      (high < this.runToHigh || (high === this.runToHigh && low < this.runToLow));
    return inRun ? this.runSymbol : this.lookUpSymbol(low, high);
  }

  /**
   * The addresses the last `symbolAt` answer holds for: from (runFromHigh, runFromLow) up to, not
   * including, (runToHigh, runToLow), the high halves up to 2^32 (2^64 and past). Empty at first.
   */
  private runFromLow = 0;
  private runFromHigh = TWO_32;
  private runToLow = 0;
  private runToHigh = 0;
  private runSymbol = -1;
  /** The address-index position found last, where the next search starts. */
  private lastPosition = -1;

  private lookUpSymbol(low: number, high: number): number {
    const symbols = this.symbols;
    const position = symbols.positionAt(low, high, this.lastPosition);
    this.lastPosition = position;
    const order = symbols.byAddress;
    // Up to the next symbol's value the position, and so the answer, stays the same.
    const next = position + 1 < order.length ? (order[position + 1] as number) : -1;
    this.runToHigh = next < 0 ? TWO_32 : symbols.valueHigh(next);
    this.runToLow = next < 0 ? 0 : symbols.valueLow(next);
    this.runFromHigh = high;
    this.runFromLow = low;
    this.runSymbol = -1;
    if (position < 0) return -1;
    const nearest = order[position] as number;
    if (symbols.isAddress(nearest) && symbols.holds(nearest, low, high)) {
      // From the symbol's value to its end or the next symbol's value, whichever comes first.
      const endLow = symbols.valueLow(nearest) + symbols.extentLow(nearest);
      const endHigh = symbols.valueHigh(nearest) + symbols.extentHigh(nearest) + (endLow > 0xffffffff ? 1 : 0);
      const cappedHigh = endHigh > 0xffffffff ? TWO_32 : endHigh;
      const cappedLow = endHigh > 0xffffffff ? 0 : endLow >>> 0;
      if (cappedHigh < this.runToHigh || (cappedHigh === this.runToHigh && cappedLow < this.runToLow)) {
        this.runToHigh = cappedHigh;
        this.runToLow = cappedLow;
      }
      this.runFromHigh = symbols.valueHigh(nearest);
      this.runFromLow = symbols.valueLow(nearest);
      this.runSymbol = nearest;
      return nearest;
    }
    // A larger symbol that starts further down may still hold it (a zero-size label inside an array).
    const furthest = this.furthestAt(position);
    // Held by none: no address up to the next symbol's value is (ends past this one would hold it).
    if (furthest < 0 || !symbols.holds(furthest, low, high)) return -1;
    // The answer may change with every address: no run.
    this.runFromHigh = TWO_32;
    for (let before = position - 1; ; before--) {
      const symbol = order[before] as number;
      if (symbols.isAddress(symbol) && symbols.holds(symbol, low, high)) return symbol;
    }
  }

  private furthestAt(position: number): number {
    if (this.furthest === undefined) {
      const symbols = this.symbols;
      const order = symbols.byAddress;
      const furthest = new Int32Array(order.length);
      let best = -1;
      // Ends as halves, the high one up to 2^33: a value and a size near 2^64 end past it.
      let bestHigh = -1;
      let bestLow = 0;
      for (let i = 0; i < order.length; i++) {
        const symbol = order[i] as number;
        if (symbols.isAddress(symbol)) {
          const endLow = symbols.valueLow(symbol) + symbols.extentLow(symbol);
          const endHigh = symbols.valueHigh(symbol) + symbols.extentHigh(symbol) + (endLow > 0xffffffff ? 1 : 0);
          if (endHigh > bestHigh || (endHigh === bestHigh && endLow >>> 0 > bestLow)) {
            best = symbol;
            bestHigh = endHigh;
            bestLow = endLow >>> 0;
          }
        }
        furthest[i] = best;
      }
      this.furthest = furthest;
    }
    return this.furthest[position] as number;
  }
}

function withOffset(name: string, offset: bigint): string {
  return offset === 0n ? name : `${name}+${hex(offset)}`;
}
