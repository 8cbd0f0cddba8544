/*
 * libFuzzer harness for the userland loader's validation (native/loader/validate.c, compiled for
 * the host: ELF64, little-endian). Whatever the bytes, validation must not crash, read out of
 * bounds or hit undefined behaviour; a refusal must carry a loader status and a field; and a file
 * it accepts must be safe to map: everything validate.h promises is checked here again, field by
 * field, and the segments are copied into a buffer the size of the span.
 *
 * An input is a 9-byte prefix and a file (test/fuzz/native-corpus.ts writes real samples this way):
 *   0     bits 0-1: page size 4096, 8192, 16384 (3: 4096); bit 2: expect the file's own e_machine
 *         instead of x86_64's
 *   1..8  a base for loader_check_base, little-endian
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "validate.h"

#define PREFIX 9
/* Spans up to this size are really copied into, as map.c copies. */
#define COPY_LIMIT (1u << 20)

static void require(int condition, const char *promise)
{
	if (condition)
		return;
	fprintf(stderr, "loader-validate-fuzz: broken promise: %s\n", promise);
	abort();
}

static int page_aligned(uintptr_t value, uintptr_t page)
{
	return (value & (page - 1)) == 0;
}

static void check_refusal(struct loader_verdict verdict, uintptr_t phnum)
{
	require(verdict.status >= LOADER_NOT_ELF && verdict.status <= LOADER_BAD_BASE, "a refusal has a validation status");
	require(verdict.field != NULL && verdict.field[0] != 0 && verdict.problem != NULL && verdict.problem[0] != 0,
		"a refusal names a field and a problem");
	require(verdict.header == LOADER_ELF_HEADER || verdict.header < phnum, "a refusal names a program header that exists");
}

/* validate.h's promises, each from the file's own fields. */
static void check_image(const unsigned char *file, uintptr_t size, uintptr_t page, const struct loader_image *image)
{
	const struct pk_ehdr *ehdr = (const struct pk_ehdr *)file;
	uintptr_t table = image->phnum * sizeof(struct pk_phdr);
	require(ehdr->e_type == 3 && ehdr->e_phentsize == sizeof(struct pk_phdr) && image->phnum == ehdr->e_phnum && image->phnum > 0,
		"ET_DYN with program headers of this class");
	require((const unsigned char *)image->phdrs == file + ehdr->e_phoff && ehdr->e_phoff <= size && size - ehdr->e_phoff >= table,
		"the program headers lie in the file");
	require(image->low < image->high && page_aligned(image->low, page) && page_aligned(image->high, page), "a page-aligned span");
	require(image->high - image->low <= UINTPTR_MAX / 2, "a span of at most half the address space");
	require(image->entry == ehdr->e_entry, "the entry is e_entry");

	int entered = 0, phdrs_loaded = 0, loads = 0;
	uintptr_t end = 0;
	for (uintptr_t i = 0; i < image->phnum; i++) {
		const struct pk_phdr *ph = &image->phdrs[i];
		require(ph->p_type != 3, "no PT_INTERP");
		if (ph->p_type != 1)
			continue;
		require(ph->p_offset <= size && size - ph->p_offset >= ph->p_filesz && ph->p_filesz <= ph->p_memsz,
		"a PT_LOAD's file bytes lie in the file and in its memory");
		require(((ph->p_vaddr - ph->p_offset) & (page - 1)) == 0, "p_offset and p_vaddr congruent modulo the page");
		require(ph->p_vaddr >= image->low && ph->p_vaddr <= image->high && image->high - ph->p_vaddr >= ph->p_memsz,
		"a PT_LOAD's memory lies in the span");
		require(loads++ == 0 || ph->p_vaddr >= end, "PT_LOADs ascending and disjoint");
		end = ph->p_vaddr + ph->p_memsz;
		entered |= (ph->p_flags & 1) != 0 && image->entry >= ph->p_vaddr && image->entry - ph->p_vaddr < ph->p_memsz;
		phdrs_loaded |= image->phdr_vaddr >= ph->p_vaddr && image->phdr_vaddr - ph->p_vaddr <= ph->p_filesz &&
				ph->p_filesz - (image->phdr_vaddr - ph->p_vaddr) >= table;
	}
	require(entered, "the entry lies in an executable PT_LOAD");
	require(phdrs_loaded, "the program headers at AT_PHDR lie in a PT_LOAD's file bytes");
}

/* What map.c does with an accepted file, on a buffer of the span's size: every PT_LOAD's bytes
 * land inside it, and the program headers the program will read at AT_PHDR are there. */
static void copy_as_mapped(const unsigned char *file, const struct loader_image *image)
{
	uintptr_t span = image->high - image->low;
	if (span > COPY_LIMIT)
		return;
	unsigned char *memory = calloc(span, 1);
	require(memory != NULL, "memory for the span");
	for (uintptr_t i = 0; i < image->phnum; i++) {
		const struct pk_phdr *ph = &image->phdrs[i];
		if (ph->p_type == 1)
			memcpy(memory + (ph->p_vaddr - image->low), file + ph->p_offset, ph->p_filesz);
	}
	struct pk_phdr first;
	memcpy(&first, memory + (image->phdr_vaddr - image->low), sizeof first);
	memcpy(&first, memory + (image->phdr_vaddr - image->low) + (image->phnum - 1) * sizeof first, sizeof first);
	free(memory);
}

static void check_base(const struct loader_image *image, uintptr_t base, uintptr_t page)
{
	struct loader_verdict verdict = loader_check_base(image, base, page);
	int fits = page_aligned(base, page) && base <= UINTPTR_MAX - image->high;
	require((verdict.status == 0) == fits, "a base is accepted when aligned and not wrapping, else refused");
	if (verdict.status != 0) {
		require(verdict.status == LOADER_BAD_BASE, "a bad base has the bad-base status");
		check_refusal(verdict, 0);
		return;
	}
	/* map.c's reservation and every protection change stay inside the address space. */
	require(base + image->low >= base && base + image->high > base + image->low, "the reservation does not wrap");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < PREFIX)
		return 0;
	static const uintptr_t pages[] = { 4096, 8192, 16384, 4096 };
	uintptr_t page = pages[data[0] & 3];
	uintptr_t base = 0;
	for (int i = 8; i >= 1; i--)
		base = base << 8 | data[i];

	/* The file gets a buffer of its own, aligned as a mapping is and exactly its size, so that
	 * any read past it is caught. */
	uintptr_t file_size = size - PREFIX;
	unsigned char *file = malloc(file_size == 0 ? 1 : file_size);
	require(file != NULL, "memory for the file");
	memcpy(file, data + PREFIX, file_size);
	struct loader_kind kind = { 2, 1, 62 };
	if ((data[0] & 4) && file_size >= 20)
		kind.machine = (uint16_t)(file[18] | file[19] << 8);

	struct loader_image image;
	struct loader_verdict verdict = loader_validate(file, file_size, &kind, page, &image);
	if (verdict.status != 0) {
		check_refusal(verdict, file_size >= sizeof(struct pk_ehdr) ? ((const struct pk_ehdr *)file)->e_phnum : 0);
	} else {
		check_image(file, file_size, page, &image);
		copy_as_mapped(file, &image);
		check_base(&image, base, page);
	}
	free(file);
	return 0;
}
