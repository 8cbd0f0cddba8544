import { PN_XNUM } from './constants.js';
import { ElfError, hex } from './errors.js';
import type { ElfHeader } from './header.js';
import type { ElfReader } from './reader.js';

export interface ProgramHeader {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

/** Elf32_Phdr and Elf64_Phdr sizes. */
export const PHDR_SIZE = { 4: 32, 8: 56 } as const;

/** `count` is e_phnum, or section 0's sh_info when e_phnum is PN_XNUM. */
export function readProgramHeaders(reader: ElfReader, header: ElfHeader, count: number): ProgramHeader[] {
  if (count === 0) return [];
  const entrySize = PHDR_SIZE[reader.wordSize];
  if (header.phentsize !== entrySize) {
    throw new ElfError('BAD_ENTRY_SIZE', `Invalid ELF program header size: e_phentsize = ${header.phentsize}, ELF${header.class} needs ${entrySize}`);
  }
  const start = reader.range(header.phoff, BigInt(count) * BigInt(entrySize), `program headers (e_phoff = ${hex(header.phoff)}, ${count} entries)`);
  const headers: ProgramHeader[] = [];
  for (let index = 0; index < count; index++) {
    const at = start + index * entrySize;
    headers.push(reader.wordSize === 8 ? readPhdr64(reader, at, index) : readPhdr32(reader, at, index));
  }
  return headers;
}

function readPhdr32(reader: ElfReader, at: number, index: number): ProgramHeader {
  return {
    index,
    type: reader.u32(at),
    offset: reader.word(at + 4),
    vaddr: reader.word(at + 8),
    paddr: reader.word(at + 12),
    filesz: reader.word(at + 16),
    memsz: reader.word(at + 20),
    flags: reader.u32(at + 24),
    align: reader.word(at + 28),
  };
}

function readPhdr64(reader: ElfReader, at: number, index: number): ProgramHeader {
  return {
    index,
    type: reader.u32(at),
    flags: reader.u32(at + 4),
    offset: reader.word(at + 8),
    vaddr: reader.word(at + 16),
    paddr: reader.word(at + 24),
    filesz: reader.word(at + 32),
    memsz: reader.word(at + 40),
    align: reader.word(at + 48),
  };
}

export function usesExtendedPhnum(header: ElfHeader): boolean {
  return header.phnum === PN_XNUM;
}
