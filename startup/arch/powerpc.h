/*
 * What 32- and 64-bit PowerPC share, for the powerpc and powerpc64 arch.h: the system call
 * numbers and functions, and the loader's entry into a program. sc: number in r0, arguments from r3, result in r3. The kernel reports failure by setting the
 * summary-overflow bit of cr0 with a positive errno in r3; piekit wants it negated. r0 and r4-r12,
 * ctr, xer and cr0 are volatile across the call.
 */
/* The call numbers: one table for both widths, but for mmap (each arch.h's PK_SYS_MMAP). */
#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 234
/* What the userland loader needs as well. */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MPROTECT 125
#define PK_SYS_MUNMAP 91
#define PK_SYS_OPENAT 286
#define PK_SYS_GETRANDOM 359

#define PK_PPC_SYSCALL_CLOBBERS "memory", "cr0", "ctr", "xer", "r9", "r10", "r11", "r12"

static inline long pk_syscall1(long n, long a)
{
	register long r0 __asm__("r0") = n;
	register long r3 __asm__("r3") = a;
	register long r4 __asm__("r4");
	register long r5 __asm__("r5");
	register long r6 __asm__("r6");
	register long r7 __asm__("r7");
	register long r8 __asm__("r8");
	__asm__ volatile("sc\n\tbns+ 0f\n\tneg 3, 3\n0:"
			 : "+r"(r0), "+r"(r3), "=r"(r4), "=r"(r5), "=r"(r6), "=r"(r7), "=r"(r8)
			 :
			 : PK_PPC_SYSCALL_CLOBBERS);
	return r3;
}

static inline long pk_syscall3(long n, long a, long b, long c)
{
	register long r0 __asm__("r0") = n;
	register long r3 __asm__("r3") = a;
	register long r4 __asm__("r4") = b;
	register long r5 __asm__("r5") = c;
	register long r6 __asm__("r6");
	register long r7 __asm__("r7");
	register long r8 __asm__("r8");
	__asm__ volatile("sc\n\tbns+ 0f\n\tneg 3, 3\n0:"
			 : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "=r"(r6), "=r"(r7), "=r"(r8)
			 :
			 : PK_PPC_SYSCALL_CLOBBERS);
	return r3;
}

static inline long pk_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r0 __asm__("r0") = n;
	register long r3 __asm__("r3") = a;
	register long r4 __asm__("r4") = b;
	register long r5 __asm__("r5") = c;
	register long r6 __asm__("r6") = d;
	register long r7 __asm__("r7") = e;
	register long r8 __asm__("r8") = f;
	__asm__ volatile("sc\n\tbns+ 0f\n\tneg 3, 3\n0:"
			 : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5), "+r"(r6), "+r"(r7), "+r"(r8)
			 :
			 : PK_PPC_SYSCALL_CLOBBERS);
	return r3;
}

/* The entry goes through ctr; an arch.h's PK_PPC_ENTRY_REGISTER pins it to a register first where
 * the ABI wants it there too. The comment above it says what each register carries. */
#define PK_ARCH_ENTER(entry, sp) pk_arch_enter((uintptr_t)(entry), (uintptr_t)(sp))

static inline __attribute__((always_inline, noreturn)) void pk_arch_enter(uintptr_t entry, uintptr_t sp)
{
	const uintptr_t *words = (const uintptr_t *)sp;
	const uintptr_t *envp = words + 1 + words[0] + 1;
	const uintptr_t *auxv = envp;
	while (*auxv != 0)
		auxv++;
	auxv++;
	register uintptr_t r3 __asm__("r3") = words[0];
	register uintptr_t r4 __asm__("r4") = (uintptr_t)(words + 1);
	register uintptr_t r5 __asm__("r5") = (uintptr_t)envp;
	register uintptr_t r6 __asm__("r6") = (uintptr_t)auxv;
	register uintptr_t r7 __asm__("r7") = 0;
	register uintptr_t pk_entry PK_PPC_ENTRY_REGISTER = entry;
	__asm__ volatile("mtctr %[entry]\n\tmr 1, %[sp]\n\tli 0, 0\n\tmtlr 0\n\tbctr"
			 :
			 : [entry] "r"(pk_entry), [sp] "r"(sp), "r"(r3), "r"(r4), "r"(r5), "r"(r6), "r"(r7)
			 : "r0", "ctr", "lr", "memory");
	__builtin_unreachable();
}
