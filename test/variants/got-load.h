/*
 * Test-only stub variant, force-included (-include): a relocator that loads a pointer through the
 * GOT before relocating it, as a compiler-inserted GOT load or memcpy call would (zig#22073,
 * wild#299). A weak declaration makes the compiler reach the symbol through its GOT slot, which
 * holds a relative relocation once the (weak, assembler-defined) symbol resolves.
 */
extern char pk_planted_anchor[] __attribute__((weak));
__asm__(".weak pk_planted_anchor\n.pushsection .data\npk_planted_anchor:\n.zero 8\n.popsection");
static char *volatile pk_planted_sink;
#if defined(__sparc__)
/*
 * GCC reaches a symbol on SPARC with R_SPARC_GOTDATA_OP_HIX22/LOX10/OP, which GNU ld turns into
 * an address computation for every symbol it resolves, --no-relax or not. The load GCC emitted
 * before it had those (%hi/%lo, which the assembler makes R_SPARC_GOT22/GOT10 under -K PIC, as
 * gcc passes for -fPIE) is not relaxed: written here, through %l7, the GOT pointer GCC set up
 * for the function's own GOT accesses (the sink's).
 */
#if defined(__arch64__)
#define PK_PLANTED_LOAD "ldx"
#else
#define PK_PLANTED_LOAD "ld"
#endif
static inline __attribute__((always_inline)) char *pk_planted_got_load(void) {
  char *value;
  __asm__ volatile("sethi %%hi(pk_planted_anchor), %0\n\tor %0, %%lo(pk_planted_anchor), %0\n\t" PK_PLANTED_LOAD " [%%l7 + %0], %0"
                   : "=&r"(value));
  return value;
}
#define PK_PLANTED_ANCHOR pk_planted_got_load()
#else
#define PK_PLANTED_ANCHOR pk_planted_anchor
#endif
#define PK_RELOCATE_NAME pk_relocate_tables
#define pk_relocate(c, base, dynamic) (pk_planted_sink = PK_PLANTED_ANCHOR, pk_relocate_tables(c, base, dynamic))
