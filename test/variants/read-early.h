/*
 * Test-only stub variant, force-included (-include): a startup that reads a relocated global
 * before relocating, as GCC's hoisted load in glibc's aarch64 __libc_start_main did (mold#1407).
 * Memory ends up right; only a trace of the loads (piekit trace) sees the read.
 */
static void *volatile pk_planted_pointer = (void *)&pk_planted_pointer;
#define PK_RELOCATE_NAME pk_relocate_tables
#define pk_relocate(c, base, dynamic) ((void)pk_planted_pointer, pk_relocate_tables(c, base, dynamic))
