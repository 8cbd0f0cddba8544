/* 64-bit MIPS, n64 ABI, either byte order: what C cannot say. MIPS64 ELF supplement (n64);
 * Linux n64 syscall ABI. */

/* n64 numbers are offset by 5000. */
#define PK_SYS_WRITE 5001
#define PK_SYS_EXIT_GROUP 5205
/* What the userland loader needs as well. */
#define PK_SYS_CLOSE 5003
#define PK_SYS_LSEEK 5008
#define PK_SYS_MMAP 5009
#define PK_SYS_MPROTECT 5010
#define PK_SYS_MUNMAP 5011
#define PK_SYS_OPENAT 5247
#define PK_SYS_GETRANDOM 5313
/* MIPS kept IRIX's flag values: 0x20 is MAP_RENAME here. */
#define PK_MAP_ANONYMOUS 0x800

#ifdef PK_START
/* The kernel enters with $sp at argc. PIC code derives $gp from $t9 in its prologue and reaches
 * even local data through GOT entries that are not relocated yet, so _start may use neither: `bal`
 * puts the address of the two words after its delay slot in $ra, and each word holds a link-time
 * distance from there (R_MIPS_PC32, resolved by the linker; `lw` sign-extends it, and a program
 * spans far less than 2 GiB), to _DYNAMIC and to pk_start_c. The callee gets $t9 = its own
 * address, as the ABI requires of a call through a register. n64 wants $sp 16-byte aligned and,
 * unlike o32, no argument save area. noreorder: the delay slots are written out, not left to the
 * assembler. __start as well: on MIPS, GNU ld and lld default the entry to __start. */
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
	"	daddu $a1, $a1, $ra\n"
	"	daddu $t9, $t9, $ra\n"
	"	daddiu $t0, $zero, -16\n"
	"	and $sp, $sp, $t0\n"
	"	jalr $t9\n"
	"	nop\n"
	"	teq $zero, $zero\n"
	"	.set pop\n");
#endif

#include "../mips-syscall.h"

/* n64 takes the fifth and sixth arguments in $a4 ($8) and $a5 ($9), which the kernel may change:
 * they are outputs too, and so leave the clobber list. */
static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7") = d;
	register long a4 __asm__("$8") = e;
	register long a5 __asm__("$9") = f;
	__asm__ volatile("syscall"
			 : "+r"(v0), "+r"(a3), "+r"(a4), "+r"(a5)
			 : "r"(a0), "r"(a1), "r"(a2)
			 : "$1", "$3", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory");
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
