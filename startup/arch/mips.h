/*
 * What 32-bit (o32) and 64-bit (n64) MIPS share, for the mips and mips64 arch.h: mmap's flag,
 * _start, the system call functions but pk_syscall6 (o32 and n64 pass the fifth and sixth
 * arguments differently) and the loader's entry into a program. Each arch.h defines first the
 * instructions that differ: PK_MIPS_ADD_ADDRESS (addu or daddu), PK_MIPS_MINUS_16 (-16 into $t0) and
 * PK_MIPS_CALL_DELAY_SLOT (the instruction after the call to pk_start_c).
 */
/* MIPS kept IRIX's flag values: 0x20 is MAP_RENAME here. */
#define PK_MAP_ANONYMOUS 0x800

#ifdef PK_START
/* The kernel enters with $sp at argc. PIC code derives $gp from $t9 in its prologue and reaches
 * even local data through GOT entries that are not relocated yet, so _start may use neither: `bal`
 * puts the address of the two words after its delay slot in $ra, and each word holds a link-time
 * distance from there (R_MIPS_PC32, resolved by the linker; on n64 `lw` sign-extends it, and a
 * program spans far less than 2 GiB), to _DYNAMIC and to pk_start_c. The callee gets $t9 = its own
 * address, as the ABI requires of a call through a register; $sp is aligned to 16, and the call's
 * delay slot is the arch.h's (o32 reserves the callee's argument save area there). noreorder: the
 * delay slots are written out, not left to the assembler. __start as well: on MIPS, GNU ld and lld
 * default the entry to __start, not _start. */
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
	"	" PK_MIPS_ADD_ADDRESS " $a1, $a1, $ra\n"
	"	" PK_MIPS_ADD_ADDRESS " $t9, $t9, $ra\n"
	"	" PK_MIPS_MINUS_16 "\n"
	"	and $sp, $sp, $t0\n"
	"	jalr $t9\n"
	"	" PK_MIPS_CALL_DELAY_SLOT "\n"
	"	teq $zero, $zero\n"
	"	.set pop\n");
#endif

/* System calls: number in $v0 ($2), arguments from $a0 ($4), `syscall`; the result in $v0 and, in
 * $a3 ($7), a flag that is set when $v0 holds a positive errno. The kernel may also change $at
 * ($1), $v1 ($3), $8..$15, $24 and $25 (o32's temporaries; n64's $a4..$a7 and temporaries) and
 * hi/lo. */
#define PK_MIPS_SYSCALL_CLOBBERS "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo", "memory"

static inline long pk_syscall1(long number, long a)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a3 __asm__("$7");
	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0) : PK_MIPS_SYSCALL_CLOBBERS);
	return a3 != 0 ? -v0 : v0;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	register long v0 __asm__("$2") = number;
	register long a0 __asm__("$4") = a;
	register long a1 __asm__("$5") = b;
	register long a2 __asm__("$6") = c;
	register long a3 __asm__("$7");
	__asm__ volatile("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2) : PK_MIPS_SYSCALL_CLOBBERS);
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
