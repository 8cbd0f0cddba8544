/* ARC (ARCompact / ARCv2), 32-bit: what C cannot say. ARC ABI as Linux uses it; Linux syscall ABI
 * (the generic syscall table). */

#include "../generic-syscalls.h"

#ifdef PK_START
/*
 * The kernel enters with sp at argc. pcl is the address of the current instruction rounded down
 * to 4 and @pcl gives a symbol's distance from it, so _DYNAMIC is one PC-relative add; bl is
 * PC-relative too. Aligning sp to 16 satisfies every ARC ABI variant's stack alignment; fp 0
 * ends the frame chain.
 */
PK_START_FUNCTION(".align 4\n",
	"	mov fp, 0\n"
	"	mov r0, sp\n"
	"	add r1, pcl, _DYNAMIC@pcl\n"
	"	and sp, sp, -16\n"
	"	bl pk_start_c\n"
	"	flag 1\n");
#endif

/* trap_s 0: number in r8, arguments from r0, result (a negated errno on failure) in r0. */
#define PK_SYSCALL_ARGUMENTS "r0", "r1", "r2", "r3", "r4", "r5"
#define PK_SYSCALL_NUMBER "r8"
#define PK_SYSCALL_CODE "trap_s 0"
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: sp at argc, r0 0 (the function glibc's _start
 * registers with atexit, none here). r0 is clobbered so that neither operand is given it. */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("mov sp, %0\n\tmov r0, 0\n\tj [%1]" : : "r"(sp), "r"(entry) : "r0", "memory")
