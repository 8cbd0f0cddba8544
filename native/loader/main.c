/*
 * piekit's userland loader: runs a static-PIE at a chosen base, as the kernel would have run it.
 *   piekit-loader [--base ADDR|random] [--print-layout] FILE [ARGS...]
 * It is itself a static-PIE built with piekit's stub, for the architecture it loads.
 */
#include "loader.h"

_Noreturn void loader_fail(int status, const char *what, const char *detail)
{
	const char *parts[] = { "piekit-loader: ", what, ": ", detail, "\n" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		piekit_write(2, parts[i], piekit_strlen(parts[i]));
	piekit_exit(status);
}

const char *loader_hex(uintptr_t value, char buffer[2 + 2 * sizeof(uintptr_t) + 1])
{
	char *at = buffer + 2 + 2 * sizeof(uintptr_t);
	*at = 0;
	do {
		*--at = "0123456789abcdef"[value & 15];
		value >>= 4;
	} while (value != 0);
	*--at = 'x';
	*--at = '0';
	return at;
}

static int parse_address(const char *text, uintptr_t *value)
{
	uintptr_t result = 0;
	int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	const char *digit = hex ? text + 2 : text;
	if (*digit == 0)
		return 0;
	for (; *digit != 0; digit++) {
		int d = *digit >= '0' && *digit <= '9' ? *digit - '0'
			: hex && *digit >= 'a' && *digit <= 'f' ? *digit - 'a' + 10
			: hex && *digit >= 'A' && *digit <= 'F' ? *digit - 'A' + 10
			: -1;
		uintptr_t radix = hex ? 16 : 10;
		if (d < 0 || result > (UINTPTR_MAX - (uintptr_t)d) / radix)
			return 0;
		result = result * radix + (uintptr_t)d;
	}
	*value = result;
	return 1;
}

static int same(const char *a, const char *b)
{
	while (*a != 0 && *a == *b)
		a++, b++;
	return *a == *b;
}

static void print_line(const char *label, uintptr_t value)
{
	char buffer[2 + 2 * sizeof(uintptr_t) + 1];
	piekit_print(label);
	piekit_print(loader_hex(value, buffer));
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
			loader_fail(LOADER_USAGE, "usage", "piekit-loader [--base ADDR|random] [--print-layout] FILE [ARGS...]");
	}
	if (first >= argc)
		loader_fail(LOADER_USAGE, "usage", "piekit-loader [--base ADDR|random] [--print-layout] FILE [ARGS...]");

	const uintptr_t *own_auxv = piekit_startup()->auxv;
	uintptr_t page = 4096;
	for (const uintptr_t *entry = own_auxv; entry[0] != AT_NULL; entry += 2)
		if (entry[0] == AT_PAGESZ)
			page = entry[1];

	struct loaded program;
	loader_read(argv[first], &program);
	loader_validate(&program, page);
	if (same(base_text, "random")) {
		/* A random base may fall on what is mapped already (the loader, its stack, the file):
		 * draw again, a bounded number of times. A base asked for is never replaced. */
		int tries = 0;
		do
			program.base = loader_random_base(program.high - program.low, page) - program.low;
		while (loader_map(&program, page, ++tries < 64) != 0);
	} else if (!parse_address(base_text, &program.base)) {
		loader_fail(LOADER_USAGE, "--base takes an address or 'random', not", base_text);
	} else {
		loader_map(&program, page, 0);
	}
	uintptr_t sp = loader_build_stack(&program, argv + first, argc - first, envp, argv[first], own_auxv);
	if (print_layout) {
		const uintptr_t *words = (const uintptr_t *)sp;
		print_line("base ", program.base);
		print_line("entry ", program.base + program.entry);
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
	PK_ARCH_ENTER(program.base + program.entry, sp);
	__builtin_unreachable();
}
