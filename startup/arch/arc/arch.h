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
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".type _start, @function\n"
	".align 4\n"
	"_start:\n"
	"	mov fp, 0\n"
	"	mov r0, sp\n"
	"	add r1, pcl, _DYNAMIC@pcl\n"
	"	and sp, sp, -16\n"
	"	bl pk_start_c\n"
	"	flag 1\n"
	".size _start, . - _start\n");
#endif

/* trap_s 0: number in r8, arguments from r0, result (a negated errno on failure) in r0. */
static inline long pk_syscall1(long n, long a)
{
	register long r8 __asm__("r8") = n;
	register long r0 __asm__("r0") = a;
	__asm__ volatile("trap_s 0" : "+r"(r0) : "r"(r8) : "memory");
	return r0;
}

static inline long pk_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r8 __asm__("r8") = n;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;
	register long r5 __asm__("r5") = f;
	__asm__ volatile("trap_s 0" : "+r"(r0) : "r"(r8), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5) : "memory");
	return r0;
}

static inline long pk_syscall3(long n, long a, long b, long c)
{
	register long r8 __asm__("r8") = n;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	__asm__ volatile("trap_s 0" : "+r"(r0) : "r"(r8), "r"(r1), "r"(r2) : "memory");
	return r0;
}

/* Enters a loaded program as the kernel does: sp at argc, r0 0 (the function glibc's _start
 * registers with atexit, none here). r0 is clobbered so that neither operand is given it. */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("mov sp, %0\n\tmov r0, 0\n\tj [%1]" : : "r"(sp), "r"(entry) : "r0", "memory")
