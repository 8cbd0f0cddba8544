/* x86_64: what C cannot say. System V AMD64 psABI; Linux syscall ABI. */
#define PK_ARCH_RELATIVE_TYPE 8 /* R_X86_64_RELATIVE */

#define PK_SYS_WRITE 1
#define PK_SYS_EXIT_GROUP 231
#define PK_EINTR 4

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

/* A RELR bitmap's set bits, lowest first, in four instructions each: bsf finds the bit and sets
 * ZF once none is left, btr clears it. C cannot ask for the flag of bsf. */
#define PK_RELR_BITMAP(c, first, bitmap, delta, entry)                                \
	do {                                                                           \
		uintptr_t pk_bits = (bitmap), pk_bit;                                   \
		__asm__ volatile("	bsf %[bits], %[bit]\n"                           \
				 "	jz 2f\n"                                          \
				 "1:	add %[base], (%[where], %[bit], 8)\n"              \
				 "	btr %[bit], %[bits]\n"                             \
				 "	bsf %[bits], %[bit]\n"                             \
				 "	jnz 1b\n"                                         \
				 "2:\n"                                                   \
				 : [bits] "+r"(pk_bits), [bit] "=&r"(pk_bit)               \
				 : [where] "r"(first), [base] "r"(delta)                    \
				 : "cc", "memory");                                        \
	} while (0)
