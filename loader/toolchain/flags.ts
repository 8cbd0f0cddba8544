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
