/* The loader's exit statuses: each failure class has its own, so scripts can tell them apart. */
#ifndef PIEKIT_LOADER_STATUS_H
#define PIEKIT_LOADER_STATUS_H

#define LOADER_USAGE 100
#define LOADER_CANNOT_READ 101
#define LOADER_NOT_ELF 102       /* or its program headers lie outside it */
#define LOADER_NOT_PIE 103       /* ET_EXEC, or PT_INTERP names a dynamic linker */
#define LOADER_WRONG_MACHINE 104 /* another class, byte order or machine than the loader's */
#define LOADER_BAD_SEGMENTS 105
#define LOADER_BAD_BASE 106      /* or the program would wrap around the address space */
#define LOADER_BASE_TAKEN 107
#define LOADER_NO_MEMORY 108

#endif
