/* 64-bit PowerPC, ELFv2 ABI (big- and little-endian): what C cannot say. Linux syscall ABI. */

/* The other numbers are the family's: ../powerpc.h. */
#define PK_SYS_MMAP 90

#ifdef PK_START
/*
 * The kernel enters with r1 at argc. ELFv2 code reaches data through r2 (the TOC pointer), which a
 * function's global entry point derives from r12; nothing has set either here, so r2 is computed
 * from the link register after a branch-and-link to the next instruction (bcl 20,31 leaves the
 * return-address predictor alone) and the call goes to pk_start_c's local entry, which trusts r2.
 * r2 only locates the TOC: nothing in it is read before relocation. _DYNAMIC is found the same
 * PC-relative way. The ABI wants r1 16-byte aligned and a minimal 32-byte frame (back chain 0,
 * CR and LR save words in which the callee stores its LR).
 */
PK_START_FUNCTION("",
	"	mr 3, 1\n"
	"	bcl 20, 31, 1f\n"
	"1:	mflr 4\n"
	"	addis 2, 4, (.TOC. - 1b)@ha\n"
	"	addi 2, 2, (.TOC. - 1b)@l\n"
	"	addis 4, 4, (_DYNAMIC - 1b)@ha\n"
	"	addi 4, 4, (_DYNAMIC - 1b)@l\n"
	"	clrrdi 1, 1, 4\n"
	"	li 0, 0\n"
	"	mtlr 0\n"
	"	stdu 0, -32(1)\n"
	"	bl pk_start_c\n"
	"	nop\n"
	"	trap\n");
#endif

/*
 * Enters a loaded program: r1 at argc, LR 0 so no frame looks like a caller, and r12 the entry
 * address, from which an ELFv2 global entry point derives its TOC pointer (the kernel sets r12
 * for ELFv2 programs for that reason). The kernel zeroes r3-r7, but glibc's __libc_start_main
 * reads argc, argv, envp, the auxv and an atexit function from them instead of the stack
 * whenever the word at r1 is 0 (an argc of 0): they get those values, and r7 0 for "no function".
 */
#define PK_PPC_ENTRY_REGISTER __asm__("r12")

#include "../powerpc.h"
