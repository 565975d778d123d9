/* swapon of areas swapctl does not manage. See swapdev.h. */
#include <errno.h>
#include <string.h>

#include "swapdev.h"

int sc_swapdev_enable(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_err *err)
{
	int flags, r;

	r = sc_swap_flags(priority, discard, &flags);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_USAGE, EINVAL, "priority %d is outside 0..32767", priority);
	r = c->sys->swapon(path, flags);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: swapon: %s", path, strerror(-r));
	return 0;
}
