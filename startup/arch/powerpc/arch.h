/* 32-bit PowerPC (big- and little-endian): what C cannot say. SVR4 PowerPC ABI; Linux syscall ABI. */

/* The other numbers are the family's: ../powerpc.h. */
#define PK_SYS_MMAP 192 /* mmap2: the loader maps only at offset 0, where it is mmap */

#ifdef PK_START
/*
 * The kernel enters with r1 at argc. 32-bit PowerPC has no PC-relative load, so the address of
 * _DYNAMIC comes from the link register after a branch-and-link to the next instruction (bcl 20,31
 * is the form that leaves the return-address predictor alone) plus a link-time REL16 displacement.
 * The ABI wants r1 16-byte aligned with a back chain of 0 ending the frame list; the callee saves
 * its LR in the caller's frame at 4(r1), hence the 16-byte frame of our own, so argc stays intact.
 */
PK_START_FUNCTION("",
	"	mr 3, 1\n"
	"	bcl 20, 31, 1f\n"
	"1:	mflr 4\n"
	"	addis 4, 4, (_DYNAMIC - 1b)@ha\n"
	"	addi 4, 4, (_DYNAMIC - 1b)@l\n"
	"	clrrwi 1, 1, 4\n"
	"	li 0, 0\n"
	"	mtlr 0\n"
	"	stwu 0, -16(1)\n"
	"	bl pk_start_c\n"
	"	trap\n");
#endif

/*
 * Enters a loaded program: r1 at argc, LR 0 so no frame looks like a caller. The kernel zeroes
 * r3-r7, but the SVR4 PowerPC ABI has them carry argc, argv, envp, the auxv and an atexit
 * function, and glibc's __libc_start_main reads them instead of the stack whenever the word at
 * r1 is 0 (an argc of 0): they get those values, and r7 0 for "no function".
 */
#define PK_PPC_ENTRY_REGISTER

#include "../powerpc.h"
