/*
 * The portable half of the stub: the architecture's _start (arch.h) hands over the initial stack
 * pointer and the run-time address of _DYNAMIC. Until pk_relocate returns, nothing here may read a
 * pointer out of writable data or call anything that is not inlined: no word of it is relocated yet.
 */
#include "piekit.h"
#include "phdr.h"
/* Only this file defines the entry point; others include arch.h for its syscalls. */
#define PK_START
/* What every _start shares around the architecture's instructions (which hand pk_start_c the
 * initial stack pointer and the run-time address of _DYNAMIC): _DYNAMIC weak, so that a program
 * without one still links, and hidden, so that the linker resolves a PC-relative reference to it
 * at link time; _start global, a function, and sized for debuggers. DIRECTIVES go right before
 * the label (alignment, Thumb, another name). */
#define PK_START_FUNCTION(directives, instructions)                                                       \
	__asm__(".text\n"                                                                                  \
		".weak _DYNAMIC\n"                                                                         \
		".hidden _DYNAMIC\n"                                                                       \
		".global _start\n"                                                                         \
		".type _start, %function\n" directives "_start:\n" instructions ".size _start, . - _start\n")
#if __has_include("arch.h")
#include "arch.h"
#else
#error "piekit has no startup/arch/ header for this target: add one (entry, system calls, reaching _DYNAMIC)"
#endif
#include "in-place.h"
#include "relocate.c"

/* EINTR is 4 on every Linux architecture. */
#define PK_EINTR 4

#define PK_AT_NULL 0
#define PK_AT_PHDR 3
#define PK_AT_PHENT 4
#define PK_AT_PHNUM 5

typedef void (*pk_constructor)(void);
extern const pk_constructor __preinit_array_start[], __preinit_array_end[];
extern const pk_constructor __init_array_start[], __init_array_end[];

static struct piekit_startup startup_info;

const struct piekit_startup *piekit_startup(void)
{
	return &startup_info;
}

__attribute__((used, noreturn)) void pk_start_c(uintptr_t *sp, uintptr_t dynamic)
{
	struct piekit_startup found;
	found.argc = (int)sp[0];
	found.argv = (char **)(sp + 1);
	found.envp = found.argv + found.argc + 1;
	uintptr_t *auxv = (uintptr_t *)found.envp;
	while (*auxv != 0)
		auxv++;
	found.auxv = ++auxv;
	found.phdr = found.phent = found.phnum = 0;
	for (; auxv[0] != PK_AT_NULL; auxv += 2) {
		if (auxv[0] == PK_AT_PHDR)
			found.phdr = auxv[1];
		else if (auxv[0] == PK_AT_PHENT)
			found.phent = auxv[1];
		else if (auxv[0] == PK_AT_PHNUM)
			found.phnum = auxv[1];
	}
	/* The load base is where _DYNAMIC is minus where PT_DYNAMIC says it was linked. */
	found.base = 0;
	for (uintptr_t i = 0; i < found.phnum; i++) {
		const struct pk_phdr *ph = (const struct pk_phdr *)(found.phdr + i * found.phent);
		if (ph->p_type == PK_PT_DYNAMIC)
			found.base = dynamic - ph->p_vaddr;
	}
	found.dynamic = dynamic;

	pk_relocate(0, found.base, dynamic);

	/* The hook sees memory exactly as relocation left it, so nothing is written before it. */
	piekit_after_relocation(&found);
	startup_info = found;
	for (const pk_constructor *f = __preinit_array_start; f < __preinit_array_end; f++)
		(*f)();
	for (const pk_constructor *f = __init_array_start; f < __init_array_end; f++)
		(*f)();
	piekit_exit(main(found.argc, found.argv, found.envp));
}

long piekit_write(int fd, const void *data, size_t size)
{
	const char *at = data;
	while (size > 0) {
		long written = pk_syscall3(PK_SYS_WRITE, fd, (long)at, (long)size);
		if (written == -PK_EINTR)
			continue;
		if (written < 0)
			return written;
		at += written;
		size -= (size_t)written;
	}
	return 0;
}

size_t piekit_strlen(const char *text)
{
	size_t length = 0;
	while (text[length] != 0)
		length++;
	return length;
}

long piekit_print(const char *text)
{
	return piekit_write(1, text, piekit_strlen(text));
}

_Noreturn void piekit_exit(int status)
{
	for (;;)
		pk_syscall1(PK_SYS_EXIT_GROUP, status);
}
