/* The relocation core alone, as one function, so its code can be measured per architecture; in
 * the stub it is inlined into pk_start_c. */
#include "piekit.h"
#include "arch.h"
#include "in-place.h"
#include "relocate.c"

__attribute__((noinline)) void pk_core(uintptr_t base, uintptr_t dynamic)
{
	pk_relocate(0, base, dynamic);
}
