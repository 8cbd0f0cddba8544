import { type ElfFile, SHT_NULL } from '../../elf/index.js';
import { type ElfWriter, type SectionHeaderFields, SHDR_SIZE, sectionNameOffset } from './elf-writer.js';
import { refuse } from './errors.js';

type Fields = Omit<SectionHeaderFields, 'nameOffset'>;

/** A change to one section header; `name` is looked up in (or added to) the section name table. */
type SectionChange = Partial<Fields> & { readonly name?: string };

/** Section numbers from SHN_LORESERVE up are reserved; piekit does not switch a file to extended numbering. */
const SHN_LORESERVE = 0xff00;

/**
 * Changes to a file's section headers. Sections exist for tools (readelf, debuggers), never for
 * startup code, so they only have to describe the new layout truthfully. An added section goes at
 * the end of the table: inserting one would renumber the sections that symbols and sh_link name.
 * A name the section name table lacks is added to a copy of the table at the end of the file;
 * an added section needs a copy of the header table there too. The old copies stay unreferenced.
 */
export class SectionEdits {
  private readonly changes = new Map<number, SectionChange>();
  private readonly added: (Fields & { readonly name: string })[] = [];
  private readonly newNames = new Map<string, number>();
  private readonly names: Uint8Array;

  constructor(private readonly elf: ElfFile) {
    const table = elf.sectionHeaders[this.namesIndex];
    const usable = table !== undefined && table.type !== SHT_NULL && table.offset + table.size <= BigInt(elf.bytes.length);
    this.names = usable
      ? elf.bytes.subarray(elf.reader.range(table.offset, table.size, 'section name table'), Number(table.offset + table.size))
      : new Uint8Array();
  }

  /** Whether the file has section headers at all; a stripped static-PIE may have none. */
  get present(): boolean {
    return this.elf.sectionHeaders.length > 0;
  }

  private get namesIndex(): number {
    const { header, sectionHeaders } = this.elf;
    // SHN_XINDEX: the real index is section 0's sh_link.
    return header.shstrndx === 0xffff ? (sectionHeaders[0]?.link ?? 0) : header.shstrndx;
  }

  change(index: number, change: SectionChange): void {
    if (!this.present) return;
    this.changes.set(index, { ...this.changes.get(index), ...change });
  }

  add(section: Fields & { readonly name: string }): void {
    if (!this.present) return;
    const count = this.elf.sectionHeaders.length + this.added.length + 1;
    if (this.elf.header.shnum !== 0 && count >= SHN_LORESERVE) {
      throw refuse('NO_ROOM', `Invalid ELF section headers for conversion: adding ${section.name} would need ${count} sections, past SHN_LORESERVE`);
    }
    this.added.push(section);
  }

  /** sh_name of a string: an existing one (a suffix of a longer name will do), else one added. */
  private nameOffset(name: string): number {
    const wanted = Buffer.from(`${name}\0`, 'latin1');
    const found = Buffer.from(this.names.buffer, this.names.byteOffset, this.names.byteLength).indexOf(wanted);
    if (found >= 0) return found;
    const known = this.newNames.get(name);
    if (known !== undefined) return known;
    const offset = this.names.length + [...this.newNames.keys()].reduce((size, text) => size + text.length + 1, 0);
    this.newNames.set(name, offset);
    return offset;
  }

  private get movesNames(): boolean {
    for (const change of this.changes.values()) if (change.name !== undefined) this.nameOffset(change.name);
    for (const section of this.added) this.nameOffset(section.name);
    return this.newNames.size > 0;
  }

  /** Bytes appended at `end` (a file offset): the copied name table and header table, when needed. */
  appendedSize(end: number): number {
    return this.layout(end).end - end;
  }

  private layout(end: number): { names: number | undefined; headers: number | undefined; end: number } {
    if (!this.present) return { names: undefined, headers: undefined, end };
    let at = end;
    let names: number | undefined;
    if (this.movesNames) {
      names = at;
      at += this.names.length + [...this.newNames.keys()].reduce((size, text) => size + text.length + 1, 0);
    }
    let headers: number | undefined;
    if (this.added.length > 0) {
      const w = this.elf.reader.wordSize;
      headers = Math.ceil(at / w) * w;
      at = headers + (this.elf.sectionHeaders.length + this.added.length) * SHDR_SIZE[w];
    }
    return { names, headers, end: at };
  }

  /** Writes the headers (and copies) into an output whose first bytes are the input's. */
  write(writer: ElfWriter, end: number): void {
    if (!this.present) return;
    const { elf } = this;
    const w = elf.reader.wordSize;
    const entrySize = SHDR_SIZE[w];
    const layout = this.layout(end);
    if (layout.names !== undefined) {
      writer.file.setBytes(layout.names, this.names);
      let at = layout.names + this.names.length;
      for (const name of this.newNames.keys()) {
        writer.file.setBytes(at, Buffer.from(`${name}\0`, 'latin1'));
        at += name.length + 1;
      }
      const namesIndex = this.namesIndex;
      this.changes.set(namesIndex, { ...this.changes.get(namesIndex), offset: BigInt(layout.names), size: BigInt(at - layout.names) });
    }
    const oldTable = Number(elf.header.shoff);
    const table = layout.headers ?? oldTable;
    if (layout.headers !== undefined) {
      writer.file.setBytes(layout.headers, elf.bytes.subarray(oldTable, oldTable + elf.sectionHeaders.length * entrySize));
      writer.header('shoff', BigInt(layout.headers));
      const count = elf.sectionHeaders.length + this.added.length;
      // Extended numbering keeps the count in section 0's sh_size.
      if (elf.header.shnum === 0) this.changes.set(0, { ...this.changes.get(0), size: BigInt(count) });
      else writer.header('shnum', count);
    }
    for (const [index, change] of this.changes) {
      const section = elf.sectionHeaders[index];
      if (section === undefined) throw new Error(`no section ${index} to change`);
      const at = table + index * entrySize;
      const { name, ...fields } = change;
      writer.sectionHeader(at, {
        ...section,
        nameOffset: name === undefined ? sectionNameOffset(elf.bytes, elf.reader.endian, oldTable + index * entrySize) : this.nameOffset(name),
        ...fields,
      });
    }
    this.added.forEach((section, i) => {
      const { name, ...fields } = section;
      writer.sectionHeader(table + (elf.sectionHeaders.length + i) * entrySize, { ...fields, nameOffset: this.nameOffset(name) });
    });
  }
}

/** The index of the allocated section of a type starting at an address, if the file has one. */
export function sectionAt(elf: ElfFile, types: readonly number[], vaddr: bigint): number | undefined {
  const found = elf.sectionHeaders.find((section) => types.includes(section.type) && section.addr === vaddr && section.size > 0n);
  return found?.index;
}
