/* The initial stack of a loaded program, as the kernel builds it. */
#ifndef PIEKIT_LOADER_STACK_H
#define PIEKIT_LOADER_STACK_H

#include <stdint.h>

#include "validate.h"

/* A fresh stack holding argc, argv, envp and the auxv for `image` mapped at `base`; returns the
 * stack pointer to enter with. */
uintptr_t loader_build_stack(const struct loader_image *image, uintptr_t base, char **argv, int argc, char **envp, const char *execfn,
			     const uintptr_t *own_auxv);

#endif
