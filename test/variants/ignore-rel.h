/*
 * Test-only stub variant, force-included (-include): the REL table is left alone, as by a stub
 * that forgot it. A sample built with it must fail its own checks and verification.
 */
#define PK_REL_TABLE(c, end, size, base) ((void)(end), (void)(size))
