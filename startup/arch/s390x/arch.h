/* s390x (z/Architecture, 64-bit, big-endian): what C cannot say. s390x ELF ABI supplement; Linux
 * syscall ABI. */

#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 248
/* What the userland loader needs as well (arch/s390/kernel/syscalls/syscall.tbl). */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MMAP 90 /* old_mmap: see pk_syscall6 */
#define PK_SYS_MPROTECT 125
#define PK_SYS_MUNMAP 91
#define PK_SYS_OPENAT 288
#define PK_SYS_GETRANDOM 349

#ifdef PK_START
/* The kernel enters with %r15 at argc. `larl` is PC-relative within +-4 GiB and needs no GOT (its
 * target must be 2-byte aligned, which _DYNAMIC is). The ABI wants %r15 8-byte aligned (16 here,
 * harmless) with a 160-byte register save area above it that the callee may write, and a zero
 * back chain in its first word to end the frame chain. nill ANDs only bits 48..63. */
PK_START_FUNCTION("",
	"	lgr %r2, %r15\n"
	"	larl %r3, _DYNAMIC\n"
	"	nill %r15, 0xfff0\n"
	"	aghi %r15, -160\n"
	"	xc 0(8, %r15), 0(%r15)\n"
	"	brasl %r14, pk_start_c\n"
	"	.word 0\n");
#endif

/* Number in %r1, arguments in %r2..%r7, `svc 0`; the result (or -errno) in %r2. (`svc n` encodes
 * numbers below 256 directly; %r1 with `svc 0` serves all.) */
#define PK_SYSCALL_ARGUMENTS "r2", "r3", "r4", "r5", "r6", "r7"
#define PK_SYSCALL_NUMBER "r1"
#define PK_SYSCALL_CODE "svc 0"
/* Linux's s390x mmap is old_mmap even on 64-bit: it reads its six arguments from a block whose
 * address is the only argument (there is no register-passing mmap, and mmap2 is 31-bit only).
 * The number is a constant wherever this is inlined, so only one branch is compiled. */
#define PK_SYSCALL6_FIRST(number, a, b, c, d, e, f)                    \
	if ((number) == PK_SYS_MMAP) {                                  \
		long pk_block[6] = { a, b, c, d, e, f };                \
		return pk_syscall1(number, (long)pk_block);             \
	}
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: %r15 at argc, %r14 0 (the function for atexit,
 * ELF_PLAT_INIT). No back chain or save area: the program's _start makes its own. Fixed
 * registers keep the entry and the stack out of %r14, and the entry out of %r0, which as a
 * branch target means "no branch". */
#define PK_ENTER_ENTRY_REGISTER "r3"
#define PK_ENTER_STACK_REGISTER "r2"
#define PK_ENTER_CODE "lgr %%r15, %1\n\tlghi %%r14, 0\n\tbr %0"
#define PK_ENTER_CLOBBERS "r14"
