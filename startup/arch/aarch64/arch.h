/* AArch64 (either byte order): what C cannot say. AAPCS64 / ELF for the Arm 64-bit Architecture;
 * Linux syscall ABI. */

#include "../generic-syscalls.h"

#ifdef PK_START
/* The kernel enters with sp at argc. A C reference to _DYNAMIC becomes a GOT load, and the GOT is
 * not relocated yet; adrp + :lo12: reaches it PC-relatively within +-4 GiB (plain adr only +-1 MiB).
 * sp must stay 16-byte aligned (AAPCS64, checked by the hardware); AND may write sp directly.
 * A zero frame pointer and link register end the frame chain for debuggers. */
PK_START_FUNCTION("",
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	adrp x1, _DYNAMIC\n"
	"	add x1, x1, #:lo12:_DYNAMIC\n"
	"	and sp, x0, #-16\n"
	"	bl pk_start_c\n"
	"	brk #0\n");
#endif

/* Number in x8, arguments in x0..x5, `svc #0`; the result (or -errno) in x0. */
#define PK_SYSCALL_ARGUMENTS "x0", "x1", "x2", "x3", "x4", "x5"
#define PK_SYSCALL_NUMBER "x8"
#define PK_SYSCALL_CODE "svc #0"
#include "../register-syscalls.h"

/* Enters a loaded program as the kernel does: sp at argc, x0 0 (no function for atexit). The
 * entry goes in x17: fixed, so it cannot be x0, and with BTI a `br x16`/`br x17` may land on
 * the `bti c` a C-callable _start begins with. */
#define PK_ENTER_ENTRY_REGISTER "x17"
#define PK_ENTER_STACK_REGISTER "x16"
#define PK_ENTER_CODE "mov sp, %1\n\tmov x0, #0\n\tbr %0"
#define PK_ENTER_CLOBBERS "x0"
