import { ElfError, type ElfFile, hex, PT_LOAD } from '../../elf/index.js';

/**
 * The file with `code` (hexadecimal bytes in memory order) written over the instructions at a
 * link-time address: how a stop is made where the stub cannot plant breakpoints and cannot write
 * read-only pages either. Only those bytes differ, so every relocation and every byte the
 * relocator reads stays as in the file.
 */
export function withTrap(elf: ElfFile, vaddr: bigint, code: string): Uint8Array {
  const bytes = Buffer.from(code.replace(/\s+/g, ''), 'hex');
  const segment = elf.programHeaders.find(
    (header) => header.type === PT_LOAD && vaddr >= header.vaddr && vaddr + BigInt(bytes.length) <= header.vaddr + header.filesz,
  );
  if (segment === undefined) {
    throw new ElfError('UNMAPPED_ADDRESS', `Invalid stop address ${hex(vaddr)}: no PT_LOAD holds ${bytes.length} bytes of code from the file there`);
  }
  const copy = Uint8Array.from(wholeFile(elf));
  copy.set(bytes, Number(vaddr - segment.vaddr + segment.offset));
  return copy;
}

/** Every byte of the file, read in first where it was read lazily. */
export function wholeFile(elf: ElfFile): Uint8Array {
  elf.reader.range(0, elf.bytes.length, 'file');
  return elf.bytes;
}
