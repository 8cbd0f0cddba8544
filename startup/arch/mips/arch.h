/* 32-bit MIPS, o32 ABI, either byte order: what C cannot say. MIPS System V ABI supplement;
 * Linux o32 syscall ABI. */

/* o32 numbers are offset by 4000. */
#define PK_SYS_WRITE 4004
#define PK_SYS_EXIT_GROUP 4246
/* What the userland loader needs as well. mmap2 counts its offset in 4096-byte units; the loader
 * only maps from offset 0, where both calls agree. */
#define PK_SYS_CLOSE 4006
#define PK_SYS_LSEEK 4019
#define PK_SYS_MMAP 4210 /* mmap2 */
#define PK_SYS_MPROTECT 4125
#define PK_SYS_MUNMAP 4091
#define PK_SYS_OPENAT 4288
#define PK_SYS_GETRANDOM 4353

/* o32: 32-bit adds; the callee may spill $a0..$a3 into 16 bytes above its $sp, reserved in the
 * call's delay slot. */
#define PK_MIPS_ADD_ADDRESS "addu"
#define PK_MIPS_MINUS_16 "li $t0, -16"
#define PK_MIPS_CALL_DELAY_SLOT "addiu $sp, $sp, -16"

#include "../mips.h"

/* o32 passes a syscall's fifth and sixth arguments where a call passes them, at 16($sp) and
 * 20($sp) above the 16 bytes reserved for $a0..$a3; the compiler knows nothing of that, so the
 * asm makes its own frame (24 bytes, kept 8-byte aligned) and drops it before the compiler can
 * see $sp again. $a3 carries the fourth argument in and the error flag out. */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7") = d;
	__asm__ volatile("addiu $sp, $sp, -24\n\t"
			 "sw %[e], 16($sp)\n\t"
			 "sw %[f], 20($sp)\n\t"
			 "syscall\n\t"
			 "addiu $sp, $sp, 24"
			 : "+r"(v0), "+r"(a3)
			 : "r"(a0), "r"(a1), "r"(a2), [e] "r"(e), [f] "r"(f)
			 : PK_MIPS_SYSCALL_CLOBBERS);
	return a3 != 0 ? -v0 : v0;
}
