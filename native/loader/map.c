/*
 * Reads, validates and maps a static-PIE of the loader's own class, byte order and machine, the way
 * the kernel's ELF loader does: one reservation for the whole span, then each PT_LOAD's bytes and
 * protections. Anything the kernel would refuse is refused here with its own exit status.
 */
#include "loader.h"

#define PK_AT_FDCWD (-100)
#define PK_SEEK_END 2
#define PK_MAP_FIXED 0x10
#define PK_MAP_FIXED_NOREPLACE 0x100000
#define PK_EEXIST 17
#define PK_EFBIG 27
#define PK_PT_INTERP 3
#define PK_PT_PHDR 6
#define PK_ET_DYN 3

/* The loader's own ELF header: its class, byte order and machine are the only ones it loads. */
extern const unsigned char __ehdr_start[];

static uintptr_t page_down(uintptr_t value, uintptr_t page)
{
	return value & ~(page - 1);
}

static uintptr_t page_up(uintptr_t value, uintptr_t page)
{
	return (value + page - 1) & ~(page - 1);
}

static long map_anonymous(uintptr_t address, uintptr_t size, int protection, int flags)
{
	return pk_syscall6(PK_SYS_MMAP, (long)address, (long)size, protection, PK_MAP_PRIVATE | PK_MAP_ANONYMOUS | flags, -1, 0);
}

void loader_read(const char *path, struct loaded *program)
{
	long fd = pk_syscall6(PK_SYS_OPENAT, PK_AT_FDCWD, (long)path, 0, 0, 0, 0);
	if (loader_syscall_failed(fd))
		loader_fail(LOADER_CANNOT_READ, path, "cannot be opened");
#ifdef PK_SYS_LLSEEK
	/* 32-bit ABIs of the generic syscall table have no lseek, only _llseek, which returns the
	 * 64-bit offset through a pointer. */
	uint64_t end = 0;
	long size = pk_syscall6(PK_SYS_LLSEEK, fd, 0, 0, (long)&end, PK_SEEK_END, 0);
	if (size == 0)
		size = end > (uint64_t)(UINTPTR_MAX >> 1) ? -PK_EFBIG : (long)end;
#else
	long size = pk_syscall3(PK_SYS_LSEEK, fd, 0, PK_SEEK_END);
#endif
	if (loader_syscall_failed(size) || size == 0)
		loader_fail(LOADER_CANNOT_READ, path, "cannot be read (empty, or not a regular file)");
	long file = pk_syscall6(PK_SYS_MMAP, 0, size, PK_PROT_READ, PK_MAP_PRIVATE, fd, 0);
	if (loader_syscall_failed(file))
		loader_fail(LOADER_CANNOT_READ, path, "cannot be mapped");
	pk_syscall1(PK_SYS_CLOSE, fd);
	program->file = (const unsigned char *)file;
	program->file_size = (uintptr_t)size;
}

static uint16_t half_at(const unsigned char *at)
{
	uint16_t value;
	memcpy(&value, at, sizeof value);
	return value;
}

static uintptr_t word_at(const unsigned char *at)
{
	uintptr_t value;
	memcpy(&value, at, sizeof value);
	return value;
}

void loader_validate(struct loaded *program, uintptr_t page)
{
	const unsigned char *file = program->file;
	const int wide = sizeof(uintptr_t) == 8;
	const uintptr_t header_size = wide ? 64 : 52;
	if (program->file_size < header_size || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
		loader_fail(LOADER_NOT_ELF, "not an ELF file", "bad magic or shorter than an ELF header");
	if (file[4] != __ehdr_start[4] || file[5] != __ehdr_start[5] || file[6] != 1)
		loader_fail(LOADER_WRONG_MACHINE, "wrong ELF class or byte order", "this loader runs only its own kind of file");
	if (half_at(file + 16) != PK_ET_DYN)
		loader_fail(LOADER_NOT_PIE, "not position-independent", "e_type is not ET_DYN");
	if (half_at(file + 18) != half_at(__ehdr_start + 18))
		loader_fail(LOADER_WRONG_MACHINE, "wrong machine", "e_machine differs from the loader's own");

	uintptr_t phoff = word_at(file + (wide ? 32 : 28));
	uintptr_t phentsize = half_at(file + (wide ? 54 : 42));
	uintptr_t phnum = half_at(file + (wide ? 56 : 44));
	if (phentsize != sizeof(struct pk_phdr) || phoff > program->file_size || (program->file_size - phoff) / sizeof(struct pk_phdr) < phnum ||
	    phoff % sizeof(uintptr_t) != 0)
		loader_fail(LOADER_NOT_ELF, "bad program headers", "e_phoff, e_phentsize or e_phnum is out of the file");
	program->phdrs = (const struct pk_phdr *)(file + phoff);
	program->phnum = phnum;
	program->entry = word_at(file + 24);

	int loads = 0;
	uintptr_t previous_end = 0;
	program->phdr_vaddr = 0;
	for (uintptr_t i = 0; i < phnum; i++) {
		const struct pk_phdr *ph = &program->phdrs[i];
		if (ph->p_type == PK_PT_PHDR)
			program->phdr_vaddr = ph->p_vaddr;
		if (ph->p_type == PK_PT_INTERP)
			loader_fail(LOADER_NOT_PIE, "not a static-PIE", "it names a dynamic linker (PT_INTERP)");
		if (ph->p_type != PK_PT_LOAD)
			continue;
		if (ph->p_offset > program->file_size || program->file_size - ph->p_offset < ph->p_filesz)
			loader_fail(LOADER_BAD_SEGMENTS, "bad PT_LOAD", "its file bytes run past the end of the file");
		if (ph->p_filesz > ph->p_memsz)
			loader_fail(LOADER_BAD_SEGMENTS, "bad PT_LOAD", "p_filesz exceeds p_memsz");
		if ((ph->p_vaddr - ph->p_offset) % page != 0)
			loader_fail(LOADER_BAD_SEGMENTS, "bad PT_LOAD", "p_vaddr and p_offset differ modulo the page size");
		if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
			loader_fail(LOADER_BAD_SEGMENTS, "bad PT_LOAD", "it runs past the end of the address space");
		if (loads > 0 && ph->p_vaddr < previous_end)
			loader_fail(LOADER_BAD_SEGMENTS, "overlapping PT_LOAD segments", "they must be ascending and disjoint");
		if (loads == 0)
			program->low = page_down(ph->p_vaddr, page);
		previous_end = ph->p_vaddr + ph->p_memsz;
		program->high = page_up(previous_end, page);
		if (program->phdr_vaddr == 0 && phoff >= ph->p_offset && phoff - ph->p_offset < ph->p_filesz)
			program->phdr_vaddr = ph->p_vaddr + (phoff - ph->p_offset);
		loads++;
	}
	if (loads == 0)
		loader_fail(LOADER_BAD_SEGMENTS, "no PT_LOAD", "nothing to map");
	if (program->phdr_vaddr == 0)
		loader_fail(LOADER_BAD_SEGMENTS, "program headers not loaded", "no PT_PHDR and no PT_LOAD holds them");
}

static int protection_of(const struct pk_phdr *ph)
{
	return ((ph->p_flags & 4) ? PK_PROT_READ : 0) | ((ph->p_flags & 2) ? PK_PROT_WRITE : 0) | ((ph->p_flags & 1) ? PK_PROT_EXEC : 0);
}

int loader_map(struct loaded *program, uintptr_t page, int retry)
{
	char wanted[2 + 2 * sizeof(uintptr_t) + 1], got[2 + 2 * sizeof(uintptr_t) + 1];
	uintptr_t start = program->base + program->low;
	uintptr_t size = program->high - program->low;
	if (program->base % page != 0)
		loader_fail(LOADER_BAD_BASE, "base not page-aligned", loader_hex(program->base, wanted));
	if (start < program->base || start + size < start)
		loader_fail(LOADER_BAD_BASE, "base too high: the program would wrap around the address space", loader_hex(program->base, wanted));

	/* qemu-user 7.2 ignores MAP_FIXED_NOREPLACE and may place the mapping elsewhere: compare. */
	long reserved = map_anonymous(start, size, PK_PROT_READ | PK_PROT_WRITE, PK_MAP_FIXED_NOREPLACE);
	if (reserved == -PK_EEXIST && retry)
		return LOADER_BASE_TAKEN;
	if (reserved == -PK_EEXIST)
		loader_fail(LOADER_BASE_TAKEN, "base taken: something is mapped there already", loader_hex(program->base, wanted));
	if (loader_syscall_failed(reserved))
		loader_fail(LOADER_NO_MEMORY, "cannot reserve the program's span at", loader_hex(program->base, wanted));
	if ((uintptr_t)reserved != start) {
		pk_syscall3(PK_SYS_MUNMAP, reserved, (long)size, 0);
		if (retry)
			return LOADER_BASE_TAKEN;
		loader_hex((uintptr_t)reserved, got);
		loader_fail(LOADER_BASE_TAKEN, "base taken: the system offered another address", got);
	}

	/* The reservation is readable and writable and zero: copy each segment's file bytes in,
	 * then give every page its protections, a page shared by two segments the union of both. */
	for (uintptr_t i = 0; i < program->phnum; i++) {
		const struct pk_phdr *ph = &program->phdrs[i];
		if (ph->p_type == PK_PT_LOAD)
			memcpy((void *)(program->base + ph->p_vaddr), program->file + ph->p_offset, ph->p_filesz);
	}
	const struct pk_phdr *previous = NULL;
	for (uintptr_t i = 0; i < program->phnum; i++) {
		const struct pk_phdr *ph = &program->phdrs[i];
		if (ph->p_type != PK_PT_LOAD)
			continue;
		uintptr_t first = page_down(program->base + ph->p_vaddr, page);
		uintptr_t end = page_up(program->base + ph->p_vaddr + ph->p_memsz, page);
		pk_syscall3(PK_SYS_MPROTECT, (long)first, (long)(end - first), protection_of(ph));
		if (previous != NULL && page_up(program->base + previous->p_vaddr + previous->p_memsz, page) > first)
			pk_syscall3(PK_SYS_MPROTECT, (long)first, (long)page, protection_of(ph) | protection_of(previous));
		previous = ph;
	}
	return 0;
}

uintptr_t loader_random_base(uintptr_t span, uintptr_t page)
{
	uintptr_t random = 0;
	while (pk_syscall3(PK_SYS_GETRANDOM, (long)&random, sizeof random, 0) != (long)sizeof random)
		;
	/* Well inside every user address space piekit runs in, qemu-user's included. */
#if UINTPTR_MAX > 0xffffffff
	const uintptr_t low = (uintptr_t)1 << 32, high = (uintptr_t)1 << 46;
#else
	/* qemu-user puts a 32-bit guest's own program at 0x40000000, with its stack and mmaps just
	 * below: stay under them (and under MIPS32's 2 GiB end of user space). */
	const uintptr_t low = 0x10000000, high = 0x3c000000;
#endif
	return page_down(low + random % (high - low - span), page);
}
