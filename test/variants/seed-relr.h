/*
 * Test-only stub variant, force-included (-include): the seed's RELR off-by-one, bit k of a bitmap
 * relocating where[k] instead of where[k - 1]. A sample built with it must fail verification,
 * which proves that verification catches the defect. It replaces every architecture's own loop.
 */
#define PK_RELR_BITMAP(c, where, bits, base, index) PK_RELR_BITMAP_LOOP(c, (where) + PK_W, bits, base, index)
