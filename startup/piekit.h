/*
 * What a program built with piekit's startup stub can use: there is no libc, so this is the whole
 * runtime. Include it before anything else.
 */
#ifndef PIEKIT_H
#define PIEKIT_H

#include <stddef.h>
#include <stdint.h>

/* Every symbol of the program is local to it: a hidden declaration is reached PC-relatively,
 * never through a GOT entry that may not be relocated yet. */
#pragma GCC visibility push(hidden)

/* What the stub found on the initial stack and in its own headers. */
struct piekit_startup {
	uintptr_t base;    /* run-time address minus link-time address */
	uintptr_t dynamic; /* run-time address of _DYNAMIC */
	uintptr_t phdr;    /* AT_PHDR */
	uintptr_t phent;   /* AT_PHENT */
	uintptr_t phnum;   /* AT_PHNUM */
	int argc;
	char **argv;
	char **envp;
	uintptr_t *auxv;
};

/* The startup's findings; valid from the first constructor on. */
const struct piekit_startup *piekit_startup(void);

/* Writes the whole buffer, resuming after partial writes. 0, or the negated errno. */
long piekit_write(int fd, const void *data, size_t size);
size_t piekit_strlen(const char *text);
long piekit_print(const char *text);
_Noreturn void piekit_exit(int status);

/* Called once, right after relocation and before constructors: `startup/dump.c` writes the
 * relocated memory to fd 3 (docs/dump-format.md) and carries PIEKIT_DUMP_MARKER; `startup/no-dump.c`
 * does nothing. */
#define PIEKIT_DUMP_MARKER "piekit dump hook, docs/dump-format.md version 1"
void piekit_after_relocation(const struct piekit_startup *startup);

int main(int argc, char **argv, char **envp);

/* From startup/mem.c. */
void *memcpy(void *restrict destination, const void *restrict source, size_t size);
void *memmove(void *destination, const void *source, size_t size);
void *memset(void *destination, int value, size_t size);
int memcmp(const void *left, const void *right, size_t size);

#endif
