import {
  DT_JMPREL,
  DT_PLTREL,
  DT_PLTRELSZ,
  DT_RELA,
  type ElfFile,
  hex,
  type RelocationTable,
  relocationTable,
  stopAtFirstError,
} from '../../elf/index.js';
import { type Plan, splitWord, TWO_32 } from '../model/index.js';
import { refuse } from './errors.js';
import { nonRelativeIndexes } from './tables.js';

/**
 * How many relocations write each word of the image, saturating at 2: every planned relative
 * write (local GOT, REL, RELA, RELR) and every entry startup code skips (IRELATIVE, symbolic ones a
 * dynamic linker applies), the PLT's included. A word written once can change tables freely; a
 * word written twice depends on the order of its writes, which moving an entry between tables
 * changes (REL, then RELA, then RELR).
 */
export class WordUse {
  private readonly counts: Uint8Array;
  private readonly misalign: number;
  private readonly wordShift: number;

  constructor(planned: Plan) {
    const { layout, writes } = planned;
    const w = layout.wordSize;
    this.wordShift = w === 8 ? 3 : 2;
    this.misalign = Number(layout.start % BigInt(w));
    this.counts = new Uint8Array((layout.size >>> this.wordShift) + 2);
    this.markAll(writes.targets, writes.count);
    const elf = planned.elf;
    for (const table of planned.info.tables) {
      if (table.kind !== 'relr') this.markSkipped(planned, table);
    }
    const plt = pltTable(elf, planned);
    if (plt !== undefined) for (let index = 0; index < plt.count; index++) this.markAddress(planned, entryOffset(elf, plt, index));
  }

  /** Word index of a layout offset (relative to a word-aligned origin). */
  private wordOf(offset: number): number {
    return (offset + this.misalign) >>> this.wordShift;
  }

  /** Counts a write at each of `targets`: one loop over the plan's writes, which may be a million. */
  private markAll(targets: Uint32Array, count: number): void {
    const { counts, misalign, wordShift } = this;
    const lastByte = (1 << wordShift) - 1;
    for (let i = 0; i < count; i++) {
      const offset = (targets[i] as number) + misalign;
      const first = offset >>> wordShift;
      counts[first] = counts[first] === 0 ? 1 : 2;
      // An unaligned write covers the next word as well.
      const last = (offset + lastByte) >>> wordShift;
      if (last !== first) counts[last] = counts[last] === 0 ? 1 : 2;
    }
  }

  private mark(offset: number): void {
    const first = this.wordOf(offset);
    const last = this.wordOf(offset + (1 << this.wordShift) - 1);
    for (let word = first; word <= last; word++) this.counts[word] = Math.min(2, (this.counts[word] as number) + 1);
  }

  private markAddress(planned: Plan, address: bigint): void {
    const offset = address - planned.layout.start;
    if (offset >= 0n && offset < BigInt(planned.layout.size)) this.mark(Number(offset));
  }

  /** r_offset read as halves: a bigint per entry would cost more than the rest of the table's marks. */
  private markSkipped(planned: Plan, table: RelocationTable): void {
    const { little, lowAt, highAt, wordSize } = planned.elf.reader;
    const { view, entrySize } = table;
    const [startLow, startHigh] = splitWord(planned.layout.start);
    const size = planned.layout.size;
    const indexes = nonRelativeIndexes(planned, table);
    for (let i = 0; i < indexes.length; i++) {
      const at = (indexes[i] as number) * entrySize;
      let offset = view.getUint32(at + lowAt, little) - startLow;
      let borrow = 0;
      if (offset < 0) {
        offset += TWO_32;
        borrow = 1;
      }
      const high = wordSize === 8 ? view.getUint32(at + highAt, little) : 0;
      if (high - startHigh - borrow === 0 && offset < size) this.mark(offset);
    }
  }

  /** Whether the word(s) under a write at this layout offset are written by it alone. */
  single(offset: number): boolean {
    const first = this.wordOf(offset);
    const last = this.wordOf(offset + (1 << this.wordShift) - 1);
    for (let word = first; word <= last; word++) if (this.counts[word] !== 1) return false;
    return true;
  }

  /** Whether any relocation writes a byte of the link-time range [start, end). */
  anyIn(planned: Plan, start: bigint, end: bigint): boolean {
    const from = start - planned.layout.start;
    const to = end - planned.layout.start;
    if (to <= 0n || from >= BigInt(planned.layout.size)) return false;
    const first = this.wordOf(Number(from > 0n ? from : 0n));
    const last = this.wordOf(Number(to < BigInt(planned.layout.size) ? to : BigInt(planned.layout.size)) - 1);
    for (let word = first; word <= last; word++) if (this.counts[word] !== 0) return true;
    return false;
  }

  /** Whether a write at this layout offset covers exactly one aligned word. */
  aligned(offset: number): boolean {
    return ((offset + this.misalign) & ((1 << this.wordShift) - 1)) === 0;
  }
}

function entryOffset(elf: ElfFile, table: RelocationTable, index: number): bigint {
  return elf.reader.word(table.fileOffset + index * table.entrySize);
}

/**
 * The PLT's relocations (DT_JMPREL), which no static-PIE startup code applies but a dynamic linker
 * does. glibc accepts a DT_RELA range that ends with them; a converter rewriting the DT_RELA table
 * would move them under DT_JMPREL's feet, so that layout is refused.
 */
function pltTable(elf: ElfFile, planned: Plan): RelocationTable | undefined {
  const sorted = planned.info.dynamic.sorted;
  const vaddr = sorted[Number(DT_JMPREL)] ?? 0n;
  const size = sorted[Number(DT_PLTRELSZ)] ?? 0n;
  if (vaddr === 0n || size === 0n) return undefined;
  const w = elf.reader.wordSize;
  const entrySize = (sorted[Number(DT_PLTREL)] ?? 0n) === DT_RELA ? 3 * w : 2 * w;
  for (const table of planned.info.tables) {
    if (vaddr < table.vaddr + table.size && table.vaddr < vaddr + size) {
      throw refuse(
        'TABLE_CONFLICT',
        `Invalid ELF DT_JMPREL for conversion: the PLT relocations at ${hex(vaddr)} (${size} bytes) overlap the ${table.kind.toUpperCase()} table at ${hex(table.vaddr)}`,
      );
    }
  }
  const bytes = elf.addressMap.bytesAt(vaddr, size, `DT_JMPREL table (DT_JMPREL = ${hex(vaddr)}, DT_PLTRELSZ = ${size})`, stopAtFirstError);
  return relocationTable(elf.reader, entrySize === 3 * w ? 'rela' : 'rel', vaddr, size, entrySize, bytes);
}
