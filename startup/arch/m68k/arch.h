/* m68k (68020 and later): what C cannot say. m68k SVR4 ABI as Linux uses it; Linux syscall ABI. */

#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 247
/* What the userland loader needs as well. The old mmap (90) takes a pointer to its arguments;
 * mmap2 takes them in registers and, at the offset 0 the loader maps at, is the same call. */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MMAP 192 /* mmap2 */
#define PK_SYS_MPROTECT 125
#define PK_SYS_MUNMAP 91
#define PK_SYS_OPENAT 288
#define PK_SYS_GETRANDOM 352

#ifdef PK_START
/*
 * The kernel enters with %sp at argc. Arguments go on the stack, pushed last to first; the
 * 68020's PC-relative mode with a 32-bit displacement reaches _DYNAMIC and pk_start_c wherever
 * the linker puts them. %fp 0 ends the frame chain for debuggers.
 */
PK_START_FUNCTION("",
	"	suba.l %fp, %fp\n"
	"	move.l %sp, %a0\n"
	"	lea (_DYNAMIC:l, %pc), %a1\n"
	"	move.l %sp, %d0\n"
	"	andi.l #-4, %d0\n"
	"	move.l %d0, %sp\n"
	"	move.l %a1, -(%sp)\n"
	"	move.l %a0, -(%sp)\n"
	"	bsr.l pk_start_c\n"
	"	illegal\n");
#endif

/* trap #0: number in %d0, arguments in %d1..%d5 and %a0, result (a negated errno on failure) in
 * %d0. */
#define PK_SYSCALL_ARGUMENTS "d1", "d2", "d3", "d4", "d5", "a0"
#define PK_SYSCALL_NUMBER "d0"
#define PK_SYSCALL(result, ...)                                                                          \
	do {                                                                                             \
		__asm__ volatile("trap #0" : "+r"(pk_number) : "r"(result), ##__VA_ARGS__ : "memory");          \
		result = pk_number;                                                                      \
	} while (0)
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: %sp at argc, %a1 0 (the ABI's function for atexit,
 * none here). %a1 is clobbered so that neither operand is given it. */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("move.l %0, %%sp\n\tsuba.l %%a1, %%a1\n\tjmp (%1)" : : "r"(sp), "a"(entry) : "a1", "memory")
