/*
 * rotate, resize and priority --rotate: applying one rotation, make-before-break. The journal
 * first, then create, swapon (checked in /proc/swaps), the fstab rewrite, the gate and swapoff
 * of the old area, its unlink; a replacement that never reached fstab is rolled back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fsinfo.h"
#include "rotate-run.h"
#include "signals.h"
#include "swapfile.h"

/*
 * Check that the replacement is live with the intended priority (the kernel masks or ignores
 * priority bits it does not expect; /proc/swaps says what it took).
 */
static int verify_enabled(struct run *run, const struct sc_rotation *u, struct sc_err *err)
{
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	uint64_t total;
	int r;

	r = sc_swaps_read(run->c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	s = sc_swaps_find(&sw, u->new_path);
	if (!s) {
		sc_swaps_free(&sw);
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: swapon succeeded but the area is not in /proc/swaps", u->new_path);
	}
	if (s->priority != u->priority) {
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: active with priority %d instead of %d", u->new_path, s->priority,
			u->priority);
		sc_swaps_free(&sw);
		return r;
	}
	total = 0;
	for (size_t i = 0; i < sw.n; i++)
		total += sw.items[i].size_bytes;
	sc_swaps_free(&sw);
	if (total < run->start_total)
		sc_warn(run->cli,
			"active swap dropped below its size before the command (%" PRIu64
			" < %" PRIu64 " bytes): something else retired an area meanwhile",
			total, run->start_total);
	return 0;
}

/*
 * Undo a replacement that never made it into fstab: it is swapped off (after the gate: pages
 * may already have landed on it) and removed. When that fails the journal stays, and the next
 * run resumes the rotation forward instead.
 */
static int rollback_new(struct run *run, const struct sc_rotation *u, bool enabled)
{
	struct sc_err e = {0};
	const char *victims[] = {u->new_path};
	struct sc_gate_report rep;
	int r;

	if (enabled) {
		r = sc_gate_check(run->c, victims, 1, &rep, &e);
		sc_gate_report_free(&rep);
		if (r < 0 && !run->force) {
			sc_warn(run->cli,
				"%s: left active: %s; the next swapctl rotate finishes it",
				u->new_path, e.msg);
			return r;
		}
		sc_err_clear(&e);
		r = sc_gate_swapoff(run->c, u->new_path, NULL, &e);
		if (r < 0) {
			sc_warn(run->cli,
				"%s: left active: %s; the next swapctl rotate finishes it",
				u->new_path, e.msg);
			return r;
		}
	}
	sc_err_clear(&e);
	r = sc_swapfile_unlink(run->c, u->new_path, &e);
	if (r < 0) {
		sc_warn(run->cli, "%s", e.msg);
		return r;
	}
	return sc_rotate_journal_remove(run->c);
}

/* Rewrite the line of the unit's old file to name its replacement, on document f. */
int sc_rot_replace_entry(
	const struct run *run, struct sc_fstab *f, const struct sc_rotation *u, struct sc_err *err)
{
	struct sc_swap_spec spec = {
		.path = sc_ctx_boot_path(run->c, u->new_path),
		.priority = u->priority,
		.discard = sc_discard_fstab(u->discard),
		.managed = u->managed,
		.nofail = u->nofail,
	};
	int r = sc_fstab_replace_swap(f, sc_ctx_boot_path(run->c, u->old_path), &spec, err);

	if (r == 0)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
			"%s: its fstab entry disappeared from %s meanwhile", u->old_path,
			run->c->fstab);
	return r < 0 ? r : 0;
}

/* *in_place: the commit failed only at the fsync of fstab's directory (fstab.h). */
static int do_fstab(
	struct run *run, const struct sc_rotation *u, bool *in_place, struct sc_err *err)
{
	int r;

	/* Re-read: a recovery or an earlier rotation of this run committed since. */
	r = sc_rot_load_fstab(run, err);
	if (r < 0)
		return r;
	r = sc_rot_replace_entry(run, run->fstab, u, err);
	if (r < 0)
		return r;
	r = sc_fstab_commit(run->c, run->fstab, err);
	*in_place = r < 0 && !sc_fstab_modified(run->fstab);
	if (r == 0 || *in_place)
		sc_cli_daemon_reload(run->cli);
	return r;
}

static int do_swapoff(struct run *run, const struct sc_rotation *u, struct sc_err *err)
{
	const char *victims[] = {u->old_path};
	struct sc_gate_report rep;
	uint64_t left;
	int r;

	r = sc_gate_check(run->c, victims, 1, &rep, err);
	sc_rot_add_gate_json(run, u->old_path, "apply", &rep);
	sc_gate_report_free(&rep);
	if (r == -ENOENT) {
		sc_err_clear(err); /* no longer active (retired by hand?): nothing to do */
		return 0;
	}
	if (r < 0 && !(r == -EPERM && run->force)) {
		if (r == -EPERM)
			sc_err_hint(err,
				"%s is active and in fstab; %s stays active (not persisted) until "
				"swapctl rotate runs again when there is room; --force overrides",
				u->new_path, u->old_path);
		return r;
	}
	sc_err_clear(err);
	r = sc_gate_swapoff(run->c, u->old_path, &left, err);
	if (r < 0 && u->persist)
		sc_err_hint(err,
			"fstab already names %s; %s stays active until swapctl rotate runs again",
			u->new_path, u->old_path);
	return r;
}

int sc_rot_apply_unit(struct run *run, struct sc_rotation *u, struct sc_err *err)
{
	bool enabled = false, in_place = false;
	int r;

	if (!u->recovery) {
		r = sc_rotate_journal_write(run->c, u);
		/*
		 * Nothing has started yet: a journal that was renamed into place before its
		 * directory fsync failed must not outlive this run (best effort; a journal
		 * a crash brings back is rolled back by the next run, as nothing was done).
		 */
		if (r < 0)
			(void)sc_rotate_journal_remove(run->c);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"%s%s: cannot write the rotation journal: %s", run->c->fstab,
				SC_ROTATE_JOURNAL_SUFFIX, strerror(-r));
		sc_rot_checkpoint(run, "journal");
	}
	for (size_t k = 0; k < u->n; k++) {
		struct sc_action *a = sc_rot_unit_action(run, u, k);

		switch (a->kind) {
		case SC_ROT_ACT_CREATE: {
			struct sc_swapfile_opts o = {
				.size = u->size,
				.label = u->label,
				.reserve = UINT64_MAX,
			};
			struct sc_fsinfo_space sp;

			r = sc_fsinfo_parent_space(run->c, u->new_path, &sp);
			if (r == -ENOMEM)
				return r;
			o.reserve = r == 0 ? sp.reserve_bytes : 0;
			r = sc_swapfile_create(run->c, u->new_path, &o, err);
			if (r < 0) {
				sc_rotate_journal_remove(run->c);
				return r;
			}
			break;
		}
		case SC_ROT_ACT_SWAPON:
			r = sc_swapfile_enable(run->c, u->new_path, u->priority, u->discard, err);
			if (r == 0) {
				enabled = true;
				r = verify_enabled(run, u, err);
			}
			if (r < 0) {
				if (!u->recovery)
					rollback_new(run, u, enabled);
				return r;
			}
			break;
		case SC_ROT_ACT_FSTAB_REPLACE:
			r = do_fstab(run, u, &in_place, err);
			if (r < 0 && in_place) {
				/*
				 * Renamed into place, only the directory fsync failed (fstab.h):
				 * every reader already sees the replacement named. Rolling it
				 * back now would leave fstab naming a missing file; stop with the
				 * journal kept instead, as after a failed swapoff: the next run
				 * retires the old area.
				 */
				a->done = true;
				sc_err_hint(err,
					"%s is active and named in fstab, %s stays active until "
					"swapctl rotate runs again; run sync and check the disk",
					u->new_path, u->old_path);
				return r;
			}
			if (r < 0) {
				if (!u->recovery)
					rollback_new(run, u, enabled);
				return r;
			}
			break;
		case SC_ROT_ACT_SWAPOFF:
			r = do_swapoff(run, u, err);
			if (r < 0)
				return r; /* journal kept: the next run resumes here */
			break;
		case SC_ROT_ACT_UNLINK:
			r = sc_swapfile_unlink(run->c, a->target, err);
			if (r < 0)
				return r;
			break;
		default:
			return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: unknown step %s",
				a->target, a->action);
		}
		a->done = true;
		sc_rot_checkpoint(run, a->action);
		if (sc_signals_pending() && k + 1 < u->n)
			return sc_err_set(err, SC_EXIT_FAILURE, EINTR,
				"%s: interrupted by signal %d after %s; the rotation to %s is "
				"recorded and the next swapctl rotate, resize or priority finishes "
				"or rolls it back",
				u->old_path, sc_signals_pending(), a->action, u->new_path);
	}
	r = sc_rotate_journal_remove(run->c);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s%s: cannot remove the rotation journal: %s", run->c->fstab,
			SC_ROTATE_JOURNAL_SUFFIX, strerror(-r));
	return 0;
}
