/* The one line the loader writes on stderr before it exits with a failure status. */
#ifndef PIEKIT_LOADER_REPORT_H
#define PIEKIT_LOADER_REPORT_H

#include <stdint.h>

/* Writes "piekit-loader: " and the parts up to NULL on one line, then exits with `status`. */
_Noreturn void loader_fail(int status, const char *const parts[]);
#define LOADER_FAIL(status, ...) loader_fail(status, (const char *const[]){ __VA_ARGS__, 0 })

/* Room for any word in decimal, or in hexadecimal after "0x", and the terminating NUL. */
#define LOADER_NUMBER_SIZE (3 * sizeof(uintptr_t) + 1)

/* `value` in `radix` (10, or 16 with a "0x" prefix) at the end of `buffer`; returns its start. */
const char *loader_number(uintptr_t value, unsigned radix, char buffer[LOADER_NUMBER_SIZE]);

#endif
