/* Hexagon (32-bit, little-endian): what C cannot say. Hexagon Application Binary Interface; Linux
 * syscall ABI (asm-generic numbers). */
#define PK_ARCH_RELATIVE_TYPE 35 /* R_HEXAGON_RELATIVE */

#define PK_SYS_WRITE 64
#define PK_SYS_EXIT_GROUP 94
#define PK_EINTR 4

#ifdef PK_START
/* The kernel enters with r29 (sp) at argc. A C reference to _DYNAMIC may go through the GOT, which
 * is not relocated yet; `add(pc, ##sym@PCREL)` is a constant-extended PC-relative add, reaching
 * any 32-bit distance (pc is the address of the packet). The ABI wants sp 8-byte aligned (16
 * here, harmless); the callee's allocframe saves r31:30 below sp, so no area is reserved. Zero
 * r30 (fp) and r31 (lr) end the frame chain for debuggers. */
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	r0 = r29\n"
	"	r1 = add(pc, ##_DYNAMIC@PCREL)\n"
	"	r29 = and(r29, #-16)\n"
	"	r30 = #0\n"
	"	r31 = #0\n"
	"	call pk_start_c\n"
	"	trap0(#0xdb)\n" /* the debug trap: SIGTRAP, should pk_start_c return */
	".size _start, . - _start\n");
#endif

/* Number in r6, arguments in r0..r5, `trap0(#1)`; the result (or -errno) in r0. */
static inline long pk_syscall1(long number, long a)
{
	register long r6 __asm__("r6") = number;
	register long r0 __asm__("r0") = a;
	__asm__ volatile("trap0(#1)" : "+r"(r0) : "r"(r6) : "memory");
	return r0;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	register long r6 __asm__("r6") = number;
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	__asm__ volatile("trap0(#1)" : "+r"(r0) : "r"(r6), "r"(r1), "r"(r2) : "memory");
	return r0;
}
