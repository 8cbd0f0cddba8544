/*
 * piekit's userland loader: runs a static-PIE at a chosen base, as the kernel would have run it.
 *   piekit-loader [--base ADDR|random] [--print-layout] FILE [ARGS...]
 * It is itself a static-PIE built with piekit's stub, for the architecture it loads. Its parts
 * depend one way: main.c on every other; map.c on read-file.h's file and validate.h's image,
 * stack.c on the image; read-file.c, map.c and stack.c on report.c to fail; validate.c on
 * status.h alone and address.c on nothing, with no syscall, so that both build for the host as
 * well (test/fuzz/native/).
 */
#include "linux.h"
#include "address.h"
#include "map.h"
#include "read-file.h"
#include "report.h"
#include "stack.h"
#include "status.h"
#include "validate.h"

#define USAGE "usage: piekit-loader [--base ADDR|random] [--print-layout] FILE [ARGS...]"

/* The loader's own ELF header: its class, byte order and machine are the only ones it loads. */
extern const struct pk_ehdr __ehdr_start;

static int same(const char *a, const char *b)
{
	while (*a != 0 && *a == *b)
		a++, b++;
	return *a == *b;
}

static void refuse_unless_accepted(struct loader_verdict verdict)
{
	char header[LOADER_NUMBER_SIZE], value[LOADER_NUMBER_SIZE];
	if (verdict.status == 0)
		return;
	if (verdict.header == LOADER_ELF_HEADER)
		LOADER_FAIL(verdict.status, verdict.field, " ", loader_number(verdict.value, 16, value), verdict.problem);
	LOADER_FAIL(verdict.status, "program header ", loader_number(verdict.header, 10, header), ": ", verdict.field, " ",
		    loader_number(verdict.value, 16, value), verdict.problem);
}

static void print_line(const char *label, uintptr_t value)
{
	char buffer[LOADER_NUMBER_SIZE];
	piekit_print(label);
	piekit_print(loader_number(value, 16, buffer));
	piekit_print("\n");
}

int main(int argc, char **argv, char **envp)
{
	const char *base_text = "random";
	int print_layout = 0, first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (same(argv[first], "--base") && first + 1 < argc)
			base_text = argv[++first];
		else if (same(argv[first], "--print-layout"))
			print_layout = 1;
		else if (same(argv[first], "--")) {
			first++;
			break;
		} else
			LOADER_FAIL(LOADER_USAGE, USAGE);
	}
	if (first >= argc)
		LOADER_FAIL(LOADER_USAGE, USAGE);
	uintptr_t base = 0;
	int random = same(base_text, "random");
	if (!random && !loader_parse_address(base_text, &base))
		LOADER_FAIL(LOADER_USAGE, "--base takes an address or 'random', not ", base_text);

	const uintptr_t *own_auxv = piekit_startup()->auxv;
	uintptr_t page = 4096;
	for (const uintptr_t *entry = own_auxv; entry[0] != AT_NULL; entry += 2)
		if (entry[0] == AT_PAGESZ)
			page = entry[1];

	struct loader_file file;
	struct loader_image image;
	const struct loader_kind kind = { __ehdr_start.e_ident[4], __ehdr_start.e_ident[5], __ehdr_start.e_machine };
	loader_read_file(argv[first], &file);
	refuse_unless_accepted(loader_validate(file.bytes, file.size, &kind, page, &image));
	if (random) {
		/* A random base may fall on what is mapped already (the loader, its stack, the file):
		 * draw again, a bounded number of times. A base asked for is never replaced. */
		int tries = 0;
		do {
			base = loader_random_base(&image, page);
			refuse_unless_accepted(loader_check_base(&image, base, page));
		} while (loader_map(&file, &image, base, page, ++tries < 64) != 0);
	} else {
		refuse_unless_accepted(loader_check_base(&image, base, page));
		loader_map(&file, &image, base, page, 0);
	}
	uintptr_t sp = loader_build_stack(&image, base, argv + first, argc - first, envp, argv[first], own_auxv);
	if (print_layout) {
		const uintptr_t *words = (const uintptr_t *)sp;
		print_line("base ", base);
		print_line("entry ", base + image.entry);
		print_line("argc ", words[0]);
		const uintptr_t *auxv = words + 1 + words[0] + 1;
		while (*auxv != 0)
			auxv++;
		for (auxv++; auxv[0] != AT_NULL; auxv += 2) {
			print_line("auxv ", auxv[0]);
			print_line("  = ", auxv[1]);
		}
		return 0;
	}
	PK_ARCH_ENTER(base + image.entry, sp);
	__builtin_unreachable();
}
