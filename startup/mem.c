/*
 * Compilers may emit calls to these four even in freestanding code (struct copies, zeroed
 * arrays), and there is no libc to provide them. The volatile byte accesses keep the compiler
 * from recognising the loops and calling the function from itself.
 */
#include "piekit.h"

void *memcpy(void *restrict destination, const void *restrict source, size_t size)
{
	volatile unsigned char *to = destination;
	const unsigned char *from = source;
	for (size_t i = 0; i < size; i++)
		to[i] = from[i];
	return destination;
}

void *memmove(void *destination, const void *source, size_t size)
{
	volatile unsigned char *to = destination;
	const unsigned char *from = source;
	if (to < from)
		for (size_t i = 0; i < size; i++)
			to[i] = from[i];
	else
		for (size_t i = size; i > 0; i--)
			to[i - 1] = from[i - 1];
	return destination;
}

void *memset(void *destination, int value, size_t size)
{
	volatile unsigned char *to = destination;
	for (size_t i = 0; i < size; i++)
		to[i] = (unsigned char)value;
	return destination;
}

int memcmp(const void *left, const void *right, size_t size)
{
	const volatile unsigned char *a = left, *b = right;
	for (size_t i = 0; i < size; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}
