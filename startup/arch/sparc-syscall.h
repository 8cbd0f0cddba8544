/*
 * The system call numbers and functions of 32- and 64-bit SPARC, for the sparc and sparc64
 * arch.h: number in %g1, arguments from %o0, result in %o0. Each arch.h defines PK_SPARC_SYSCALL,
 * its trap followed by the negation of the positive errno the kernel returns with the carry bit set.
 */
/* The call numbers: one table for both widths, but for mmap (each arch.h's PK_SYS_MMAP). */
#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 188
/* What the userland loader needs as well. */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MPROTECT 74
#define PK_SYS_MUNMAP 73
#define PK_SYS_OPENAT 284
#define PK_SYS_GETRANDOM 347

static inline long pk_syscall1(long n, long a)
{
	register long g1 __asm__("g1") = n;
	register long o0 __asm__("o0") = a;
	__asm__ volatile(PK_SPARC_SYSCALL
			 : "+r"(g1), "+r"(o0)
			 :
			 : "cc", "memory");
	return o0;
}

static inline long pk_syscall3(long n, long a, long b, long c)
{
	register long g1 __asm__("g1") = n;
	register long o0 __asm__("o0") = a;
	register long o1 __asm__("o1") = b;
	register long o2 __asm__("o2") = c;
	__asm__ volatile(PK_SPARC_SYSCALL
			 : "+r"(g1), "+r"(o0), "+r"(o1), "+r"(o2)
			 :
			 : "cc", "memory");
	return o0;
}

static inline long pk_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long g1 __asm__("g1") = n;
	register long o0 __asm__("o0") = a;
	register long o1 __asm__("o1") = b;
	register long o2 __asm__("o2") = c;
	register long o3 __asm__("o3") = d;
	register long o4 __asm__("o4") = e;
	register long o5 __asm__("o5") = f;
	__asm__ volatile(PK_SPARC_SYSCALL
			 : "+r"(g1), "+r"(o0), "+r"(o1), "+r"(o2), "+r"(o3), "+r"(o4), "+r"(o5)
			 :
			 : "cc", "memory");
	return o0;
}
