/* An address as the command line gives it: decimal, or hexadecimal after "0x" or "0X". */
#ifndef PIEKIT_LOADER_ADDRESS_H
#define PIEKIT_LOADER_ADDRESS_H

#include <stdint.h>

/* 1 and the value when all of `text` is one address that fits a word, else 0. */
int loader_parse_address(const char *text, uintptr_t *value);

#endif
