import { DT_MIPS_LOCAL_GOTNO, DT_RELACOUNT, DT_RELCOUNT } from '../../elf/index.js';
import type { RuntimeModel, RuntimeName } from './runtime-model.js';

const ALL_LEFT = { none: 'ignored', irelative: 'left', tls: 'left', symbolic: 'left' } as const;
const ALL_TRAP = { none: 'trap', irelative: 'trap', tls: 'trap', symbolic: 'trap' } as const;
const LOADS_IGNORED = { overlapping: 'ignored', sharedPages: 'ignored' } as const;
const LOOSE_PAIRS = { addressWithoutSize: 'zero', sizeWithoutAddress: 'ignored' } as const;

/**
 * piekit's own plan (loader/model/plan.ts, startup/relocate.c): the gABI RELR proposal, the psABIs'
 * relative types, and what glibc 2.36+ and musl 1.2.4+ do with a well-formed file. Tags compare
 * unsigned below DT_NUM = 38, later duplicates winning; the MIPS local GOT first (all
 * DT_MIPS_LOCAL_GOTNO words, the last such tag counting); REL, RELA, RELR in that order; a bitmap
 * before any address counts from address 0, as LLVM's decoder does. Anything piekit's reader
 * refuses (a wrong DT_*ENT, a partial table, a write outside every PT_LOAD) is a refusal here.
 * IRELATIVE entries are in the plan as resolved at run time: their values come from resolvers, so
 * they are counted as applied, not modelled word by word, as verify checks them (into code).
 */
const SPEC: RuntimeModel = {
  name: 'spec',
  describes: "the gABI and psABIs as piekit's plan reads them",
  architectures: 'all',
  dynamic: { at: 'p_vaddr', arrayBelow: 38, tags: 'unsigned', alsoReads: [DT_MIPS_LOCAL_GOTNO] },
  steps: ['got', 'rel', 'rela', 'relr'],
  tablePresent: 'address',
  absentAddress: 'link-zero',
  pairs: LOOSE_PAIRS,
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'arch' },
  rela: 'arch',
  relr: 'correct',
  leadingBitmap: 'from-zero',
  counts: 'ignored',
  entrySizes: { rel: 'equal-if-present', rela: 'equal-if-present', relr: 'equal-if-present' },
  tableSize: 'refused',
  nonRelative: { ...ALL_LEFT, irelative: 'applied' },
  resolvesIrelativeOfEveryTable: true,
  textRelocations: 'written',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/**
 * glibc 2.36, _dl_relocate_static_pie (elf/dl-reloc-static-pie.c), called by __libc_start_main
 * (csu/libc-start.c) before IRELATIVE set-up and TLS. It is ELF_DYNAMIC_RELOCATE of
 * elf/dynamic-link.h on the main map:
 * - elf_get_dynamic_info (elf/get-dynamic-info.h) keeps tags below DT_NUM = 38 compared unsigned,
 *   the last duplicate winning, plus the versioned range where DT_RELCOUNT/DT_RELACOUNT live; it
 *   asserts DT_RELENT/DT_RELAENT/DT_RELRENT equal the entry sizes, dereferencing the tag entry
 *   unconditionally (a missing one is a NULL dereference), and DT_PLTREL is DT_REL or DT_RELA;
 * - RELR first (ELF_DYNAMIC_DO_RELR: `where` starts as the null pointer, so a bitmap before any
 *   address writes near address 0), then REL, then RELA, each range extended by DT_JMPREL when
 *   DT_PLTREL names its format (_ELF_DYNAMIC_DO_RELOC, which drops the overlap of the two);
 * - elf/do-rel.h applies the first DT_RELACOUNT (DT_RELCOUNT) entries as relative without looking
 *   at their type, then the rest through elf_machine_rela (sysdeps/x86_64, aarch64, s390/s390-64
 *   dl-machine.h) or elf_machine_rel (sysdeps/i386), which handle RELATIVE like the first ones,
 *   ignore NONE, resolve symbolic and TLS types against the main map (RESOLVE_MAP is the map
 *   itself in a static PIE) and call IRELATIVE resolvers after the other entries of the range
 *   (apply_irel in csu/libc-start.c finds no __rela_iplt_start/__rela_iplt_end in a static PIE:
 *   GNU ld defines them only for non-PIC links, so the resolvers run here). Those values depend
 *   on symbols and resolvers: they are counted as applied, not modelled word by word.
 * On i386, elf_machine_rel_relative asserts that a counted entry is R_386_RELATIVE (an abort); the
 * model applies such an entry as x86_64's elf_machine_rela_relative does, without the assertion.
 * DT_RELR is walked whenever its tag is present; the model, like piekit, needs a nonzero address.
 * Static PIE is supported (SUPPORT_STATIC_PIE in sysdeps/.../configure.ac) on x86, aarch64 and
 * s390x. x86_64, aarch64 and s390x are built with ELF_MACHINE_NO_REL (sysdeps/generic/
 * dl-machine-rel.h): DT_REL is never read there. Memory is modelled as it is when the function
 * returns; glibc also adds the base to d_ptr values of a writable .dynamic, which is bookkeeping
 * of its link map and not modelled.
 */
const GLIBC_2_36: RuntimeModel = {
  name: 'glibc-2.36',
  describes: 'glibc 2.36 _dl_relocate_static_pie (elf/dl-reloc-static-pie.c, elf/dynamic-link.h, elf/do-rel.h)',
  architectures: ['x86', 'x86_64', 'aarch64', 'aarch64_be', 's390x'],
  dynamic: { at: 'p_vaddr', arrayBelow: 38, tags: 'unsigned', alsoReads: [DT_RELCOUNT, DT_RELACOUNT] },
  steps: ['relr', 'rel', 'jmprel:rel', 'rela', 'jmprel:rela'],
  unwalked: { rel: ['x86_64', 'aarch64', 'aarch64_be', 's390x'] },
  tablePresent: 'address',
  absentAddress: 'link-zero',
  pairs: { addressWithoutSize: 'refused', sizeWithoutAddress: 'ignored' },
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'type' },
  rela: 'set',
  relr: 'correct',
  leadingBitmap: 'faults',
  counts: 'trusted',
  entrySizes: { rel: 'required', rela: 'required', relr: 'required' },
  tableSize: 'overrun',
  nonRelative: { none: 'ignored', irelative: 'applied', tls: 'applied', symbolic: 'applied' },
  textRelocations: 'fault',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/**
 * glibc 2.35, the same function before RELR support: DT_NUM is 35 (elf/elf.h), so DT_RELRSZ,
 * DT_RELR and DT_RELRENT are not kept and the RELR table is never read; _ELF_DYNAMIC_DO_RELOC
 * walks DT_REL/DT_RELA whenever the tag is present, even when its value is 0. Static PIE exists on
 * x86 and aarch64 only in this release (SUPPORT_STATIC_PIE in sysdeps/{i386,x86_64,aarch64}/configure.ac).
 */
const GLIBC_2_35: RuntimeModel = {
  ...GLIBC_2_36,
  name: 'glibc-2.35',
  describes: 'glibc 2.35 _dl_relocate_static_pie (no RELR: DT_NUM is 35)',
  architectures: ['x86', 'x86_64', 'aarch64', 'aarch64_be'],
  dynamic: { at: 'p_vaddr', arrayBelow: 35, tags: 'unsigned', alsoReads: [DT_RELCOUNT, DT_RELACOUNT] },
  steps: ['rel', 'jmprel:rel', 'rela', 'jmprel:rela'],
  tablePresent: 'tag',
  relr: 'none',
  entrySizes: { rel: 'required', rela: 'required', relr: 'ignored' },
};

/** musl's ports (arch/ in 1.2.3 and 1.2.4) that piekit has records for. */
const MUSL_ARCHITECTURES = [
  'x86',
  'x86_64',
  'arm',
  'thumb',
  'armeb',
  'thumbeb',
  'aarch64',
  'aarch64_be',
  'm68k',
  'mips',
  'mipsel',
  'mips64',
  'mips64el',
  'powerpc',
  'powerpc64',
  'powerpc64le',
  'riscv64',
  's390x',
] as const;

/**
 * musl 1.2.4, _dlstart_c (ldso/dlstart.c), which crt/rcrt1.c includes as the static-PIE entry:
 * dynamic tags below DYN_CNT = 37 (src/internal/dynlink.h) compared as size_t, the last one
 * winning; the MIPS local GOT first (the last DT_MIPS_LOCAL_GOTNO, every word from index 0); then
 * REL, RELA, RELR, each walked from base + its address tag for as long as its size tag counts
 * down to 0, so a size that is not a multiple of the entry runs off the table. IS_RELATIVE is the
 * psABI's relative type (R_MIPS_REL32 with symbol 0 on MIPS); every other entry is left for a
 * dynamic linker that a static PIE does not have. The RELR pointer starts at 0: a bitmap before
 * any address writes near address 0.
 */
const MUSL_1_2_4: RuntimeModel = {
  name: 'musl-1.2.4',
  describes: 'musl 1.2.4 _dlstart_c (ldso/dlstart.c via crt/rcrt1.c)',
  architectures: MUSL_ARCHITECTURES,
  dynamic: { at: 'p_vaddr', arrayBelow: 37, tags: 'unsigned', alsoReads: [DT_MIPS_LOCAL_GOTNO] },
  steps: ['got', 'rel', 'rela', 'relr'],
  tablePresent: 'size',
  absentAddress: 'link-zero',
  pairs: LOOSE_PAIRS,
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'arch' },
  rela: 'set',
  relr: 'correct',
  leadingBitmap: 'faults',
  counts: 'ignored',
  entrySizes: { rel: 'ignored', rela: 'ignored', relr: 'ignored' },
  tableSize: 'runaway',
  nonRelative: ALL_LEFT,
  textRelocations: 'fault',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/** musl 1.2.3: the same code without the RELR loop, and DYN_CNT = 32 hides DT_RELR and DT_RELRSZ anyway. */
const MUSL_1_2_3: RuntimeModel = {
  ...MUSL_1_2_4,
  name: 'musl-1.2.3',
  describes: 'musl 1.2.3 _dlstart_c (no RELR: DYN_CNT is 32)',
  dynamic: { at: 'p_vaddr', arrayBelow: 32, tags: 'unsigned', alsoReads: [DT_MIPS_LOCAL_GOTNO] },
  steps: ['got', 'rel', 'rela'],
  relr: 'none',
};

/**
 * Zig 0.11's relocate() (lib/std/os/linux/start_pie.zig at 0.11.0), called from lib/std/start.zig
 * for PIE executables: R_RELATIVE exists for x86, x86_64, arm, aarch64 and riscv64 only (any other
 * target is a compile error). It matches DT_REL, DT_RELA, DT_RELSZ and DT_RELASZ exactly (the last
 * one winning) and walks a table whenever its address tag was seen; entries whose generic r_type()
 * is R_RELATIVE are applied, the symbol unchecked; a RELA one adds base + r_addend to the word
 * (`+=`, corrected to `=` by ziglang/zig#20215 in 2024). No RELR, no DT_*ENT. bytesAsSlice runs
 * with runtime safety off, so a partial last entry is dropped.
 */
const ZIG_0_11: RuntimeModel = {
  name: 'zig-0.11',
  describes: 'Zig 0.11 relocate() (lib/std/os/linux/start_pie.zig)',
  architectures: ['x86', 'x86_64', 'arm', 'aarch64', 'riscv64'],
  dynamic: { at: 'p_vaddr', arrayBelow: undefined, tags: 'signed', alsoReads: [] },
  steps: ['rel', 'rela'],
  tablePresent: 'tag',
  absentAddress: 'link-zero',
  pairs: LOOSE_PAIRS,
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'type' },
  rela: 'add',
  relr: 'none',
  leadingBitmap: 'from-zero',
  counts: 'ignored',
  entrySizes: { rel: 'ignored', rela: 'ignored', relr: 'ignored' },
  tableSize: 'floor',
  nonRelative: ALL_LEFT,
  textRelocations: 'fault',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/**
 * The seed's relocate() (std/os/linux/start_pie.zig, seed document lines 2397-2700; README "Known
 * defects of the seed"): `d_tag < DT_NUM` on the signed tag, so a negative tag indexes the sorted
 * array out of bounds (a write below it on the stack); the MIPS local GOT with the first
 * DT_MIPS_LOCAL_GOTNO found; REL, RELA, RELR by the generic r_type() against its R_RELATIVE table,
 * which says 128 for MIPS (no MIPS relative entry matches); RELA sets base + r_addend, ARC
 * included; RELR bit k relocates where[k], one word past the right one, and a bitmap before any
 * address entry uses an uninitialised pointer. bytesAsSlice drops a partial last entry.
 */
const ZIG_PIE: RuntimeModel = {
  ...ZIG_0_11,
  name: 'zig-pie',
  describes: "the seed's relocate() (start_pie.zig, seed lines 2397-2700)",
  architectures: 'all',
  dynamic: { at: 'p_vaddr', arrayBelow: 38, tags: 'signed', alsoReads: [DT_MIPS_LOCAL_GOTNO] },
  steps: ['got', 'rel', 'rela', 'relr'],
  tablePresent: 'address',
  localGotCount: 'first',
  relative: { decode: 'type', typeFor: { mips: 128, mipsel: 128, mips64: 128, mips64el: 128 } },
  rela: 'set',
  relr: 'seed',
  leadingBitmap: 'undefined',
};

/**
 * origin's relocate() (sunfishcode/origin, src/relocate.rs at 17031bc), for x86, x86_64, arm,
 * aarch64 and riscv64 (src/arch/): DT_RELA, DT_REL, DT_RELR and their sizes matched exactly; RELA
 * first, then REL, then RELR, each walked from its pointer (null when the address tag is absent)
 * until it equals pointer + size, so a partial table never ends. Any type other than R_RELATIVE
 * (the generic ELF*_R_TYPE), R_*_NONE included, traps; so does a DT_*ENT of the wrong size in
 * builds with debug assertions, which this model assumes. The RELR location starts at address 0,
 * not at the base: a bitmap before any address faults.
 */
const ORIGIN: RuntimeModel = {
  name: 'origin',
  describes: 'origin relocate() (sunfishcode/origin src/relocate.rs)',
  architectures: ['x86', 'x86_64', 'arm', 'thumb', 'armeb', 'thumbeb', 'aarch64', 'aarch64_be', 'riscv64'],
  dynamic: { at: 'p_vaddr', arrayBelow: undefined, tags: 'signed', alsoReads: [] },
  steps: ['rela', 'rel', 'relr'],
  tablePresent: 'size',
  absentAddress: 'null',
  pairs: LOOSE_PAIRS,
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'type' },
  rela: 'set',
  relr: 'correct',
  leadingBitmap: 'faults',
  counts: 'ignored',
  entrySizes: { rel: 'equal-if-present', rela: 'equal-if-present', relr: 'equal-if-present' },
  tableSize: 'runaway',
  nonRelative: ALL_TRAP,
  textRelocations: 'fault',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/**
 * Fuchsia's elfldltl as a static PIE uses it (src/lib/elfldltl/include/lib/elfldltl:
 * static-pie-with-vdso.h, dynamic.h, relocation.h, link.h, machine.h): DecodeDynamic matches tags
 * exactly; DynamicRelocationInfoObserver rejects a DT_RELENT/DT_RELAENT/DT_RELRENT of the wrong
 * size, an address without a size or the reverse, a misaligned table or size, and a
 * DT_RELCOUNT/DT_RELACOUNT larger than the table. RelocateRelative applies the first DT_RELCOUNT
 * REL entries and DT_RELACOUNT RELA entries as relative without looking at their type, then RELR;
 * RelocateSymbolic then walks the rest of REL, of RELA and DT_JMPREL: a RELATIVE there is applied
 * (with a warning), NONE ignored, the absolute, GOT and PLT types resolved against the vDSO's
 * symbols (not modelled), TLS types refused, anything else ("unrecognized relocation type")
 * refused. RelocationInfo::ValidateRelative states the RELR contract it holds files to: the first
 * entry must be an address. The startup code's diagnostics trap on any error.
 */
const ELFLDLTL: RuntimeModel = {
  name: 'elfldltl',
  describes: "Fuchsia elfldltl's static-PIE self-relocation (link.h, relocation.h, dynamic.h)",
  architectures: ['x86', 'x86_64', 'arm', 'thumb', 'armeb', 'thumbeb', 'aarch64', 'aarch64_be', 'riscv32', 'riscv64'],
  dynamic: { at: 'p_vaddr', arrayBelow: undefined, tags: 'signed', alsoReads: [DT_RELCOUNT, DT_RELACOUNT] },
  steps: ['rel', 'rela', 'relr', 'rel:rest', 'rela:rest', 'jmprel'],
  tablePresent: 'tag',
  absentAddress: 'null',
  pairs: { addressWithoutSize: 'refused', sizeWithoutAddress: 'refused' },
  tableAlignment: 'refused',
  localGotCount: 'last',
  relative: { decode: 'type' },
  rela: 'set',
  relr: 'correct',
  leadingBitmap: 'rejected',
  counts: 'split',
  entrySizes: { rel: 'equal-if-present', rela: 'equal-if-present', relr: 'equal-if-present' },
  tableSize: 'refused',
  nonRelative: { none: 'ignored', irelative: 'trap', tls: 'trap', symbolic: 'applied' },
  // RelocationTraits<Machine> in machine.h: kAbsolute, kPlt and kGot of each machine.
  symbolicTypes: {
    x86: ['R_386_32', 'R_386_JUMP_SLOT', 'R_386_GLOB_DAT'],
    x86_64: ['R_X86_64_64', 'R_X86_64_JUMP_SLOT', 'R_X86_64_GLOB_DAT'],
    arm: ['R_ARM_ABS32', 'R_ARM_JUMP_SLOT', 'R_ARM_GLOB_DAT'],
    thumb: ['R_ARM_ABS32', 'R_ARM_JUMP_SLOT', 'R_ARM_GLOB_DAT'],
    armeb: ['R_ARM_ABS32', 'R_ARM_JUMP_SLOT', 'R_ARM_GLOB_DAT'],
    thumbeb: ['R_ARM_ABS32', 'R_ARM_JUMP_SLOT', 'R_ARM_GLOB_DAT'],
    aarch64: ['R_AARCH64_ABS64', 'R_AARCH64_JUMP_SLOT', 'R_AARCH64_GLOB_DAT'],
    aarch64_be: ['R_AARCH64_ABS64', 'R_AARCH64_JUMP_SLOT', 'R_AARCH64_GLOB_DAT'],
    riscv32: ['R_RISCV_64', 'R_RISCV_JUMP_SLOT'],
    riscv64: ['R_RISCV_64', 'R_RISCV_JUMP_SLOT'],
  },
  textRelocations: 'fault',
  outsideSegments: 'fault',
  loads: LOADS_IGNORED,
};

/**
 * Limine's ELF loader (limine-bootloader/limine common/lib/elf.c at 9c5ffcc, elf64_load and
 * elf64_apply_relocations), which loads a relocatable ELF64 little-endian kernel into a buffer: it
 * panics on overlapping PT_LOADs and, when the boot protocol asks for ranges (Limine's own
 * does), on PT_LOADs of different permissions sharing a 4 KiB page. It reads PT_DYNAMIC from the
 * file at p_offset, matches tags exactly, and needs DT_RELRENT = 8 when DT_RELRSZ is nonzero and
 * DT_RELAENT >= 24 (used as the stride) when DT_RELASZ is; DT_REL is never read. It applies RELR
 * first (decoded from address 0), then RELA, then DT_JMPREL (which must be RELA), comparing the
 * low 32 bits of r_info: RELATIVE sets base + addend, NONE is skipped, GLOB_DAT, JUMP_SLOT and the
 * 64-bit absolute type take DT_SYMTAB values (not modelled), any other type panics. A relocation
 * outside the image is skipped, and the image is a buffer, so read-only segments are written too.
 * It sizes its list with whole entries but fills it to the byte size: a partial entry overruns it.
 */
const LIMINE: RuntimeModel = {
  name: 'limine',
  describes: "Limine's ELF loader (common/lib/elf.c elf64_apply_relocations)",
  architectures: ['x86_64', 'aarch64', 'riscv64', 'loongarch64'],
  dynamic: { at: 'p_offset', arrayBelow: undefined, tags: 'signed', alsoReads: [] },
  steps: ['relr', 'rela', 'jmprel'],
  jmprelFormats: ['rela'],
  tablePresent: 'size',
  absentAddress: 'link-zero',
  pairs: LOOSE_PAIRS,
  tableAlignment: 'ignored',
  localGotCount: 'last',
  relative: { decode: 'type' },
  rela: 'set',
  relr: 'correct',
  leadingBitmap: 'from-zero',
  counts: 'ignored',
  entrySizes: { rel: 'ignored', rela: 'at-least', relr: 'required' },
  tableSize: 'overrun',
  nonRelative: { none: 'ignored', irelative: 'trap', tls: 'trap', symbolic: 'applied' },
  symbolicTypes: {
    x86_64: ['R_X86_64_GLOB_DAT', 'R_X86_64_JUMP_SLOT', 'R_X86_64_64'],
    aarch64: ['R_AARCH64_GLOB_DAT', 'R_AARCH64_JUMP_SLOT', 'R_AARCH64_ABS64'],
    riscv64: ['R_RISCV_JUMP_SLOT', 'R_RISCV_64'],
    loongarch64: ['R_LARCH_JUMP_SLOT', 'R_LARCH_64'],
  },
  textRelocations: 'written',
  outsideSegments: 'skipped',
  loads: { overlapping: 'refused', sharedPages: 'refused' },
};

/** Every runtime model, in report order. */
export const RUNTIMES: readonly RuntimeModel[] = [
  SPEC,
  GLIBC_2_36,
  GLIBC_2_35,
  MUSL_1_2_4,
  MUSL_1_2_3,
  ZIG_0_11,
  ZIG_PIE,
  ORIGIN,
  ELFLDLTL,
  LIMINE,
].map(uniform);

/**
 * A record with every field, in one order, absent ones undefined: the records then share one
 * hidden class, and the interpreter's loops, compiled for the first model an audit runs, are not
 * thrown away for each next one.
 */
function uniform(model: RuntimeModel): RuntimeModel {
  const { dynamic, relative, pairs, entrySizes, nonRelative, loads } = model;
  return {
    name: model.name,
    describes: model.describes,
    architectures: model.architectures,
    dynamic: { at: dynamic.at, arrayBelow: dynamic.arrayBelow, tags: dynamic.tags, alsoReads: dynamic.alsoReads },
    steps: model.steps,
    jmprelFormats: model.jmprelFormats,
    unwalked: model.unwalked,
    tablePresent: model.tablePresent,
    absentAddress: model.absentAddress,
    pairs: { addressWithoutSize: pairs.addressWithoutSize, sizeWithoutAddress: pairs.sizeWithoutAddress },
    tableAlignment: model.tableAlignment,
    localGotCount: model.localGotCount,
    relative: { decode: relative.decode, typeFor: relative.typeFor },
    rela: model.rela,
    relr: model.relr,
    leadingBitmap: model.leadingBitmap,
    counts: model.counts,
    entrySizes: { rel: entrySizes.rel, rela: entrySizes.rela, relr: entrySizes.relr },
    tableSize: model.tableSize,
    nonRelative: { none: nonRelative.none, irelative: nonRelative.irelative, tls: nonRelative.tls, symbolic: nonRelative.symbolic },
    resolvesIrelativeOfEveryTable: model.resolvesIrelativeOfEveryTable,
    symbolicTypes: model.symbolicTypes,
    textRelocations: model.textRelocations,
    outsideSegments: model.outsideSegments,
    loads: { overlapping: loads.overlapping, sharedPages: loads.sharedPages },
  };
}

export function runtimeByName(name: string): RuntimeModel | undefined {
  return RUNTIMES.find((model) => model.name === name);
}

export function runtime(name: RuntimeName): RuntimeModel {
  const model = runtimeByName(name);
  if (model === undefined) throw new Error(`no runtime model named ${name}`);
  return model;
}
