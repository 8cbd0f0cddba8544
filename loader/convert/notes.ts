import { DT_NEEDED, DT_NULL, DT_STRSZ, DT_STRTAB, type ElfFile, readString } from '../../elf/index.js';
import type { Plan } from '../model/index.js';

/**
 * glibc 2.36 and later refuse to load an object with DT_RELR that needs libc.so.* but has no
 * version dependency on GLIBC_ABI_DT_RELR (elf/dl-version.c: "DT_RELR without GLIBC_ABI_DT_RELR
 * dependency"). piekit does not add version dependencies; a static-PIE has no DT_NEEDED and no
 * dynamic linker, so the rule does not reach it.
 */
export function relrNotes(elf: ElfFile, planned: Plan): string[] {
  const { dynamic } = planned.info;
  const strtab = dynamic.sorted[Number(DT_STRTAB)] ?? 0n;
  const strsz = dynamic.sorted[Number(DT_STRSZ)] ?? 0n;
  if (strtab === 0n || strsz === 0n) return [];
  let strings: Uint8Array;
  try {
    const at = elf.addressMap.fileOffset(strtab, strsz, 'DT_STRTAB');
    strings = elf.bytes.subarray(at, at + Number(strsz));
  } catch {
    return [];
  }
  const needsLibc = dynamic.entries.some((entry) => entry.tag === DT_NEEDED && readString(strings, Number(entry.value)).startsWith('libc.so.'));
  const hasVersion = Buffer.from(strings.buffer, strings.byteOffset, strings.byteLength).includes('GLIBC_ABI_DT_RELR\0', 0, 'latin1');
  if (!needsLibc || hasVersion || dynamic.entries.at(-1)?.tag !== DT_NULL) return [];
  return [
    "glibc's ld.so (2.36 and later) refuses DT_RELR in an object that needs libc.so.* without a GLIBC_ABI_DT_RELR version dependency, which piekit does not add",
  ];
}
