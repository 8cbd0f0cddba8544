/* The samples' self-checks: each failure is printed, and main then exits 1 instead of printing ok. */
#ifndef PIEKIT_SAMPLE_CHECK_H
#define PIEKIT_SAMPLE_CHECK_H

#include "piekit.h"

/* Reads a variable as the program finds it in memory: without it the compiler answers from the
 * initialiser it can see, and the relocated word is never looked at. */
#define LOAD(lvalue) (*(__typeof__(lvalue) const volatile *)&(lvalue))

static int check_failures;

static void check(int condition, const char *what)
{
	if (condition)
		return;
	check_failures++;
	piekit_print("FAILED: ");
	piekit_print(what);
	piekit_print("\n");
}

static int check_finish(void)
{
	if (check_failures != 0)
		return 1;
	piekit_print("ok\n");
	return 0;
}

#endif
