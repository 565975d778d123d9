/*
 * swapctl priority: applying the plan -- swapoff (in a child), swapon with the new priority
 * checked in /proc/swaps (the old one restored when that fails), the fstab pri=, zram.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "gate.h"
#include "procfs.h"
#include "rotate.h"
#include "swapdev.h"
#include "swapfile.h"
#include "util.h"
#include "zram.h"
#include "priority-cli.h"

static int swapon_with(struct prio *p, int priority, struct sc_err *err)
{
	enum sc_discard d = sc_discard_from_fstab(p->has_entry ? p->entry.discard : NULL);

	if (p->managed_file)
		return sc_swapfile_enable(p->c, p->path, priority, d, err);
	/* A device, or a file swapctl does not manage: as the user had it, by name. */
	return sc_swapdev_enable(p->c, p->path, priority, d, err);
}

static int check_priority(struct prio *p, int priority, struct sc_err *err)
{
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	int r;

	r = sc_swaps_read(p->c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	s = sc_swaps_find(&sw, p->path);
	if (!s)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: not active after swapon", p->path);
	else if (s->priority != priority)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: active with priority %d, not %d",
			p->path, s->priority, priority);
	sc_swaps_free(&sw);
	return r;
}

int sc_prio_apply(struct prio *p, int priority, struct sc_err *err)
{
	int r;

	for (size_t i = 0; i < p->plan.n; i++) {
		struct sc_action *a = &p->plan.actions[i];

		switch (a->kind) {
		case SC_ROT_ACT_SWAPOFF:
			r = sc_gate_swapoff(p->c, p->path, NULL, err);
			if (r < 0)
				return r;
			break;
		case SC_ROT_ACT_SWAPON:
			r = swapon_with(p, priority, err);
			if (r == 0)
				r = check_priority(p, priority, err);
			if (r < 0) {
				/* The area is off: put it back as it was, loudly if that fails. */
				struct sc_err e2 = {0};
				int back = swapon_with(p,
					p->t.active_priority >= 0 ? p->t.active_priority : -1, &e2);
				if (back < 0)
					sc_error("%s: could not re-enable it either: %s; "
						 "the area is now inactive",
						p->path, e2.msg);
				else
					sc_warn(p->cli, "%s: re-enabled with its old priority %d",
						p->path, p->t.active_priority);
				return r;
			}
			break;
		case SC_ROT_ACT_FSTAB_UPDATE: {
			struct sc_swap_spec spec = {
				.path = p->entry.source,
				.priority = priority,
				.discard = p->entry.discard,
				.managed = p->entry.managed,
				.nofail = p->entry.nofail,
			};
			r = sc_fstab_set_swap(p->fstab, &spec, err);
			if (r >= 0)
				r = sc_fstab_commit(p->c, p->fstab, err);
			if (r < 0)
				return r;
			sc_cli_daemon_reload(p->cli);
			break;
		}
		case SC_ROT_ACT_ZRAM_CONFIG:
			r = sc_zram_set_priority(p->c, p->zram_id, priority, err);
			if (r < 0)
				return r;
			break;
		default:
			return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: unknown step %s",
				a->target, a->action);
		}
		a->done = true;
	}
	return 0;
}
