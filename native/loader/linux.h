/* The Linux ABI values the loader's syscalling parts share; an arch.h defines its own where they
 * differ. */
#ifndef PIEKIT_LOADER_LINUX_H
#define PIEKIT_LOADER_LINUX_H

#include "piekit.h"
#include "arch.h"

/* Enters the loaded program. Most arch.h name two fixed registers, for the entry and the initial
 * stack pointer (fixed, so that neither lands in a register the code zeroes), the code that
 * switches stacks, zeroes what the kernel's ABI leaves zero and jumps, and what that code clobbers
 * besides memory; the others define PK_ARCH_ENTER whole. */
#ifndef PK_ARCH_ENTER
#define PK_ARCH_ENTER(entry, sp)                                                                          \
	do {                                                                                              \
		register uintptr_t pk_entry __asm__(PK_ENTER_ENTRY_REGISTER) = (entry);                   \
		register uintptr_t pk_sp __asm__(PK_ENTER_STACK_REGISTER) = (sp);                         \
		__asm__ volatile(PK_ENTER_CODE : : "r"(pk_entry), "r"(pk_sp) : PK_ENTER_CLOBBERS, "memory"); \
	} while (0)
#endif

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
