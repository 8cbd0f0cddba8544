/* x86_64: what C cannot say. System V AMD64 psABI; Linux syscall ABI. */

#define PK_SYS_WRITE 1
#define PK_SYS_EXIT_GROUP 231
/* What the userland loader needs as well. */
#define PK_SYS_CLOSE 3
#define PK_SYS_LSEEK 8
#define PK_SYS_MMAP 9
#define PK_SYS_MPROTECT 10
#define PK_SYS_MUNMAP 11
#define PK_SYS_OPENAT 257
#define PK_SYS_GETRANDOM 318

#ifdef PK_START
/* The kernel enters with %rsp at argc; the ABI wants it 16-byte aligned at a call. */
__asm__(".text\n"
	".global _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	lea _DYNAMIC(%rip), %rsi\n"
	"	and $-16, %rsp\n"
	"	call pk_start_c\n"
	"	hlt\n");
#endif

/* Enters a loaded program as the kernel does: %rsp at argc, %rdx 0 (no function for atexit). */
#define PK_ARCH_ENTER(entry, sp) \
	__asm__ volatile("mov %0, %%rsp\n\txor %%edx, %%edx\n\tjmp *%1" : : "r"(sp), "a"(entry) : "rdx", "memory")

static inline long pk_syscall1(long number, long a)
{
	long result;
	__asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a) : "rcx", "r11", "memory");
	return result;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	long result;
	__asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return result;
}

static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	long result;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(result)
			 : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return result;
}

/* The RELA table two entries per turn: 7 instructions per relative relocation instead of the
 * compiler's 9 or 10 (it keeps two induction variables). An odd entry goes first, in C. A test
 * variant (test/variants/, force-included) defines its own first and wins, here as below. `cmpl`
 * compares r_info's low 32 bits with the record's relative info (the type, symbol ignored), which
 * is what the record's mask asks for. */
#ifndef PK_RELA_TABLE
_Static_assert(PK_ARCH_RELATIVE_MASK == 0xffffffffu, "the RELA loop compares the low 32 bits of r_info");
#define PK_RELA_TABLE(c, end, size, delta)                                               \
	do {                                                                             \
		uintptr_t pk_offset = -(size), pk_value, pk_target;                       \
		if ((size) % 48 != 0) {                                                   \
			PK_RELA_ENTRY(c, end, pk_offset, size, delta);                    \
			pk_offset += 24;                                                  \
		}                                                                         \
		__asm__ volatile("	test %[i], %[i]\n"                                 \
				 "	jns 3f\n"                                         \
				 "1:	cmpl %[type], 8(%[end], %[i])\n"                       \
				 "	jne 2f\n"                                         \
				 "	mov 16(%[end], %[i]), %[value]\n"                 \
				 "	add %[base], %[value]\n"                          \
				 "	mov (%[end], %[i]), %[target]\n"                  \
				 "	mov %[value], (%[target], %[base])\n"             \
				 "2:	cmpl %[type], 32(%[end], %[i])\n"                      \
				 "	jne 4f\n"                                         \
				 "	mov 40(%[end], %[i]), %[value]\n"                 \
				 "	add %[base], %[value]\n"                          \
				 "	mov 24(%[end], %[i]), %[target]\n"                \
				 "	mov %[value], (%[target], %[base])\n"             \
				 "4:	add $48, %[i]\n"                                  \
				 "	js 1b\n"                                          \
				 "3:\n"                                                   \
				 : [i] "+r"(pk_offset), [value] "=&r"(pk_value), [target] "=&r"(pk_target) \
				 : [end] "r"(end), [base] "r"(delta),                     \
				   [type] "i"((uint32_t)PK_ARCH_RELATIVE_INFO)             \
				 : "cc", "memory");                                        \
	} while (0)
#endif

/* A RELR bitmap. Full ones, the common case in pointer tables, three words per turn (63 = 3 x 21);
 * others by their set bits, lowest first, in four instructions each: bsf finds the bit and sets
 * ZF once none is left, btr clears it. C cannot ask for the flag of bsf. */
#ifndef PK_RELR_BITMAP
#define PK_RELR_BITMAP(c, first, bitmap, delta, entry)                                \
	do {                                                                           \
		uintptr_t pk_bits = (bitmap), pk_bit;                                   \
		uintptr_t pk_where = (first);                                           \
		if (pk_bits == UINTPTR_MAX >> 1)                                        \
			__asm__ volatile("	mov $21, %k[bit]\n"                      \
					 "1:	add %[base], (%[where])\n"                \
					 "	add %[base], 8(%[where])\n"               \
					 "	add %[base], 16(%[where])\n"              \
					 "	add $24, %[where]\n"                      \
					 "	dec %k[bit]\n"                            \
					 "	jnz 1b\n"                                 \
					 : [where] "+r"(pk_where), [bit] "=&r"(pk_bit)     \
					 : [base] "r"(delta)                                \
					 : "cc", "memory");                                \
		else                                                                    \
			__asm__ volatile("	bsf %[bits], %[bit]\n"                   \
					 "	jz 2f\n"                                  \
					 "1:	add %[base], (%[where], %[bit], 8)\n"      \
					 "	btr %[bit], %[bits]\n"                     \
					 "	bsf %[bits], %[bit]\n"                     \
					 "	jnz 1b\n"                                 \
					 "2:\n"                                           \
					 : [bits] "+r"(pk_bits), [bit] "=&r"(pk_bit)       \
					 : [where] "r"(pk_where), [base] "r"(delta)         \
					 : "cc", "memory");                                \
	} while (0)
#endif
