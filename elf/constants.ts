/** ELF constants, each documented once. Values from the System V gABI unless noted. */

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

/** e_ident[EI_CLASS] */
export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;

/** e_ident[EI_DATA] */
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

/** e_ident[EI_VERSION] and e_version */
export const EV_CURRENT = 1;

/** e_type */
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

/** Extended numbering: e_phnum/e_shnum/e_shstrndx overflow into section header 0. */
export const PN_XNUM = 0xffff;
export const SHN_UNDEF = 0;
export const SHN_XINDEX = 0xffff;

/** p_type */
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;
/** The first processor-specific segment type (PT_MIPS_REGINFO, PT_ARM_EXIDX, ...). */
export const PT_LOPROC = 0x70000000;

/** p_flags */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** sh_flags */
export const SHF_WRITE = 1n;
export const SHF_ALLOC = 2n;
export const SHF_EXECINSTR = 4n;
export const SHF_TLS = 0x400n;

/** sh_type */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_RELR = 19;

/** d_tag values the relocator reads; tags below DT_NUM index the sorted dynamic array. */
export const DT_NULL = 0n;
export const DT_NEEDED = 1n;
export const DT_PLTRELSZ = 2n;
export const DT_PLTGOT = 3n;
export const DT_STRTAB = 5n;
export const DT_SYMTAB = 6n;
export const DT_RELA = 7n;
export const DT_RELASZ = 8n;
export const DT_RELAENT = 9n;
export const DT_STRSZ = 10n;
export const DT_SYMENT = 11n;
export const DT_INIT = 12n;
export const DT_REL = 17n;
export const DT_RELSZ = 18n;
export const DT_RELENT = 19n;
export const DT_PLTREL = 20n;
export const DT_TEXTREL = 22n;
export const DT_JMPREL = 23n;
export const DT_FLAGS = 30n;
export const DT_RELRSZ = 35n;
export const DT_RELR = 36n;
export const DT_RELRENT = 37n;
/** Size of the tag-indexed array every startup relocator sorts the dynamic section into. */
export const DT_NUM = 38;
/**
 * GNU: how many entries at the start of the REL/RELA table are relative; glibc and elfldltl apply
 * that many as relative without looking at their type (the DT_VERSIONTAGIDX range of elf.h).
 */
export const DT_RELACOUNT = 0x6ffffff9n;
export const DT_RELCOUNT = 0x6ffffffan;
/** MIPS psABI: number of local GOT entries, relocated by adding the load base. */
export const DT_MIPS_LOCAL_GOTNO = 0x7000000an;

/** DF_TEXTREL in DT_FLAGS */
export const DF_TEXTREL = 4n;

/** e_machine */
export const EM_SPARC = 2;
export const EM_386 = 3;
export const EM_68K = 4;
export const EM_MIPS = 8;
export const EM_SPARC32PLUS = 18;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_SPARCV9 = 43;
export const EM_X86_64 = 62;
export const EM_ARC_COMPACT = 93;
export const EM_HEXAGON = 164;
export const EM_AARCH64 = 183;
export const EM_ARCV2 = 195;
export const EM_RISCV = 243;
export const EM_CSKY = 252;
export const EM_LOONGARCH = 258;

/** MIPS psABI: R_MIPS_REL32 with symbol 0 is the relative relocation; mips64 stacks R_MIPS_64 on it. */
export const R_MIPS_REL32 = 3;
export const R_MIPS_64 = 18;

/** The relative relocation type of each psABI (on MIPS, R_MIPS_REL32 above with symbol 0). */
export const R_386_RELATIVE = 8;
export const R_X86_64_RELATIVE = 8;
export const R_ARC_RELATIVE = 56;
export const R_ARM_RELATIVE = 23;
export const R_AARCH64_RELATIVE = 1027;
export const R_CKCORE_RELATIVE = 9;
export const R_HEX_RELATIVE = 35;
export const R_LARCH_RELATIVE = 3;
export const R_68K_RELATIVE = 22;
export const R_PPC_RELATIVE = 22;
export const R_PPC64_RELATIVE = 22;
export const R_RISCV_RELATIVE = 3;
export const R_390_RELATIVE = 12;
export const R_SPARC_RELATIVE = 22;

/** Auxiliary vector entry types (System V ABI, "Process Initialization"; Linux's elf.h). */
export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_ENTRY = 9;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;

/** Note types of a core file (Linux's elf.h): the registers of a thread and the process's auxv. */
export const NT_PRSTATUS = 1;
export const NT_AUXV = 6;
