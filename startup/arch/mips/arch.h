/* 32-bit MIPS, o32 ABI, either byte order: what C cannot say. MIPS System V ABI supplement;
 * Linux o32 syscall ABI. */
#define PK_ARCH_RELATIVE_TYPE 3 /* R_MIPS_REL32 */
/* A relative relocation is R_MIPS_REL32 against symbol 0: any other symbol index names a real
 * symbol whose value must be added, so the whole r_info is compared. */
#define PK_ARCH_RELATIVE_MASK ((uintptr_t)0xffffffffu)
#define PK_ARCH_RELATIVE_INFO ((uintptr_t)PK_ARCH_RELATIVE_TYPE)
/* The local GOT (DT_MIPS_LOCAL_GOTNO entries from DT_PLTGOT) has no relocation entries. */
#define PK_ARCH_LOCAL_GOT 1

/* o32 numbers are offset by 4000. */
#define PK_SYS_WRITE 4004
#define PK_SYS_EXIT_GROUP 4246
#define PK_EINTR 4

#ifdef PK_START
/* The kernel enters with $sp at argc. PIC code derives $gp from $t9 in its prologue and reaches
 * even local data through GOT entries that are not relocated yet, so _start may use neither: `bal`
 * puts the address of the two words after its delay slot in $ra, and each word holds a link-time
 * distance from there (R_MIPS_PC32, resolved by the linker), to _DYNAMIC and to pk_start_c.
 * The callee gets $t9 = its own address, as the ABI requires of a call through a register. o32
 * wants $sp 8-byte aligned (16 here, harmless) and 16 bytes reserved below it for the callee to
 * spill $a0..$a3. noreorder: the delay slots are written out, not left to the assembler.
 * __start as well: on MIPS, GNU ld and lld default the entry to __start, not _start. */
__asm__(".text\n"
	".weak _DYNAMIC\n"
	".hidden _DYNAMIC\n"
	".global _start\n"
	".global __start\n"
	".type _start, @function\n"
	".type __start, @function\n"
	"_start:\n"
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
	"	.set pop\n"
	".size _start, . - _start\n");
#endif

/* Number in $v0 ($2), arguments in $a0..$a2 ($4..$6), `syscall`; the result in $v0 and, in $a3
 * ($7), a flag that is set when $v0 holds a positive errno. The kernel may also change $at, $v1,
 * the temporaries $t0..$t9 and hi/lo. */
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
