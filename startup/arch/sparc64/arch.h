/* SPARC V9, 64-bit: what C cannot say. SPARC V9 psABI as Linux uses it; Linux syscall ABI. */

/* The other numbers are the family's: ../sparc-syscall.h. */
#define PK_SYS_MMAP 71

#ifdef PK_START
/*
 * %sp (%o6) is biased: the real stack pointer is %sp + 2047. The kernel leaves a 16-doubleword
 * register-window save area there, so argc is at %sp + 2047 + 128. A call needs a frame of our
 * own with that save area and 6 argument doublewords (176 bytes, 16-byte aligned): the callee may
 * store its register arguments in the caller's argument slots, which would otherwise be argc and
 * argv. %fp 0 ends the frame chain. _DYNAMIC is found PC-relatively: sethi/or with %pc22/%pc10
 * give its distance from the instruction that holds each (hence the -4 and +4 to measure both
 * from the call), and `call` leaves its own address in %o7.
 */
PK_START_FUNCTION(".align 4\n",
	"	mov %g0, %fp\n"
	"	add %sp, 2047 + 128, %o0\n"
	"	sethi %pc22(_DYNAMIC - 4), %o1\n"
	"	call 1f\n"
	"	 or %o1, %pc10(_DYNAMIC + 4), %o1\n"
	"1:	add %o1, %o7, %o1\n"
	"	add %sp, 2047, %g1\n"
	"	and %g1, -16, %g1\n"
	"	sub %g1, 2047 + 176, %sp\n"
	"	call pk_start_c\n"
	"	 nop\n"
	"	illtrap 0\n");
#endif

/*
 * ta 0x6d (the 64-bit syscall trap): number in %g1, arguments from %o0, result in %o0. On failure
 * the kernel sets the carry bit of %xcc with a positive errno in %o0; piekit wants it negated.
 */
#define PK_SPARC_SYSCALL "ta 0x6d\n\tbcc,pt %%xcc, 0f\n\t nop\n\tsub %%g0, %%o0, %%o0\n0:"
#include "../sparc-syscall.h"

/*
 * Enters a loaded program as the kernel does: argc just above a 16-doubleword register-window
 * save area at %sp + 2047 (the stack bias), and %g1 0 (the ABI's function for atexit, none here),
 * set in the delay slot after the jump has read its target. %g1 is clobbered so that neither
 * operand is given it. The loader's own register windows may still be spilled later: to its own
 * stack, which stays mapped.
 */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("sub %0, 2047 + 128, %%sp\n\tjmp %1\n\t mov %%g0, %%g1" : : "r"(sp), "r"(entry) : "g1", "memory")
