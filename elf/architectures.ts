import {
  EM_68K,
  EM_386,
  EM_AARCH64,
  EM_ARC_COMPACT,
  EM_ARCV2,
  EM_ARM,
  EM_CSKY,
  EM_HEXAGON,
  EM_LOONGARCH,
  EM_MIPS,
  EM_PPC,
  EM_PPC64,
  EM_RISCV,
  EM_S390,
  EM_SPARC,
  EM_SPARC32PLUS,
  EM_SPARCV9,
  EM_X86_64,
  R_68K_RELATIVE,
  R_386_RELATIVE,
  R_390_RELATIVE,
  R_AARCH64_RELATIVE,
  R_ARC_RELATIVE,
  R_ARM_RELATIVE,
  R_CKCORE_RELATIVE,
  R_HEX_RELATIVE,
  R_LARCH_RELATIVE,
  R_MIPS_64,
  R_MIPS_REL32,
  R_PPC_RELATIVE,
  R_PPC64_RELATIVE,
  R_RISCV_RELATIVE,
  R_SPARC_RELATIVE,
  R_X86_64_RELATIVE,
} from './constants.js';
import { ElfError } from './errors.js';
import type { Endian, WordSize } from './reader.js';
import {
  AARCH64_RELOCATIONS,
  ARC_RELOCATIONS,
  ARM_RELOCATIONS,
  CSKY_RELOCATIONS,
  HEXAGON_RELOCATIONS,
  I386_RELOCATIONS,
  LOONGARCH_RELOCATIONS,
  M68K_RELOCATIONS,
  MIPS_RELOCATIONS,
  PPC_RELOCATIONS,
  PPC64_RELOCATIONS,
  type RelocationNames,
  RISCV_RELOCATIONS,
  S390_RELOCATIONS,
  SPARC_RELOCATIONS,
  X86_64_RELOCATIONS,
} from './relocation-names.js';

/**
 * How r_info splits into symbol and type. ELF64 generic is `sym << 32 | type`; SPARC64 keeps an
 * 8-bit type and 24 bits of type data; mips64 stores r_sym (32 bits) and then the bytes r_ssym,
 * r_type3, r_type2, r_type in file byte order (MIPS64 ELF ABI), so its layout depends on endianness.
 */
export type InfoLayout = 'elf32' | 'elf64' | 'sparc64' | 'mips64';

/** A command a build or a run needs, and the Debian package that provides it. */
export interface Requirement {
  readonly command: string;
  readonly package: string;
}

/** How piekit compiles and links a freestanding static-PIE for one architecture on Debian 12. */
export interface Toolchain {
  readonly compiler: readonly string[];
  readonly requires: readonly Requirement[];
  /** Flags for this target on top of the common ones (toolchain/flags.ts). */
  readonly flags: readonly string[];
  /** Linker flags that give the ABI's table or RELR; undefined when this linker cannot pack RELR. */
  readonly formats: { readonly table: readonly string[]; readonly relr: readonly string[] | undefined };
}

/** The qemu-user binary that runs this architecture; some e_machine values need another one. */
export interface Emulator {
  readonly command: string;
  /** The Debian package that provides the command (and every `byMachine` one). */
  readonly package: string;
  readonly byMachine?: Readonly<Record<number, string>>;
  readonly gdb: GdbStub;
}

/** Where a register sits: its number for `p`, its size, and its byte offset in a `g` reply. */
export interface GdbRegister {
  readonly regnum: number;
  readonly size: number;
  readonly offset: number;
}

/** How the emulator's GDB stub (qemu-user 7.2 `-g`) serves this architecture, where it needs help. */
export interface GdbStub {
  /**
   * The program counter, for stubs that offer no usable target description (most of them also
   * refuse `p`, so it is read out of `g`): qemu's gdb_read_register numbering.
   */
  readonly pc?: GdbRegister;
  /** false: the stub cannot read registers at all, so a fault's program counter stays unknown. */
  readonly registers: boolean;
  /** Bit 0 of a code address selects Thumb (ARM ELF ABI): the instruction is at the even address. */
  readonly thumbBit: boolean;
  /**
   * ELFv2: calls within a program enter a function at its local entry point, st_value plus
   * ((1 << (st_other >> 5)) >> 2) * 4 bytes (64-bit ELF ABI for Power, Symbol Values).
   */
  readonly localEntry: boolean;
  /**
   * How a stop at an address is made: `Z0` breakpoints, or, where the stub cannot take them,
   * code written over the stop address that raises SIGTRAP (bytes in memory order, hexadecimal).
   */
  readonly stop: { readonly kind: 'breakpoint' } | { readonly kind: 'trap'; readonly code: string; readonly assembly: string };
}

/**
 * A system-call instruction as it lies in code: `size` bytes read in the instruction byte order
 * as one number, identified by the bits of `mask` equal to `value` (the rest is an immediate the
 * kernel ignores or reads as the call number), starting at a multiple of `align` bytes.
 */
export interface SystemCallEncoding {
  readonly assembly: string;
  readonly size: 2 | 4;
  readonly align: 1 | 2 | 4;
  readonly mask: number;
  readonly value: number;
}

/** Every fact piekit holds about one architecture: ELF, psABI, toolchain, emulator and loader. */
export interface Arch {
  readonly name: ArchName;
  /** The e_machine a toolchain emits; `machines` lists every value accepted as this architecture. */
  readonly machine: number;
  readonly machines: readonly number[];
  readonly wordSize: WordSize;
  readonly endian: Endian;
  readonly infoLayout: InfoLayout;
  /**
   * The type (for mips64 the stacked `r_type | r_type2 << 8 | r_type3 << 16`) that marks a relative
   * relocation. On MIPS the symbol must also be 0: R_MIPS_REL32 against a symbol is not relative.
   */
  readonly relativeType: number;
  readonly relativeNeedsNullSymbol: boolean;
  /** MIPS: the DT_MIPS_LOCAL_GOTNO words at DT_PLTGOT are relocated before any table. */
  readonly localGot: boolean;
  /**
   * ARC: a relative RELA entry adds the base to the word and ignores r_addend. GNU ld (the only
   * ARC linker) writes the link-time address into the word and an addend relative to the input
   * section, and glibc's ARC loader (sysdeps/arc/dl-machine.h) relocates in place accordingly.
   */
  readonly relaAddsToWord: boolean;
  readonly typeNames: RelocationNames;
  /** ARM T32 code: an ARM file is Thumb when its entry point has bit 0 set (ARM ELF ABI). */
  readonly thumb: boolean;
  /** The table the psABI prescribes for unpacked relocations. */
  readonly abiTable: 'rel' | 'rela';
  /** undefined: Debian 12 has no compiler for it. */
  readonly toolchain: Toolchain | undefined;
  /**
   * The folder under startup/arch/ with what C alone can say: the entry, the system calls, how
   * _DYNAMIC is reached. undefined where there is no compiler to build a stub with.
   */
  readonly stub: string | undefined;
  /** undefined: qemu-user 7.2 has no emulator for it, so its programs are built and planned only. */
  readonly emulator: Emulator | undefined;
  /** The page size qemu-user reports in AT_PAGESZ here (the loader aligns to it). */
  readonly pageSize: bigint;
  /** Load bases the userland loader is known to get under this emulator, far from the kernel's choice. */
  readonly loaderBases: readonly bigint[];
  /** `process.arch` of a Node host that runs this architecture natively. */
  readonly nodeArch: string | undefined;
  /** The instructions that enter the kernel: a stop at the first system call breaks on each. */
  readonly systemCalls: readonly SystemCallEncoding[];
  /**
   * The byte order of instructions: the data's, except on AArch64, whose instructions are
   * little-endian in either data order (Arm ARM, A32/T32 BE8 likewise: see the ELF header's EF_ARM_BE8).
   */
  readonly instructionEndian: Endian;
}

/**
 * Architecture-specific fields of a record; the rest follows from them. The name is any string
 * here: the names piekit knows are those the records give (ArchName).
 */
type ArchRecord = Omit<
  Arch,
  | 'name'
  | 'machine'
  | 'infoLayout'
  | 'relativeNeedsNullSymbol'
  | 'localGot'
  | 'relaAddsToWord'
  | 'thumb'
  | 'nodeArch'
  | 'pageSize'
  | 'instructionEndian'
> &
  Partial<Pick<Arch, 'relaAddsToWord' | 'thumb' | 'nodeArch' | 'pageSize' | 'instructionEndian'>> & { readonly name: string };

const CLANG: readonly Requirement[] = [
  { command: 'clang-19', package: 'clang-19' },
  { command: 'ld.lld-19', package: 'lld-19' },
];

/** lld writes REL or RELA as the target's ABI prescribes, or packs relative ones as RELR. */
function clang(target: string, flags: readonly string[] = ['-static-pie']): Toolchain {
  return {
    compiler: ['clang-19', `--target=${target}`],
    requires: CLANG,
    flags: ['-fuse-ld=lld', ...flags],
    formats: { table: ['-Wl,--pack-dyn-relocs=none'], relr: ['-Wl,--pack-dyn-relocs=relr'] },
  };
}

/**
 * `-static-pie` silently gives ET_EXEC with these gcc cross compilers; `-pie` without an
 * interpreter does not. GNU ld 2.40 packs RELR only for x86 ("-z pack-relative-relocs ignored").
 */
function gcc(triple: string, flags: readonly string[] = []): Toolchain {
  const command = `${triple}-gcc`;
  return {
    compiler: [command],
    requires: [{ command, package: `gcc-${triple}` }],
    flags: ['-pie', '-Wl,--no-dynamic-linker', ...flags],
    formats: { table: [], relr: undefined },
  };
}

const GDB: GdbStub = { registers: true, thumbBit: false, localEntry: false, stop: { kind: 'breakpoint' } };

const qemu = (command: string, gdb: Partial<GdbStub> = {}, byMachine?: Readonly<Record<number, string>>): Emulator => ({
  command,
  package: 'qemu-user',
  ...(byMachine === undefined ? {} : { byMachine }),
  gdb: { ...GDB, ...gdb },
});

/** MIPS without a target description: r0-r31, sr, lo, hi, bad, cause, pc, each of the word size. */
const MIPS_PC = (size: number): GdbRegister => ({ regnum: 37, size, offset: 37 * size });
const ARM_GDB: Partial<GdbStub> = { thumbBit: true };
const PPC64_GDB: Partial<GdbStub> = { localEntry: true };

// Loader bases per address space: above 4 GiB on 64-bit targets, the top bit set on 32-bit ones.
// A 64-bit guest shares qemu-user's address space, whose own mappings the host kernel places
// within 1 TiB below the top of its 47 bits (mmap_base under ASLR): 0x7e0000000000 is high but
// below all of them, where 0x7f0000000000 is now and then taken.
const BASES_64: readonly bigint[] = [0x123456789000n, 0x7e0000000000n, 0x100000000n];
// qemu-user keeps 0x40000000 for a 32-bit guest's own program, with its stack and mmaps below;
// qemu-i386 and qemu-arm give the guest 4 GiB, qemu-arm keeps 0xffff0000 for the kuser helpers.
const BASES_32: readonly bigint[] = [0xb0000000n, 0xe0000000n, 0x80000000n];
// Aligned to the 16 KiB (LoongArch) and 8 KiB (SPARC64) pages qemu reports.
const BASES_64_LARGE_PAGES: readonly bigint[] = [0x123456788000n, 0x7e0000000000n, 0x100000000n];
// 0xfe00000000 also fits MIPS64 kernels without 48-bit VA, whose user space ends at 1 TiB.
const BASES_MIPS64: readonly bigint[] = [0x123456789000n, 0x7e0000000000n, 0xfe00000000n];
// MIPS32 user space ends at 2 GiB (0x7fff8000): no base with the top bit set exists there.
const BASES_MIPS32: readonly bigint[] = [0x7f000000n, 0x70000000n];

// System-call instructions, from each architecture's manual and Linux's entry code.
const x86Syscall = (assembly: string, value: number): SystemCallEncoding => ({ assembly, size: 2, align: 1, mask: 0xffff, value });
const X86_SYSCALL = x86Syscall('syscall', 0x050f);
const X86_INT80 = x86Syscall('int 0x80', 0x80cd);
const X86_SYSENTER = x86Syscall('sysenter', 0x340f);
/** A32 `svc #imm24`, condition always. */
const ARM_SVC: SystemCallEncoding = { assembly: 'svc #n', size: 4, align: 4, mask: 0xff000000, value: 0xef000000 };
/** T16 `svc #imm8`. */
const THUMB_SVC: SystemCallEncoding = { assembly: 'svc #n', size: 2, align: 2, mask: 0xff00, value: 0xdf00 };
const AARCH64_SVC: SystemCallEncoding = { assembly: 'svc #n', size: 4, align: 4, mask: 0xffe0001f, value: 0xd4000001 };
/** 4 bytes at any halfword: the C extension lets 32-bit instructions start at 2-byte boundaries. */
const RISCV_ECALL: SystemCallEncoding = { assembly: 'ecall', size: 4, align: 2, mask: 0xffffffff, value: 0x00000073 };
/** `syscall code`: SPECIAL, function 0x0c, a 20-bit code the kernel ignores. */
const MIPS_SYSCALL: SystemCallEncoding = { assembly: 'syscall', size: 4, align: 4, mask: 0xfc00003f, value: 0x0000000c };
/** `sc` and `scv` (Power ISA 3.0, used by glibc on ppc64 when the kernel offers it), any LEV. */
const PPC_SC: readonly SystemCallEncoding[] = [
  { assembly: 'sc', size: 4, align: 4, mask: 0xfffff01f, value: 0x44000002 },
  { assembly: 'scv', size: 4, align: 4, mask: 0xfffff01f, value: 0x44000001 },
];
/** `svc I`: the call number, or 0 with the number in r1. */
const S390_SVC: SystemCallEncoding = { assembly: 'svc n', size: 2, align: 2, mask: 0xff00, value: 0x0a00 };
const LOONGARCH_SYSCALL: SystemCallEncoding = { assembly: 'syscall code', size: 4, align: 4, mask: 0xffff8000, value: 0x002b0000 };
/** `trap0(#u8)`, whatever the packet's parse bits. */
const HEXAGON_TRAP0: SystemCallEncoding = { assembly: 'trap0(#n)', size: 4, align: 4, mask: 0xffc00000, value: 0x54000000 };
const M68K_TRAP0: SystemCallEncoding = { assembly: 'trap #0', size: 2, align: 2, mask: 0xffff, value: 0x4e40 };
/** Linux takes `ta 0x10` (32-bit ABI) and `ta 0x6d` (64-bit ABI) on SPARC64, `ta 0x10` on SPARC. */
const SPARC_TA: readonly SystemCallEncoding[] = [
  { assembly: 'ta 0x10', size: 4, align: 4, mask: 0xffffffff, value: 0x91d02010 },
  { assembly: 'ta 0x6d', size: 4, align: 4, mask: 0xffffffff, value: 0x91d0206d },
];

const RECORDS = [
  {
    name: 'x86_64',
    machines: [EM_X86_64],
    wordSize: 8,
    endian: 'little',
    relativeType: R_X86_64_RELATIVE,
    typeNames: X86_64_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('x86_64-linux-gnu'),
    stub: 'x86_64',
    systemCalls: [X86_SYSCALL, X86_INT80],
    emulator: qemu('qemu-x86_64'),
    nodeArch: 'x64',
    // Under the kernel itself: 0x7ff000000000 is free there, 0x7f0000000000 may hold libraries' neighbours.
    loaderBases: [0x123456789000n, 0x7ff000000000n, 0x100000000n],
  },
  {
    name: 'x86',
    machines: [EM_386],
    wordSize: 4,
    endian: 'little',
    relativeType: R_386_RELATIVE,
    typeNames: I386_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('i386-linux-gnu'),
    stub: 'x86',
    systemCalls: [X86_INT80, X86_SYSENTER],
    emulator: qemu('qemu-i386'),
    nodeArch: 'ia32',
    loaderBases: BASES_32,
  },
  {
    name: 'arm',
    machines: [EM_ARM],
    wordSize: 4,
    endian: 'little',
    relativeType: R_ARM_RELATIVE,
    typeNames: ARM_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('armv7a-linux-gnueabihf', ['-static-pie', '-marm']),
    stub: 'arm',
    systemCalls: [ARM_SVC],
    emulator: qemu('qemu-arm', ARM_GDB),
    nodeArch: 'arm',
    loaderBases: BASES_32,
  },
  {
    name: 'thumb',
    machines: [EM_ARM],
    wordSize: 4,
    endian: 'little',
    thumb: true,
    relativeType: R_ARM_RELATIVE,
    typeNames: ARM_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('armv7a-linux-gnueabihf', ['-static-pie', '-mthumb']),
    stub: 'arm',
    systemCalls: [THUMB_SVC],
    emulator: qemu('qemu-arm', ARM_GDB),
    loaderBases: BASES_32,
  },
  {
    name: 'armeb',
    machines: [EM_ARM],
    wordSize: 4,
    endian: 'big',
    relativeType: R_ARM_RELATIVE,
    typeNames: ARM_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('armebv7a-linux-gnueabi', ['-static-pie', '-marm']),
    stub: 'arm',
    systemCalls: [ARM_SVC],
    emulator: qemu('qemu-armeb', ARM_GDB),
    loaderBases: BASES_32,
  },
  {
    name: 'thumbeb',
    machines: [EM_ARM],
    wordSize: 4,
    endian: 'big',
    thumb: true,
    relativeType: R_ARM_RELATIVE,
    typeNames: ARM_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('armebv7a-linux-gnueabi', ['-static-pie', '-mthumb']),
    stub: 'arm',
    systemCalls: [THUMB_SVC],
    emulator: qemu('qemu-armeb', ARM_GDB),
    loaderBases: BASES_32,
  },
  {
    name: 'aarch64',
    machines: [EM_AARCH64],
    wordSize: 8,
    endian: 'little',
    relativeType: R_AARCH64_RELATIVE,
    typeNames: AARCH64_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('aarch64-linux-gnu'),
    stub: 'aarch64',
    systemCalls: [AARCH64_SVC],
    emulator: qemu('qemu-aarch64'),
    nodeArch: 'arm64',
    loaderBases: BASES_64,
  },
  {
    name: 'aarch64_be',
    machines: [EM_AARCH64],
    wordSize: 8,
    endian: 'big',
    relativeType: R_AARCH64_RELATIVE,
    typeNames: AARCH64_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('aarch64_be-linux-gnu'),
    stub: 'aarch64',
    systemCalls: [AARCH64_SVC],
    instructionEndian: 'little',
    emulator: qemu('qemu-aarch64_be'),
    loaderBases: BASES_64,
  },
  {
    name: 'riscv32',
    machines: [EM_RISCV],
    wordSize: 4,
    endian: 'little',
    relativeType: R_RISCV_RELATIVE,
    typeNames: RISCV_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('riscv32-linux-gnu', ['-static-pie', '-march=rv32imac', '-mabi=ilp32']),
    stub: 'riscv',
    systemCalls: [RISCV_ECALL],
    emulator: qemu('qemu-riscv32'),
    loaderBases: BASES_32,
  },
  {
    name: 'riscv64',
    machines: [EM_RISCV],
    wordSize: 8,
    endian: 'little',
    relativeType: R_RISCV_RELATIVE,
    typeNames: RISCV_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('riscv64-linux-gnu', ['-static-pie', '-march=rv64imac', '-mabi=lp64']),
    stub: 'riscv',
    systemCalls: [RISCV_ECALL],
    emulator: qemu('qemu-riscv64'),
    nodeArch: 'riscv64',
    loaderBases: BASES_64,
  },
  {
    name: 'mips',
    machines: [EM_MIPS],
    wordSize: 4,
    endian: 'big',
    relativeType: R_MIPS_REL32,
    typeNames: MIPS_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('mips-linux-gnu'),
    stub: 'mips',
    systemCalls: [MIPS_SYSCALL],
    emulator: qemu('qemu-mips', { pc: MIPS_PC(4) }),
    nodeArch: 'mips',
    loaderBases: BASES_MIPS32,
  },
  {
    name: 'mipsel',
    machines: [EM_MIPS],
    wordSize: 4,
    endian: 'little',
    relativeType: R_MIPS_REL32,
    typeNames: MIPS_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('mipsel-linux-gnu'),
    stub: 'mips',
    systemCalls: [MIPS_SYSCALL],
    emulator: qemu('qemu-mipsel', { pc: MIPS_PC(4) }),
    nodeArch: 'mipsel',
    loaderBases: BASES_MIPS32,
  },
  {
    name: 'mips64',
    machines: [EM_MIPS],
    wordSize: 8,
    endian: 'big',
    relativeType: R_MIPS_REL32 | (R_MIPS_64 << 8),
    typeNames: MIPS_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('mips64-linux-gnuabi64'),
    stub: 'mips64',
    systemCalls: [MIPS_SYSCALL],
    emulator: qemu('qemu-mips64', { pc: MIPS_PC(8) }),
    loaderBases: BASES_MIPS64,
  },
  {
    name: 'mips64el',
    machines: [EM_MIPS],
    wordSize: 8,
    endian: 'little',
    relativeType: R_MIPS_REL32 | (R_MIPS_64 << 8),
    typeNames: MIPS_RELOCATIONS,
    abiTable: 'rel',
    toolchain: clang('mips64el-linux-gnuabi64'),
    stub: 'mips64',
    systemCalls: [MIPS_SYSCALL],
    emulator: qemu('qemu-mips64el', { pc: MIPS_PC(8) }),
    nodeArch: 'mips64el',
    loaderBases: BASES_MIPS64,
  },
  {
    name: 'powerpc',
    machines: [EM_PPC],
    wordSize: 4,
    endian: 'big',
    relativeType: R_PPC_RELATIVE,
    typeNames: PPC_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('powerpc-linux-gnu'),
    stub: 'powerpc',
    systemCalls: PPC_SC,
    emulator: qemu('qemu-ppc'),
    nodeArch: 'ppc',
    loaderBases: BASES_32,
  },
  {
    name: 'powerpcle',
    machines: [EM_PPC],
    wordSize: 4,
    endian: 'little',
    relativeType: R_PPC_RELATIVE,
    typeNames: PPC_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('powerpcle-linux-gnu'),
    stub: 'powerpc',
    systemCalls: PPC_SC,
    emulator: undefined,
    loaderBases: BASES_32,
  },
  {
    name: 'powerpc64',
    machines: [EM_PPC64],
    wordSize: 8,
    endian: 'big',
    relativeType: R_PPC64_RELATIVE,
    typeNames: PPC64_RELOCATIONS,
    abiTable: 'rela',
    // ELFv2: the kernel relocates ELFv1 entry descriptors of ET_DYN files itself, a static-PIE cannot.
    toolchain: clang('powerpc64-linux-gnu', ['-static-pie', '-mabi=elfv2']),
    stub: 'powerpc64',
    systemCalls: PPC_SC,
    emulator: qemu('qemu-ppc64', PPC64_GDB),
    nodeArch: 'ppc64',
    loaderBases: BASES_64,
  },
  {
    name: 'powerpc64le',
    machines: [EM_PPC64],
    wordSize: 8,
    endian: 'little',
    relativeType: R_PPC64_RELATIVE,
    typeNames: PPC64_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('powerpc64le-linux-gnu'),
    stub: 'powerpc64',
    systemCalls: PPC_SC,
    emulator: qemu('qemu-ppc64le', PPC64_GDB),
    nodeArch: 'ppc64',
    loaderBases: BASES_64,
  },
  {
    name: 's390x',
    machines: [EM_S390],
    wordSize: 8,
    endian: 'big',
    relativeType: R_390_RELATIVE,
    typeNames: S390_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('s390x-linux-gnu'),
    stub: 's390x',
    systemCalls: [S390_SVC],
    emulator: qemu('qemu-s390x'),
    nodeArch: 's390x',
    loaderBases: BASES_64,
  },
  {
    name: 'loongarch64',
    machines: [EM_LOONGARCH],
    wordSize: 8,
    endian: 'little',
    relativeType: R_LARCH_RELATIVE,
    typeNames: LOONGARCH_RELOCATIONS,
    abiTable: 'rela',
    // clang-19 enables LSX by default for LoongArch Linux; qemu 7.2 has no LSX (SIGILL on vldi).
    toolchain: clang('loongarch64-linux-gnu', ['-static-pie', '-mno-lsx']),
    stub: 'loongarch',
    systemCalls: [LOONGARCH_SYSCALL],
    // r0-r31, orig_a0, pc. Its target.xml names documents qemu 7.2 cannot send.
    emulator: qemu('qemu-loongarch64', { pc: { regnum: 33, size: 8, offset: 33 * 8 } }),
    nodeArch: 'loong64',
    pageSize: 0x4000n,
    loaderBases: BASES_64_LARGE_PAGES,
  },
  {
    name: 'loongarch32',
    machines: [EM_LOONGARCH],
    wordSize: 4,
    endian: 'little',
    relativeType: R_LARCH_RELATIVE,
    typeNames: LOONGARCH_RELOCATIONS,
    abiTable: 'rela',
    toolchain: clang('loongarch32-linux-gnu'),
    stub: 'loongarch',
    systemCalls: [LOONGARCH_SYSCALL],
    emulator: undefined,
    pageSize: 0x4000n,
    loaderBases: BASES_32,
  },
  {
    name: 'hexagon',
    machines: [EM_HEXAGON],
    wordSize: 4,
    endian: 'little',
    relativeType: R_HEX_RELATIVE,
    typeNames: HEXAGON_RELOCATIONS,
    abiTable: 'rela',
    // clang ignores -static-pie for hexagon and links ET_EXEC.
    toolchain: clang('hexagon-linux-musl', ['-Wl,-pie', '-Wl,--no-dynamic-linker']),
    stub: 'hexagon',
    systemCalls: [HEXAGON_TRAP0],
    // qemu 7.2's stub has no description for hexagon, refuses `p`, aborts on `g`
    // ("hexagon_gdb_read_register: code should not be reached") and on any breakpoint (its
    // cpu_loop has no case for EXCP_DEBUG), and `M` cannot write read-only pages. trap0(#0xdb),
    // the debug trap under Linux, is a system call numbered by r6 in qemu 7.2's cpu_loop. What
    // stops it is tkill(gettid(), SIGTRAP) written into a private copy of the file (generic
    // syscall numbers: gettid 178, tkill 130).
    emulator: qemu('qemu-hexagon', {
      registers: false,
      stop: {
        kind: 'trap',
        code: '46d60078 04c00054 a1400078 46d00078 04c00054',
        assembly: '{ r6 = #178 } { trap0(#1) } { r1 = #5; r6 = #130 } { trap0(#1) }',
      },
    }),
    // qemu-hexagon reports 64 KiB pages in AT_PAGESZ.
    pageSize: 0x10000n,
    loaderBases: BASES_32,
  },
  {
    name: 'm68k',
    machines: [EM_68K],
    wordSize: 4,
    endian: 'big',
    relativeType: R_68K_RELATIVE,
    typeNames: M68K_RELOCATIONS,
    abiTable: 'rela',
    toolchain: gcc('m68k-linux-gnu'),
    stub: 'm68k',
    systemCalls: [M68K_TRAP0],
    emulator: qemu('qemu-m68k'),
    loaderBases: [0xb0000000n, 0xe0000000n, 0xc0000000n],
  },
  {
    name: 'sparc64',
    machines: [EM_SPARCV9],
    wordSize: 8,
    endian: 'big',
    relativeType: R_SPARC_RELATIVE,
    typeNames: SPARC_RELOCATIONS,
    abiTable: 'rela',
    toolchain: gcc('sparc64-linux-gnu'),
    stub: 'sparc64',
    systemCalls: SPARC_TA,
    // 32 integer registers of 8 bytes, f0-f31 of 4, f32-f62 of 8, then pc.
    emulator: qemu('qemu-sparc64', { pc: { regnum: 80, size: 8, offset: 32 * 8 + 32 * 4 + 16 * 8 } }),
    pageSize: 0x2000n,
    loaderBases: BASES_64_LARGE_PAGES,
  },
  {
    name: 'sparc',
    machines: [EM_SPARC, EM_SPARC32PLUS],
    wordSize: 4,
    endian: 'big',
    relativeType: R_SPARC_RELATIVE,
    typeNames: SPARC_RELOCATIONS,
    abiTable: 'rela',
    // Plain -m32 gives EM_SPARC32PLUS, which only qemu-sparc32plus runs; -mcpu=v8 gives EM_SPARC.
    toolchain: gcc('sparc64-linux-gnu', ['-m32', '-mcpu=v8']),
    stub: 'sparc',
    systemCalls: SPARC_TA,
    // g0-g7, o0-o7, l0-l7, i0-i7, f0-f31, y, psr, wim, tbr, pc: 32-bit each.
    emulator: qemu('qemu-sparc', { pc: { regnum: 68, size: 4, offset: 68 * 4 } }, { [EM_SPARC32PLUS]: 'qemu-sparc32plus' }),
    loaderBases: BASES_32,
  },
  {
    name: 'arc',
    machines: [EM_ARCV2, EM_ARC_COMPACT],
    wordSize: 4,
    endian: 'little',
    relaAddsToWord: true,
    relativeType: R_ARC_RELATIVE,
    typeNames: ARC_RELOCATIONS,
    abiTable: 'rela',
    // GNU ld's ARC Linux emulation enters at __start; -Os saves registers through libgcc millicode
    // (__st_r13_to_r15), which -nostdlib does not link.
    toolchain: gcc('arc-linux-gnu', ['-Wl,--entry=_start', '-mno-millicode']),
    stub: 'arc',
    // No emulator runs ARC or C-SKY here, so nothing is ever stopped and no encoding could be checked.
    systemCalls: [],
    emulator: undefined,
    loaderBases: BASES_32,
  },
  {
    name: 'csky',
    machines: [EM_CSKY],
    wordSize: 4,
    endian: 'little',
    relativeType: R_CKCORE_RELATIVE,
    typeNames: CSKY_RELOCATIONS,
    abiTable: 'rela',
    // LLVM 19 in Debian 12 has no C-SKY target and Debian has no cross gcc for it.
    toolchain: undefined,
    stub: undefined,
    systemCalls: [],
    emulator: undefined,
    loaderBases: BASES_32,
  },
] as const satisfies readonly ArchRecord[];

/** The name of an architecture piekit has a record of. */
export type ArchName = (typeof RECORDS)[number]['name'];

function complete(record: ArchRecord & { readonly name: ArchName }): Arch {
  const machine = record.machines[0] ?? 0;
  const isMips = machine === EM_MIPS;
  return {
    ...record,
    machine,
    infoLayout: record.wordSize === 4 ? 'elf32' : isMips ? 'mips64' : machine === EM_SPARCV9 ? 'sparc64' : 'elf64',
    relativeNeedsNullSymbol: isMips,
    localGot: isMips,
    relaAddsToWord: record.relaAddsToWord ?? false,
    thumb: record.thumb ?? false,
    nodeArch: record.nodeArch,
    pageSize: record.pageSize ?? 0x1000n,
    instructionEndian: record.instructionEndian ?? record.endian,
  };
}

/** Every architecture piekit plans for, one record each. */
export const architectures: readonly Arch[] = RECORDS.map(complete);

export function archByName(name: string): Arch | undefined {
  return architectures.find((arch) => arch.name === name);
}

/** The architecture this Node process runs on, or undefined when piekit has no record of it. */
export function hostArch(): Arch | undefined {
  return architectures.find((arch) => arch.nodeArch === process.arch && (arch.endian === 'little') === (osEndianness() === 'LE'));
}

function osEndianness(): 'LE' | 'BE' {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'LE' : 'BE';
}

/** The samples a toolchain builds: the ABI's table, and RELR where its linker packs it. */
export function sampleFormats(arch: Arch): ('rel' | 'rela' | 'relr')[] {
  if (arch.toolchain === undefined) return [];
  return arch.toolchain.formats.relr === undefined ? [arch.abiTable] : [arch.abiTable, 'relr'];
}

/**
 * The architecture of a file. ARM and Thumb share e_machine; a Thumb entry point has bit 0 set
 * (ARM ELF ABI), which is the only trace the header keeps of it.
 */
export function identifyArch(machine: number, wordSize: WordSize, endian: Endian, entry: bigint): Arch {
  const thumb = machine === EM_ARM && (entry & 1n) === 1n;
  const arch = architectures.find(
    (candidate) =>
      candidate.machines.includes(machine) && candidate.wordSize === wordSize && candidate.endian === endian && candidate.thumb === thumb,
  );
  if (arch === undefined) {
    throw new ElfError(
      'UNSUPPORTED_MACHINE',
      `Invalid ELF machine: e_machine = ${machine} as ELF${wordSize * 8} ${endian}-endian is not an architecture piekit plans for`,
    );
  }
  return arch;
}
