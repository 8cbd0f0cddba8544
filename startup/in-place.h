/* relocate.c's accessors for the stub: the words are the program's own memory. */
#ifndef PIEKIT_IN_PLACE_H
#define PIEKIT_IN_PLACE_H

#include <stdint.h>

#define PK_WORD uintptr_t
#define PK_CONTEXT int
#define PK_READ(c, address) (*(const uintptr_t *)(address))
#define PK_ADD_BASE(c, address, base, source, index) ((void)(index), *(uintptr_t *)(address) += (base))
#define PK_SET(c, address, value, source, index) ((void)(index), *(uintptr_t *)(address) = (value))
#define PK_RELATIVE_MASK(c) PK_ARCH_RELATIVE_MASK
#define PK_RELATIVE_INFO(c) PK_ARCH_RELATIVE_INFO
#define PK_OK(c) 1

/* The architecture's relocation facts come from its record (elf/architectures.ts), passed by
 * `piekit build` as -D flags (loader/toolchain/flags.ts relocationDefines): r_info & MASK == INFO
 * marks a relative relocation; PK_ARCH_LOCAL_GOT (MIPS) and PK_ARCH_RELA_ADDS_TO_WORD (ARC) when
 * the record says so. arch.h states none of them. */
#if !defined(PK_ARCH_RELATIVE_MASK) || !defined(PK_ARCH_RELATIVE_INFO)
#error "PK_ARCH_RELATIVE_MASK and PK_ARCH_RELATIVE_INFO come from the architecture record: build through piekit build"
#endif

#ifdef PK_ARCH_RELA_ADDS_TO_WORD
#define PK_RELA_ADDS_TO_WORD(c) 1
#else
#define PK_RELA_ADDS_TO_WORD(c) 0
#endif

#ifdef PK_ARCH_LOCAL_GOT
#define PK_LOCAL_GOT(c) 1
#else
#define PK_LOCAL_GOT(c) 0
#endif

#endif
