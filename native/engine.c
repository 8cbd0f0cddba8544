/*
 * startup/relocate.c, instantiated once per word size and byte order, over checked accessors.
 * The accessors take run-time addresses as the stub does and turn them back into link-time ones.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct pk_engine {
	const struct pk_request *request;
	/* The segments last read (tables) and last written (data): a loop over a table alternates
	 * between the two, so each keeps its own. */
	const struct pk_segment *read_cached;
	const struct pk_segment *write_cached;
	struct pk_result result;
};

static int pk_failed(struct pk_engine *engine, enum pk_engine_status status, int source, uint64_t index, uint64_t address)
{
	if (engine->result.status == PK_ENGINE_OK) {
		engine->result.status = status;
		engine->result.source = source;
		engine->result.index = index;
		engine->result.address = address;
	}
	return 0;
}

/* Words in the file's byte order at any alignment: memcpy and a swap when the orders differ, which
 * compilers turn into one load or store (the byte loop they replace cost most of the engine's time). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PK_HOST_BIG_ENDIAN 1
#else
#define PK_HOST_BIG_ENDIAN 0
#endif

static uint64_t pk_load(const uint8_t *at, int size, int big_endian)
{
	int swap = big_endian != PK_HOST_BIG_ENDIAN;
	if (size == 8) {
		uint64_t value;
		memcpy(&value, at, 8);
		return swap ? __builtin_bswap64(value) : value;
	}
	uint32_t value;
	memcpy(&value, at, 4);
	return swap ? __builtin_bswap32(value) : value;
}

static void pk_store(uint8_t *at, int size, int big_endian, uint64_t value)
{
	int swap = big_endian != PK_HOST_BIG_ENDIAN;
	if (size == 8) {
		uint64_t word = swap ? __builtin_bswap64(value) : value;
		memcpy(at, &word, 8);
		return;
	}
	uint32_t word = swap ? __builtin_bswap32((uint32_t)value) : (uint32_t)value;
	memcpy(at, &word, 4);
}

static uint64_t pk_address_mask(const struct pk_request *request)
{
	return request->word_size == 8 ? UINT64_MAX : UINT32_MAX;
}

static int pk_holds(const struct pk_segment *segment, uint64_t vaddr, uint64_t size)
{
	return vaddr >= segment->vaddr && vaddr - segment->vaddr <= segment->memsz && segment->memsz - (vaddr - segment->vaddr) >= size;
}

/* The segment whose memory holds `size` bytes at `vaddr`, or NULL; segments never overlap (the
 * caller's layout refuses that), so the one found last is checked first. */
static const struct pk_segment *pk_segment_holding(const struct pk_request *request, const struct pk_segment **cached, uint64_t vaddr,
						   uint64_t size)
{
	if (*cached != NULL && pk_holds(*cached, vaddr, size))
		return *cached;
	for (size_t i = 0; i < request->segment_count; i++) {
		if (pk_holds(&request->segments[i], vaddr, size))
			return *cached = &request->segments[i];
	}
	return NULL;
}

/* A word of the dynamic section or of a table, as memory holds it before relocation: the file's
 * bytes up to p_filesz, zeros after them up to p_memsz (a dynamic section may end in them). */
static uint64_t pk_read_meta(struct pk_engine *engine, uint64_t address)
{
	const struct pk_request *request = engine->request;
	uint64_t vaddr = (address - request->base) & pk_address_mask(request);
	uint64_t size = (uint64_t)request->word_size;
	const struct pk_segment *segment = pk_segment_holding(request, &engine->read_cached, vaddr, size);
	if (segment == NULL)
		return pk_failed(engine, PK_ENGINE_UNMAPPED_ADDRESS, -1, 0, vaddr);
	/* The segment's file bytes lie in the file (pk_segments_fit). */
	uint64_t in_segment = vaddr - segment->vaddr;
	uint64_t offset = segment->file_offset + in_segment;
	/* The common case, a word wholly in the file's bytes, without the byte-by-byte walk below. */
	if (in_segment <= segment->filesz && segment->filesz - in_segment >= size)
		return pk_load(request->file + offset, request->word_size, request->big_endian);
	uint8_t bytes[8] = { 0 };
	for (uint64_t byte = 0; byte < size && in_segment + byte < segment->filesz; byte++)
		bytes[byte] = request->file[offset + byte];
	return pk_load(bytes, request->word_size, request->big_endian);
}

/* The image bytes of the word a store or load reaches, or NULL after recording why not. */
static uint8_t *pk_word_at(struct pk_engine *engine, uint64_t address, int source, uint64_t index)
{
	const struct pk_request *request = engine->request;
	uint64_t vaddr = (address - request->base) & pk_address_mask(request);
	uint64_t size = (uint64_t)request->word_size;
	const struct pk_segment *segment = pk_segment_holding(request, &engine->write_cached, vaddr, size);
	if (segment == NULL) {
		pk_failed(engine, PK_ENGINE_WRITE_OUTSIDE_SEGMENTS, source, index, vaddr);
		return NULL;
	}
	if (segment->image_offset < 0) {
		pk_failed(engine, PK_ENGINE_OUTSIDE_WINDOW, source, index, vaddr);
		return NULL;
	}
	/* The segment's memory lies in the image (pk_segments_fit). */
	return request->image + segment->image_offset + (vaddr - segment->vaddr);
}

static void pk_log_push(struct pk_engine *engine, struct pk_log *log, uint32_t target, int source, uint64_t index)
{
	if (log->count == log->capacity) {
		size_t capacity = log->capacity == 0 ? 1024 : 2 * log->capacity;
		uint32_t *targets = realloc(log->targets, capacity * sizeof *targets);
		if (targets != NULL)
			log->targets = targets;
		uint8_t *sources = realloc(log->sources, capacity * sizeof *sources);
		if (sources != NULL)
			log->sources = sources;
		uint32_t *entries = realloc(log->entries, capacity * sizeof *entries);
		if (entries != NULL)
			log->entries = entries;
		if (targets == NULL || sources == NULL || entries == NULL) {
			pk_failed(engine, PK_ENGINE_OUT_OF_MEMORY, source, index, 0);
			return;
		}
		log->capacity = capacity;
	}
	log->targets[log->count] = target;
	log->sources[log->count] = (uint8_t)source;
	log->entries[log->count] = (uint32_t)index;
	log->count++;
}

static void pk_write_word(struct pk_engine *engine, uint64_t address, int add, uint64_t value, int source, uint64_t index)
{
	const struct pk_request *request = engine->request;
	uint8_t *word = pk_word_at(engine, address, source, index);
	if (word == NULL)
		return;
	if (add)
		value += pk_load(word, request->word_size, request->big_endian);
	pk_store(word, request->word_size, request->big_endian, value);
	if (request->writes != NULL)
		pk_log_push(engine, request->writes, (uint32_t)(word - request->image), source, index);
}

static void pk_skip(struct pk_engine *engine, int source, uint64_t index)
{
	if (engine->request->skipped != NULL)
		pk_log_push(engine, engine->request->skipped, 0, source, index);
}

#define PK_CONTEXT struct pk_engine *
#define PK_READ(c, address) ((PK_WORD)pk_read_meta(c, address))
#define PK_ADD_BASE(c, address, base, source, index) pk_write_word(c, address, 1, base, source, index)
#define PK_SET(c, address, value, source, index) pk_write_word(c, address, 0, value, source, index)
#define PK_RELATIVE_MASK(c) ((PK_WORD)(c)->request->relative_mask)
#define PK_RELATIVE_INFO(c) ((PK_WORD)(c)->request->relative_info)
#define PK_LOCAL_GOT(c) ((c)->request->local_got)
#define PK_RELA_ADDS_TO_WORD(c) ((c)->request->rela_adds_to_word)
#define PK_OK(c) ((c)->result.status == PK_ENGINE_OK)
#define PK_SKIP(c, source, index) pk_skip(c, source, index)

/* The word size is the only thing the algorithm's arithmetic depends on; byte order lives in the
 * accessors. Addresses wrap at the word size in both, as in the target's registers. */
#define PK_WORD uint32_t
#define PK_RELOCATE_NAME pk_relocate32
#include "../startup/relocate.c"
#undef PK_WORD
#undef PK_RELOCATE_NAME

#define PK_WORD uint64_t
#define PK_RELOCATE_NAME pk_relocate64
#include "../startup/relocate.c"

/* Each segment's file bytes lie in the file and its memory, when in the window, in the image: the
 * accessors' sums of an offset and a distance into a segment then cannot wrap onto bytes of
 * another. */
static int pk_segments_fit(const struct pk_request *request)
{
	for (size_t i = 0; i < request->segment_count; i++) {
		const struct pk_segment *segment = &request->segments[i];
		if (segment->file_offset > request->file_size || request->file_size - segment->file_offset < segment->filesz)
			return 0;
		if (segment->image_offset >= 0 && ((uint64_t)segment->image_offset > request->image_size ||
						    request->image_size - (uint64_t)segment->image_offset < segment->memsz))
			return 0;
	}
	return 1;
}

struct pk_result pk_engine_relocate(const struct pk_request *request)
{
	struct pk_engine engine = { request, NULL, NULL, { PK_ENGINE_OK, -1, 0, 0 } };
	/* An empty typed array may come with a NULL pointer: only a NULL with a size is wrong. */
	if ((request->word_size != 4 && request->word_size != 8) || (request->file == NULL && request->file_size != 0) ||
	    (request->image == NULL && request->image_size != 0) || (request->segments == NULL && request->segment_count != 0) ||
	    !pk_segments_fit(request)) {
		engine.result.status = PK_ENGINE_BAD_REQUEST;
		return engine.result;
	}
	if (request->word_size == 4)
		pk_relocate32(&engine, (uint32_t)request->base, (uint32_t)(request->base + request->dynamic));
	else
		pk_relocate64(&engine, request->base, request->base + request->dynamic);
	return engine.result;
}

void pk_log_free(struct pk_log *log)
{
	free(log->targets);
	free(log->sources);
	free(log->entries);
	memset(log, 0, sizeof *log);
}
