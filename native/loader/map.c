/*
 * Maps a validated static-PIE as the kernel's ELF loader does: one reservation for the whole span,
 * then each PT_LOAD's bytes and protections. validate.c's promises keep every store and every
 * protection change inside the reservation: each PT_LOAD's memory lies in [low, high), and its
 * p_filesz bytes in its memory.
 */
#include "linux.h"
#include "map.h"
#include "report.h"
#include "status.h"

#define PK_MAP_FIXED_NOREPLACE 0x100000
#define PK_EEXIST 17

static uintptr_t page_down(uintptr_t value, uintptr_t page)
{
	return value & ~(page - 1);
}

static uintptr_t page_up(uintptr_t value, uintptr_t page)
{
	return (value + page - 1) & ~(page - 1);
}

static int protection_of(const struct pk_phdr *ph)
{
	return ((ph->p_flags & PK_PF_R) ? PK_PROT_READ : 0) | ((ph->p_flags & PK_PF_W) ? PK_PROT_WRITE : 0) |
	       ((ph->p_flags & PK_PF_X) ? PK_PROT_EXEC : 0);
}

int loader_map(const struct loader_file *file, const struct loader_image *image, uintptr_t base, uintptr_t page, int retry)
{
	char wanted[LOADER_NUMBER_SIZE], got[LOADER_NUMBER_SIZE];
	uintptr_t start = base + image->low;
	uintptr_t size = image->high - image->low;

	/* qemu-user 7.2 ignores MAP_FIXED_NOREPLACE and may place the mapping elsewhere: compare. */
	long reserved = pk_syscall6(PK_SYS_MMAP, (long)start, (long)size, PK_PROT_READ | PK_PROT_WRITE,
				    PK_MAP_PRIVATE | PK_MAP_ANONYMOUS | PK_MAP_FIXED_NOREPLACE, -1, 0);
	if (reserved == -PK_EEXIST && retry)
		return LOADER_BASE_TAKEN;
	if (reserved == -PK_EEXIST)
		LOADER_FAIL(LOADER_BASE_TAKEN, "base taken: something is mapped at base ", loader_number(base, 16, wanted), " already");
	if (loader_syscall_failed(reserved))
		LOADER_FAIL(LOADER_NO_MEMORY, "cannot reserve the program's span at base ", loader_number(base, 16, wanted));
	if ((uintptr_t)reserved != start) {
		pk_syscall3(PK_SYS_MUNMAP, reserved, (long)size, 0);
		if (retry)
			return LOADER_BASE_TAKEN;
		LOADER_FAIL(LOADER_BASE_TAKEN, "base taken: the system offered ", loader_number((uintptr_t)reserved, 16, got),
			    " for base ", loader_number(base, 16, wanted));
	}

	/* The reservation is readable and writable and zero: copy each segment's file bytes in,
	 * then give every page its protections, a page shared by two segments the union of both. */
	for (uintptr_t i = 0; i < image->phnum; i++) {
		const struct pk_phdr *ph = &image->phdrs[i];
		if (ph->p_type == PK_PT_LOAD)
			memcpy((void *)(base + ph->p_vaddr), file->bytes + ph->p_offset, ph->p_filesz);
	}
	const struct pk_phdr *previous = NULL;
	for (uintptr_t i = 0; i < image->phnum; i++) {
		const struct pk_phdr *ph = &image->phdrs[i];
		if (ph->p_type != PK_PT_LOAD)
			continue;
		uintptr_t first = page_down(base + ph->p_vaddr, page);
		uintptr_t end = page_up(base + ph->p_vaddr + ph->p_memsz, page);
		pk_syscall3(PK_SYS_MPROTECT, (long)first, (long)(end - first), protection_of(ph));
		if (previous != NULL && page_up(base + previous->p_vaddr + previous->p_memsz, page) > first)
			pk_syscall3(PK_SYS_MPROTECT, (long)first, (long)page, protection_of(ph) | protection_of(previous));
		previous = ph;
	}
	return 0;
}

uintptr_t loader_random_base(const struct loader_image *image, uintptr_t page)
{
	char span_text[LOADER_NUMBER_SIZE];
	uintptr_t span = image->high - image->low;
	/* Well inside every user address space piekit runs in, qemu-user's included. */
#if UINTPTR_MAX > 0xffffffff
	const uintptr_t low = (uintptr_t)1 << 32, high = (uintptr_t)1 << 46;
#else
	/* qemu-user puts a 32-bit guest's own program at 0x40000000, with its stack and mmaps just
	 * below: stay under them (and under MIPS32's 2 GiB end of user space). */
	const uintptr_t low = 0x10000000, high = 0x3c000000;
#endif
	if (span >= high - low)
		LOADER_FAIL(LOADER_BAD_BASE, "the PT_LOADs' span ", loader_number(span, 16, span_text), " is too large for a random base");
	uintptr_t random = 0;
	while (pk_syscall3(PK_SYS_GETRANDOM, (long)&random, sizeof random, 0) != (long)sizeof random)
		;
	return page_down(low + random % (high - low - span), page) - image->low;
}
