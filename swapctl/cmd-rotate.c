/*
 * swapctl rotate [FILE...] [--size SIZE] [--force]
 * swapctl resize FILE SIZE [--force]
 *
 * Make-before-break replacement of swapfiles (lib/rotate.h): gather the state (fstab, /proc/swaps,
 * the files and their filesystems), finish or roll back an interrupted rotation (journal),
 * plan, ask the gate before anything is created, then apply one file at a time. The applier is
 * shared with `priority` through sc_rotate_recover_pending().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "gate.h"
#include "header.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "rotate.h"
#include "signals.h"
#include "swaplabel.h"
#include "swapfile.h"
#include "util.h"

struct run {
	struct sc_cli *cli;
	struct sc_ctx *c;
	bool force;
	struct sc_fstab *fstab;
	struct sc_rotate_plan rp;
	struct json_object *gates;
	uint64_t start_total; /* active swap before the command */
	size_t n_recovered;
	struct sc_err last_err; /* what --json reports as "error" on failure */
};

/*
 * Signals (lib/signals.h): a termination signal lets the step under way finish (a swapoff
 * child gets a terminal's signal too and returns EINTR, leaving its area active), then stops
 * the rotation at that step boundary with the journal kept for the next run, which finishes
 * or rolls it back.
 */

/* Print err and remember it for the JSON object. */
static int fail(struct run *run, const struct sc_err *err)
{
	if (!run->last_err.msg[0])
		run->last_err = *err;
	return sc_report(run->cli, err);
}

static void run_done(struct run *run)
{
	sc_fstab_free(run->fstab);
	sc_rotate_plan_free(&run->rp);
	if (run->gates)
		json_object_put(run->gates);
}

/* After each step: where a test layer can stop the process as a crash would. */
static void checkpoint(const struct run *run, const char *step)
{
	sc_checkpoint(run->c, step);
}

static uint64_t active_total(const struct sc_ctx *c)
{
	struct sc_swaps sw = {0};
	uint64_t t = 0;

	if (sc_swaps_read(c, &sw) < 0)
		return 0;
	for (size_t i = 0; i < sw.n; i++)
		t += sw.items[i].size_bytes;
	sc_swaps_free(&sw);
	return t;
}

static int load_fstab(struct run *run, struct sc_err *err)
{
	sc_fstab_free(run->fstab);
	run->fstab = NULL;
	return sc_fstab_load(run->c, run->c->fstab, &run->fstab, err);
}

/* stage: "plan" (before anything is made, replacement counted) or "apply" (the real check). */
static void add_gate_json(
	struct run *run, const char *target, const char *stage, const struct sc_gate_report *rep)
{
	struct json_object *g = sc_json_gate(rep);

	if (!run->gates)
		run->gates = json_object_new_array();
	json_object_object_add(g, "target", json_object_new_string(target));
	json_object_object_add(g, "stage", json_object_new_string(stage));
	json_object_array_add(run->gates, g);
}

/* fstab entry for a full path, looked up by the path the booted system sees. */
static int find_entry(struct run *run, const char *full, struct sc_fstab_entry *ret)
{
	return sc_fstab_find_swap(run->fstab, sc_ctx_boot_path(run->c, full), ret);
}

/* ---- applying one rotation ---- */

static struct sc_action *unit_action(struct run *run, const struct sc_rotation *u, size_t k)
{
	return &run->rp.plan.actions[u->first + k];
}

/* Check that the replacement is live with the intended priority (KERNEL-FACTS §1.4). */
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
static int replace_entry(
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

static bool unit_has(struct run *run, const struct sc_rotation *u, int kind);

/*
 * Planning: every unit's fstab rewrite, tried on a copy of the loaded document before
 * anything is created, so an edit fstab/ refuses stops --dry-run and the real run alike.
 */
static int stage_fstab(struct run *run, char **ret_diff)
{
	struct sc_fstab *copy = NULL;
	struct sc_err err = {0};
	int r;

	r = sc_fstab_dup_loaded(run->fstab, &copy, &err);
	for (size_t i = run->n_recovered; r >= 0 && i < run->rp.n_units; i++)
		if (unit_has(run, &run->rp.units[i], SC_ROT_ACT_FSTAB_REPLACE))
			r = replace_entry(run, copy, &run->rp.units[i], &err);
	if (r >= 0)
		r = sc_fstab_validate(copy, &err);
	if (r >= 0)
		r = sc_fstab_diff(copy, run->c->fstab, ret_diff);
	sc_fstab_free(copy);
	if (r < 0) {
		if (!err.msg[0])
			sc_err_set(&err, SC_EXIT_FAILURE, -r, "%s: cannot stage the edit: %s",
				run->c->fstab, strerror(-r));
		return fail(run, &err);
	}
	return 0;
}

/* *in_place: the commit failed only at the fsync of fstab's directory (fstab.h). */
static int do_fstab(
	struct run *run, const struct sc_rotation *u, bool *in_place, struct sc_err *err)
{
	int r;

	/* Re-read: a recovery or an earlier rotation of this run committed since. */
	r = load_fstab(run, err);
	if (r < 0)
		return r;
	r = replace_entry(run, run->fstab, u, err);
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
	add_gate_json(run, u->old_path, "apply", &rep);
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

static int apply_unit(struct run *run, struct sc_rotation *u, struct sc_err *err)
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
		checkpoint(run, "journal");
	}
	for (size_t k = 0; k < u->n; k++) {
		struct sc_action *a = unit_action(run, u, k);

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
		checkpoint(run, a->action);
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

/* ---- recovery ---- */

/*
 * Finish or roll back a rotation a crash or kill interrupted (the journal says which). Adds
 * its actions to run->rp and applies them unless --dry-run. Returns 0 (also when none was
 * pending) or an exit code.
 */
static int recover(struct run *run)
{
	struct sc_rotate_journal j = {0};
	struct sc_rotate_observed o = {0};
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	struct sc_err err = {0};
	struct sc_rotation *u;
	int r;

	r = sc_rotate_journal_read(run->c, &j);
	if (r == 0)
		return 0;
	if (r < 0) {
		sc_error("%s%s: cannot read the rotation journal: %s", run->c->fstab,
			SC_ROTATE_JOURNAL_SUFFIX, strerror(-r));
		fprintf(stderr,
			"swapctl: hint: check the file; remove it once fstab and "
			"/proc/swaps agree\n");
		return SC_EXIT_FAILURE;
	}
	r = sc_swaps_read(run->c, &sw);
	if (r < 0) {
		sc_rotate_journal_done(&j);
		return sc_report_errno(run->cli, r, "/proc/swaps", "cannot read");
	}
	o.old_exists = sc_fsinfo_exists(run->c, j.old_path);
	o.new_exists = sc_fsinfo_exists(run->c, j.new_path);
	s = sc_swaps_find(&sw, j.old_path);
	o.old_active = s != NULL;
	o.old_used = s ? s->used_bytes : 0;
	o.new_active = sc_swaps_find(&sw, j.new_path) != NULL;
	sc_swaps_free(&sw);
	o.fstab_old = find_entry(run, j.old_path, NULL) > 0;
	o.fstab_new = find_entry(run, j.new_path, NULL) > 0;

	r = sc_rotate_recover(&j, &o, run->c->fstab, &run->rp, &err);
	sc_rotate_journal_done(&j);
	if (r < 0)
		return err.msg[0] ? fail(run, &err)
				  : sc_report_errno(run->cli, r, "rotation journal", "cannot plan");
	u = &run->rp.units[run->rp.n_units - 1];
	run->n_recovered++;
	if (run->cli->dry_run)
		return 0;
	/* Held for the recovery only: the command's own change holds them again. */
	sc_signals_hold();
	r = apply_unit(run, u, &err);
	sc_signals_release();
	if (r < 0)
		return fail(run, &err);
	sc_info(run->cli, "%s: %s the rotation to %s that was interrupted", u->old_path,
		u->rollback ? "rolled back" : "completed", u->new_path);
	if (sc_signals_pending()) {
		sc_err_set(&err, SC_EXIT_FAILURE, EINTR,
			"interrupted by signal %d after the recovery; nothing else was changed",
			sc_signals_pending());
		return fail(run, &err);
	}
	return load_fstab(run, &err) < 0 ? fail(run, &err) : 0;
}

int sc_rotate_recover_pending(struct sc_cli *cli, struct json_object **ret_actions)
{
	struct run run = {.cli = cli, .c = &cli->ctx};
	struct sc_err err = {0};
	int ret;

	if (load_fstab(&run, &err) < 0) {
		ret = fail(&run, &err);
		run_done(&run);
		return ret;
	}
	run.start_total = active_total(run.c);
	ret = recover(&run);
	if (ret_actions) {
		*ret_actions = json_object_new_array();
		for (size_t i = 0; i < run.rp.plan.n; i++)
			json_object_array_add(
				*ret_actions, sc_json_action(&run.rp.plan.actions[i]));
	}
	if (ret == 0 && run.n_recovered && cli->dry_run && !cli->json)
		sc_print_plan(cli, &run.rp.plan);
	run_done(&run);
	return ret;
}

/* ---- gathering the targets ---- */

struct target_buf {
	struct sc_rotate_target t;
	char *full;
	char *new_path;
	char *discard;
	char *label;
};

static void targets_free(struct target_buf *tb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tb[i].full);
		free(tb[i].new_path);
		free(tb[i].discard);
		free(tb[i].label);
	}
	free(tb);
}

static int gather_target(
	struct run *run, const struct sc_swaps *sw, struct target_buf *tb, bool named)
{
	struct sc_rotate_target *t = &tb->t;
	struct sc_fstab_entry e = {0};
	const struct sc_swap *s;
	_cleanup_free_ char *dir = NULL;
	const char **active = NULL;
	char **names = NULL;
	size_t n_names = 0;
	struct sc_fsinfo_space sp;
	struct stat st;
	int r;

	t->path = tb->full;
	t->named = named;
	r = find_entry(run, tb->full, &e);
	if (r < 0)
		return sc_report_errno(run->cli, r, run->c->fstab, "cannot search");
	if (r > 0) {
		t->in_fstab = true;
		t->managed = e.managed;
		t->has_priority = e.has_priority;
		t->fstab_priority = e.priority;
		t->nofail = e.nofail;
		if (e.discard) {
			tb->discard = strdup(e.discard);
			if (!tb->discard) {
				sc_fstab_entry_done(&e);
				return sc_report_errno(run->cli, -ENOMEM, tb->full, "gathering");
			}
			t->discard = tb->discard;
		}
		sc_fstab_entry_done(&e);
	}
	s = run->c->offline ? NULL : sc_swaps_find(sw, tb->full);
	if (s) {
		t->active = true;
		t->deleted = s->deleted;
		t->active_priority = s->priority;
		t->active_used = s->used_bytes;
	}
	if (sc_ctx_stat(run->c, tb->full, false, &st) == 0) {
		t->exists = true;
		t->regular = S_ISREG(st.st_mode);
		t->file_size = (uint64_t)st.st_size;
		t->resume_target = t->regular && sc_fsinfo_resume_device(run->c, st.st_dev);
		if (t->regular) {
			(void)sc_swaplabel_read(run->c, tb->full, t->file_size, &tb->label);
			t->label = tb->label;
			/* All 16 bytes of the field used (not by mkswap): the copy could not keep it. */
			if (tb->label && strlen(tb->label) > SC_HEADER_LABEL_MAX)
				return sc_usage_error(run->cli,
					"%s: its label '%s' is %zu bytes and a swap label holds "
					"at most %d, so its replacement cannot keep it: "
					"relabel it with swaplabel -L while it is not in use",
					tb->full, tb->label, strlen(tb->label),
					SC_HEADER_LABEL_MAX);
		}
	}
	dir = strdup(tb->full);
	if (!dir)
		return sc_report_errno(run->cli, -ENOMEM, tb->full, "gathering");
	*strrchr(dir, '/') = '\0';
	if (sc_fsinfo_dir_space(run->c, dir, &sp) == 0) {
		t->fs_free = sp.avail_bytes;
		t->reserve = sp.reserve_bytes;
	}
	if (!t->exists || !t->regular)
		return 0; /* the planner refuses it with the reason */
	r = sc_fsinfo_list_dir(run->c, dir[0] ? dir : "/", &names, &n_names);
	if (r < 0)
		return sc_report_errno(run->cli, r, dir, "cannot list");
	active = calloc(sw->n + 1, sizeof(*active));
	if (!active)
		r = -ENOMEM;
	for (size_t i = 0; active && i < sw->n; i++)
		active[i] = sw->items[i].path;
	if (r == 0)
		r = sc_rotate_next_path(tb->full, (const char *const *)names, n_names, active,
			sw->n, &tb->new_path);
	sc_fsinfo_names_free(names, n_names);
	free(active);
	if (r == -ERANGE)
		return sc_usage_error(
			run->cli, "%s: no generation number left for a replacement", tb->full);
	if (r < 0)
		return sc_report_errno(run->cli, r, tb->full, "cannot name the replacement");
	t->new_path = tb->new_path;
	return 0;
}

/* The path the user named, as a full path under the root (and as the booted system sees it). */
static int resolve_arg(struct run *run, const char *arg, char **ret_full)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	r = sc_swapfile_normalize(arg, &norm);
	if (r == -EINVAL)
		return sc_usage_error(run->cli, "%s: not a file path", arg);
	if (r < 0)
		return sc_report_errno(run->cli, r, arg, "cannot resolve");
	*ret_full = sc_ctx_root_path(run->c, norm);
	if (!*ret_full)
		return sc_report_errno(run->cli, -ENOMEM, arg, "cannot resolve");
	return 0;
}

static bool is_managed_swapfile(const struct sc_fstab_entry *e)
{
	return e->is_swap && e->managed && e->source[0] == '/' &&
		!sc_startswith(e->source, "/dev/");
}

static int gather(
	struct run *run, char **files, size_t n_files, struct target_buf **ret, size_t *ret_n)
{
	struct sc_swaps sw = {0};
	struct target_buf *tb = NULL;
	size_t n = 0;
	int r, ret_code = 0;

	r = run->c->offline ? 0 : sc_swaps_read(run->c, &sw);
	if (r < 0)
		return sc_report_errno(run->cli, r, "/proc/swaps", "cannot read");
	if (n_files > 0) {
		tb = calloc(n_files, sizeof(*tb));
		if (!tb) {
			ret_code = sc_report_errno(run->cli, -ENOMEM, "targets", "gathering");
			goto out;
		}
		for (size_t i = 0; i < n_files; i++) {
			ret_code = resolve_arg(run, files[i], &tb[n].full);
			if (ret_code)
				goto out;
			/* The same file named twice is one target. */
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= strcmp(tb[k].full, tb[n].full) == 0;
			if (dup) {
				free(tb[n].full);
				tb[n].full = NULL;
				continue;
			}
			n++;
		}
	} else {
		struct sc_fstab_entry *e = NULL;
		size_t ne = 0;

		r = sc_fstab_list_swap(run->fstab, &e, &ne);
		if (r < 0) {
			ret_code = sc_report_errno(run->cli, r, run->c->fstab, "cannot list");
			goto out;
		}
		tb = calloc(ne + 1, sizeof(*tb));
		for (size_t i = 0; tb && i < ne; i++) {
			if (!is_managed_swapfile(&e[i]))
				continue;
			tb[n].full = sc_ctx_root_path(run->c, e[i].source);
			if (!tb[n].full)
				break;
			n++;
		}
		sc_fstab_entries_free(e, ne);
		if (!tb || (n && !tb[n - 1].full)) {
			ret_code = sc_report_errno(run->cli, -ENOMEM, "targets", "gathering");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ret_code = gather_target(run, &sw, &tb[i], n_files > 0);
		if (ret_code)
			goto out;
	}
out:
	sc_swaps_free(&sw);
	if (ret_code) {
		targets_free(tb, n_files > n ? n_files : n);
		return ret_code;
	}
	*ret = tb;
	*ret_n = n;
	return 0;
}

/* ---- the commands ---- */

static int output(struct run *run, int code)
{
	struct sc_cli *cli = run->cli;

	if (cli->json) {
		struct json_object *o =
			sc_json_result(&run->rp.plan, sc_plan_changed(&run->rp.plan));

		if (code != SC_EXIT_OK)
			sc_json_add_error(o, &run->last_err, code);
		json_object_object_add(o, "gates",
			run->gates ? json_object_get(run->gates) : json_object_new_array());
		json_object_object_add(
			o, "recovered", json_object_new_boolean(run->n_recovered > 0));
		sc_json_print(o);
	} else if (cli->dry_run)
		sc_print_plan(cli, &run->rp.plan);
	return code;
}

static bool unit_has(struct run *run, const struct sc_rotation *u, int kind)
{
	for (size_t k = 0; k < u->n; k++)
		if (unit_action(run, u, k)->kind == kind)
			return true;
	return false;
}

/* Before anything is created: would the old area be allowed to go, replacement counted? */
static int precheck_gates(struct run *run)
{
	for (size_t i = run->n_recovered; i < run->rp.n_units; i++) {
		const struct sc_rotation *u = &run->rp.units[i];
		const char *victims[] = {u->old_path};
		struct sc_gate_report rep;
		struct sc_err err = {0};
		int r;

		if (!unit_has(run, u, SC_ROT_ACT_SWAPOFF))
			continue;
		r = sc_gate_check_planned(run->c, victims, 1,
			u->enable ? u->size - run->c->page_size : 0, &rep, &err);
		add_gate_json(run, u->old_path, "plan", &rep);
		sc_gate_report_free(&rep);
		if (r == -EPERM && run->force) {
			sc_warn(run->cli, "%s (--force: going ahead)", err.msg);
			continue;
		}
		if (r == -EPERM)
			sc_err_hint(&err,
				"free memory, or add swap elsewhere first (swapctl add); --force "
				"overrides");
		if (r < 0)
			return fail(run, &err);
	}
	return 0;
}

void sc_report_auto_priorities(struct sc_cli *cli, const struct sc_swaps *before)
{
	struct sc_swaps now = {0};

	if (cli->ctx.offline || sc_swaps_read(&cli->ctx, &now) < 0)
		return;
	for (size_t i = 0; i < before->n; i++) {
		const struct sc_swap *b = &before->items[i], *a;

		if (b->priority >= 0)
			continue;
		a = sc_swaps_find(&now, b->path);
		if (a && a->priority < 0 && a->priority != b->priority)
			sc_info(cli,
				"%s: automatic priority %d is now %d (the kernel renumbers "
				"automatic priorities when an area is swapped off)",
				a->path, b->priority, a->priority);
	}
	sc_swaps_free(&now);
}

static void report_done(struct run *run)
{
	char b[32];

	for (size_t i = run->n_recovered; i < run->rp.n_units; i++) {
		const struct sc_rotation *u = &run->rp.units[i];
		sc_info(run->cli, "%s: replaced by %s (%s, priority %d)%s", u->old_path,
			u->new_path, sc_format_bytes(u->size, b), u->priority,
			u->persist ? ", fstab updated" : "");
	}
}

static int rotate_main(struct sc_cli *cli, enum sc_rotate_kind kind, char **files, size_t n_files,
	uint64_t size, int priority, bool force)
{
	struct run run = {.cli = cli, .c = &cli->ctx, .force = force};
	struct sc_rotate_request req = {
		.kind = kind,
		.size = size,
		.priority = priority,
		.force = force,
		.offline = cli->ctx.offline,
		.fstab = cli->ctx.fstab,
	};
	struct target_buf *tb = NULL;
	struct sc_rotate_target *targets = NULL;
	struct sc_swaps before = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *diff = NULL;
	size_t n = 0;
	int lock_fd = -1, ret, r;

	if (!cli->dry_run) {
		r = sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock_fd, &err);
		if (r < 0)
			return sc_report(cli, &err); /* main prints the JSON object */
	}
	if (load_fstab(&run, &err) < 0) {
		ret = fail(&run, &err);
		goto out;
	}
	ret = recover(&run);
	if (ret)
		goto out_print;
	/* After the recovery: the invariant is about what this command does. */
	run.start_total = active_total(run.c);

	ret = gather(&run, files, n_files, &tb, &n);
	if (ret)
		goto out_print;
	if (n == 0) {
		sc_info(cli, "no managed swapfiles in %s: nothing to rotate", cli->ctx.fstab);
		ret = output(&run, SC_EXIT_OK);
		goto out;
	}
	targets = calloc(n, sizeof(*targets));
	if (!targets) {
		ret = sc_report_errno(cli, -ENOMEM, "targets", "planning");
		goto out;
	}
	{
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			/*
			 * A rotation the recovery just completed is the rotation this (repeated)
			 * command asked for: the file is fresh, do not replace it again.
			 */
			bool fresh = false;
			for (size_t u = 0; kind == SC_ROTATE_ROTATE && u < run.n_recovered; u++)
				fresh |= !run.rp.units[u].rollback &&
					strcmp(run.rp.units[u].new_path, tb[i].full) == 0;
			if (!fresh)
				targets[k++] = tb[i].t;
		}
		r = sc_rotate_plan(&req, targets, k, &run.rp, &err);
	}
	if (r < 0) {
		ret = fail(&run, &err);
		goto out_print;
	}
	if (run.rp.n_units == run.n_recovered) {
		if (kind == SC_ROTATE_RESIZE)
			sc_info(cli, "%s: already that size: unchanged", tb[0].full);
		else if (kind == SC_ROTATE_PRIORITY)
			sc_info(cli, "%s: priority already %d: unchanged", tb[0].full, priority);
		ret = output(&run, SC_EXIT_OK);
		goto out;
	}
	ret = precheck_gates(&run);
	if (ret)
		goto out_print;
	ret = stage_fstab(&run, &diff);
	if (ret)
		goto out_print;
	if (cli->dry_run) {
		ret = output(&run, SC_EXIT_OK);
		sc_print_fstab_diff(cli, diff);
		goto out;
	}
	if (sc_swaps_read(run.c, &before) < 0)
		before.n = 0;
	sc_signals_hold();
	for (size_t i = run.n_recovered; i < run.rp.n_units; i++) {
		/* Between two rotations: stop before the next one starts. */
		if (sc_signals_pending())
			r = sc_err_set(&err, SC_EXIT_FAILURE, EINTR,
				"interrupted by signal %d; %zu swapfile(s) not rotated",
				sc_signals_pending(), run.rp.n_units - i);
		else
			r = apply_unit(&run, &run.rp.units[i], &err);
		if (r < 0) {
			ret = fail(&run, &err);
			goto out_print;
		}
	}
	report_done(&run);
	sc_report_auto_priorities(cli, &before);
	ret = output(&run, SC_EXIT_OK);
	goto out;

out_print:
	/*
	 * A failure or refusal still prints the JSON object, with what was done; a failure
	 * with nothing to show is left to main's fallback object, which carries its message.
	 */
	if (cli->json && (run.last_err.msg[0] || sc_plan_changed(&run.rp.plan)))
		output(&run, ret);
out:
	sc_swaps_free(&before);
	free(targets);
	targets_free(tb, n);
	run_done(&run);
	if (lock_fd >= 0)
		sc_lock_release(&cli->ctx, lock_fd);
	return ret;
}

int sc_cmd_rotate(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 's'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	uint64_t size = 0;
	bool force = false;
	int c, ret;

	while ((c = sc_cli_getopt(cli, argc, argv, "s:fh", opts, &ret)) != -1) {
		switch (c) {
		case 's':
			ret = sc_cli_swap_size(cli, optarg, &size);
			if (ret)
				return ret;
			break;
		case 'f':
			force = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	return rotate_main(
		cli, SC_ROTATE_ROTATE, argv + optind, (size_t)(argc - optind), size, -1, force);
}

int sc_cmd_resize(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	uint64_t size = 0;
	bool force = false;
	int c, ret;

	while ((c = sc_cli_getopt(cli, argc, argv, "fh", opts, &ret)) != -1)
		if (c == 'f')
			force = true;
	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return sc_usage_error(cli, "resize: expected FILE SIZE");
	ret = sc_cli_swap_size(cli, argv[optind + 1], &size);
	if (ret)
		return ret;
	return rotate_main(cli, SC_ROTATE_RESIZE, argv + optind, 1, size, -1, force);
}

int sc_priority_by_rotation(struct sc_cli *cli, char *file, int priority, bool force)
{
	return rotate_main(cli, SC_ROTATE_PRIORITY, &file, 1, 0, priority, force);
}
