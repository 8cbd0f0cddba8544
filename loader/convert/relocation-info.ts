import type { Arch } from '../../elf/index.js';

/**
 * r_info from a symbol index and a type, the exact inverse of elf/relocations.ts's decoder for the
 * architecture's layout. `type` is what the decoder returns: on mips64 the stacked
 * `r_type | r_type2 << 8 | r_type3 << 16`. The result is the word as ElfReader.word reads it, so
 * ElfWriter.word stores the very bytes the decoder expects.
 */
export function encodeInfo(arch: Arch, symbol: number, type: number): bigint {
  const sym = BigInt(symbol >>> 0);
  switch (arch.infoLayout) {
    case 'elf32':
      return BigInt(((symbol << 8) | (type & 0xff)) >>> 0);
    case 'elf64':
      return (sym << 32n) | BigInt(type >>> 0);
    case 'sparc64':
      // The upper 24 bits of the low half are type-specific data, 0 for every type piekit writes.
      return (sym << 32n) | BigInt(type & 0xff);
    case 'mips64': {
      // Bytes in file order: r_sym (4 bytes), r_ssym, r_type3, r_type2, r_type (MIPS64 ELF ABI).
      const [first, second, third] = [type & 0xff, (type >>> 8) & 0xff, (type >>> 16) & 0xff];
      if (arch.endian === 'little') {
        // Read little-endian, the high half holds r_ssym (0) in its low byte and r_type in its top byte.
        return (BigInt(((first << 24) | (second << 16) | (third << 8)) >>> 0) << 32n) | sym;
      }
      return (sym << 32n) | BigInt(((third << 16) | (second << 8) | first) >>> 0);
    }
  }
}

/** The r_info of a relative relocation: the relative type with symbol 0. */
export function relativeInfo(arch: Arch): bigint {
  return encodeInfo(arch, 0, arch.relativeType);
}
