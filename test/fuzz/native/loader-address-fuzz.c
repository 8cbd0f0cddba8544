/*
 * libFuzzer harness for the userland loader's --base parser (native/loader/address.c, compiled for
 * the host): any text is either refused or read as exactly the number it spells, decimal or
 * hexadecimal after "0x", when that number fits a word. The reference reads it digit by digit
 * in 128 bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"

/* 1 and the value when `text` is a number that fits a word, else 0. */
static int reference(const char *text, uintptr_t *value)
{
	int hex = strncmp(text, "0x", 2) == 0 || strncmp(text, "0X", 2) == 0;
	const char *digits = hex ? text + 2 : text;
	const char *allowed = hex ? "0123456789abcdefABCDEF" : "0123456789";
	if (*digits == 0 || strspn(digits, allowed) != strlen(digits))
		return 0;
	unsigned __int128 number = 0;
	for (const char *digit = digits; *digit != 0; digit++) {
		number = number * (hex ? 16 : 10) + (unsigned)(*digit <= '9' ? *digit - '0' : (*digit | 0x20) - 'a' + 10);
		if (number > UINTPTR_MAX)
			return 0;
	}
	*value = (uintptr_t)number;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	uintptr_t parsed = 0, expected = 0;
	int accepted = loader_parse_address(text, &parsed);
	if (accepted != reference(text, &expected) || (accepted && parsed != expected)) {
		fprintf(stderr, "loader-address-fuzz: broken promise: \"%s\" read as the number it spells\n", text);
		abort();
	}
	free(text);
	return 0;
}
