#include "address.h"

int loader_parse_address(const char *text, uintptr_t *value)
{
	uintptr_t result = 0;
	int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	const char *digit = hex ? text + 2 : text;
	if (*digit == 0)
		return 0;
	for (; *digit != 0; digit++) {
		int d = *digit >= '0' && *digit <= '9' ? *digit - '0'
			: hex && *digit >= 'a' && *digit <= 'f' ? *digit - 'a' + 10
			: hex && *digit >= 'A' && *digit <= 'F' ? *digit - 'A' + 10
			: -1;
		uintptr_t radix = hex ? 16 : 10;
		if (d < 0 || result > (UINTPTR_MAX - (uintptr_t)d) / radix)
			return 0;
		result = result * radix + (uintptr_t)d;
	}
	*value = result;
	return 1;
}
