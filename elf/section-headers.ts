import { SHN_XINDEX, SHT_NOBITS } from './constants.js';
import { ElfError, hex } from './errors.js';
import type { ElfHeader } from './header.js';
import type { ElfReader } from './reader.js';

export interface SectionHeader {
  readonly index: number;
  /** Empty when the file has no section name table. */
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: bigint;
  readonly size: bigint;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

/** Elf32_Shdr and Elf64_Shdr sizes. */
export const SHDR_SIZE = { 4: 40, 8: 64 } as const;

/** Section 0 carries the real e_phnum, e_shnum and e_shstrndx when they overflow 16 bits. */
export interface ExtendedCounts {
  readonly phnum: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

export function readExtendedCounts(reader: ElfReader, header: ElfHeader, phnumOverflows: boolean): ExtendedCounts {
  const needsSectionZero = phnumOverflows || (header.shnum === 0 && header.shoff !== 0n) || header.shstrndx === SHN_XINDEX;
  if (!needsSectionZero) return { phnum: header.phnum, shnum: header.shnum, shstrndx: header.shstrndx };
  if (header.shoff === 0n) {
    throw new ElfError('OUT_OF_BOUNDS', `Invalid ELF extended numbering: e_phnum = ${hex(header.phnum)} but e_shoff = 0`);
  }
  checkEntrySize(reader, header);
  const zero = readSection(reader, reader.range(header.shoff, SHDR_SIZE[reader.wordSize], 'section header 0'), 0, '');
  return {
    phnum: phnumOverflows ? zero.info : header.phnum,
    shnum: header.shnum === 0 ? Number(zero.size) : header.shnum,
    shstrndx: header.shstrndx === SHN_XINDEX ? zero.link : header.shstrndx,
  };
}

/** Section headers are optional in a static-PIE: nothing the relocator does depends on them. */
export function readSectionHeaders(reader: ElfReader, header: ElfHeader, counts: ExtendedCounts): SectionHeader[] {
  if (header.shoff === 0n || counts.shnum === 0) return [];
  checkEntrySize(reader, header);
  const entrySize = SHDR_SIZE[reader.wordSize];
  const start = reader.range(
    header.shoff,
    BigInt(counts.shnum) * BigInt(entrySize),
    `section headers (e_shoff = ${hex(header.shoff)}, ${counts.shnum} entries)`,
  );
  const unnamed: SectionHeader[] = [];
  for (let index = 0; index < counts.shnum; index++) {
    unnamed.push(readSection(reader, start + index * entrySize, index, ''));
  }
  const names = unnamed[counts.shstrndx];
  if (counts.shstrndx === 0 || names === undefined || names.type === SHT_NOBITS) return unnamed;
  const table = reader.range(names.offset, names.size, `section name table (section ${counts.shstrndx})`);
  const tableBytes = reader.bytes.subarray(table, table + Number(names.size));
  return unnamed.map((section) => ({ ...section, name: readString(tableBytes, readNameOffset(reader, header, section.index)) }));
}

function readNameOffset(reader: ElfReader, header: ElfHeader, index: number): number {
  return reader.u32(Number(header.shoff) + index * SHDR_SIZE[reader.wordSize]);
}

function checkEntrySize(reader: ElfReader, header: ElfHeader): void {
  const entrySize = SHDR_SIZE[reader.wordSize];
  if (header.shentsize !== entrySize) {
    throw new ElfError('BAD_ENTRY_SIZE', `Invalid ELF section header size: e_shentsize = ${header.shentsize}, ELF${header.class} needs ${entrySize}`);
  }
}

function readSection(reader: ElfReader, at: number, index: number, name: string): SectionHeader {
  if (reader.wordSize === 8) {
    return {
      index,
      name,
      type: reader.u32(at + 4),
      flags: reader.u64(at + 8),
      addr: reader.u64(at + 16),
      offset: reader.u64(at + 24),
      size: reader.u64(at + 32),
      link: reader.u32(at + 40),
      info: reader.u32(at + 44),
      addralign: reader.u64(at + 48),
      entsize: reader.u64(at + 56),
    };
  }
  return {
    index,
    name,
    type: reader.u32(at + 4),
    flags: reader.word(at + 8),
    addr: reader.word(at + 12),
    offset: reader.word(at + 16),
    size: reader.word(at + 20),
    link: reader.u32(at + 24),
    info: reader.u32(at + 28),
    addralign: reader.word(at + 32),
    entsize: reader.word(at + 36),
  };
}

/** A NUL-terminated string; an offset past the table gives the empty name, as readelf shows. */
export function readString(table: Uint8Array, offset: number): string {
  if (offset >= table.length) return '';
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return Buffer.from(table.buffer, table.byteOffset + offset, end - offset).toString('latin1');
}
