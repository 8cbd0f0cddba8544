/*
 * The native engine: startup/relocate.c run on an in-memory image of any ELF class and byte order,
 * through accessors that check every address. Parsing and validation happen before, in TypeScript;
 * nothing here trusts them: every access is checked again, so no input can crash the process.
 */
#ifndef PIEKIT_ENGINE_H
#define PIEKIT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A request is refused (PK_ENGINE_BAD_REQUEST) unless each segment's file bytes lie in the file
 * and, when it is in the window, its memory in the image. */
struct pk_segment {
	uint64_t vaddr, memsz, file_offset, filesz;
	int writable;
	/* Where p_vaddr lies in the image window, or -1 when the segment is not in the window. */
	int64_t image_offset;
};

/* Outcomes (enum pk_engine_status); TypeScript maps them onto ElfError codes. */
#include "engine-status.h"

/* Each store, in order: where (image window offset), by which table and entry. */
struct pk_log {
	uint32_t *targets;
	uint8_t *sources;
	uint32_t *entries;
	size_t count, capacity;
};

struct pk_request {
	const uint8_t *file;
	size_t file_size;
	uint8_t *image; /* the window, relocated in place */
	size_t image_size;
	/* Layout offset of image[0] is image_origin; layout offset 0 is link-time address `start`. */
	uint64_t start;
	const struct pk_segment *segments;
	size_t segment_count;
	int word_size; /* 4 or 8 */
	int big_endian;
	uint64_t base;
	uint64_t dynamic; /* link-time address of the dynamic section */
	uint64_t relative_mask, relative_info;
	int local_got;
	int rela_adds_to_word; /* ARC: relative RELA entries add the base to the word */
	struct pk_log *writes;  /* NULL: not logged */
	struct pk_log *skipped; /* NULL: not logged; targets unused */
};

struct pk_result {
	enum pk_engine_status status;
	int source;         /* of the failing access: a PK_SOURCE_* of startup/relocate.c, -1 none */
	uint64_t index;     /* its entry */
	uint64_t address;   /* its link-time address */
};

struct pk_result pk_engine_relocate(const struct pk_request *request);
void pk_log_free(struct pk_log *log);

#ifdef __cplusplus
}
#endif

#endif
