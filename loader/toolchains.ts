import type { ArchName } from '../elf/index.js';

/** A command a build needs and the Debian package that provides it. */
export interface Requirement {
  readonly command: string;
  readonly package: string;
}

/**
 * How one architecture's self-relocating static-PIE is compiled and linked on Debian 12: the one
 * table the Makefile (through `piekit build`) and `piekit build` share.
 */
export interface Toolchain {
  readonly arch: ArchName;
  /** The directory under startup/arch/ with the entry, syscalls and relative type. */
  readonly stub: string;
  readonly compiler: readonly string[];
  readonly requires: readonly Requirement[];
  /** Flags for this target on top of the common ones. */
  readonly flags: readonly string[];
  /** Linker flags that give one table format; undefined when this linker cannot emit it. */
  readonly formats: Readonly<Record<'rel' | 'relr', readonly string[] | undefined>>;
}

/** The table the ABI prescribes for unpacked relocations: REL on i386, ARM and MIPS, RELA elsewhere. */
export function abiTable(arch: string): 'rel' | 'rela' {
  return REL_ARCHES.has(arch) ? 'rel' : 'rela';
}

const REL_ARCHES: ReadonlySet<string> = new Set(['x86', 'arm', 'thumb', 'armeb', 'thumbeb', 'mips', 'mipsel', 'mips64', 'mips64el']);

/** The sample variants a toolchain builds: the ABI's table, and RELR where its linker packs it. */
export function sampleFormats(toolchain: Toolchain): ('rel' | 'rela' | 'relr')[] {
  return toolchain.formats.relr === undefined ? [abiTable(toolchain.arch)] : [abiTable(toolchain.arch), 'relr'];
}

const CLANG: readonly Requirement[] = [
  { command: 'clang-19', package: 'clang-19' },
  { command: 'ld.lld-19', package: 'lld-19' },
];

/** lld writes REL or RELA as the target's ABI prescribes, or packs relative ones as RELR. */
const LLD_FORMATS = { rel: ['-Wl,--pack-dyn-relocs=none'], relr: ['-Wl,--pack-dyn-relocs=relr'] } as const;

/** GNU ld 2.40 packs RELR only for x86 ("-z pack-relative-relocs ignored" elsewhere). */
const GNU_LD_FORMATS = { rel: [], relr: undefined } as const;

function clang(arch: ArchName, stub: string, target: string, flags: readonly string[] = []): Toolchain {
  return {
    arch,
    stub,
    compiler: ['clang-19', `--target=${target}`],
    requires: CLANG,
    flags: ['-fuse-ld=lld', '-static-pie', ...flags],
    formats: LLD_FORMATS,
  };
}

/** `-static-pie` silently gives ET_EXEC with these gcc cross compilers; `-pie` without an interpreter does not. */
function gcc(arch: ArchName, stub: string, triple: string, flags: readonly string[] = []): Toolchain {
  const command = `${triple}-gcc`;
  return {
    arch,
    stub,
    compiler: [command],
    requires: [{ command, package: `gcc-${triple}` }],
    flags: ['-pie', '-Wl,--no-dynamic-linker', ...flags],
    formats: GNU_LD_FORMATS,
  };
}

export const toolchains: readonly Toolchain[] = [
  clang('x86_64', 'x86_64', 'x86_64-linux-gnu'),
  clang('x86', 'x86', 'i386-linux-gnu'),
  clang('arm', 'arm', 'armv7a-linux-gnueabihf', ['-marm']),
  clang('thumb', 'arm', 'armv7a-linux-gnueabihf', ['-mthumb']),
  clang('armeb', 'arm', 'armebv7a-linux-gnueabi', ['-marm']),
  clang('thumbeb', 'arm', 'armebv7a-linux-gnueabi', ['-mthumb']),
  clang('aarch64', 'aarch64', 'aarch64-linux-gnu'),
  clang('aarch64_be', 'aarch64', 'aarch64_be-linux-gnu'),
  clang('riscv32', 'riscv', 'riscv32-linux-gnu', ['-march=rv32imac', '-mabi=ilp32']),
  clang('riscv64', 'riscv', 'riscv64-linux-gnu', ['-march=rv64imac', '-mabi=lp64']),
  clang('mips', 'mips', 'mips-linux-gnu'),
  clang('mipsel', 'mips', 'mipsel-linux-gnu'),
  clang('mips64', 'mips64', 'mips64-linux-gnuabi64'),
  clang('mips64el', 'mips64', 'mips64el-linux-gnuabi64'),
  clang('powerpc', 'powerpc', 'powerpc-linux-gnu'),
  clang('powerpcle', 'powerpc', 'powerpcle-linux-gnu'),
  clang('powerpc64', 'powerpc64', 'powerpc64-linux-gnu', ['-mabi=elfv2']),
  clang('powerpc64le', 'powerpc64', 'powerpc64le-linux-gnu'),
  clang('s390x', 's390x', 's390x-linux-gnu'),
  // clang-19 enables LSX by default for LoongArch Linux; qemu 7.2 has no LSX (SIGILL on vldi).
  clang('loongarch64', 'loongarch', 'loongarch64-linux-gnu', ['-mno-lsx']),
  clang('loongarch32', 'loongarch', 'loongarch32-linux-gnu'),
  {
    ...clang('hexagon', 'hexagon', 'hexagon-linux-musl'),
    // clang ignores -static-pie for hexagon and links ET_EXEC.
    flags: ['-fuse-ld=lld', '-Wl,-pie', '-Wl,--no-dynamic-linker'],
  },
  gcc('m68k', 'm68k', 'm68k-linux-gnu'),
  gcc('sparc64', 'sparc64', 'sparc64-linux-gnu'),
  // Plain -m32 gives EM_SPARC32PLUS, which only qemu-sparc32plus runs; -mcpu=v8 gives EM_SPARC.
  gcc('sparc', 'sparc', 'sparc64-linux-gnu', ['-m32', '-mcpu=v8']),
  // GNU ld's ARC Linux emulation enters at __start; -Os saves registers through libgcc millicode
  // (__st_r13_to_r15), which -nostdlib does not link.
  gcc('arc', 'arc', 'arc-linux-gnu', ['-Wl,--entry=_start', '-mno-millicode']),
];

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

export function toolchainFor(arch: string): Toolchain | undefined {
  return toolchains.find((toolchain) => toolchain.arch === arch);
}
