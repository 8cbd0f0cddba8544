import { DT_STRSZ, DT_STRTAB, DT_SYMENT, DT_SYMTAB, hex } from '../../elf/index.js';
import { addressNamesOf } from '../model/index.js';
import type { FileContext } from './file-context.js';
import { sortedTags } from './file-tables.js';

/**
 * Names for reports: the symbol (or section) holding a link-time address, from the section headers
 * when the file still has them, and the symbol a relocation entry refers to, from DT_SYMTAB and
 * DT_STRTAB, which even a stripped file keeps. Both are read on first use only.
 */
export class Names {
  private symbols: { readonly table: bigint; readonly entry: bigint; readonly strings: bigint; readonly stringsSize: bigint } | undefined;

  constructor(private readonly context: FileContext) {}

  /** `symbol+0x8` within the symbol's size, or `.data+0x70`, or the hex address. */
  where(vaddr: bigint): string {
    return addressNamesOf(this.context.elf).label(vaddr) ?? hex(vaddr);
  }

  section(vaddr: bigint): string | undefined {
    return addressNamesOf(this.context.elf).section(vaddr);
  }

  /** The name of dynamic symbol `index`, or `symbol N` when it cannot be read. */
  symbol(index: number): string {
    if (index === 0) return '';
    const w = this.context.elf.reader.wordSize;
    if (this.symbols === undefined) {
      const tags = sortedTags(this.context.dynamic, w);
      this.symbols = {
        table: tags.get(DT_SYMTAB) ?? 0n,
        entry: tags.get(DT_SYMENT) ?? BigInt(w === 8 ? 24 : 16),
        strings: tags.get(DT_STRTAB) ?? 0n,
        stringsSize: tags.get(DT_STRSZ) ?? 0n,
      };
    }
    const { table, entry, strings, stringsSize } = this.symbols;
    const fallback = `symbol ${index}`;
    if (table === 0n || strings === 0n || entry === 0n) return fallback;
    const record = this.context.loaded.read(table + BigInt(index) * entry, 4n);
    if (record.length < 4) return fallback;
    const nameAt = BigInt(new DataView(record.buffer, record.byteOffset, 4).getUint32(0, this.context.elf.reader.little));
    if (nameAt >= stringsSize) return fallback;
    const bytes = this.context.loaded.read(strings + nameAt, stringsSize - nameAt < 4096n ? stringsSize - nameAt : 4096n);
    const end = bytes.indexOf(0);
    return end <= 0 ? fallback : Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
  }
}
