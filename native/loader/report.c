#include "piekit.h"
#include "report.h"

static void write_error(const char *text)
{
	piekit_write(2, text, piekit_strlen(text));
}

_Noreturn void loader_fail(int status, const char *const parts[])
{
	write_error("piekit-loader: ");
	for (; *parts != 0; parts++)
		write_error(*parts);
	write_error("\n");
	piekit_exit(status);
}

const char *loader_number(uintptr_t value, unsigned radix, char buffer[LOADER_NUMBER_SIZE])
{
	char *at = buffer + LOADER_NUMBER_SIZE - 1;
	*at = 0;
	do {
		*--at = "0123456789abcdef"[value % radix];
		value /= radix;
	} while (value != 0);
	if (radix == 16) {
		*--at = 'x';
		*--at = '0';
	}
	return at;
}
