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
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	lgr %r2, %r15\n"
	"	larl %r3, _DYNAMIC\n"
	"	nill %r15, 0xfff0\n"
	"	aghi %r15, -160\n"
	"	xc 0(8, %r15), 0(%r15)\n"
	"	brasl %r14, pk_start_c\n"
	"	.word 0\n"
	".size _start, . - _start\n");
#endif

/* Number in %r1, arguments in %r2..%r7, `svc 0`; the result (or -errno) in %r2. (`svc n` encodes
 * numbers below 256 directly; %r1 with `svc 0` serves all.) */
static inline long pk_syscall1(long number, long a)
{
	register long r1 __asm__("r1") = number;
	register long r2 __asm__("r2") = a;
	__asm__ volatile("svc 0" : "+r"(r2) : "r"(r1) : "memory");
	return r2;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	register long r1 __asm__("r1") = number;
	register long r2 __asm__("r2") = a;
	register long r3 __asm__("r3") = b;
	register long r4 __asm__("r4") = c;
	__asm__ volatile("svc 0" : "+r"(r2) : "r"(r1), "r"(r3), "r"(r4) : "memory");
	return r2;
}

/* Linux's s390x mmap is old_mmap even on 64-bit: it reads its six arguments from a block whose
 * address is the only argument (there is no register-passing mmap, and mmap2 is 31-bit only).
 * The number is a constant wherever this is inlined, so only one branch is compiled. */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	if (number == PK_SYS_MMAP) {
		long block[6] = { a, b, c, d, e, f };
		return pk_syscall1(number, (long)block);
	}
	register long r1 __asm__("r1") = number;
	register long r2 __asm__("r2") = a;
	register long r3 __asm__("r3") = b;
	register long r4 __asm__("r4") = c;
	register long r5 __asm__("r5") = d;
	register long r6 __asm__("r6") = e;
	register long r7 __asm__("r7") = f;
	__asm__ volatile("svc 0" : "+r"(r2) : "r"(r1), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7) : "memory");
	return r2;
}

/* Enters a loaded program as the kernel does: %r15 at argc, %r14 0 (the function for atexit,
 * ELF_PLAT_INIT). No back chain or save area: the program's _start makes its own. Fixed
 * registers keep the entry and the stack out of %r14, and the entry out of %r0, which as a
 * branch target means "no branch". */
#define PK_ARCH_ENTER(entry, sp)                                                                 \
	do {                                                                                     \
		register uintptr_t pk_entry __asm__("r3") = (entry);                             \
		register uintptr_t pk_sp __asm__("r2") = (sp);                                   \
		__asm__ volatile("lgr %%r15, %1\n\tlghi %%r14, 0\n\tbr %0"                            \
				 : : "r"(pk_entry), "r"(pk_sp) : "r14", "memory");                   \
	} while (0)
