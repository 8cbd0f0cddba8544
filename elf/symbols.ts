import { SHF_ALLOC, SHT_DYNSYM, SHT_NOBITS, SHT_SYMTAB } from './constants.js';
import type { ElfReader } from './reader.js';
import { readString, type SectionHeader } from './section-headers.js';

const STT_SECTION = 3;
const STT_FILE = 4;

export interface SymbolName {
  readonly name: string;
  /** Distance from the symbol's value to the address asked about. */
  readonly offset: bigint;
}

interface Sym {
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
}

/**
 * Names for addresses, from the section headers and symbol tables when the file still has them.
 * Used only for explanations: a stripped file simply gets no names.
 */
export class AddressNames {
  private readonly symbols: Sym[];
  private readonly sections: SectionHeader[];

  constructor(reader: ElfReader, sections: readonly SectionHeader[]) {
    this.sections = sections.filter((section) => (section.flags & SHF_ALLOC) !== 0n && section.size > 0n);
    const table = sections.find((section) => section.type === SHT_SYMTAB) ?? sections.find((section) => section.type === SHT_DYNSYM);
    this.symbols = table === undefined ? [] : readSymbols(reader, sections, table);
    this.symbols.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  section(address: bigint): string | undefined {
    return this.sections.find((section) => address >= section.addr && address - section.addr < section.size)?.name;
  }

  /** The symbol containing the address, or else the nearest one below it in the same section. */
  symbol(address: bigint): SymbolName | undefined {
    let low = 0;
    let high = this.symbols.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.symbols[middle]?.value ?? 0n) <= address) low = middle + 1;
      else high = middle;
    }
    const candidate = this.symbols[low - 1];
    if (candidate === undefined) return undefined;
    const inside = address < candidate.value + (candidate.size === 0n ? 1n : candidate.size);
    if (inside || this.section(candidate.value) === this.section(address)) return { name: candidate.name, offset: address - candidate.value };
    return undefined;
  }
}

function readSymbols(reader: ElfReader, sections: readonly SectionHeader[], table: SectionHeader): Sym[] {
  const strings = sections[table.link];
  if (strings === undefined || strings.type === SHT_NOBITS || table.type === SHT_NOBITS) return [];
  const entrySize = reader.wordSize === 8 ? 24 : 16;
  const start = reader.range(table.offset, table.size, `symbol table (section ${table.index})`);
  const stringStart = reader.range(strings.offset, strings.size, `string table (section ${strings.index})`);
  const stringBytes = reader.bytes.subarray(stringStart, stringStart + Number(strings.size));
  const symbols: Sym[] = [];
  for (let at = start + entrySize; at + entrySize <= start + Number(table.size); at += entrySize) {
    const info = reader.u8(at + (reader.wordSize === 8 ? 4 : 12));
    const kind = info & 0xf;
    const sectionIndex = reader.u16(at + (reader.wordSize === 8 ? 6 : 14));
    if (kind === STT_SECTION || kind === STT_FILE || sectionIndex === 0) continue;
    const name = readString(stringBytes, reader.u32(at));
    if (name === '' || name.startsWith('$')) continue;
    symbols.push({
      name,
      value: reader.wordSize === 8 ? reader.u64(at + 8) : reader.word(at + 4),
      size: reader.wordSize === 8 ? reader.u64(at + 16) : reader.word(at + 8),
    });
  }
  return symbols;
}
