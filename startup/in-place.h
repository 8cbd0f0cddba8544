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

/* ELF32_R_TYPE keeps 8 bits and ELF64_R_TYPE 32; the symbol of a relative relocation is ignored,
 * as glibc and musl ignore it. MIPS (whole r_info) and SPARC64 (8-bit type) define their own. */
#ifndef PK_ARCH_RELATIVE_MASK
#define PK_ARCH_RELATIVE_MASK ((uintptr_t)(UINTPTR_MAX > 0xffffffff ? 0xffffffffu : 0xffu))
#endif
#ifndef PK_ARCH_RELATIVE_INFO
#define PK_ARCH_RELATIVE_INFO ((uintptr_t)PK_ARCH_RELATIVE_TYPE)
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
