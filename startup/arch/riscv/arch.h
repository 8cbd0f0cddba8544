/* RISC-V, RV32 and RV64: what C cannot say. RISC-V ELF psABI; Linux syscall ABI (asm-generic
 * numbers on both widths). */

#include "../generic-syscalls.h"

#ifdef PK_START
/* The kernel enters with sp at argc. A C reference to _DYNAMIC becomes a GOT load (auipc + ld),
 * and the GOT is not relocated yet; `lla` is auipc + addi, PC-relative within +-2 GiB. norelax:
 * the linker must not turn it into a gp-relative access, since gp is not set up (nor needed:
 * nothing here links with gp relaxation). The psABI wants sp 16-byte aligned; zero ra and s0
 * (the frame pointer) end the frame chain for debuggers. */
PK_START_FUNCTION("",
	"	.option push\n"
	"	.option norelax\n"
	"	mv a0, sp\n"
	"	lla a1, _DYNAMIC\n"
	"	andi sp, sp, -16\n"
	"	li ra, 0\n"
	"	li s0, 0\n"
	"	call pk_start_c\n"
	"	unimp\n"
	"	.option pop\n");
#endif

/* Number in a7, arguments in a0..a5, `ecall`; the result (or -errno) in a0. The kernel keeps
 * every other register. */
#define PK_SYSCALL_ARGUMENTS "a0", "a1", "a2", "a3", "a4", "a5"
#define PK_SYSCALL_NUMBER "a7"
#define PK_SYSCALL_CODE "ecall"
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: sp at argc, a0 0 (glibc's _start hands a0 to
 * __libc_start_main as the function for atexit). ra 0 ends the frame chain. Fixed registers keep
 * the entry and the stack out of a0 and ra. */
#define PK_ENTER_ENTRY_REGISTER "t1"
#define PK_ENTER_STACK_REGISTER "t2"
#define PK_ENTER_CODE "mv sp, %1\n\tli a0, 0\n\tli ra, 0\n\tjr %0"
#define PK_ENTER_CLOBBERS "a0", "ra"
