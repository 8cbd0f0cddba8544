/* The startup hook of an ordinary program: nothing happens between relocation and constructors. */
#include "piekit.h"

void piekit_after_relocation(const struct piekit_startup *startup)
{
	(void)startup;
}
