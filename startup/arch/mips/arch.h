/* 32-bit MIPS, o32 ABI, either byte order: what C cannot say. MIPS System V ABI supplement;
 * Linux o32 syscall ABI. */

/* o32 numbers are offset by 4000. */
#define PK_SYS_WRITE 4004
#define PK_SYS_EXIT_GROUP 4246
/* What the userland loader needs as well. mmap2 counts its offset in 4096-byte units; the loader
 * only maps from offset 0, where both calls agree. */
#define PK_SYS_CLOSE 4006
#define PK_SYS_LSEEK 4019
#define PK_SYS_MMAP 4210 /* mmap2 */
#define PK_SYS_MPROTECT 4125
#define PK_SYS_MUNMAP 4091
#define PK_SYS_OPENAT 4288
#define PK_SYS_GETRANDOM 4353
/* MIPS kept IRIX's flag values: 0x20 is MAP_RENAME here. */
#define PK_MAP_ANONYMOUS 0x800

#ifdef PK_START
/* The kernel enters with $sp at argc. PIC code derives $gp from $t9 in its prologue and reaches
 * even local data through GOT entries that are not relocated yet, so _start may use neither: `bal`
 * puts the address of the two words after its delay slot in $ra, and each word holds a link-time
 * distance from there (R_MIPS_PC32, resolved by the linker), to _DYNAMIC and to pk_start_c.
 * The callee gets $t9 = its own address, as the ABI requires of a call through a register. o32
 * wants $sp 8-byte aligned (16 here, harmless) and 16 bytes reserved below it for the callee to
 * spill $a0..$a3. noreorder: the delay slots are written out, not left to the assembler.
 * __start as well: on MIPS, GNU ld and lld default the entry to __start, not _start. */
PK_START_FUNCTION(".global __start\n"
	".type __start, @function\n",
	"__start:\n"
	"	.set push\n"
	"	.set noreorder\n"
	"	move $fp, $zero\n"
	"	bal 1f\n"
	"	move $a0, $sp\n"
	"2:	.word _DYNAMIC - 2b\n"
	"	.word pk_start_c - 2b\n"
	"1:	lw $a1, 0($ra)\n"
	"	lw $t9, 4($ra)\n"
	"	addu $a1, $a1, $ra\n"
	"	addu $t9, $t9, $ra\n"
	"	li $t0, -16\n"
	"	and $sp, $sp, $t0\n"
	"	jalr $t9\n"
	"	addiu $sp, $sp, -16\n"
	"	teq $zero, $zero\n"
	"	.set pop\n");
#endif

#include "../mips-syscall.h"

/* o32 passes a syscall's fifth and sixth arguments where a call passes them, at 16($sp) and
 * 20($sp) above the 16 bytes reserved for $a0..$a3; the compiler knows nothing of that, so the
 * asm makes its own frame (24 bytes, kept 8-byte aligned) and drops it before the compiler can
 * see $sp again. $a3 carries the fourth argument in and the error flag out. */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7") = d;
	__asm__ volatile("addiu $sp, $sp, -24\n\t"
			 "sw %[e], 16($sp)\n\t"
			 "sw %[f], 20($sp)\n\t"
			 "syscall\n\t"
			 "addiu $sp, $sp, 24"
			 : "+r"(v0), "+r"(a3)
			 : "r"(a0), "r"(a1), "r"(a2), [e] "r"(e), [f] "r"(f)
			 : PK_MIPS_SYSCALL_CLOBBERS);
	return a3 != 0 ? -v0 : v0;
}

/* Enters a loaded program as the kernel does (MIPS ABI supplement, process initialization): $sp
 * at argc, $v0 0 (no function for atexit), $ra 0 (the outermost frame). $t9 holds the entry
 * because PIC code computes $gp from $t9 in its first instructions. $sp is set first, in case the
 * compiler handed it over in $v0 or $ra. */
#define PK_ARCH_ENTER(entry, sp)                                                      \
	do {                                                                          \
		register uintptr_t pk_t9 __asm__("$25") = (uintptr_t)(entry);         \
		__asm__ volatile("move $sp, %0\n\t"                                   \
				 "move $31, $zero\n\t"                               \
				 "move $2, $zero\n\t"                                \
				 "jr %1"                                              \
				 :                                                    \
				 : "r"(sp), "r"(pk_t9)                                \
				 : "memory");                                         \
	} while (0)
