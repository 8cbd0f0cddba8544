/* i386: what C cannot say. System V i386 psABI (Intel386 supplement); Linux `int $0x80` ABI. */

#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 252
/* What the userland loader needs as well. mmap2 takes the offset in pages: the loader maps only at
 * offset 0, where it means the same as mmap's, and old mmap (90) takes its arguments in memory. */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MMAP 192 /* mmap2 */
#define PK_SYS_MPROTECT 125
#define PK_SYS_MUNMAP 91
#define PK_SYS_OPENAT 295
#define PK_SYS_GETRANDOM 355

#ifdef PK_START
/* The kernel enters with %esp at argc. i386 has no PC-relative data addressing: a call pushes
 * the address of the next instruction, and the link-time distance from there to _DYNAMIC is
 * added to it, so no GOT entry is read. Arguments go on the stack, and the current psABI wants
 * %esp 16-byte aligned at the call: align, then leave room so the two pushes end aligned.
 * _DYNAMIC is weak and hidden so that lld resolves the difference at link time. */
PK_START_FUNCTION("",
	"	xor %ebp, %ebp\n"
	"	mov %esp, %eax\n"
	"	call 1f\n"
	"1:	pop %ecx\n"
	"	lea _DYNAMIC-1b(%ecx), %ecx\n"
	"	and $-16, %esp\n"
	"	sub $8, %esp\n"
	"	push %ecx\n"
	"	push %eax\n"
	"	call pk_start_c\n"
	"	hlt\n");
#endif

/* Number in %eax, arguments in %ebx, %ecx, %edx; the result (or -errno) in %eax. %ebx is the PIC
 * register, but the compiler saves it around an asm that names it. */
static inline long pk_syscall1(long number, long a)
{
	long result;
	__asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a) : "memory");
	return result;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	long result;
	__asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b), "d"(c) : "memory");
	return result;
}

/* The sixth argument goes in %ebp, which no constraint names and which may be the frame pointer:
 * the number and that argument travel in memory through %eax, and %ebp is saved on the stack
 * around the call (the push moves %esp, so no operand may be %esp-relative, hence the pointer). */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	long result;
	const long pair[2] = { number, f };
	__asm__ volatile("push %%ebp\n\t"
			 "mov 4(%%eax), %%ebp\n\t"
			 "mov (%%eax), %%eax\n\t"
			 "int $0x80\n\t"
			 "pop %%ebp"
			 : "=a"(result)
			 : "a"(pair), "m"(pair), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory");
	return result;
}

/* Enters a loaded program as the kernel does: %esp at argc, %edx 0 (no function for atexit). The
 * entry and stack travel in fixed registers so that neither can be %edx. */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("mov %1, %%esp\n\txor %%edx, %%edx\n\tjmp *%0" : : "a"(entry), "c"(sp) : "memory")
