/* The userland loader's parts: mapping a static-PIE (map.c) and building its stack (stack.c). */
#ifndef PIEKIT_LOADER_H
#define PIEKIT_LOADER_H

#include "piekit.h"
#include "phdr.h"

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
