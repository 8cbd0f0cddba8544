/*
 * Test-only stub variant, force-included (-include): a relocator that loads a pointer through the
 * GOT before relocating it, as a compiler-inserted GOT load or memcpy call would (zig#22073,
 * wild#299). A weak declaration makes the compiler reach the symbol through its GOT slot, which
 * holds a relative relocation once the (weak, assembler-defined) symbol resolves.
 */
extern char pk_planted_anchor[] __attribute__((weak));
__asm__(".weak pk_planted_anchor\n.pushsection .data\npk_planted_anchor:\n.zero 8\n.popsection");
static char *volatile pk_planted_sink;
#define PK_RELOCATE_NAME pk_relocate_tables
#define pk_relocate(c, base, dynamic) (pk_planted_sink = pk_planted_anchor, pk_relocate_tables(c, base, dynamic))
