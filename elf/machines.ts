import {
  EM_386,
  EM_68K,
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
  R_MIPS_64,
  R_MIPS_REL32,
} from './constants.js';
import { ElfError } from './errors.js';
import type { Endian, WordSize } from './reader.js';
import { relocationTypeNames } from './relocation-types.js';

/**
 * How r_info splits into symbol and type. ELF64 generic is `sym << 32 | type`; SPARC64 keeps an
 * 8-bit type and 24 bits of type data; mips64 stores r_sym (32 bits) and then the bytes r_ssym,
 * r_type3, r_type2, r_type in file byte order (MIPS64 ELF ABI), so its layout depends on endianness.
 */
export type InfoLayout = 'elf32' | 'elf64' | 'sparc64' | 'mips64';

export type ArchName =
  | 'x86'
  | 'x86_64'
  | 'arc'
  | 'arm'
  | 'armeb'
  | 'thumb'
  | 'thumbeb'
  | 'aarch64'
  | 'aarch64_be'
  | 'csky'
  | 'hexagon'
  | 'loongarch32'
  | 'loongarch64'
  | 'm68k'
  | 'mips'
  | 'mipsel'
  | 'mips64'
  | 'mips64el'
  | 'powerpc'
  | 'powerpcle'
  | 'powerpc64'
  | 'powerpc64le'
  | 'riscv32'
  | 'riscv64'
  | 's390x'
  | 'sparc'
  | 'sparc64';

export interface Arch {
  readonly name: ArchName;
  /** The e_machine a toolchain emits for this target; `machines` lists every accepted value. */
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
   * section, and glibc's ARC loader relocates in place accordingly.
   */
  readonly relaAddsToWord: boolean;
  readonly typeNames: ReadonlyMap<number, string>;
}

interface Family {
  readonly machines: readonly number[];
  readonly relativeType: number;
  readonly variants: readonly (readonly [ArchName, WordSize, Endian])[];
}

const R_386_RELATIVE = 8;
const R_X86_64_RELATIVE = 8;
const R_ARC_RELATIVE = 56;
const R_ARM_RELATIVE = 23;
const R_AARCH64_RELATIVE = 1027;
const R_CKCORE_RELATIVE = 9;
const R_HEX_RELATIVE = 35;
const R_LARCH_RELATIVE = 3;
const R_68K_RELATIVE = 22;
const R_PPC_RELATIVE = 22;
const R_RISCV_RELATIVE = 3;
const R_390_RELATIVE = 12;
const R_SPARC_RELATIVE = 22;

const families: readonly Family[] = [
  { machines: [EM_386], relativeType: R_386_RELATIVE, variants: [['x86', 4, 'little']] },
  { machines: [EM_X86_64], relativeType: R_X86_64_RELATIVE, variants: [['x86_64', 8, 'little']] },
  { machines: [EM_ARCV2, EM_ARC_COMPACT], relativeType: R_ARC_RELATIVE, variants: [['arc', 4, 'little']] },
  { machines: [EM_ARM], relativeType: R_ARM_RELATIVE, variants: [['arm', 4, 'little'], ['armeb', 4, 'big']] },
  { machines: [EM_AARCH64], relativeType: R_AARCH64_RELATIVE, variants: [['aarch64', 8, 'little'], ['aarch64_be', 8, 'big']] },
  { machines: [EM_CSKY], relativeType: R_CKCORE_RELATIVE, variants: [['csky', 4, 'little']] },
  { machines: [EM_HEXAGON], relativeType: R_HEX_RELATIVE, variants: [['hexagon', 4, 'little']] },
  {
    machines: [EM_LOONGARCH],
    relativeType: R_LARCH_RELATIVE,
    variants: [['loongarch32', 4, 'little'], ['loongarch64', 8, 'little']],
  },
  { machines: [EM_68K], relativeType: R_68K_RELATIVE, variants: [['m68k', 4, 'big']] },
  {
    machines: [EM_MIPS],
    relativeType: R_MIPS_REL32,
    variants: [['mips', 4, 'big'], ['mipsel', 4, 'little'], ['mips64', 8, 'big'], ['mips64el', 8, 'little']],
  },
  { machines: [EM_PPC], relativeType: R_PPC_RELATIVE, variants: [['powerpc', 4, 'big'], ['powerpcle', 4, 'little']] },
  { machines: [EM_PPC64], relativeType: R_PPC_RELATIVE, variants: [['powerpc64', 8, 'big'], ['powerpc64le', 8, 'little']] },
  { machines: [EM_RISCV], relativeType: R_RISCV_RELATIVE, variants: [['riscv32', 4, 'little'], ['riscv64', 8, 'little']] },
  { machines: [EM_S390], relativeType: R_390_RELATIVE, variants: [['s390x', 8, 'big']] },
  { machines: [EM_SPARC, EM_SPARC32PLUS], relativeType: R_SPARC_RELATIVE, variants: [['sparc', 4, 'big']] },
  { machines: [EM_SPARCV9], relativeType: R_SPARC_RELATIVE, variants: [['sparc64', 8, 'big']] },
];

function infoLayoutOf(machine: number, wordSize: WordSize): InfoLayout {
  if (wordSize === 4) return 'elf32';
  if (machine === EM_MIPS) return 'mips64';
  if (machine === EM_SPARCV9) return 'sparc64';
  return 'elf64';
}

function makeArch(family: Family, name: ArchName, wordSize: WordSize, endian: Endian): Arch {
  const machine = family.machines[0] ?? 0;
  const isMips = machine === EM_MIPS;
  return {
    name,
    machine,
    machines: family.machines,
    wordSize,
    endian,
    infoLayout: infoLayoutOf(machine, wordSize),
    relativeType: isMips && wordSize === 8 ? R_MIPS_REL32 | (R_MIPS_64 << 8) : family.relativeType,
    relativeNeedsNullSymbol: isMips,
    localGot: isMips,
    relaAddsToWord: machine === EM_ARCV2,
    typeNames: relocationTypeNames.get(machine) ?? new Map(),
  };
}

function thumbOf(arch: Arch): Arch {
  return { ...arch, name: arch.endian === 'little' ? 'thumb' : 'thumbeb' };
}

/** Every architecture piekit plans for, in the order of the relocator's target switch. */
export const architectures: readonly Arch[] = families.flatMap((family) =>
  family.variants.flatMap(([name, wordSize, endian]) => {
    const arch = makeArch(family, name, wordSize, endian);
    return family.machines[0] === EM_ARM ? [arch, thumbOf(arch)] : [arch];
  }),
);

export function archByName(name: string): Arch | undefined {
  return architectures.find((arch) => arch.name === name);
}

/**
 * The architecture of a file. ARM and Thumb share e_machine; a Thumb entry point has bit 0 set
 * (ARM ELF ABI), which is the only trace the header keeps of it.
 */
export function identifyArch(machine: number, wordSize: WordSize, endian: Endian, entry: bigint): Arch {
  const arch = architectures.find(
    (candidate) =>
      candidate.machines.includes(machine) &&
      candidate.wordSize === wordSize &&
      candidate.endian === endian &&
      !candidate.name.startsWith('thumb'),
  );
  if (arch === undefined) {
    throw new ElfError(
      'UNSUPPORTED_MACHINE',
      `Invalid ELF machine: e_machine = ${machine} as ELF${wordSize * 8} ${endian}-endian is not an architecture piekit plans for`,
    );
  }
  return machine === EM_ARM && (entry & 1n) === 1n ? thumbOf(arch) : arch;
}
