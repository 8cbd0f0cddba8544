import type { Endian, ProgramHeader, SectionHeader, WordSize } from '../../elf/index.js';
import type { PatchedFile } from './patched-file.js';

export { PHDR_SIZE, SHDR_SIZE } from '../../elf/index.js';

/** Every field of a program header, in the reader's terms (elf/program-headers.ts). */
export type ProgramHeaderFields = Omit<ProgramHeader, 'index'>;

/** Every field of a section header, with sh_name as its offset into the section name table. */
export type SectionHeaderFields = Omit<SectionHeader, 'index' | 'name'> & { readonly nameOffset: number };

/** The ELF header fields a converter changes; the others keep their bytes. */
export type HeaderField = 'phoff' | 'shoff' | 'phnum' | 'shnum';

/**
 * Writes of one file in one class and byte order, field for field the mirror of elf/reader.ts and
 * the structure readers, so that what is written reads back as the same value.
 */
export class ElfWriter {
  readonly little: boolean;

  constructor(
    readonly file: PatchedFile,
    readonly endian: Endian,
    readonly wordSize: WordSize,
  ) {
    this.little = endian === 'little';
  }

  u16(at: number, value: number): void {
    this.file.setUint16(at, value, this.little);
  }

  u32(at: number, value: number): void {
    this.file.setUint32(at, value, this.little);
  }

  u64(at: number, value: bigint): void {
    this.file.setBigUint64(at, BigInt.asUintN(64, value), this.little);
  }

  /** An address-sized field; negative values (r_addend, d_tag) are stored in two's complement. */
  word(at: number, value: bigint): void {
    if (this.wordSize === 8) this.u64(at, value);
    else this.u32(at, Number(BigInt.asUintN(32, value)));
  }

  /** A word given as its 32-bit halves, for hot loops that must not allocate bigints. */
  wordHalves(at: number, low: number, high: number): void {
    if (this.wordSize === 4) {
      this.u32(at, low);
      return;
    }
    this.u32(this.little ? at : at + 4, low);
    this.u32(this.little ? at + 4 : at, high);
  }

  header(field: HeaderField, value: bigint | number): void {
    const w = this.wordSize;
    const afterAddresses = 24 + 3 * w;
    if (field === 'phoff') this.word(24 + w, BigInt(value));
    else if (field === 'shoff') this.word(24 + 2 * w, BigInt(value));
    else if (field === 'phnum') this.u16(afterAddresses + 8, Number(value));
    else this.u16(afterAddresses + 12, Number(value));
  }

  /** ELF64 moves p_flags up next to p_type so that the 8-byte fields stay aligned. */
  programHeader(at: number, header: ProgramHeaderFields): void {
    this.u32(at, header.type);
    if (this.wordSize === 8) {
      this.u32(at + 4, header.flags);
      [header.offset, header.vaddr, header.paddr, header.filesz, header.memsz, header.align].forEach((value, i) => {
        this.u64(at + 8 + 8 * i, value);
      });
      return;
    }
    [header.offset, header.vaddr, header.paddr, header.filesz, header.memsz].forEach((value, i) => {
      this.word(at + 4 + 4 * i, value);
    });
    this.u32(at + 24, header.flags);
    this.word(at + 28, header.align);
  }

  sectionHeader(at: number, section: SectionHeaderFields): void {
    this.u32(at, section.nameOffset);
    this.u32(at + 4, section.type);
    const w = this.wordSize;
    this.word(at + 8, section.flags);
    this.word(at + 8 + w, section.addr);
    this.word(at + 8 + 2 * w, section.offset);
    this.word(at + 8 + 3 * w, section.size);
    this.u32(at + 8 + 4 * w, section.link);
    this.u32(at + 12 + 4 * w, section.info);
    this.word(at + 16 + 4 * w, section.addralign);
    this.word(at + 16 + 5 * w, section.entsize);
  }

  dynamicEntry(at: number, tag: bigint, value: bigint): void {
    this.word(at, tag);
    this.word(at + this.wordSize, value);
  }

  /** A REL entry (r_offset, r_info) or, with an addend, a RELA entry. */
  relocation(at: number, offset: bigint, info: bigint, addend?: bigint): void {
    this.word(at, offset);
    this.word(at + this.wordSize, info);
    if (addend !== undefined) this.word(at + 2 * this.wordSize, addend);
  }
}

/** The raw sh_name of a section header, which the reader resolves to a string. */
export function sectionNameOffset(bytes: Uint8Array, endian: Endian, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, endian === 'little');
}
