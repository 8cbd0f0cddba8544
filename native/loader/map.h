/* A validated static-PIE placed in memory at its base, the way the kernel's ELF loader does it. */
#ifndef PIEKIT_LOADER_MAP_H
#define PIEKIT_LOADER_MAP_H

#include <stdint.h>

#include "read-file.h"
#include "validate.h"

/* 0 once mapped at `base`, which loader_check_base accepted. With `retry`, a base that is taken
 * returns LOADER_BASE_TAKEN instead of failing, so that a random base can be drawn again. */
int loader_map(const struct loader_file *file, const struct loader_image *image, uintptr_t base, uintptr_t page, int retry);

/* A random page-aligned base for the image, inside every user address space piekit runs in. */
uintptr_t loader_random_base(const struct loader_image *image, uintptr_t page);

#endif
