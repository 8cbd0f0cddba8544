/*
 * The initial stack a program gets from the kernel (System V ABI, "Process Initialization"):
 * argc, argv[], NULL, envp[], NULL, auxv pairs ending in AT_NULL, with the strings and the 16
 * AT_RANDOM bytes above them, and the stack pointer 16-byte aligned at argc.
 */
#include "linux.h"
#include "report.h"
#include "stack.h"
#include "status.h"

#define STACK_SIZE (8u << 20)

static char *push_string(char **top, const char *text)
{
	size_t size = piekit_strlen(text) + 1;
	*top -= size;
	memcpy(*top, text, size);
	return *top;
}

static int set_by_loader(const uintptr_t ours[][2], size_t count, uintptr_t type)
{
	for (size_t i = 0; i < count; i++)
		if (ours[i][0] == type)
			return 1;
	return 0;
}

uintptr_t loader_build_stack(const struct loader_image *image, uintptr_t base, char **argv, int argc, char **envp, const char *execfn,
			     const uintptr_t *own_auxv)
{
	long stack = pk_syscall6(PK_SYS_MMAP, 0, STACK_SIZE, PK_PROT_READ | PK_PROT_WRITE, PK_MAP_PRIVATE | PK_MAP_ANONYMOUS, -1, 0);
	if (loader_syscall_failed(stack))
		LOADER_FAIL(LOADER_NO_MEMORY, "cannot map an 8 MiB stack");
	char *top = (char *)stack + STACK_SIZE;

	/* Strings first (they may be long), pointers to them recorded as the words are written. */
	const char *program_execfn = push_string(&top, execfn);
	char *random = top -= 16;
	while (pk_syscall3(PK_SYS_GETRANDOM, (long)random, 16, 0) != 16)
		;

	/* The entries the loader sets itself, ending in AT_NULL. Every other entry of its own auxv
	 * (page size, user and group ids, hardware capabilities, the vDSO) is the same for the
	 * program and is passed on. */
	const uintptr_t ours[][2] = {
		{ AT_PHDR, base + image->phdr_vaddr },
		{ AT_PHENT, sizeof(struct pk_phdr) },
		{ AT_PHNUM, image->phnum },
		{ AT_BASE, 0 },
		{ AT_ENTRY, base + image->entry },
		{ AT_RANDOM, (uintptr_t)random },
		{ AT_EXECFN, (uintptr_t)program_execfn },
		{ AT_NULL, 0 },
	};
	const size_t our_entries = sizeof ours / sizeof ours[0];
	size_t own_entries = 0;
	for (const uintptr_t *entry = own_auxv; entry[0] != AT_NULL; entry += 2)
		own_entries += !set_by_loader(ours, our_entries, entry[0]);

	int envc = 0;
	while (envp[envc] != NULL)
		envc++;
	size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * (own_entries + our_entries);

	/* Room for the strings of argv and envp below the ones already pushed, then the words. */
	size_t strings = 0;
	for (int i = 0; i < argc; i++)
		strings += piekit_strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		strings += piekit_strlen(envp[i]) + 1;
	/* The kernel keeps them within a quarter of the stack limit, which may be unlimited; the
	 * program needs the rest of its stack. */
	if (strings + words * sizeof(uintptr_t) > STACK_SIZE / 2)
		LOADER_FAIL(LOADER_NO_MEMORY, "the arguments and environment take more than half of an 8 MiB stack");
	char *string_top = top;
	uintptr_t sp = ((uintptr_t)(top - strings) - words * sizeof(uintptr_t)) & ~(uintptr_t)15;
	uintptr_t *word = (uintptr_t *)sp;

	*word++ = (uintptr_t)argc;
	for (int i = 0; i < argc; i++)
		*word++ = (uintptr_t)push_string(&string_top, argv[i]);
	*word++ = 0;
	for (int i = 0; i < envc; i++)
		*word++ = (uintptr_t)push_string(&string_top, envp[i]);
	*word++ = 0;
	for (const uintptr_t *entry = own_auxv; entry[0] != AT_NULL; entry += 2) {
		if (set_by_loader(ours, our_entries, entry[0]))
			continue;
		*word++ = entry[0];
		*word++ = entry[1];
	}
	for (size_t i = 0; i < our_entries; i++) {
		*word++ = ours[i][0];
		*word++ = ours[i][1];
	}
	return sp;
}
