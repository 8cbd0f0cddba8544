import { type Arch, infoDecoder } from '../../elf/index.js';

/** Flags every stub build shares: freestanding, position-independent, nothing that needs a libc. */
export const COMMON_FLAGS: readonly string[] = [
  '-std=c11',
  // Small code: the relocation core must stay within 512 bytes on every target (s390x doubles at -O2).
  '-Os',
  '-Wall',
  '-Wextra',
  '-ffreestanding',
  '-nostdlib',
  '-fPIE',
  '-fno-stack-protector',
  '-fno-builtin',
  // A jump table may be reached through the GOT before it is relocated.
  '-fno-jump-tables',
  '-fno-strict-aliasing',
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-Wl,--build-id=none',
];

/**
 * The relocation facts of an architecture's record as the macros startup/in-place.h reads: which
 * r_info marks a relative relocation (as the word is loaded: on mips64 its layout depends on the
 * byte order), the MIPS local GOT, ARC's in-place RELA rule. No arch.h states them: the record
 * is their one statement, for the stub, the userland loader and the native engine alike.
 */
export function relocationDefines(arch: Arch): string[] {
  const { lowMask, low, highMask, high } = infoDecoder(arch).relative;
  const word = (upper: number, lower: number): string => `((uintptr_t)0x${((BigInt(upper >>> 0) << 32n) | BigInt(lower >>> 0)).toString(16)}ull)`;
  return [
    `-DPK_ARCH_RELATIVE_MASK=${word(highMask, lowMask)}`,
    `-DPK_ARCH_RELATIVE_INFO=${word(high, low)}`,
    ...(arch.localGot ? ['-DPK_ARCH_LOCAL_GOT'] : []),
    ...(arch.relaAddsToWord ? ['-DPK_ARCH_RELA_ADDS_TO_WORD'] : []),
  ];
}
