/*
 * pk_syscall1, pk_syscall3 and pk_syscall6 where the kernel takes the call's number in a register
 * and its arguments in six others, and returns the result (or -errno) in the first argument's
 * register. The shape is the same everywhere (musl repeats it in each syscall_arch.h); the arch.h
 * names only its registers and instruction, before it includes this file:
 *   PK_SYSCALL_ARGUMENTS   the six argument registers in order, as asm register names
 *   PK_SYSCALL_NUMBER      the number's register
 *   PK_SYSCALL_CODE        the instruction
 *   PK_SYSCALL_CLOBBERS    what else the kernel may change ("memory" when not defined)
 * or, instead of the instruction and the clobbers, PK_SYSCALL(result, inputs...): the whole asm
 * statement, with the number in pk_number (a register variable only where PK_SYSCALL_NUMBER names
 * the register). PK_SYSCALL6_FIRST(number,
 * a, b, c, d, e, f), when defined, runs first in pk_syscall6 and may return (a call that takes its
 * arguments in memory).
 */
#define PK_SYSCALL_ARGUMENT(index) PK_SYSCALL_PICK(index, PK_SYSCALL_ARGUMENTS)
#define PK_SYSCALL_PICK(index, ...) PK_SYSCALL_PICK_##index(__VA_ARGS__)
#define PK_SYSCALL_PICK_1(r1, r2, r3, r4, r5, r6) r1
#define PK_SYSCALL_PICK_2(r1, r2, r3, r4, r5, r6) r2
#define PK_SYSCALL_PICK_3(r1, r2, r3, r4, r5, r6) r3
#define PK_SYSCALL_PICK_4(r1, r2, r3, r4, r5, r6) r4
#define PK_SYSCALL_PICK_5(r1, r2, r3, r4, r5, r6) r5
#define PK_SYSCALL_PICK_6(r1, r2, r3, r4, r5, r6) r6

#ifndef PK_SYSCALL_CLOBBERS
#define PK_SYSCALL_CLOBBERS "memory"
#endif
/* The number's variable comes first: gcc loads the registers in the order their variables are
 * declared, and the stubs are meant to compile to what they did before this file existed. */
#ifdef PK_SYSCALL_NUMBER
#define PK_SYSCALL_NUMBER_VARIABLE(number) register long pk_number __asm__(PK_SYSCALL_NUMBER) = (number)
#else
#define PK_SYSCALL_NUMBER_VARIABLE(number) long pk_number = (number)
#endif
#ifndef PK_SYSCALL
#define PK_SYSCALL(result, ...) __asm__ volatile(PK_SYSCALL_CODE : "+r"(result) : "r"(pk_number), ##__VA_ARGS__ : PK_SYSCALL_CLOBBERS)
#endif

static inline long pk_syscall1(long number, long a)
{
	PK_SYSCALL_NUMBER_VARIABLE(number);
	register long pk_a __asm__(PK_SYSCALL_ARGUMENT(1)) = a;
	PK_SYSCALL(pk_a);
	return pk_a;
}

static inline long pk_syscall3(long number, long a, long b, long c)
{
	PK_SYSCALL_NUMBER_VARIABLE(number);
	register long pk_a __asm__(PK_SYSCALL_ARGUMENT(1)) = a;
	register long pk_b __asm__(PK_SYSCALL_ARGUMENT(2)) = b;
	register long pk_c __asm__(PK_SYSCALL_ARGUMENT(3)) = c;
	PK_SYSCALL(pk_a, "r"(pk_b), "r"(pk_c));
	return pk_a;
}

static inline long pk_syscall6(long number, long a, long b, long c, long d, long e, long f)
{
#ifdef PK_SYSCALL6_FIRST
	PK_SYSCALL6_FIRST(number, a, b, c, d, e, f);
#endif
	PK_SYSCALL_NUMBER_VARIABLE(number);
	register long pk_a __asm__(PK_SYSCALL_ARGUMENT(1)) = a;
	register long pk_b __asm__(PK_SYSCALL_ARGUMENT(2)) = b;
	register long pk_c __asm__(PK_SYSCALL_ARGUMENT(3)) = c;
	register long pk_d __asm__(PK_SYSCALL_ARGUMENT(4)) = d;
	register long pk_e __asm__(PK_SYSCALL_ARGUMENT(5)) = e;
	register long pk_f __asm__(PK_SYSCALL_ARGUMENT(6)) = f;
	PK_SYSCALL(pk_a, "r"(pk_b), "r"(pk_c), "r"(pk_d), "r"(pk_e), "r"(pk_f));
	return pk_a;
}
