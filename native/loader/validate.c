/*
 * The checks the kernel's ELF loader makes before it maps anything, and those it leaves to luck:
 * every field the loader later trusts is checked here, with the field and its value named.
 */
#include "validate.h"
#include "status.h"

#define PK_ET_DYN 3
#define PK_EV_CURRENT 1

_Static_assert(sizeof(struct pk_ehdr) == (UINTPTR_MAX > 0xffffffff ? 64 : 52), "struct pk_ehdr is Elf32_Ehdr or Elf64_Ehdr");

static struct loader_verdict refused(int status, uintptr_t header, const char *field, uintptr_t value, const char *problem)
{
	return (struct loader_verdict){ status, header, field, value, problem };
}

static const struct loader_verdict accepted = { 0, LOADER_ELF_HEADER, "", 0, "" };

/* Every PT_LOAD in turn, as the kernel maps them: each starts at or after the end of the one
 * before, so the span ends with the last. */
static struct loader_verdict check_loads(const struct pk_ehdr *ehdr, uintptr_t size, uintptr_t page, struct loader_image *image)
{
	int loads = 0;
	uintptr_t end = 0;
	for (uintptr_t i = 0; i < image->phnum; i++) {
		const struct pk_phdr *ph = &image->phdrs[i];
		if (ph->p_type == PK_PT_INTERP)
			return refused(LOADER_NOT_PIE, i, "p_type", ph->p_type, " is PT_INTERP: it names a dynamic linker, not a static-PIE");
		if (ph->p_type != PK_PT_LOAD)
			continue;
		if (ph->p_offset > size)
			return refused(LOADER_BAD_SEGMENTS, i, "p_offset", ph->p_offset, " is past the end of the file");
		if (size - ph->p_offset < ph->p_filesz)
			return refused(LOADER_BAD_SEGMENTS, i, "p_filesz", ph->p_filesz, " runs past the end of the file");
		if (ph->p_filesz > ph->p_memsz)
			return refused(LOADER_BAD_SEGMENTS, i, "p_filesz", ph->p_filesz, " exceeds p_memsz");
		if (((ph->p_vaddr - ph->p_offset) & (page - 1)) != 0)
			return refused(LOADER_BAD_SEGMENTS, i, "p_vaddr", ph->p_vaddr, " is not congruent to p_offset modulo the page size");
		if (ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
			return refused(LOADER_BAD_SEGMENTS, i, "p_memsz", ph->p_memsz, " runs past the end of the address space");
		if (loads > 0 && ph->p_vaddr < end)
			return refused(LOADER_BAD_SEGMENTS, i, "p_vaddr", ph->p_vaddr,
				       " is below the end of the PT_LOAD before it: overlapping PT_LOAD segments");
		if (loads == 0)
			image->low = ph->p_vaddr & ~(page - 1);
		end = ph->p_vaddr + ph->p_memsz;
		/* Rounded up to a page, the end must not wrap to 0. */
		if (end > UINTPTR_MAX - (page - 1))
			return refused(LOADER_BAD_BASE, i, "p_memsz", ph->p_memsz, " ends in the last page of the address space: the program would wrap around");
		loads++;
	}
	if (loads == 0)
		return refused(LOADER_BAD_SEGMENTS, LOADER_ELF_HEADER, "e_phnum", ehdr->e_phnum, ": no program header is a PT_LOAD, nothing to map");
	image->high = (end + page - 1) & ~(page - 1);
	/* One reservation holds the span: more than half the address space cannot be had. */
	if (image->high - image->low > UINTPTR_MAX / 2)
		return refused(LOADER_BAD_BASE, LOADER_ELF_HEADER, "the PT_LOADs' span", image->high - image->low,
			       " is more than half the address space: too large to reserve");
	return accepted;
}

static int executable_load_holds(const struct pk_phdr *ph, uintptr_t address)
{
	return ph->p_type == PK_PT_LOAD && (ph->p_flags & PK_PF_X) != 0 && address >= ph->p_vaddr && address - ph->p_vaddr < ph->p_memsz;
}

static int file_bytes_hold(const struct pk_phdr *ph, uintptr_t address, uintptr_t length)
{
	return ph->p_type == PK_PT_LOAD && address >= ph->p_vaddr && address - ph->p_vaddr <= ph->p_filesz &&
	       ph->p_filesz - (address - ph->p_vaddr) >= length;
}

/* AT_PHDR: PT_PHDR's address, else that of the PT_LOAD bytes holding e_phoff. The program reads
 * its headers there, so they must be in memory that holds file bytes. */
static struct loader_verdict find_phdrs(const struct pk_ehdr *ehdr, struct loader_image *image)
{
	uintptr_t length = image->phnum * sizeof(struct pk_phdr);
	uintptr_t header = LOADER_ELF_HEADER;
	for (uintptr_t i = 0; i < image->phnum && header == LOADER_ELF_HEADER; i++)
		if (image->phdrs[i].p_type == PK_PT_PHDR)
			header = i;
	if (header != LOADER_ELF_HEADER) {
		image->phdr_vaddr = image->phdrs[header].p_vaddr;
	} else {
		for (uintptr_t i = 0; i < image->phnum && header == LOADER_ELF_HEADER; i++) {
			const struct pk_phdr *ph = &image->phdrs[i];
			if (ph->p_type == PK_PT_LOAD && ehdr->e_phoff >= ph->p_offset &&
			    file_bytes_hold(ph, ph->p_vaddr + (ehdr->e_phoff - ph->p_offset), length))
				header = i;
		}
		if (header == LOADER_ELF_HEADER)
			return refused(LOADER_BAD_SEGMENTS, LOADER_ELF_HEADER, "e_phoff", ehdr->e_phoff,
				       ": no PT_PHDR, and no PT_LOAD loads the program headers");
		image->phdr_vaddr = image->phdrs[header].p_vaddr + (ehdr->e_phoff - image->phdrs[header].p_offset);
	}
	for (uintptr_t i = 0; i < image->phnum; i++)
		if (file_bytes_hold(&image->phdrs[i], image->phdr_vaddr, length))
			return accepted;
	return refused(LOADER_BAD_SEGMENTS, header, "p_vaddr", image->phdr_vaddr, " of PT_PHDR is outside the file bytes of every PT_LOAD");
}

struct loader_verdict loader_validate(const unsigned char *file, uintptr_t size, const struct loader_kind *kind, uintptr_t page,
				      struct loader_image *image)
{
	const struct pk_ehdr *ehdr = (const struct pk_ehdr *)file;
	if (size < sizeof *ehdr)
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "file size", size, " is less than an ELF header: not an ELF file");
	if (file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_ident[EI_MAG0..3]",
			       (uintptr_t)file[0] << 24 | (uintptr_t)file[1] << 16 | (uintptr_t)file[2] << 8 | file[3],
			       " is not 0x7f 'E' 'L' 'F': not an ELF file");
	if (file[4] != kind->elf_class)
		return refused(LOADER_WRONG_MACHINE, LOADER_ELF_HEADER, "e_ident[EI_CLASS]", file[4], " is not the loader's: wrong ELF class");
	if (file[5] != kind->byte_order)
		return refused(LOADER_WRONG_MACHINE, LOADER_ELF_HEADER, "e_ident[EI_DATA]", file[5], " is not the loader's: wrong byte order");
	if (file[6] != PK_EV_CURRENT)
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_ident[EI_VERSION]", file[6], " is not EV_CURRENT: not an ELF file");
	if (ehdr->e_type != PK_ET_DYN)
		return refused(LOADER_NOT_PIE, LOADER_ELF_HEADER, "e_type", ehdr->e_type, " is not ET_DYN: not position-independent");
	if (ehdr->e_machine != kind->machine)
		return refused(LOADER_WRONG_MACHINE, LOADER_ELF_HEADER, "e_machine", ehdr->e_machine, " is not the loader's: wrong machine");
	if (ehdr->e_phentsize != sizeof(struct pk_phdr))
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_phentsize", ehdr->e_phentsize, " is not the size of this class's program header");
	if (ehdr->e_phnum == 0)
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_phnum", 0, ": there are no program headers");
	/* The headers are read in place, as words. */
	if (ehdr->e_phoff % sizeof(uintptr_t) != 0)
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_phoff", ehdr->e_phoff, " is not aligned to a word");
	if (ehdr->e_phoff > size || size - ehdr->e_phoff < ehdr->e_phnum * sizeof(struct pk_phdr))
		return refused(LOADER_NOT_ELF, LOADER_ELF_HEADER, "e_phoff", ehdr->e_phoff, ": the program headers run past the end of the file");

	image->phdrs = (const struct pk_phdr *)(file + ehdr->e_phoff);
	image->phnum = ehdr->e_phnum;
	image->entry = ehdr->e_entry;
	struct loader_verdict verdict = check_loads(ehdr, size, page, image);
	if (verdict.status != 0)
		return verdict;
	int entered = 0;
	for (uintptr_t i = 0; i < image->phnum; i++)
		entered |= executable_load_holds(&image->phdrs[i], image->entry);
	if (!entered)
		return refused(LOADER_BAD_SEGMENTS, LOADER_ELF_HEADER, "e_entry", image->entry, " is outside every executable PT_LOAD");
	return find_phdrs(ehdr, image);
}

struct loader_verdict loader_check_base(const struct loader_image *image, uintptr_t base, uintptr_t page)
{
	if ((base & (page - 1)) != 0)
		return refused(LOADER_BAD_BASE, LOADER_ELF_HEADER, "base", base, " is not page-aligned");
	if (base > UINTPTR_MAX - image->high)
		return refused(LOADER_BAD_BASE, LOADER_ELF_HEADER, "base", base, " is too high: the program would wrap around the address space");
	return accepted;
}
