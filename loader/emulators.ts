import { EM_SPARC32PLUS, type ArchName, type ElfFile } from '../elf/index.js';

/** qemu-user binaries (Debian package qemu-user) by architecture; absent: no emulator exists. */
const QEMU: Readonly<Partial<Record<ArchName, string>>> = {
  x86: 'qemu-i386',
  x86_64: 'qemu-x86_64',
  arm: 'qemu-arm',
  thumb: 'qemu-arm',
  armeb: 'qemu-armeb',
  thumbeb: 'qemu-armeb',
  aarch64: 'qemu-aarch64',
  aarch64_be: 'qemu-aarch64_be',
  riscv32: 'qemu-riscv32',
  riscv64: 'qemu-riscv64',
  mips: 'qemu-mips',
  mipsel: 'qemu-mipsel',
  mips64: 'qemu-mips64',
  mips64el: 'qemu-mips64el',
  powerpc: 'qemu-ppc',
  powerpc64: 'qemu-ppc64',
  powerpc64le: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  loongarch64: 'qemu-loongarch64',
  hexagon: 'qemu-hexagon',
  m68k: 'qemu-m68k',
  sparc: 'qemu-sparc',
  sparc64: 'qemu-sparc64',
};

const HOST_ARCH: Readonly<Record<string, ArchName>> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86' };

/**
 * The command prefix that runs a file of this architecture here: nothing on the host's own
 * architecture, else the matching qemu-user; undefined when no emulator exists for it.
 */
export function emulatorFor(elf: ElfFile): string[] | undefined {
  if (HOST_ARCH[process.arch] === elf.arch.name) return [];
  // SPARC V8+ code needs the V8+ emulator; plain qemu-sparc refuses EM_SPARC32PLUS.
  if (elf.header.machine === EM_SPARC32PLUS) return ['qemu-sparc32plus'];
  const qemu = QEMU[elf.arch.name];
  return qemu === undefined ? undefined : [qemu];
}
