/*
 * The system call functions of 32- and 64-bit MIPS alike, for the mips and mips64 arch.h, but for
 * pk_syscall6: o32 and n64 pass the fifth and sixth arguments differently. Number in $v0 ($2),
 * arguments from $a0 ($4), `syscall`; the result in $v0 and, in $a3 ($7), a flag that is set when
 * $v0 holds a positive errno. The kernel may also change $at ($1), $v1 ($3), $8..$15, $24 and $25
 * (o32's temporaries; n64's $a4..$a7 and temporaries) and hi/lo.
 */
#define PK_MIPS_SYSCALL_CLOBBERS "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory"

static inline long pk_syscall1(long number, long a)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a3 __asm__("$7");
	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0) : PK_MIPS_SYSCALL_CLOBBERS);
	return a3 != 0 ? -v0 : v0;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7");
	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2) : PK_MIPS_SYSCALL_CLOBBERS);
	return a3 != 0 ? -v0 : v0;
}
