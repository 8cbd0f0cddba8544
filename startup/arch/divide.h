/*
 * 32-bit division for the arch.h of targets that may lack a divide instruction (arm, hexagon):
 * their compilers call a run-time helper for `/` and `%`, and -nostdlib links no libgcc or
 * compiler-rt. Each such arch.h defines the helpers under its own names over these two (most
 * with the macros below), under PK_START, so that each program gets exactly one copy. Nothing before relocation divides.
 */
#ifndef PIEKIT_DIVIDE_H
#define PIEKIT_DIVIDE_H

#include <stdint.h>

/* One quotient bit per turn: small, and the loader divides a handful of times. The bit shifted out
 * of `rest` means it already exceeds any 32-bit divisor. */
static uint32_t pk_divide(uint32_t dividend, uint32_t divisor, uint32_t *remainder)
{
	uint32_t quotient = 0, rest = 0;
	for (int bit = 31; bit >= 0; bit--) {
		uint32_t carry = rest >> 31;
		rest = rest << 1 | (dividend >> bit & 1);
		if (carry != 0 || rest >= divisor) {
			rest -= divisor;
			quotient |= (uint32_t)1 << bit;
		}
	}
	*remainder = rest;
	return quotient;
}

/* C truncates toward zero: the quotient is negative when the signs differ, and the remainder
 * takes the dividend's sign. */
static int32_t pk_divide_signed(int32_t dividend, int32_t divisor, int32_t *remainder)
{
	uint32_t rest, quotient = pk_divide(dividend < 0 ? -(uint32_t)dividend : (uint32_t)dividend,
					    divisor < 0 ? -(uint32_t)divisor : (uint32_t)divisor, &rest);
	*remainder = (int32_t)(dividend < 0 ? -rest : rest);
	return (int32_t)((dividend ^ divisor) < 0 ? -quotient : quotient);
}

/* The run-time helper NAME(dividend, divisor), of TYPE, that returns the quotient or the remainder
 * DIVIDE gives: one line for each name a compiler calls. */
#define PK_QUOTIENT_HELPER(name, type, divide)                \
	type name(type dividend, type divisor);               \
	type name(type dividend, type divisor)                \
	{                                                     \
		type remainder;                               \
		return divide(dividend, divisor, &remainder); \
	}

#define PK_REMAINDER_HELPER(name, type, divide)        \
	type name(type dividend, type divisor);        \
	type name(type dividend, type divisor)         \
	{                                              \
		type remainder;                        \
		divide(dividend, divisor, &remainder); \
		return remainder;                      \
	}

#endif
