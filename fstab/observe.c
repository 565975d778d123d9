/*
 * The fstab part of the observation (observe.h): fstab/'s swap entries as lib/'s plain
 * struct sc_obs_entry, and sc_observe(), the one entry point the commands call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fstab.h"
#include "macro.h"
#include "observe.h"
#include "probe.h"
#include "util.h"

static bool is_tag(const char *src)
{
	return sc_startswith(src, "UUID=") || sc_startswith(src, "LABEL=") ||
		sc_startswith(src, "PARTUUID=") || sc_startswith(src, "PARTLABEL=");
}

int sc_observe_fstab(const struct sc_ctx *c, unsigned what, struct sc_observation *obs)
{
	struct sc_fstab_entry *e = NULL;
	struct sc_fstab *f = NULL;
	size_t n = 0;
	int r;

	r = sc_fstab_load(c, c->fstab, &f, &obs->fstab_msg);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		obs->fstab_err = r;
		return 0;
	}
	r = sc_fstab_list_swap(f, &e, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct sc_obs_entry x = {
			.line = e[i].line,
			.source = e[i].source,
			.glibc_source = e[i].glibc_source,
			.options = e[i].options,
			.managed = e[i].managed,
			.has_priority = e[i].has_priority,
			.priority = e[i].priority,
			.noauto = e[i].noauto,
			.crlf = e[i].crlf,
			.inline_comment = e[i].inline_comment,
			.short_fields = e[i].short_fields,
			.odd_escape = e[i].odd_escape,
			.too_long = e[i].too_long,
			.read_len = e[i].read_len,
			.unparsable = e[i].unparsable,
		};
		_cleanup_free_ char *dev = NULL;

		/* Tags name devices of the running system; an image's are unknown here. */
		if ((what & SC_OBS_TAGS) && !c->offline && is_tag(e[i].source) &&
			sc_probe_resolve_tag(e[i].source, &dev) == 0)
			x.device = dev;
		r = sc_observation_add_entry(obs, &x);
	}
	if (r >= 0)
		obs->fstab_ok = true;
	else if (r != -ENOMEM) {
		obs->fstab_err = r;
		r = 0;
	}
	sc_fstab_entries_free(e, n);
	sc_fstab_free(f);
	return r < 0 ? r : 0;
}

int sc_observe(const struct sc_ctx *c, unsigned what, struct sc_observation *obs)
{
	int r = sc_observe_system(c, what, obs);

	if (r == 0 && (what & SC_OBS_FSTAB))
		r = sc_observe_fstab(c, what, obs);
	if (r == 0 && (what & SC_OBS_FSTAB))
		r = sc_observe_locate(c, obs);
	return r;
}
