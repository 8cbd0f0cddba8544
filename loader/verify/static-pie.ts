import { ElfError, type ElfFile, ET_DYN, ET_EXEC, PT_DYNAMIC, PT_INTERP } from '../../elf/index.js';

/**
 * Refuses what is not a static-PIE: an ET_DYN file with PT_DYNAMIC and no PT_INTERP. Anything
 * else is relocated by someone other than its own startup code, or not at all.
 */
export function requireStaticPie(elf: ElfFile): void {
  const type = elf.header.type;
  if (type === ET_EXEC) {
    throw new ElfError('NOT_PIE', 'Invalid ELF type: e_type = ET_EXEC (2), a fixed-address executable is not position-independent');
  }
  if (type !== ET_DYN) throw new ElfError('NOT_PIE', `Invalid ELF type: e_type = ${type}, only ET_DYN (3) files relocate themselves`);
  if (elf.programHeaders.some((header) => header.type === PT_INTERP)) {
    throw new ElfError('NOT_PIE', 'Invalid ELF program headers: PT_INTERP names a dynamic linker, which relocates it; this is not a static-PIE');
  }
  if (!elf.programHeaders.some((header) => header.type === PT_DYNAMIC)) {
    throw new ElfError('NO_DYNAMIC', 'Invalid ELF program headers: no PT_DYNAMIC, so the file has nothing to relocate itself with');
  }
}
