/**
 * The relocation types of each psABI, spelled as GNU readelf prints them: the types a dynamic
 * relocation section can carry (static-PIEs and libc shared libraries of each architecture), plus
 * a few static types readelf users meet in the same files. Values from each psABI, as glibc's
 * elf.h and LLVM's ELFRelocs record them. Each architecture record (architectures.ts) names its
 * vocabulary; architectures of one psABI share one.
 */

export type RelocationNames = ReadonlyMap<number, string>;

function names(list: readonly (readonly [number, string])[]): RelocationNames {
  return new Map(list);
}

export const I386_RELOCATIONS = names([
  [0, 'R_386_NONE'],
  [1, 'R_386_32'],
  [2, 'R_386_PC32'],
  [3, 'R_386_GOT32'],
  [4, 'R_386_PLT32'],
  [5, 'R_386_COPY'],
  [6, 'R_386_GLOB_DAT'],
  [7, 'R_386_JUMP_SLOT'],
  [8, 'R_386_RELATIVE'],
  [9, 'R_386_GOTOFF'],
  [10, 'R_386_GOTPC'],
  [14, 'R_386_TLS_TPOFF'],
  [35, 'R_386_TLS_DTPMOD32'],
  [36, 'R_386_TLS_DTPOFF32'],
  [37, 'R_386_TLS_TPOFF32'],
  [41, 'R_386_TLS_DESC'],
  [42, 'R_386_IRELATIVE'],
]);

export const X86_64_RELOCATIONS = names([
  [0, 'R_X86_64_NONE'],
  [1, 'R_X86_64_64'],
  [2, 'R_X86_64_PC32'],
  [3, 'R_X86_64_GOT32'],
  [4, 'R_X86_64_PLT32'],
  [5, 'R_X86_64_COPY'],
  [6, 'R_X86_64_GLOB_DAT'],
  [7, 'R_X86_64_JUMP_SLOT'],
  [8, 'R_X86_64_RELATIVE'],
  [9, 'R_X86_64_GOTPCREL'],
  [10, 'R_X86_64_32'],
  [11, 'R_X86_64_32S'],
  [16, 'R_X86_64_DTPMOD64'],
  [17, 'R_X86_64_DTPOFF64'],
  [18, 'R_X86_64_TPOFF64'],
  [24, 'R_X86_64_PC64'],
  [32, 'R_X86_64_SIZE32'],
  [33, 'R_X86_64_SIZE64'],
  [36, 'R_X86_64_TLSDESC'],
  [37, 'R_X86_64_IRELATIVE'],
  [38, 'R_X86_64_RELATIVE64'],
]);

export const ARC_RELOCATIONS = names([
  [0, 'R_ARC_NONE'],
  [4, 'R_ARC_32'],
  [53, 'R_ARC_COPY'],
  [54, 'R_ARC_GLOB_DAT'],
  [55, 'R_ARC_JMP_SLOT'],
  [56, 'R_ARC_RELATIVE'],
  [66, 'R_ARC_TLS_DTPMOD'],
  [67, 'R_ARC_TLS_DTPOFF'],
  [68, 'R_ARC_TLS_TPOFF'],
]);

export const ARM_RELOCATIONS = names([
  [0, 'R_ARM_NONE'],
  [2, 'R_ARM_ABS32'],
  [3, 'R_ARM_REL32'],
  [13, 'R_ARM_TLS_DESC'],
  [17, 'R_ARM_TLS_DTPMOD32'],
  [18, 'R_ARM_TLS_DTPOFF32'],
  [19, 'R_ARM_TLS_TPOFF32'],
  [20, 'R_ARM_COPY'],
  [21, 'R_ARM_GLOB_DAT'],
  [22, 'R_ARM_JUMP_SLOT'],
  [23, 'R_ARM_RELATIVE'],
  [160, 'R_ARM_IRELATIVE'],
]);

export const AARCH64_RELOCATIONS = names([
  [0, 'R_AARCH64_NONE'],
  [257, 'R_AARCH64_ABS64'],
  [258, 'R_AARCH64_ABS32'],
  [260, 'R_AARCH64_PREL64'],
  [1024, 'R_AARCH64_COPY'],
  [1025, 'R_AARCH64_GLOB_DAT'],
  [1026, 'R_AARCH64_JUMP_SLOT'],
  [1027, 'R_AARCH64_RELATIVE'],
  [1028, 'R_AARCH64_TLS_DTPMOD'],
  [1029, 'R_AARCH64_TLS_DTPREL'],
  [1030, 'R_AARCH64_TLS_TPREL'],
  [1031, 'R_AARCH64_TLSDESC'],
  [1032, 'R_AARCH64_IRELATIVE'],
]);

export const CSKY_RELOCATIONS = names([
  [0, 'R_CKCORE_NONE'],
  [1, 'R_CKCORE_ADDR32'],
  [9, 'R_CKCORE_RELATIVE'],
  [10, 'R_CKCORE_COPY'],
  [11, 'R_CKCORE_GLOB_DAT'],
  [12, 'R_CKCORE_JUMP_SLOT'],
  [56, 'R_CKCORE_TLS_DTPMOD32'],
  [57, 'R_CKCORE_TLS_DTPOFF32'],
  [58, 'R_CKCORE_TLS_TPOFF32'],
]);

export const HEXAGON_RELOCATIONS = names([
  [0, 'R_HEX_NONE'],
  [6, 'R_HEX_32'],
  [32, 'R_HEX_COPY'],
  [33, 'R_HEX_GLOB_DAT'],
  [34, 'R_HEX_JMP_SLOT'],
  [35, 'R_HEX_RELATIVE'],
  [44, 'R_HEX_DTPMOD_32'],
  [47, 'R_HEX_DTPREL_32'],
  [63, 'R_HEX_TPREL_32'],
]);

export const LOONGARCH_RELOCATIONS = names([
  [0, 'R_LARCH_NONE'],
  [1, 'R_LARCH_32'],
  [2, 'R_LARCH_64'],
  [3, 'R_LARCH_RELATIVE'],
  [4, 'R_LARCH_COPY'],
  [5, 'R_LARCH_JUMP_SLOT'],
  [6, 'R_LARCH_TLS_DTPMOD32'],
  [7, 'R_LARCH_TLS_DTPMOD64'],
  [8, 'R_LARCH_TLS_DTPREL32'],
  [9, 'R_LARCH_TLS_DTPREL64'],
  [10, 'R_LARCH_TLS_TPREL32'],
  [11, 'R_LARCH_TLS_TPREL64'],
  [12, 'R_LARCH_IRELATIVE'],
  [13, 'R_LARCH_TLS_DESC32'],
  [14, 'R_LARCH_TLS_DESC64'],
]);

export const M68K_RELOCATIONS = names([
  [0, 'R_68K_NONE'],
  [1, 'R_68K_32'],
  [4, 'R_68K_PC32'],
  [19, 'R_68K_COPY'],
  [20, 'R_68K_GLOB_DAT'],
  [21, 'R_68K_JMP_SLOT'],
  [22, 'R_68K_RELATIVE'],
  [40, 'R_68K_TLS_DTPMOD32'],
  [41, 'R_68K_TLS_DTPREL32'],
  [42, 'R_68K_TLS_TPREL32'],
]);

export const MIPS_RELOCATIONS = names([
  [0, 'R_MIPS_NONE'],
  [2, 'R_MIPS_32'],
  [3, 'R_MIPS_REL32'],
  [18, 'R_MIPS_64'],
  [38, 'R_MIPS_TLS_DTPMOD32'],
  [39, 'R_MIPS_TLS_DTPREL32'],
  [40, 'R_MIPS_TLS_DTPMOD64'],
  [41, 'R_MIPS_TLS_DTPREL64'],
  [47, 'R_MIPS_TLS_TPREL32'],
  [48, 'R_MIPS_TLS_TPREL64'],
  [51, 'R_MIPS_GLOB_DAT'],
  [126, 'R_MIPS_COPY'],
  [127, 'R_MIPS_JUMP_SLOT'],
]);

export const PPC_RELOCATIONS = names([
  [0, 'R_PPC_NONE'],
  [1, 'R_PPC_ADDR32'],
  [19, 'R_PPC_COPY'],
  [20, 'R_PPC_GLOB_DAT'],
  [21, 'R_PPC_JMP_SLOT'],
  [22, 'R_PPC_RELATIVE'],
  [26, 'R_PPC_REL32'],
  [68, 'R_PPC_DTPMOD32'],
  [73, 'R_PPC_TPREL32'],
  [78, 'R_PPC_DTPREL32'],
  [248, 'R_PPC_IRELATIVE'],
]);

export const PPC64_RELOCATIONS = names([
  [0, 'R_PPC64_NONE'],
  [1, 'R_PPC64_ADDR32'],
  [19, 'R_PPC64_COPY'],
  [20, 'R_PPC64_GLOB_DAT'],
  [21, 'R_PPC64_JMP_SLOT'],
  [22, 'R_PPC64_RELATIVE'],
  [38, 'R_PPC64_ADDR64'],
  [44, 'R_PPC64_REL64'],
  [68, 'R_PPC64_DTPMOD64'],
  [73, 'R_PPC64_TPREL64'],
  [78, 'R_PPC64_DTPREL64'],
  [247, 'R_PPC64_JMP_IREL'],
  [248, 'R_PPC64_IRELATIVE'],
]);

export const RISCV_RELOCATIONS = names([
  [0, 'R_RISCV_NONE'],
  [1, 'R_RISCV_32'],
  [2, 'R_RISCV_64'],
  [3, 'R_RISCV_RELATIVE'],
  [4, 'R_RISCV_COPY'],
  [5, 'R_RISCV_JUMP_SLOT'],
  [6, 'R_RISCV_TLS_DTPMOD32'],
  [7, 'R_RISCV_TLS_DTPMOD64'],
  [8, 'R_RISCV_TLS_DTPREL32'],
  [9, 'R_RISCV_TLS_DTPREL64'],
  [10, 'R_RISCV_TLS_TPREL32'],
  [11, 'R_RISCV_TLS_TPREL64'],
  [12, 'R_RISCV_TLSDESC'],
  [58, 'R_RISCV_IRELATIVE'],
]);

export const S390_RELOCATIONS = names([
  [0, 'R_390_NONE'],
  [4, 'R_390_32'],
  [9, 'R_390_COPY'],
  [10, 'R_390_GLOB_DAT'],
  [11, 'R_390_JMP_SLOT'],
  [12, 'R_390_RELATIVE'],
  [22, 'R_390_64'],
  [54, 'R_390_TLS_DTPMOD'],
  [55, 'R_390_TLS_DTPOFF'],
  [56, 'R_390_TLS_TPOFF'],
  [61, 'R_390_IRELATIVE'],
]);

export const SPARC_RELOCATIONS = names([
  [0, 'R_SPARC_NONE'],
  [3, 'R_SPARC_32'],
  [19, 'R_SPARC_COPY'],
  [20, 'R_SPARC_GLOB_DAT'],
  [21, 'R_SPARC_JMP_SLOT'],
  [22, 'R_SPARC_RELATIVE'],
  [23, 'R_SPARC_UA32'],
  [32, 'R_SPARC_64'],
  [53, 'R_SPARC_REGISTER'],
  [54, 'R_SPARC_UA64'],
  [74, 'R_SPARC_TLS_DTPMOD32'],
  [75, 'R_SPARC_TLS_DTPMOD64'],
  [76, 'R_SPARC_TLS_DTPOFF32'],
  [77, 'R_SPARC_TLS_DTPOFF64'],
  [78, 'R_SPARC_TLS_TPOFF32'],
  [79, 'R_SPARC_TLS_TPOFF64'],
  [248, 'R_SPARC_JMP_IREL'],
  [249, 'R_SPARC_IRELATIVE'],
]);
