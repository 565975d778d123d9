/*
 * Planning `sysctl apply`, pure: the requested values (profile, then --set, on top of the
 * drop-in when no profile is named), validated, and the ordered set-live and write-dropin
 * actions that get there, with notes for what is left as it is. Uses sysctl-rules.c,
 * sysctl-profile.c and sysctl-dropin.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysctl-internal.h"
#include "sysctl.h"
#include "util.h"

void sc_sysctl_plan_done(struct sc_sysctl_plan *p)
{
	sc_plan_free(&p->plan);
	free(p->profile);
	free(p->dropin_text);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}

static int add_live_action(struct sc_sysctl_plan *p, const struct sc_sysctl_observed *s, size_t k)
{
	char target[96], key[64];
	struct sc_action *a;

	snprintf(target, sizeof(target), "/proc/sys/vm/%s", sc_sysctl_keys[k].name);
	snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[k].name);
	a = sc_plan_add(&p->plan, SC_SYSCTL_SET_LIVE, target);
	if (!a || sc_action_strdup(a, key, &a->u.sysctl_live.key) < 0)
		return -ENOMEM;
	a->u.sysctl_live.old = s->live[k];
	a->u.sysctl_live.new = p->want.v[k];
	return 0;
}

static int plan_dropin(struct sc_sysctl_plan *p, const struct sc_sysctl_observed *s)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	bool any = false;
	int r;

	r = sc_sysctl_dropin_render(p->profile, &p->want, &p->dropin_text);
	if (r < 0)
		return r;
	if (d->exists && d->len == strlen(p->dropin_text) &&
		memcmp(d->text, p->dropin_text, d->len) == 0) {
		free(p->dropin_text);
		p->dropin_text = NULL;
		return 0;
	}
	for (size_t k = 0; k < SC_VM_N; k++) {
		char key[64];
		struct sc_action *a;

		if (d->values.set[k] == p->want.set[k] &&
			(!p->want.set[k] || d->values.v[k] == p->want.v[k]))
			continue;
		snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[k].name);
		a = sc_plan_add(&p->plan, SC_SYSCTL_WRITE_DROPIN, d->path);
		if (!a || sc_action_strdup(a, key, &a->u.sysctl_dropin.key) < 0)
			return -ENOMEM;
		a->u.sysctl_dropin.has_old = d->values.set[k];
		a->u.sysctl_dropin.old = d->values.v[k];
		a->u.sysctl_dropin.has_new = p->want.set[k];
		a->u.sysctl_dropin.new = p->want.v[k];
		any = true;
	}
	if (!any) {
		/* Only the header changes (another profile with the same values, or a fresh file). */
		struct sc_action *a = sc_plan_add(&p->plan, SC_SYSCTL_WRITE_DROPIN, d->path);
		if (!a || sc_action_strdup(a, p->profile, &a->u.sysctl_dropin.profile) < 0)
			return -ENOMEM;
	}
	return 0;
}

int sc_sysctl_plan(const struct sc_ctx *c, const struct sc_sysctl_observed *s,
	const struct sc_sysctl_request *req, struct sc_sysctl_plan *ret, struct sc_err *err)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	bool from_profile[SC_VM_N] = {false};
	size_t order[SC_VM_N], n_set = 0;
	char kb[32];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (c->offline && req->no_persist)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"--no-persist with --root leaves nothing to do: an offline tree only gets "
			"the drop-in");

	if (req->profile) {
		r = sc_sysctl_profile_values(req->profile, &s->env, &ret->want);
		if (r == -ENOENT) {
			r = sc_err_set(
				err, SC_EXIT_USAGE, EINVAL, "unknown profile '%s'", req->profile);
			sc_err_hint(err, "profiles: default, zram, server, database, desktop");
			return r;
		}
		for (size_t k = 0; k < SC_VM_N; k++)
			from_profile[k] = ret->want.set[k];
		ret->profile = strdup(req->profile);
		if (!ret->profile)
			return -ENOMEM;
		if (d->exists && d->problem) {
			r = sc_strv_appendf(&ret->notes, &ret->n_notes,
				"replacing the malformed drop-in (%s)", d->problem);
			if (r < 0)
				return r;
		}
	} else if (d->exists) {
		if (d->problem) {
			r = sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s", d->problem);
			sc_err_hint(err, "fix that line, or replace the file with --profile NAME");
			return r;
		}
		ret->want = d->values;
		if (d->profile) {
			ret->profile = strdup(d->profile);
			if (!ret->profile)
				return -ENOMEM;
		}
	}
	for (size_t k = 0; k < SC_VM_N; k++)
		if (req->set.set[k]) {
			ret->want.set[k] = true;
			ret->want.v[k] = req->set.v[k];
			from_profile[k] = false;
		}
	for (size_t k = 0; k < SC_VM_N; k++)
		n_set += ret->want.set[k];
	if (n_set == 0) {
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"nothing to apply: no --profile, no --set and no %s", d->path);
		sc_err_hint(err,
			"name a profile (--profile server) or a value (--set vm.swappiness=30)");
		return r;
	}

	if (c->offline && from_profile[SC_VM_MIN_FREE_KBYTES]) {
		/* Computed from this host's memory, which is not the image's. */
		ret->want.set[SC_VM_MIN_FREE_KBYTES] = false;
		r = sc_strv_appendf(&ret->notes, &ret->n_notes,
			"vm.min_free_kbytes depends on the target machine's memory: left to the "
			"kernel in an offline tree");
		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < SC_VM_N; k++) {
		if (!ret->want.set[k] || s->present[k])
			continue;
		if (req->set.set[k])
			return sc_err_set(err, SC_EXIT_USAGE, ENOENT, "vm.%s: not available on %s",
				sc_sysctl_keys[k].name, sc_sysctl_kver_str(&s->env, kb));
		ret->want.set[k] = false;
		r = sc_strv_appendf(&ret->notes, &ret->n_notes,
			"vm.%s is not available on %s, skipping", sc_sysctl_keys[k].name,
			sc_sysctl_kver_str(&s->env, kb));
		if (r < 0)
			return r;
	}

	for (size_t k = 0; k < SC_VM_N; k++) {
		if (!ret->want.set[k])
			continue;
		r = sc_sysctl_validate(&s->env, k, ret->want.v[k], req->force, err);
		if (r < 0) {
			if (!req->profile && !req->set.set[k] && err)
				sc_err_hint(err,
					"the value comes from %s line %u; fix it with --set",
					d->path, d->line[k]);
			return r;
		}
	}
	r = sc_sysctl_validate_values(&s->env, &ret->want, req->force, err);
	if (r < 0)
		return r;
	if (ret->want.set[SC_VM_MIN_FREE_KBYTES] &&
		ret->want.v[SC_VM_MIN_FREE_KBYTES] < sc_sysctl_min_free_thp(&s->env)) {
		r = sc_strv_appendf(&ret->notes, &ret->n_notes,
			"vm.min_free_kbytes=%" PRId64 " is below what khugepaged sets while "
			"transparent hugepages are enabled (%" PRId64 "): it will raise the value "
			"again whenever THP settings or memory change",
			ret->want.v[SC_VM_MIN_FREE_KBYTES], sc_sysctl_min_free_thp(&s->env));
		if (r < 0)
			return r;
	}

	if (!req->no_persist) {
		if (d->foreign_key && !req->force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s line %u sets %s, which swapctl does not manage: rewriting its "
				"drop-in would drop that setting",
				d->path, d->foreign_line, d->foreign_key);
			sc_err_hint(err,
				"move that line to a file of its own in the sysctl directory; "
				"--force drops it");
			return r;
		}
		r = plan_dropin(ret, s);
		if (r < 0)
			return r;
	}

	if (!c->offline) {
		/*
		 * Table order, except that a switch to strict overcommit writes the ratio first:
		 * the other way round, mode 2 would briefly apply with the old ratio.
		 */
		for (size_t k = 0; k < SC_VM_N; k++)
			order[k] = k;
		if (ret->want.set[SC_VM_OVERCOMMIT_MEMORY] &&
			ret->want.v[SC_VM_OVERCOMMIT_MEMORY] == 2) {
			order[SC_VM_OVERCOMMIT_MEMORY] = SC_VM_OVERCOMMIT_RATIO;
			order[SC_VM_OVERCOMMIT_RATIO] = SC_VM_OVERCOMMIT_MEMORY;
		}
		for (size_t i = 0; i < SC_VM_N; i++) {
			size_t k = order[i];
			if (!ret->want.set[k] || s->live[k] == ret->want.v[k])
				continue;
			r = add_live_action(ret, s, k);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
