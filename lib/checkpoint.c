/* See checkpoint.h. */
#include "checkpoint.h"

void sc_checkpoint(const struct sc_ctx *c, const char *step)
{
	if (c->sys->checkpoint)
		c->sys->checkpoint(step);
}
