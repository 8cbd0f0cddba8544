/*
 * The relocations every C program has: string tables, function-pointer tables, pointers in
 * .data.rel.ro and .data, and constructors in .init_array.
 */
#include "piekit.h"
#include "check.h"

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int negate(int x) { return -x; }

/* .data.rel.ro: read-only after relocation. */
static const char *const greetings[] = { "hello", "world", "from", "a", "static-PIE" };
static int (*const operations[])(int) = { twice, square, negate };

/* .data: writable pointers. */
static const char *message = "hello, world\n";
static int (*chosen)(int) = square;
static const char **greeting_cursor = (const char **)&greetings[2];

static int constructed;
__attribute__((constructor)) static void construct(void) { constructed = 42; }

static int same_text(const char *a, const char *b)
{
	while (*a != 0 && *a == *b)
		a++, b++;
	return *a == *b;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	check(argc >= 1 && argv[0] != NULL, "argv");
	check(same_text(LOAD(greetings[0]), "hello") && same_text(LOAD(greetings[4]), "static-PIE"), "string table");
	check(LOAD(operations[0])(5) == 10 && LOAD(operations[1])(5) == 25 && LOAD(operations[2])(5) == -5,
	      "function table");
	check(LOAD(chosen) == square && LOAD(chosen)(7) == 49, "function pointer in .data");
	check(LOAD(greeting_cursor) == &greetings[2] && same_text(*LOAD(greeting_cursor), "from"), "pointer into .data.rel.ro");
	check(LOAD(constructed) == 42, ".init_array constructor");
	piekit_print(LOAD(message));
	return check_finish();
}
