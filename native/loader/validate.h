/*
 * Whether a file is a static-PIE the loader can map and enter, and whether a base suits it,
 * decided from bytes alone: no syscall and no exit, so that the loader and its fuzzer
 * (test/fuzz/native/) run the same code, the fuzzer on the host.
 */
#ifndef PIEKIT_LOADER_VALIDATE_H
#define PIEKIT_LOADER_VALIDATE_H

#include <stdint.h>

#include "phdr.h"

/* What the loader runs: the class, byte order and machine of its own ELF header. The class must
 * be this build's, whose layout struct pk_ehdr and struct pk_phdr have. */
struct loader_kind {
	unsigned char elf_class, byte_order;
	uint16_t machine;
};

/* An accepted file; addresses are link-time ones. */
struct loader_image {
	const struct pk_phdr *phdrs; /* in the file */
	uintptr_t phnum;
	uintptr_t low, high;  /* the page-aligned span of the PT_LOADs */
	uintptr_t phdr_vaddr; /* the program headers in memory: AT_PHDR */
	uintptr_t entry;
};

/* Why a file or a base is refused, said as "[program header HEADER: ]FIELD VALUE PROBLEM". */
struct loader_verdict {
	int status; /* 0 when accepted, else the loader's exit status (status.h) */
	uintptr_t header;
	const char *field;
	uintptr_t value;
	const char *problem;
};
#define LOADER_ELF_HEADER UINTPTR_MAX /* as verdict.header: the fault is not in a program header */

/*
 * Accepts `file` (`size` bytes, aligned to a word) when it is an ET_DYN of `kind` without
 * PT_INTERP, and fills `image`. `page` is a power of two. An accepted file is safe to map:
 *   - e_phentsize is sizeof(struct pk_phdr), e_phnum > 0, the program headers lie in the file;
 *   - each PT_LOAD's file bytes lie in the file, p_filesz <= p_memsz, p_offset and p_vaddr are
 *     congruent modulo `page`, and the PT_LOADs are ascending and disjoint;
 *   - low < high, high - low is at most half the address space, and each PT_LOAD's
 *     [p_vaddr, p_vaddr + p_memsz) lies in [low, high);
 *   - e_entry lies in the memory of a PT_LOAD with PF_X;
 *   - the e_phnum program headers at phdr_vaddr lie in the file bytes of one PT_LOAD.
 */
struct loader_verdict loader_validate(const unsigned char *file, uintptr_t size, const struct loader_kind *kind, uintptr_t page,
				      struct loader_image *image);

/* Accepts a page-aligned base that keeps [base + low, base + high) inside the address space. */
struct loader_verdict loader_check_base(const struct loader_image *image, uintptr_t base, uintptr_t page);

#endif
