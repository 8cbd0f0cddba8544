import { ELF_MAGIC, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, EV_CURRENT } from './constants.js';
import { ElfError } from './errors.js';
import { ElfReader, type LazySource } from './reader.js';

export interface ElfHeader {
  readonly class: 32 | 64;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: bigint;
  readonly phoff: bigint;
  readonly shoff: bigint;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  /** As stored; PN_XNUM means the real count is in section header 0. */
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
  readonly osabi: number;
}

const IDENT_SIZE = 16;

/** Reads e_ident and picks the class and byte order every later read uses. */
export function openReader(bytes: Uint8Array, source?: LazySource): ElfReader {
  if (bytes.length < IDENT_SIZE) {
    throw new ElfError('TRUNCATED', `Invalid ELF header: e_ident needs ${IDENT_SIZE} bytes, the file has ${bytes.length}`);
  }
  ELF_MAGIC.forEach((expected, index) => {
    if (bytes[index] !== expected) {
      const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new ElfError('BAD_MAGIC', `Invalid ELF magic: expected 7f 45 4c 46, found ${got}`);
    }
  });
  const elfClass = bytes[4];
  if (elfClass !== ELFCLASS32 && elfClass !== ELFCLASS64) {
    throw new ElfError('BAD_CLASS', `Invalid ELF class: EI_CLASS = ${elfClass}`);
  }
  const data = bytes[5];
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new ElfError('BAD_BYTE_ORDER', `Invalid ELF byte order: EI_DATA = ${data}`);
  }
  if (bytes[6] !== EV_CURRENT) {
    throw new ElfError('BAD_VERSION', `Invalid ELF version: EI_VERSION = ${bytes[6]}`);
  }
  return new ElfReader(bytes, data === ELFDATA2LSB ? 'little' : 'big', elfClass === ELFCLASS64 ? 8 : 4, source);
}

export function readHeader(reader: ElfReader): ElfHeader {
  const is64 = reader.wordSize === 8;
  const size = is64 ? 64 : 52;
  reader.range(0, size, 'header');
  const w = reader.wordSize;
  const afterAddresses = 24 + 3 * w;
  const header: ElfHeader = {
    class: is64 ? 64 : 32,
    osabi: reader.u8(7),
    type: reader.u16(16),
    machine: reader.u16(18),
    version: reader.u32(20),
    entry: reader.word(24),
    phoff: reader.word(24 + w),
    shoff: reader.word(24 + 2 * w),
    flags: reader.u32(afterAddresses),
    ehsize: reader.u16(afterAddresses + 4),
    phentsize: reader.u16(afterAddresses + 6),
    phnum: reader.u16(afterAddresses + 8),
    shentsize: reader.u16(afterAddresses + 10),
    shnum: reader.u16(afterAddresses + 12),
    shstrndx: reader.u16(afterAddresses + 14),
  };
  if (header.version !== EV_CURRENT) {
    throw new ElfError('BAD_VERSION', `Invalid ELF version: e_version = ${header.version}`);
  }
  return header;
}
