/* 32-bit Arm, either byte order, A32 or T32 code: what C cannot say. AAPCS / ELF for the Arm
 * Architecture; Linux EABI syscalls. */

#define PK_SYS_WRITE 4
#define PK_SYS_EXIT_GROUP 248
/* What the userland loader needs as well (EABI numbers). mmap2 takes the offset in 4096-byte units:
 * the loader maps only at offset 0, where it means the same as mmap's, which EABI lacks. */
#define PK_SYS_CLOSE 6
#define PK_SYS_LSEEK 19
#define PK_SYS_MMAP 192 /* mmap2 */
#define PK_SYS_MPROTECT 125
#define PK_SYS_MUNMAP 91
#define PK_SYS_OPENAT 322
#define PK_SYS_GETRANDOM 384

#ifdef PK_START
/* Reading pc gives the instruction's address plus 8 in A32 and plus 4 in T32. */
#ifdef __thumb__
#define PK_ARM_PC_AHEAD "4"
#define PK_ARM_THUMB_FUNC ".thumb_func\n"
#else
#define PK_ARM_PC_AHEAD "8"
#define PK_ARM_THUMB_FUNC ""
#endif
/* The kernel enters with sp at argc, in the state bit 0 of e_entry selects (.thumb_func sets it).
 * A C reference to _DYNAMIC would go through the GOT, which is not relocated yet; the link-time
 * distance from the `add` to _DYNAMIC sits in a literal next to the code instead, since the
 * distance may exceed what adr can encode. Unified syntax: the same text assembles as A32 and
 * T32. AAPCS wants sp 8-byte aligned at a public call; T32 cannot `bic` into sp, hence r2. */
PK_START_FUNCTION(".syntax unified\n"
	PK_ARM_THUMB_FUNC,
	"	mov r0, #0\n"
	"	mov fp, r0\n"
	"	mov lr, r0\n"
	"	mov r0, sp\n"
	"	ldr r1, 1f\n"
	"2:	add r1, pc\n"
	"	bic r2, r0, #15\n"
	"	mov sp, r2\n"
	"	bl pk_start_c\n"
	"	udf #0\n"
	"	.p2align 2\n"
	"1:	.word _DYNAMIC - (2b + " PK_ARM_PC_AHEAD ")\n");
#endif

#ifdef PK_START
/* ARMv7-A need not have a divide instruction: clang calls the run-time ABI's helpers (RTABI names,
 * base AAPCS) for `/` and `%`. */
#include "../divide.h"

/* The divmod helpers return the quotient in r0 and the remainder in r1: as a 64-bit value, whose
 * low word is r0 on a little-endian target and r1 on a big-endian one. */
static uint64_t pk_arm_pair(uint32_t in_r0, uint32_t in_r1)
{
#ifdef __ARMEB__
	return (uint64_t)in_r0 << 32 | in_r1;
#else
	return (uint64_t)in_r1 << 32 | in_r0;
#endif
}

/* __aeabi_uidivmod and __aeabi_idivmod: the quotient and the remainder at once. */
#define PK_ARM_DIVMOD_HELPER(name, type, divide)                                        \
	uint64_t name(type dividend, type divisor);                                     \
	uint64_t name(type dividend, type divisor)                                      \
	{                                                                               \
		type remainder, quotient = divide(dividend, divisor, &remainder);       \
		return pk_arm_pair((uint32_t)quotient, (uint32_t)remainder);            \
	}

PK_QUOTIENT_HELPER(__aeabi_uidiv, uint32_t, pk_divide)
PK_ARM_DIVMOD_HELPER(__aeabi_uidivmod, uint32_t, pk_divide)
PK_QUOTIENT_HELPER(__aeabi_idiv, int32_t, pk_divide_signed)
PK_ARM_DIVMOD_HELPER(__aeabi_idivmod, int32_t, pk_divide_signed)
#endif

/* EABI: number in r7, arguments in r0..r6, `svc #0`; the result (or -errno) in r0. In T32 code r7
 * is the frame pointer and cannot be handed to an asm, so the number is swapped into r7 around
 * the call and r7 restored from a scratch register. */
#define PK_SYSCALL_ARGUMENTS "r0", "r1", "r2", "r3", "r4", "r5"
#ifdef __thumb__
#define PK_SYSCALL(result, ...)                                                                          \
	do {                                                                                             \
		long pk_saved;                                                                           \
		__asm__ volatile("mov %[saved], r7\n\tmov r7, %[nr]\n\tsvc #0\n\tmov r7, %[saved]"              \
				 : "+r"(result), [saved] "=&r"(pk_saved)                                 \
				 : [nr] "r"(pk_number), ##__VA_ARGS__                                    \
				 : "memory");                                                            \
	} while (0)
#else
#define PK_SYSCALL(result, ...)                                                                          \
	do {                                                                                             \
		register long pk_r7 __asm__("r7") = pk_number;                                           \
		__asm__ volatile("svc #0" : "+r"(result) : "r"(pk_r7), ##__VA_ARGS__ : "memory");              \
	} while (0)
#endif
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: sp at argc, r0 0 (no function for atexit). bx
 * switches to T32 when bit 0 of the entry is set, as the kernel does from e_entry. Fixed
 * registers keep the entry and the stack out of r0. */
#define PK_ENTER_ENTRY_REGISTER "r1"
#define PK_ENTER_STACK_REGISTER "r2"
#define PK_ENTER_CODE "mov sp, %1\n\tmov r0, #0\n\tbx %0"
#define PK_ENTER_CLOBBERS "r0"
