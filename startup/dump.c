/*
 * The startup hook of piekit's samples: the relocated memory to fd 3, in the format of
 * docs/dump-format.md. It runs before constructors, writes nothing to memory and needs nothing
 * but the program headers; when fd 3 is not open the writes fail and the program carries on.
 */
#include "piekit.h"
#include "phdr.h"

#define DUMP_FD 3

/* `piekit verify` finds this string in the file to know that the program writes its own dump; any
 * other program is stopped under a debugger stub instead. */
__attribute__((used)) static const char dump_marker[] = PIEKIT_DUMP_MARKER;

static void write_word(uintptr_t value)
{
	piekit_write(DUMP_FD, &value, sizeof value);
}

/* The writable PT_LOAD at `index`, or NULL: those are the segments relocation may change. */
static const struct pk_phdr *dumped_at(const struct piekit_startup *startup, uintptr_t index)
{
	const struct pk_phdr *ph = (const struct pk_phdr *)(startup->phdr + index * startup->phent);
	return ph->p_type == PK_PT_LOAD && (ph->p_flags & PK_PF_W) != 0 ? ph : 0;
}

void piekit_after_relocation(const struct piekit_startup *startup)
{
	const unsigned char header[16] = {
		'P', 'I', 'E', 'K', 'D', 'U', 'M', 'P', 1, sizeof(uintptr_t),
		__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 1 : 2,
	};
	piekit_write(DUMP_FD, header, sizeof header);
	write_word(startup->base);

	uintptr_t count = 0;
	for (uintptr_t i = 0; i < startup->phnum; i++)
		count += dumped_at(startup, i) != 0;
	write_word(count);

	for (uintptr_t i = 0; i < startup->phnum; i++) {
		const struct pk_phdr *ph = dumped_at(startup, i);
		if (ph == 0)
			continue;
		write_word(ph->p_vaddr);
		write_word(ph->p_memsz);
		piekit_write(DUMP_FD, (const void *)(startup->base + ph->p_vaddr), ph->p_memsz);
		const uintptr_t zero = 0;
		piekit_write(DUMP_FD, &zero, (sizeof zero - ph->p_memsz % sizeof zero) % sizeof zero);
	}
}
