/** Names of the d_tag values readers meet in static-PIEs and shared libraries (gABI, GNU, MIPS psABI). */
export const dynamicTagNames: ReadonlyMap<bigint, string> = new Map<bigint, string>([
  [0n, 'DT_NULL'], [1n, 'DT_NEEDED'], [2n, 'DT_PLTRELSZ'], [3n, 'DT_PLTGOT'], [4n, 'DT_HASH'], [5n, 'DT_STRTAB'],
  [6n, 'DT_SYMTAB'], [7n, 'DT_RELA'], [8n, 'DT_RELASZ'], [9n, 'DT_RELAENT'], [10n, 'DT_STRSZ'], [11n, 'DT_SYMENT'],
  [12n, 'DT_INIT'], [13n, 'DT_FINI'], [14n, 'DT_SONAME'], [15n, 'DT_RPATH'], [16n, 'DT_SYMBOLIC'], [17n, 'DT_REL'],
  [18n, 'DT_RELSZ'], [19n, 'DT_RELENT'], [20n, 'DT_PLTREL'], [21n, 'DT_DEBUG'], [22n, 'DT_TEXTREL'], [23n, 'DT_JMPREL'],
  [24n, 'DT_BIND_NOW'], [25n, 'DT_INIT_ARRAY'], [26n, 'DT_FINI_ARRAY'], [27n, 'DT_INIT_ARRAYSZ'], [28n, 'DT_FINI_ARRAYSZ'],
  [29n, 'DT_RUNPATH'], [30n, 'DT_FLAGS'], [32n, 'DT_PREINIT_ARRAY'], [33n, 'DT_PREINIT_ARRAYSZ'], [34n, 'DT_SYMTAB_SHNDX'],
  [35n, 'DT_RELRSZ'], [36n, 'DT_RELR'], [37n, 'DT_RELRENT'],
  [0x6ffffef5n, 'DT_GNU_HASH'], [0x6ffffff0n, 'DT_VERSYM'], [0x6ffffff9n, 'DT_RELACOUNT'], [0x6ffffffan, 'DT_RELCOUNT'],
  [0x6ffffffbn, 'DT_FLAGS_1'], [0x6ffffffcn, 'DT_VERDEF'], [0x6ffffffdn, 'DT_VERDEFNUM'], [0x6ffffffen, 'DT_VERNEED'],
  [0x6fffffffn, 'DT_VERNEEDNUM'],
  [0x70000001n, 'DT_MIPS_RLD_VERSION'], [0x70000005n, 'DT_MIPS_FLAGS'], [0x70000006n, 'DT_MIPS_BASE_ADDRESS'],
  [0x7000000an, 'DT_MIPS_LOCAL_GOTNO'], [0x70000011n, 'DT_MIPS_SYMTABNO'], [0x70000012n, 'DT_MIPS_UNREFEXTNO'],
  [0x70000013n, 'DT_MIPS_GOTSYM'], [0x70000016n, 'DT_MIPS_RLD_MAP'], [0x70000035n, 'DT_MIPS_RLD_MAP_REL'],
]);
