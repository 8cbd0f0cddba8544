/* Hexagon (32-bit, little-endian): what C cannot say. Hexagon Application Binary Interface; Linux
 * syscall ABI (asm-generic numbers). */

#include "../generic-syscalls.h"

#ifdef PK_START
/* The kernel enters with r29 (sp) at argc. A C reference to _DYNAMIC may go through the GOT, which
 * is not relocated yet; `add(pc, ##sym@PCREL)` is a constant-extended PC-relative add, reaching
 * any 32-bit distance (pc is the address of the packet). The ABI wants sp 8-byte aligned (16
 * here, harmless); the callee's allocframe saves r31:30 below sp, so no area is reserved. Zero
 * r30 (fp) and r31 (lr) end the frame chain for debuggers. */
PK_START_FUNCTION("",
	"	r0 = r29\n"
	"	r1 = add(pc, ##_DYNAMIC@PCREL)\n"
	"	r29 = and(r29, #-16)\n"
	"	r30 = #0\n"
	"	r31 = #0\n"
	"	call pk_start_c\n"
	"	trap0(#0xdb)\n" /* the debug trap: SIGTRAP, should pk_start_c return */);
#endif

#ifdef PK_START
/* Hexagon has no divide instruction: clang calls these for `/` and `%` (compiler-rt's names, the
 * ordinary calling convention). */
#include "../divide.h"

PK_QUOTIENT_HELPER(__hexagon_udivsi3, uint32_t, pk_divide)
PK_REMAINDER_HELPER(__hexagon_umodsi3, uint32_t, pk_divide)
PK_QUOTIENT_HELPER(__hexagon_divsi3, int32_t, pk_divide_signed)
PK_REMAINDER_HELPER(__hexagon_modsi3, int32_t, pk_divide_signed)
#endif

/* Number in r6, arguments in r0..r5, `trap0(#1)`; the result (or -errno) in r0. */
#define PK_SYSCALL_ARGUMENTS "r0", "r1", "r2", "r3", "r4", "r5"
#define PK_SYSCALL_NUMBER "r6"
#define PK_SYSCALL_CODE "trap0(#1)"
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: r29 at argc. Linux's start_thread zeroes every
 * register and ELF_PLAT_INIT adds nothing, so r0 (the argument slot a _start may read an atexit
 * function from) and r30:31 (fp, lr: the end of the frame chain) are 0. Fixed registers keep the
 * entry and the stack out of the ones zeroed. */
#define PK_ENTER_ENTRY_REGISTER "r28"
#define PK_ENTER_STACK_REGISTER "r27"
#define PK_ENTER_CODE "r29 = %1\n\tr0 = #0\n\tr31:30 = combine(#0, #0)\n\tjumpr %0"
#define PK_ENTER_CLOBBERS "r0"
