import { type ElfFile, type SectionHeader, SHT_DYNSYM, SHT_NOBITS, SHT_SYMTAB } from '../../elf/index.js';

const STT_FUNC = 2;
const STT_SECTION = 3;
const STT_FILE = 4;
const STB_LOCAL = 0;

export interface SymbolEntry {
  readonly name: string;
  readonly value: bigint;
  readonly size: bigint;
  readonly isFunction: boolean;
  /** st_other: visibility, and on ELFv2 Power the local entry point's offset. */
  readonly other: number;
}

/**
 * The defined symbols of a file by name, from .symtab or else .dynsym (a stripped file has
 * neither, or a .dynsym without its local functions).
 */
export class SymbolTable {
  private readonly byName = new Map<string, SymbolEntry>();

  constructor(elf: ElfFile) {
    const sections = elf.sectionHeaders;
    const table = sections.find((section) => section.type === SHT_SYMTAB) ?? sections.find((section) => section.type === SHT_DYNSYM);
    if (table === undefined) return;
    for (const [entry, binding] of readEntries(elf, sections, table)) {
      const known = this.byName.get(entry.name);
      // Several local symbols may share a name (a static function in two files); a function and
      // a global binding are what a caller naming it means.
      if (known === undefined || (entry.isFunction && !known.isFunction) || (binding !== STB_LOCAL && entry.isFunction)) {
        this.byName.set(entry.name, entry);
      }
    }
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): SymbolEntry | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): IterableIterator<string> {
    return this.byName.keys();
  }
}

function* readEntries(elf: ElfFile, sections: readonly SectionHeader[], table: SectionHeader): Generator<[SymbolEntry, number]> {
  const strings = sections[table.link];
  if (strings === undefined || strings.type === SHT_NOBITS || table.type === SHT_NOBITS) return;
  const reader = elf.reader;
  const is64 = reader.wordSize === 8;
  const entrySize = is64 ? 24 : 16;
  const start = reader.range(table.offset, table.size, `symbol table (section ${table.index})`);
  const stringStart = reader.range(strings.offset, strings.size, `string table (section ${strings.index})`);
  const stringEnd = stringStart + Number(strings.size);
  const decoder = new TextDecoder('latin1');
  for (let at = start + entrySize; at + entrySize <= start + Number(table.size); at += entrySize) {
    const info = reader.u8(at + (is64 ? 4 : 12));
    const kind = info & 0xf;
    const sectionIndex = reader.u16(at + (is64 ? 6 : 14));
    if (kind === STT_SECTION || kind === STT_FILE || sectionIndex === 0) continue;
    const nameAt = stringStart + reader.u32(at);
    if (nameAt >= stringEnd) continue;
    const nameEnd = reader.bytes.indexOf(0, nameAt);
    const name = decoder.decode(reader.bytes.subarray(nameAt, nameEnd < 0 || nameEnd > stringEnd ? stringEnd : nameEnd));
    // `$a`, `$t`, `$d` and `$x` mark instruction sets and data in ARM and AArch64 code, not symbols.
    if (name === '' || name.startsWith('$')) continue;
    const entry: SymbolEntry = {
      name,
      value: is64 ? reader.u64(at + 8) : reader.word(at + 4),
      size: is64 ? reader.u64(at + 16) : reader.word(at + 8),
      isFunction: kind === STT_FUNC,
      other: reader.u8(at + (is64 ? 5 : 13)),
    };
    yield [entry, info >> 4];
  }
}
