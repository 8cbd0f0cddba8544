/* The userland loader's parts: mapping a static-PIE (map.c) and building its stack (stack.c). */
#ifndef PIEKIT_LOADER_H
#define PIEKIT_LOADER_H

#include "piekit.h"
#include "phdr.h"
#include "arch.h"

/* The Linux ABI values the loader's parts share; an arch.h defines its own where they differ. */
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

/* Exit statuses: each failure class has its own, so scripts can tell them apart. */
#define LOADER_USAGE 100
#define LOADER_CANNOT_READ 101
#define LOADER_NOT_ELF 102
#define LOADER_NOT_PIE 103
#define LOADER_WRONG_MACHINE 104
#define LOADER_BAD_SEGMENTS 105
#define LOADER_BAD_BASE 106
#define LOADER_BASE_TAKEN 107
#define LOADER_NO_MEMORY 108

/* A raw syscall fails with -errno, -4095..-1; any other result, negative or not, is a value (an
 * address above 2 GiB is negative as a 32-bit long). */
static inline int loader_syscall_failed(long result)
{
	return result < 0 && result > -4096;
}

_Noreturn void loader_fail(int status, const char *what, const char *detail);
const char *loader_hex(uintptr_t value, char buffer[2 + 2 * sizeof(uintptr_t) + 1]);

/* A validated static-PIE, mapped or about to be. */
struct loaded {
	const unsigned char *file;
	uintptr_t file_size;
	const struct pk_phdr *phdrs;
	uintptr_t phnum;
	uintptr_t low, high; /* page-aligned span of the PT_LOADs, link-time */
	uintptr_t phdr_vaddr; /* link-time address of the program headers in memory */
	uintptr_t entry;
	uintptr_t base;
};

void loader_read(const char *path, struct loaded *program);
void loader_validate(struct loaded *program, uintptr_t page);
/* 0 once mapped at program->base. With `retry`, a base that is taken returns LOADER_BASE_TAKEN
 * instead of failing, so that a random base can be drawn again. */
int loader_map(struct loaded *program, uintptr_t page, int retry);
uintptr_t loader_random_base(uintptr_t span, uintptr_t page);
uintptr_t loader_build_stack(const struct loaded *program, char **argv, int argc, char **envp, const char *execfn, const uintptr_t *own_auxv);

#endif
