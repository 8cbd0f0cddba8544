/** The userland loader's exit statuses (native/loader/status.h): each failure class has its own. */
export const LOADER_STATUS = {
  usage: 100,
  cannotRead: 101,
  /** Or its program headers lie outside it. */
  notElf: 102,
  /** ET_EXEC, or PT_INTERP names a dynamic linker. */
  notPie: 103,
  /** Another class, byte order or machine than the loader's. */
  wrongMachine: 104,
  badSegments: 105,
  /** Or the program would wrap around the address space. */
  badBase: 106,
  baseTaken: 107,
  noMemory: 108,
} as const;
