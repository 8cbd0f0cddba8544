/* 64-bit MIPS, n64 ABI, either byte order: what C cannot say. MIPS64 ELF supplement (n64);
 * Linux n64 syscall ABI. */

/* n64 numbers are offset by 5000. */
#define PK_SYS_WRITE 5001
#define PK_SYS_EXIT_GROUP 5205
/* What the userland loader needs as well. */
#define PK_SYS_CLOSE 5003
#define PK_SYS_LSEEK 5008
#define PK_SYS_MMAP 5009
#define PK_SYS_MPROTECT 5010
#define PK_SYS_MUNMAP 5011
#define PK_SYS_OPENAT 5247
#define PK_SYS_GETRANDOM 5313

/* n64: doubleword adds of the sign-extended distances; no argument save area. */
#define PK_MIPS_ADD_ADDRESS "daddu"
#define PK_MIPS_MINUS_16 "daddiu $t0, $zero, -16"
#define PK_MIPS_CALL_DELAY_SLOT "nop"

#include "../mips.h"

/* n64 takes the fifth and sixth arguments in $a4 ($8) and $a5 ($9), which the kernel may change:
 * they are outputs too, and so leave the clobber list. */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7") = d;
	register long a4 __asm__("$8") = e;
	register long a5 __asm__("$9") = f;
	__asm__ volatile("syscall"
			 : "+r"(v0), "+r"(a3), "+r"(a4), "+r"(a5)
			 : "r"(a0), "r"(a1), "r"(a2)
			 : "$1", "$3", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
	return a3 != 0 ? -v0 : v0;
}
