/* AArch64 (either byte order): what C cannot say. AAPCS64 / ELF for the Arm 64-bit Architecture;
 * Linux syscall ABI. */
#define PK_ARCH_RELATIVE_TYPE 1027 /* R_AARCH64_RELATIVE */

#define PK_SYS_WRITE 64
#define PK_SYS_EXIT_GROUP 94
#define PK_EINTR 4

#ifdef PK_START
/* The kernel enters with sp at argc. A C reference to _DYNAMIC becomes a GOT load, and the GOT is
 * not relocated yet; adrp + :lo12: reaches it PC-relatively within +-4 GiB (plain adr only +-1 MiB).
 * sp must stay 16-byte aligned (AAPCS64, checked by the hardware); AND may write sp directly.
 * A zero frame pointer and link register end the frame chain for debuggers. */
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".type _start, %function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	adrp x1, _DYNAMIC\n"
	"	add x1, x1, #:lo12:_DYNAMIC\n"
	"	and sp, x0, #-16\n"
	"	bl pk_start_c\n"
	"	brk #0\n"
	".size _start, . - _start\n");
#endif

/* Number in x8, arguments in x0..x5, `svc #0`; the result (or -errno) in x0. */
static inline long pk_syscall1(long number, long a)
{
	register long x8 __asm__("x8") = number;
	register long x0 __asm__("x0") = a;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8) : "memory");
	return x0;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	register long x8 __asm__("x8") = number;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
