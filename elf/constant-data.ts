import { PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_PROGBITS } from './constants.js';
import type { ElfFile } from './file.js';

/** File offsets `[from, to)`. */
export type FileRange = readonly [number, number];

/**
 * Where a file keeps its constant data (string literals, read-only tables), clipped to the file:
 * its allocated PROGBITS sections that are neither code nor writable. Without such sections, every
 * loaded segment's file bytes: segment flags cannot tell constant data apart, since GNU ld puts
 * .rodata in the code segment unless `-z separate-code`, its default on x86 Linux alone (Debian's
 * arm64 and s390x ldconfig keep glibc's strings there).
 */
export function constantDataRanges(elf: ElfFile): FileRange[] {
  const length = BigInt(elf.bytes.length);
  const clipped = (offset: bigint, size: bigint): FileRange[] =>
    offset >= length || size <= 0n ? [] : [[Number(offset), Number(offset + size < length ? offset + size : length)]];
  const sections = elf.sectionHeaders
    .filter((section) => section.type === SHT_PROGBITS && (section.flags & SHF_ALLOC) !== 0n && (section.flags & (SHF_EXECINSTR | SHF_WRITE)) === 0n)
    .flatMap((section) => clipped(section.offset, section.size));
  if (sections.length > 0) return sections;
  return elf.programHeaders.filter((header) => header.type === PT_LOAD).flatMap((header) => clipped(header.offset, header.filesz));
}

/** Which of `patterns` the file's constant data holds, in one pass over it. */
export function inConstantData(elf: ElfFile, patterns: readonly Uint8Array[]): boolean[] {
  const found = patterns.map(() => false);
  for (const [from, to] of constantDataRanges(elf)) {
    const missing = patterns.filter((_, index) => !found[index]);
    if (missing.length === 0) break;
    const here = elf.reader.includesEach(missing, from, to);
    let next = 0;
    patterns.forEach((_, index) => {
      if (!found[index]) found[index] = here[next++] === true;
    });
  }
  return found;
}
