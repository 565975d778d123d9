/*
 * The observed sysctl state: machine facts, the live value of every managed key and the
 * drop-in, read once for the planner. Uses sysctl-keys.c, sysctl-env.c and sysctl-dropin.c.
 */
#include <errno.h>
#include <string.h>

#include "sysctl.h"

int sc_sysctl_observed_read(
	const struct sc_ctx *c, struct sc_sysctl_observed *ret, struct sc_err *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = sc_sysctl_env_read(c, &ret->env);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s", strerror(-r));
	for (size_t k = 0; k < SC_VM_N; k++) {
		if (c->offline) {
			/* The image's kernel decides which keys exist; the host's does not. */
			ret->present[k] = true;
			ret->live[k] = -1;
			continue;
		}
		r = sc_sysctl_read_live(c, sc_sysctl_keys[k].name, &ret->live[k]);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"/proc/sys/vm/%s: cannot read: %s", sc_sysctl_keys[k].name,
				strerror(-r));
		ret->present[k] = true;
	}
	return sc_sysctl_dropin_load(c, &ret->dropin, err);
}

void sc_sysctl_observed_done(struct sc_sysctl_observed *s)
{
	sc_sysctl_dropin_done(&s->dropin);
}
