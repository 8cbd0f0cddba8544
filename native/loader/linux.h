/* The Linux ABI values the loader's syscalling parts share; an arch.h defines its own where they
 * differ. */
#ifndef PIEKIT_LOADER_LINUX_H
#define PIEKIT_LOADER_LINUX_H

#include "piekit.h"
#include "arch.h"

#define PK_PROT_READ 1
#define PK_PROT_WRITE 2
#define PK_PROT_EXEC 4
#define PK_MAP_PRIVATE 0x02
#ifndef PK_MAP_ANONYMOUS
#define PK_MAP_ANONYMOUS 0x20
#endif

/* auxv entry types (System V ABI, Linux's elf.h) */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_ENTRY 9
#define AT_RANDOM 25
#define AT_EXECFN 31

/* A raw syscall fails with -errno, -4095..-1; any other result, negative or not, is a value (an
 * address above 2 GiB is negative as a 32-bit long). */
static inline int loader_syscall_failed(long result)
{
	return result < 0 && result > -4096;
}

#endif
