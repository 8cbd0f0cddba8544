/**
 * ELF constants for the tests' own writer and mutator, spelled out from the generic ABI and each
 * psABI rather than imported from piekit, so that a wrong constant there cannot hide in a test.
 */

export const ET_DYN = 3;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PT_GNU_STACK = 0x6474e551;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const DT_NULL = 0n;
export const DT_PLTGOT = 3n;
export const DT_RELA = 7n;
export const DT_RELASZ = 8n;
export const DT_RELAENT = 9n;
export const DT_REL = 17n;
export const DT_RELSZ = 18n;
export const DT_RELENT = 19n;
export const DT_RELRSZ = 35n;
export const DT_RELR = 36n;
export const DT_RELRENT = 37n;
export const DT_MIPS_LOCAL_GOTNO = 0x7000000an;

export const EM_MIPS = 8;
export const EM_SPARCV9 = 43;

export interface TypeSpec {
  readonly type: number;
  readonly name: string;
}

/** The relative type and one absolute (symbol-based) type of each machine and class, by psABI number. */
export function knownTypes(machine: number, wordSize: 4 | 8): { relative: TypeSpec; absolute: TypeSpec } {
  const wide = wordSize === 8;
  const pick = (relative: [number, string], absolute: [number, string]) => ({
    relative: { type: relative[0], name: relative[1] },
    absolute: { type: absolute[0], name: absolute[1] },
  });
  switch (machine) {
    case 3:
      return pick([8, 'R_386_RELATIVE'], [1, 'R_386_32']);
    case 62:
      return pick([8, 'R_X86_64_RELATIVE'], [1, 'R_X86_64_64']);
    case 93:
    case 195:
      return pick([56, 'R_ARC_RELATIVE'], [4, 'R_ARC_32']);
    case 40:
      return pick([23, 'R_ARM_RELATIVE'], [2, 'R_ARM_ABS32']);
    case 183:
      return pick([1027, 'R_AARCH64_RELATIVE'], [257, 'R_AARCH64_ABS64']);
    case 252:
      return pick([9, 'R_CKCORE_RELATIVE'], [1, 'R_CKCORE_ADDR32']);
    case 164:
      return pick([35, 'R_HEX_RELATIVE'], [6, 'R_HEX_32']);
    case 258:
      return pick([3, 'R_LARCH_RELATIVE'], wide ? [2, 'R_LARCH_64'] : [1, 'R_LARCH_32']);
    case 4:
      return pick([22, 'R_68K_RELATIVE'], [1, 'R_68K_32']);
    // mips64 stacks three types in one entry: r_type | r_type2 << 8 | r_type3 << 16, named type/type2/type3.
    case 8:
      return wide
        ? pick([3 | (18 << 8), 'R_MIPS_REL32/R_MIPS_64/R_MIPS_NONE'], [18, 'R_MIPS_64/R_MIPS_NONE/R_MIPS_NONE'])
        : pick([3, 'R_MIPS_REL32'], [2, 'R_MIPS_32']);
    case 20:
      return pick([22, 'R_PPC_RELATIVE'], [1, 'R_PPC_ADDR32']);
    case 21:
      return pick([22, 'R_PPC64_RELATIVE'], [38, 'R_PPC64_ADDR64']);
    case 243:
      return pick([3, 'R_RISCV_RELATIVE'], wide ? [2, 'R_RISCV_64'] : [1, 'R_RISCV_32']);
    case 22:
      return pick([12, 'R_390_RELATIVE'], [22, 'R_390_64']);
    case 2:
    case 18:
      return pick([22, 'R_SPARC_RELATIVE'], [3, 'R_SPARC_32']);
    case 43:
      return pick([22, 'R_SPARC_RELATIVE'], [32, 'R_SPARC_64']);
    default:
      throw new Error(`no psABI types written down for e_machine ${machine}`);
  }
}
