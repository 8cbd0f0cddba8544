/* LoongArch, LA64 and LA32: what C cannot say. LoongArch ELF psABI; Linux syscall ABI
 * (asm-generic numbers on both widths). */

#include "../generic-syscalls.h"

#ifdef PK_START
/* The kernel enters with $sp at argc. A C reference to _DYNAMIC may become a GOT load, and the
 * GOT is not relocated yet; `la.pcrel` is pcalau12i + addi, PC-relative within +-2 GiB (and stays
 * PC-relative if the linker relaxes it to pcaddi). The psABI wants $sp 16-byte aligned; addi.w
 * sign-extends, so the same -16 mask serves LA64 and LA32. Zero $ra and $fp end the frame chain
 * for debuggers. */
PK_START_FUNCTION("",
	"	move $a0, $sp\n"
	"	la.pcrel $a1, _DYNAMIC\n"
	"	addi.w $t0, $zero, -16\n"
	"	and $sp, $sp, $t0\n"
	"	move $ra, $zero\n"
	"	move $fp, $zero\n"
	"	bl pk_start_c\n"
	"	break 0\n");
#endif

/* Number in $a7, arguments in $a0..$a5, `syscall 0`; the result (or -errno) in $a0. The kernel
 * may change the temporaries $t0..$t8. */
#define PK_SYSCALL_ARGUMENTS "$a0", "$a1", "$a2", "$a3", "$a4", "$a5"
#define PK_SYSCALL_NUMBER "$a7"
#define PK_SYSCALL_CODE "syscall 0"
#define PK_SYSCALL_CLOBBERS "$t0", "$t1", "$t2", "$t3", "$t4", "$t5", "$t6", "$t7", "$t8", "memory"
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: $sp at argc, $a0 0 (glibc's _start hands $a0 to
 * __libc_start_main as the function for atexit). $ra 0 ends the frame chain. Fixed registers
 * keep the entry and the stack out of $a0 and $ra. */
#define PK_ENTER_ENTRY_REGISTER "$t1"
#define PK_ENTER_STACK_REGISTER "$t2"
#define PK_ENTER_CODE "move $sp, %1\n\tmove $a0, $zero\n\tmove $ra, $zero\n\tjirl $zero, %0, 0"
#define PK_ENTER_CLOBBERS "$a0", "$ra"
