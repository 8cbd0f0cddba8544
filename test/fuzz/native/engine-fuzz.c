/*
 * libFuzzer harness for the native engine's whole entry point, pk_engine_relocate (native/engine.c,
 * which includes startup/relocate.c). The engine trusts nothing of its request: on any input it
 * must neither crash, leak, touch memory out of bounds nor hit undefined behaviour, and every
 * store it logs must land in a segment's part of the image window.
 *
 * An input is a 16-byte prefix and a file (test/fuzz/native-corpus.ts writes real samples this way):
 *   0..7    base, little-endian
 *   8..11   relative info, little-endian; shifted up 32 bits with FLAG_INFO_HIGH (mips64el)
 *   12      flags, below
 *   13      bits 0-1: relative mask 0xff, 0xffffffff, all ones or 0; bit 2: word size override,
 *           bit 3: its value (4 or 8); bit 4: byte order override, bit 5: its value (big). Raw
 *           mode takes bits 3 and 5 as they are.
 *   14      raw mode: the number of segments (0..7) described after the prefix, each as six
 *           little-endian words (p_vaddr, p_memsz cut to 20 bits, p_offset, p_filesz, writable in
 *           bit 0, image offset), then the dynamic section's address (8 bytes) and the window's
 *           size (4 bytes, at most 1 MiB); the rest is the file
 *   15      unused
 * In ELF mode the harness parses the file's program headers itself, as loader/model/layout.ts
 * and loader/engines/native.ts do, and hands the engine the writable segments' window (or every
 * segment's), retrying with every segment when the engine asks for it. In raw mode the segments,
 * the dynamic section's address and the window's size come from the input as they are, so that
 * the engine's own checks meet requests no caller would make.
 */
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define PREFIX 16
#define FLAG_RAW 0x01
#define FLAG_ALL_IN_WINDOW 0x02
#define FLAG_LOCAL_GOT 0x04
#define FLAG_RELA_ADDS_TO_WORD 0x08
#define FLAG_INFO_HIGH 0x10
#define FLAG_LOG_WRITES 0x20
#define FLAG_LOG_SKIPPED 0x40

#define MAX_SEGMENTS 16
/* Bounds that keep one run short: every loop of the engine is bounded by the memory of the
 * segments it reads, which callers bound (loader/model/layout.ts: 1 GiB). */
#define SPAN_LIMIT (4u << 20)
#define RAW_MEMSZ_MASK ((1u << 20) - 1)
#define RAW_IMAGE_LIMIT (1u << 20)
#define RAW_SEGMENT_BYTES (6 * 8)

static uint64_t little(const uint8_t *at, int size)
{
	uint64_t value = 0;
	for (int i = size - 1; i >= 0; i--)
		value = value << 8 | at[i];
	return value;
}

/* A field of the file in its own byte order, or 0 when it lies past the end. */
static uint64_t field(const uint8_t *file, size_t size, uint64_t offset, int width, int big, int *ok)
{
	if (offset > size || size - offset < (uint64_t)width) {
		*ok = 0;
		return 0;
	}
	uint64_t value = 0;
	for (int i = 0; i < width; i++)
		value = value << 8 | file[offset + (uint64_t)(big ? i : width - 1 - i)];
	return value;
}

struct layout {
	struct pk_segment segments[MAX_SEGMENTS];
	size_t count;
	uint64_t start, dynamic;
	int has_dynamic;
};

/* The PT_LOADs with memory, sorted, checked as loader/model/layout.ts checks them; 0 when the
 * TypeScript reader would refuse the file before the engine ever saw it. */
static int parse(const uint8_t *file, size_t size, struct layout *layout)
{
	if (size < 52 || memcmp(file, "\177ELF", 4) != 0)
		return 0;
	int wide = file[4] == 2, big = file[5] == 2, ok = 1;
	uint64_t address_limit = wide ? UINT64_MAX : UINT32_MAX;
	uint64_t phoff = field(file, size, wide ? 32 : 28, wide ? 8 : 4, big, &ok);
	uint64_t phentsize = field(file, size, wide ? 54 : 42, 2, big, &ok);
	uint64_t phnum = field(file, size, wide ? 56 : 44, 2, big, &ok);
	if (!ok || phentsize < (wide ? 56u : 32u))
		return 0;
	layout->count = 0;
	layout->has_dynamic = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t at = phoff + i * phentsize;
		uint64_t type = field(file, size, at, 4, big, &ok);
		uint64_t offset = field(file, size, at + (wide ? 8 : 4), wide ? 8 : 4, big, &ok);
		uint64_t vaddr = field(file, size, at + (wide ? 16 : 8), wide ? 8 : 4, big, &ok);
		uint64_t filesz = field(file, size, at + (wide ? 32 : 16), wide ? 8 : 4, big, &ok);
		uint64_t memsz = field(file, size, at + (wide ? 40 : 20), wide ? 8 : 4, big, &ok);
		uint64_t flags = field(file, size, at + (wide ? 4 : 24), 4, big, &ok);
		if (!ok || at < phoff)
			return 0;
		if (type == 2) {
			layout->dynamic = vaddr;
			layout->has_dynamic = 1;
		}
		if (type != 1)
			continue;
		if (filesz > memsz || vaddr > address_limit - memsz || offset > size || size - offset < filesz)
			return 0;
		if (memsz == 0)
			continue;
		if (layout->count == MAX_SEGMENTS)
			return 0;
		size_t place = layout->count++;
		for (; place > 0 && layout->segments[place - 1].vaddr > vaddr; place--)
			layout->segments[place] = layout->segments[place - 1];
		layout->segments[place] = (struct pk_segment){ vaddr, memsz, offset, filesz, (flags & 2) != 0, -1 };
	}
	if (layout->count == 0 || !layout->has_dynamic)
		return 0;
	for (size_t i = 0; i + 1 < layout->count; i++)
		if (layout->segments[i].vaddr + layout->segments[i].memsz > layout->segments[i + 1].vaddr)
			return 0;
	layout->start = layout->segments[0].vaddr;
	const struct pk_segment *last = &layout->segments[layout->count - 1];
	return last->vaddr + last->memsz - layout->start <= SPAN_LIMIT;
}

/* `size` zero bytes, and AddressSanitizer told that the bytes after them are out of bounds. One
 * buffer serves every input: a fresh mapping for each would cost more than the engine's run. */
static uint8_t *image_of_size(size_t size)
{
	static uint8_t *buffer;
	static size_t unpoisoned = SPAN_LIMIT;
	if (buffer == NULL && (buffer = malloc(SPAN_LIMIT)) == NULL)
		abort();
	/* Whole 8-byte granules: AddressSanitizer may leave a partial one as it was. */
	ASAN_POISON_MEMORY_REGION(buffer, (unpoisoned + 7) & ~(size_t)7);
	ASAN_UNPOISON_MEMORY_REGION(buffer, size);
	unpoisoned = size;
	return memset(buffer, 0, size);
}

/* The window of the chosen segments and whatever lies between them, as loader/model/image.ts
 * makes it; every segment inside it gets its file bytes and its position. */
static uint8_t *window(const uint8_t *file, struct layout *layout, int all, size_t *size)
{
	uint64_t origin = UINT64_MAX, end = 0;
	for (size_t i = 0; i < layout->count; i++) {
		const struct pk_segment *segment = &layout->segments[i];
		if (!all && !segment->writable)
			continue;
		uint64_t offset = segment->vaddr - layout->start;
		origin = offset < origin ? offset : origin;
		end = offset + segment->memsz > end ? offset + segment->memsz : end;
	}
	if (end == 0) {
		*size = 0;
		return NULL;
	}
	*size = (size_t)(end - origin);
	uint8_t *image = image_of_size(*size);
	for (size_t i = 0; i < layout->count; i++) {
		struct pk_segment *segment = &layout->segments[i];
		uint64_t offset = segment->vaddr - layout->start;
		segment->image_offset = offset >= origin && offset + segment->memsz <= end ? (int64_t)(offset - origin) : -1;
		if (segment->image_offset >= 0)
			memcpy(image + segment->image_offset, file + segment->file_offset, segment->filesz);
	}
	return image;
}

/* A request whose segments claim file bytes past the file, or window bytes past the image, can
 * only be refused: relocating it would read or write bytes that belong to no segment. */
static int consistent(const struct pk_request *request)
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

static void require(int condition, const char *promise)
{
	if (condition)
		return;
	fprintf(stderr, "engine-fuzz: broken promise: %s\n", promise);
	abort();
}

/* What the engine promises whatever the request: a status it knows, an inconsistent request
 * refused, and stores only inside the image, each within a segment's part of the window. */
static void check(const struct pk_request *request, struct pk_result result)
{
	require(result.status >= PK_ENGINE_OK && result.status <= PK_ENGINE_BAD_REQUEST, "a known status");
	require(result.source >= -1 && result.source <= 3 && (result.status != PK_ENGINE_OK || result.source == -1), "a known source");
	require(consistent(request) || result.status == PK_ENGINE_BAD_REQUEST, "an inconsistent request is refused");
	for (size_t i = 0; request->writes != NULL && i < request->writes->count; i++) {
		uint64_t target = request->writes->targets[i];
		int held = 0;
		for (size_t s = 0; s < request->segment_count && !held; s++) {
			const struct pk_segment *segment = &request->segments[s];
			held = segment->image_offset >= 0 && target >= (uint64_t)segment->image_offset &&
			       target - (uint64_t)segment->image_offset < segment->memsz &&
			       segment->memsz - (target - (uint64_t)segment->image_offset) >= (uint64_t)request->word_size;
		}
		require(held && target <= request->image_size && request->image_size - target >= (uint64_t)request->word_size,
			"every store lands in a segment's part of the window");
	}
}

static struct pk_result run(struct pk_request *request, uint8_t flags)
{
	struct pk_log writes = { 0 }, skipped = { 0 };
	request->writes = (flags & FLAG_LOG_WRITES) ? &writes : NULL;
	request->skipped = (flags & FLAG_LOG_SKIPPED) ? &skipped : NULL;
	struct pk_result result = pk_engine_relocate(request);
	check(request, result);
	pk_log_free(&writes);
	pk_log_free(&skipped);
	return result;
}

static int raw(const uint8_t *data, size_t size, struct pk_request *request, uint8_t flags)
{
	size_t count = data[14] & 7;
	size_t described = count * RAW_SEGMENT_BYTES + 8 + 4;
	if (size - PREFIX < described)
		return 0;
	const uint8_t *at = data + PREFIX;
	struct pk_segment segments[8];
	for (size_t i = 0; i < count; i++, at += RAW_SEGMENT_BYTES)
		segments[i] = (struct pk_segment){ little(at, 8), little(at + 8, 8) & RAW_MEMSZ_MASK, little(at + 16, 8), little(at + 24, 8),
						   at[32] & 1, (int64_t)little(at + 40, 8) };
	request->dynamic = little(at, 8);
	size_t image_size = (size_t)(little(at + 8, 4) % (RAW_IMAGE_LIMIT + 1));
	request->segments = segments;
	request->segment_count = count;
	request->file = at + 12;
	request->file_size = size - PREFIX - described;
	request->image = image_size == 0 ? NULL : image_of_size(image_size);
	request->image_size = image_size;
	run(request, flags);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < PREFIX)
		return 0;
	uint8_t flags = data[12], options = data[13];
	static const uint64_t masks[] = { 0xff, 0xffffffff, UINT64_MAX, 0 };
	uint64_t info = little(data + 8, 4);
	struct pk_request request = { 0 };
	request.base = little(data, 8);
	request.relative_info = (flags & FLAG_INFO_HIGH) ? info << 32 : info;
	request.relative_mask = masks[options & 3];
	request.local_got = (flags & FLAG_LOCAL_GOT) != 0;
	request.rela_adds_to_word = (flags & FLAG_RELA_ADDS_TO_WORD) != 0;
	if (flags & FLAG_RAW) {
		request.word_size = (options & 8) ? 8 : 4;
		request.big_endian = (options & 0x20) != 0;
		return raw(data, size, &request, flags);
	}

	/* The file gets a buffer of its own, exactly its size, so that any read past it is caught. */
	size_t file_size = size - PREFIX;
	uint8_t *file = malloc(file_size == 0 ? 1 : file_size);
	if (file == NULL)
		abort();
	memcpy(file, data + PREFIX, file_size);
	struct layout layout;
	if (parse(file, file_size, &layout)) {
		/* An invalid class or byte order is passed on as it is: the engine must refuse it. */
		request.word_size = (options & 4) ? ((options & 8) ? 8 : 4) : file[4] == 2 ? 8 : file[4] == 1 ? 4 : file[4];
		request.big_endian = (options & 0x10) ? (options & 0x20) != 0 : file[5] == 2;
		request.file = file;
		request.file_size = file_size;
		request.start = layout.start;
		request.dynamic = layout.dynamic;
		request.segments = layout.segments;
		request.segment_count = layout.count;
		int all = (flags & FLAG_ALL_IN_WINDOW) != 0;
		request.image = window(file, &layout, all, &request.image_size);
		struct pk_result result = run(&request, flags);
		if (result.status == PK_ENGINE_OUTSIDE_WINDOW && !all) {
			request.image = window(file, &layout, 1, &request.image_size);
			run(&request, flags);
		}
	}
	free(file);
	return 0;
}
