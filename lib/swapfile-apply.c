/*
 * Applying a plan: apply_add runs the actions in order and undoes the done ones in reverse on
 * failure; apply_remove does every swapoff, then the fstab commit, then the files. The top of
 * the swapfile-*.c files: it uses the others through swapfile.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "macro.h"
#include "swapfile.h"

bool sc_swapfile_is_fstab_set(const struct sc_action *a)
{
	return a->kind == SC_SWAPFILE_ACT_FSTAB_ADD || a->kind == SC_SWAPFILE_ACT_FSTAB_UPDATE;
}

/* The removal target a remove action belongs to. */
size_t sc_swapfile_remove_target(const struct sc_action *a)
{
	switch (a->kind) {
	case SC_SWAPFILE_ACT_SWAPOFF:
		return a->u.swapoff.target;
	case SC_SWAPFILE_ACT_FSTAB_REMOVE:
		return a->u.fstab_remove.target;
	case SC_SWAPFILE_ACT_UNLINK:
		return a->u.unlink.target;
	default:
		return 0;
	}
}

struct add_run {
	const struct sc_ctx *c;
	const struct sc_swapfile_hooks *h;
	bool staged;
};

static int add_step(void *data, struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;
	const struct sc_ctx *c = x->c;
	int r;

	switch (a->kind) {
	case SC_SWAPFILE_ACT_MKDIR:
		return sc_swapfile_mkdir(c, a->target, NULL, err);
	case SC_SWAPFILE_ACT_CREATE: {
		struct sc_swapfile_opts o = {
			.size = a->u.create.size,
			.label = a->u.create.label,
			.reserve = a->u.create.reserve,
		};
		struct sc_swapfile_created made;

		r = sc_swapfile_create_full(c, a->target, &o, &made, err);
		if (r < 0)
			return r;
		snprintf(a->u.create.uuid, sizeof(a->u.create.uuid), "%s", made.uuid);
		a->u.create.zero_filled = made.zero_filled;
		return 0;
	}
	case SC_SWAPFILE_ACT_SWAPON: {
		struct sc_swapfile_enabled en;

		r = sc_swapfile_enable_full(
			c, a->target, a->u.swapon.priority, a->u.swapon.discard, &en, err);
		if (r < 0)
			return r;
		if (en.already_active)
			return 1; /* someone else activated it meanwhile: nothing done */
		a->u.swapon.zero_filled = en.zero_filled;
		return 0;
	}
	case SC_SWAPFILE_ACT_FSTAB_ADD:
	case SC_SWAPFILE_ACT_FSTAB_UPDATE:
		r = x->h && x->h->stage ? x->h->stage(x->h->data, a, err) : -EINVAL;
		if (r < 0)
			return r;
		x->staged = true;
		return 1; /* done when committed */
	default:
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: unexpected action %s",
			a->target, a->action);
	}
}

static int add_undo(void *data, struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;

	switch (a->kind) {
	case SC_SWAPFILE_ACT_SWAPON:
		return sc_gate_swapoff(x->c, a->target, NULL, err);
	case SC_SWAPFILE_ACT_CREATE:
		return sc_swapfile_unlink(x->c, a->target, err);
	case SC_SWAPFILE_ACT_MKDIR:
		return sc_swapfile_rmdir(x->c, a->target, err);
	default:
		return 0;
	}
}

int sc_swapfile_apply_add(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err)
{
	struct add_run x = {.c = c, .h = h};
	const struct sc_applier ops = {add_step, add_undo, &x};
	int r;

	r = sc_plan_apply(plan, &ops, err);
	if (r < 0 || !x.staged)
		return r;
	r = h->commit ? h->commit(h->data, err) : -EINVAL;
	if (r < 0) {
		if (err && !err->msg[0])
			sc_err_set(err, SC_EXIT_FAILURE, -r, "%s", strerror(-r));
		sc_plan_undo(plan, &ops, err);
		return r;
	}
	for (size_t j = 0; j < plan->n; j++)
		if (sc_swapfile_is_fstab_set(&plan->actions[j]))
			plan->actions[j].done = true;
	/*
	 * r > 0: the new fstab was renamed into place, only the fsync of its directory failed.
	 * Undoing the swapfile now would leave fstab naming a missing file for every reader
	 * (systemd, swapon -a) at once; rolling fstab back too would take another rename and
	 * directory fsync on the disk that just failed one, and could leave either version.
	 * Kept, the state is right now and after a crash is either this or the old fstab plus
	 * an unnamed swapfile, which status and doctor report. So nothing is undone and the
	 * caller reports the entry as in place but not durable.
	 */
	return r > 0 ? 1 : 0;
}

int sc_swapfile_apply_remove(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err)
{
	_cleanup_free_ bool *failed = NULL;
	size_t n_targets = 0;
	bool staged = false;
	int ret = 0, r;

	for (size_t i = 0; i < plan->n; i++)
		n_targets = SC_MAX(n_targets, sc_swapfile_remove_target(&plan->actions[i]) + 1);
	failed = calloc(n_targets + 1, sizeof(*failed));
	if (!failed)
		return -ENOMEM;

	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < plan->n; i++) {
			struct sc_action *a = &plan->actions[i];
			size_t t = sc_swapfile_remove_target(a);
			struct sc_err e = {0};

			if (failed[t])
				continue;
			if (pass == 0 && a->kind == SC_SWAPFILE_ACT_SWAPOFF)
				r = sc_gate_swapoff(c, a->target, NULL, &e);
			else if (pass == 1 && a->kind == SC_SWAPFILE_ACT_FSTAB_REMOVE) {
				r = h && h->stage ? h->stage(h->data, a, &e) : -EINVAL;
				staged = staged || r == 0;
				if (r == 0)
					continue; /* done once committed */
			} else if (pass == 2 && a->kind == SC_SWAPFILE_ACT_UNLINK)
				r = sc_swapfile_unlink(c, a->target, &e);
			else
				continue;
			if (r < 0) {
				failed[t] = true;
				if (!ret) {
					ret = r;
					if (err && !err->msg[0])
						*err = e;
				}
				continue;
			}
			a->done = true;
		}
		if (pass == 1 && staged) {
			struct sc_err e = {0};

			r = h->commit ? h->commit(h->data, &e) : -EINVAL;
			for (size_t i = 0; i < plan->n; i++) {
				struct sc_action *a = &plan->actions[i];
				size_t t = sc_swapfile_remove_target(a);

				if (a->kind != SC_SWAPFILE_ACT_FSTAB_REMOVE || failed[t])
					continue;
				if (r >= 0)
					a->done = true;
				else
					failed[t] = true; /* keep the file fstab still names */
			}
			/*
			 * r > 0: the new fstab is in place, only its directory fsync failed.
			 * Every reader already sees the entries gone, so the files go too
			 * (kept, they would be named by nothing); the error is still returned.
			 */
			if (r != 0 && !ret) {
				ret = r > 0 ? -(e.errnum ? e.errnum : EIO) : r;
				if (err && !err->msg[0])
					*err = e;
			}
		}
	}
	return ret;
}
