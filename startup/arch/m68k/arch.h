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
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	suba.l %fp, %fp\n"
	"	move.l %sp, %a0\n"
	"	lea (_DYNAMIC:l, %pc), %a1\n"
	"	move.l %sp, %d0\n"
	"	andi.l #-4, %d0\n"
	"	move.l %d0, %sp\n"
	"	move.l %a1, -(%sp)\n"
	"	move.l %a0, -(%sp)\n"
	"	bsr.l pk_start_c\n"
	"	illegal\n"
	".size _start, . - _start\n");
#endif

/* trap #0: number in %d0, arguments from %d1, result (a negated errno on failure) in %d0. */
static inline long pk_syscall1(long n, long a)
{
	register long d0 __asm__("d0") = n;
	register long d1 __asm__("d1") = a;
	__asm__ volatile("trap #0" : "+r"(d0) : "r"(d1) : "memory");
	return d0;
}

static inline long pk_syscall3(long n, long a, long b, long c)
{
	register long d0 __asm__("d0") = n;
	register long d1 __asm__("d1") = a;
	register long d2 __asm__("d2") = b;
	register long d3 __asm__("d3") = c;
	__asm__ volatile("trap #0" : "+r"(d0) : "r"(d1), "r"(d2), "r"(d3) : "memory");
	return d0;
}

/* The fourth to sixth arguments go in %d4, %d5 and %a0. */
static inline long pk_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long d0 __asm__("d0") = n;
	register long d1 __asm__("d1") = a;
	register long d2 __asm__("d2") = b;
	register long d3 __asm__("d3") = c;
	register long d4 __asm__("d4") = d;
	register long d5 __asm__("d5") = e;
	register long a0 __asm__("a0") = f;
	__asm__ volatile("trap #0" : "+r"(d0) : "r"(d1), "r"(d2), "r"(d3), "r"(d4), "r"(d5), "r"(a0) : "memory");
	return d0;
}

/* Enters a loaded program as the kernel does: %sp at argc, %a1 0 (the ABI's function for atexit,
 * none here). %a1 is clobbered so that neither operand is given it. */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("move.l %0, %%sp\n\tsuba.l %%a1, %%a1\n\tjmp (%1)" : : "r"(sp), "a"(entry) : "a1", "memory")
