/* The file to load, mapped read-only whole. */
#ifndef PIEKIT_LOADER_READ_FILE_H
#define PIEKIT_LOADER_READ_FILE_H

#include <stdint.h>

struct loader_file {
	const unsigned char *bytes; /* page-aligned */
	uintptr_t size;
};

/* Fails with LOADER_CANNOT_READ when the file cannot be opened, sized or mapped. */
void loader_read_file(const char *path, struct loader_file *file);

#endif
