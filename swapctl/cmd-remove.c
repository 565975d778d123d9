/*
 * swapctl remove FILE|DEVICE... | --all: retire swap areas safely (SPEC §5, §7).
 *
 * argv -> targets (named ones, or every managed fstab entry for --all); gather each target's
 * state (lib/swapfile inspection, its fstab entry); plan (lib/swapfile, pure); ask the swapoff
 * safety gate (lib/gate.h) for every area that would be swapped off; print the plan under
 * --dry-run, or apply it: swapoffs (each in a child), one fstab commit, then the files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "gate.h"
#include "lock.h"
#include "macro.h"
#include "signals.h"
#include "swapfile.h"
#include "util.h"

struct target {
	char *full; /* under --root */
	const char *boot; /* points into full */
	bool named;
	struct sc_swapfile_state st;
	struct sc_fstab_entry entry;
	bool has_entry;
};

struct remove_run {
	struct sc_cli *cli;
	struct sc_fstab *fstab;
};

static int stage_remove(
	void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err)
{
	struct remove_run *x = data;
	const struct sc_field *p = sc_action_get(a, "path");
	int r = sc_fstab_remove_swap(f, p ? p->str : a->target);

	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot remove the entry for %s: %s", x->cli->ctx.fstab,
			p ? p->str : a->target, strerror(-r));
	return 0;
}

static int stage_fstab(void *data, const struct sc_action *a, struct sc_err *err)
{
	struct remove_run *x = data;

	return stage_remove(data, x->fstab, a, err);
}

static int commit_fstab(void *data, struct sc_err *err)
{
	struct remove_run *x = data;
	int r = sc_fstab_commit(&x->cli->ctx, x->fstab, err);

	/* Rebased onto the new version: only its directory fsync failed (fstab.h). */
	return r < 0 && !sc_fstab_modified(x->fstab) ? 1 : r;
}

static void targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].full);
		sc_swapfile_state_done(&t[i].st);
		sc_fstab_entry_done(&t[i].entry);
	}
	free(t);
}

/*
 * A named path as the kernel and fstab spell it: made absolute and canonical, with symlinks
 * resolved when it exists (/proc/swaps shows resolved paths). Under --root, inside the tree.
 */
static int target_path(const struct sc_ctx *c, const char *arg, char **ret)
{
	_cleanup_free_ char *norm = NULL, *full = NULL;
	int r;

	r = sc_swapfile_normalize(arg, &norm);
	if (r < 0)
		return r;
	full = sc_ctx_root_path(c, norm);
	if (!full)
		return -ENOMEM;
	if (!c->root[0]) {
		r = sc_fsinfo_canonical(c, full, ret);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	*ret = TAKE_PTR(full);
	return 0;
}

static int add_target(struct target **t, size_t *n, char *full, bool named)
{
	struct target *nt;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*t)[i].full, full) == 0) {
			(*t)[i].named = (*t)[i].named || named;
			free(full);
			return 0;
		}
	nt = realloc(*t, (*n + 1) * sizeof(**t));
	if (!nt) {
		free(full);
		return -ENOMEM;
	}
	*t = nt;
	memset(&nt[*n], 0, sizeof(nt[*n]));
	nt[*n].full = full;
	nt[*n].named = named;
	(*n)++;
	return 0;
}

/* Did every action of target t (the plan's "_target") other than its unlink run? */
static bool retired(const struct sc_plan *plan, int64_t t)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i];
		const struct sc_field *f = sc_action_get(a, "_target");

		if (f && f->num == t && a->kind != SC_SWAPFILE_ACT_UNLINK && !a->done)
			return false;
	}
	return true;
}

/*
 * After a failure: the files that are off and named by no fstab entry any more but could not
 * be deleted (nothing would ever name them again), and whether everything is done and only
 * a sync failed (an unlinked file's directory, or fstab's after the rename).
 */
static void failure_state(struct sc_cli *cli, struct sc_plan *plan, struct sc_err *err,
	struct json_object **ret_leftover, bool *ret_committed)
{
	char reason[sizeof(err->msg)], names[sizeof(err->msg) / 2] = "";
	bool committed = plan->n > 0, fstab_left = false;
	size_t n_left = 0, len = 0;

	*ret_leftover = json_object_new_array();
	for (size_t i = 0; i < plan->n; i++) {
		struct sc_action *a = &plan->actions[i];
		const struct sc_field *f = sc_action_get(a, "_target");

		if (a->done)
			continue;
		if (a->kind != SC_SWAPFILE_ACT_UNLINK || sc_fsinfo_exists(&cli->ctx, a->target))
			committed = false;
		if (a->kind == SC_SWAPFILE_ACT_FSTAB_REMOVE)
			fstab_left = true;
		if (a->kind != SC_SWAPFILE_ACT_UNLINK || !sc_fsinfo_exists(&cli->ctx, a->target) ||
			!retired(plan, f ? f->num : 0))
			continue;
		json_object_array_add(*ret_leftover,
			json_object_new_string(sc_ctx_boot_path(&cli->ctx, a->target)));
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
				n_left ? ", " : "", sc_ctx_boot_path(&cli->ctx, a->target));
		n_left++;
	}
	*ret_committed = committed;
	snprintf(reason, sizeof(reason), "%s", err->msg[0] ? err->msg : "operation failed");
	if (n_left) {
		int errnum = err->errnum;

		sc_err_clear(err);
		sc_err_set(err, SC_EXIT_FAILURE, errnum,
			"%s: not active and no longer in %s, but %s could not be deleted (%s)",
			names, cli->ctx.fstab, n_left > 1 ? "the files" : "the file", reason);
		sc_err_hint(err,
			"nothing uses or names %s any more: delete %s with 'swapctl remove %s' "
			"(or rm)",
			n_left > 1 ? "them" : "it", n_left > 1 ? "them" : "it", names);
	} else if (committed)
		sc_err_hint(err,
			"everything was removed, but the change may not survive a crash; run sync "
			"and check the disk (swapctl status shows what a crash brought back)");
	else if (fstab_left)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->actions[i].kind == SC_SWAPFILE_ACT_SWAPOFF &&
				plan->actions[i].done) {
				sc_err_hint(err,
					"%s is swapped off, but its fstab entry and its file are "
					"kept; run the command again to finish",
					plan->actions[i].target);
				break;
			}
}

/* applied: the plan was applied (else nothing was done yet). */
static int finish(struct sc_cli *cli, struct sc_plan *plan, const struct sc_gate_report *gate,
	struct sc_err *err, int code, bool applied)
{
	struct json_object *leftover = NULL;
	bool committed = false;

	if (code != SC_EXIT_OK && applied)
		failure_state(cli, plan, err, &leftover, &committed);
	if (cli->json) {
		struct json_object *o = sc_json_result(
					   plan, !cli->dry_run && sc_plan_changed(plan)),
				   *e;

		if (gate)
			json_object_object_add(o, "gate", sc_json_gate(gate));
		if (code != SC_EXIT_OK) {
			sc_json_add_error(o, err, code);
			if (json_object_object_get_ex(o, "error", &e)) {
				json_object_object_add(
					e, "committed", json_object_new_boolean(committed));
				if (leftover && json_object_array_length(leftover))
					json_object_object_add(
						e, "leftover", json_object_get(leftover));
			}
		}
		sc_json_print(o);
	}
	json_object_put(leftover);
	if (code != SC_EXIT_OK) {
		/* Whatever did complete before the failure. */
		if (!cli->json && !cli->quiet)
			for (size_t i = 0; i < plan->n; i++)
				if (plan->actions[i].done)
					printf("%s %s\n", plan->actions[i].action,
						plan->actions[i].target);
		return sc_report(cli, err);
	}
	if (!cli->json && !cli->quiet) {
		if (plan->n == 0)
			printf("nothing to remove\n");
		else
			sc_print_plan(cli, plan);
	}
	return SC_EXIT_OK;
}

int sc_cmd_remove(struct sc_cli *cli, int argc, char **argv)
{
	enum { OPT_ALL = 0x100, OPT_KEEP, OPT_FORCE };
	static const struct option opts[] = {
		{"all", no_argument, NULL, OPT_ALL},
		{"keep-file", no_argument, NULL, OPT_KEEP},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_ctx *c = &cli->ctx;
	struct sc_remove_request req = {.offline = c->offline};
	struct remove_run run = {.cli = cli};
	struct sc_remove_target *rt = NULL;
	struct sc_gate_report gate = {0};
	struct target *t = NULL;
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	bool all = false, force = false, gate_run = false;
	const char **victims = NULL;
	_cleanup_free_ char *diff = NULL;
	size_t n = 0, n_victims = 0;
	int opt, ret, r, lock_fd = -1;

	while ((opt = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (opt) {
		case OPT_ALL:
			all = true;
			break;
		case OPT_KEEP:
			req.keep_file = true;
			break;
		case OPT_FORCE:
			force = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (all && optind < argc)
		return sc_usage_error(cli, "remove: name areas or use --all, not both");
	if (!all && optind >= argc)
		return sc_usage_error(cli, "remove: name a swapfile or device, or use --all");

	if (!cli->dry_run) {
		r = sc_lock_acquire(c, cli->lock_timeout_ms, &lock_fd, &err);
		if (r < 0)
			return finish(cli, &plan, NULL, &err, err.kind, false);
	}
	r = sc_fstab_load(c, c->fstab, &run.fstab, &err);
	if (r < 0) {
		ret = finish(cli, &plan, NULL, &err, err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}
	req.fstab = c->fstab;

	if (all) {
		/* Managed entries only: unmanaged swap is touched only when named (SPEC §5). */
		struct sc_fstab_entry *e = NULL;
		size_t ne = 0;

		r = sc_fstab_list_swap(run.fstab, &e, &ne);
		for (size_t i = 0; r >= 0 && i < ne; i++) {
			char *full;
			if (!e[i].managed || !e[i].source || e[i].source[0] != '/')
				continue;
			full = sc_ctx_root_path(c, e[i].source);
			r = full ? add_target(&t, &n, full, false) : -ENOMEM;
		}
		sc_fstab_entries_free(e, ne);
	} else
		for (int i = optind; i < argc; i++) {
			char *full;
			r = target_path(c, argv[i], &full);
			if (r == -EINVAL) {
				ret = sc_usage_error(
					cli, "remove: '%s' does not name a file", argv[i]);
				goto out;
			}
			if (r < 0)
				break;
			r = add_target(&t, &n, full, true);
			if (r < 0)
				break;
		}
	if (r < 0) {
		ret = sc_report_errno(cli, r, "remove", "cannot list the targets");
		goto out;
	}

	rt = calloc(n + 1, sizeof(*rt));
	victims = calloc(n + 1, sizeof(*victims));
	if (!rt || !victims) {
		ret = sc_report_errno(cli, -ENOMEM, "remove", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		t[i].boot = sc_ctx_boot_path(c, t[i].full);
		r = sc_swapfile_inspect(c, t[i].full, 0, &t[i].st, &err);
		if (r < 0) {
			ret = finish(cli, &plan, NULL, &err, err.kind ? err.kind : SC_EXIT_FAILURE,
				false);
			goto out;
		}
		r = sc_fstab_find_swap(run.fstab, t[i].boot, &t[i].entry);
		/* Also the name the kernel shows, when it differs (a path through a link). */
		if (r == 0 && t[i].st.active_as && !c->offline)
			r = sc_fstab_find_swap(run.fstab, t[i].st.active_as, &t[i].entry);
		if (r < 0) {
			ret = sc_report_errno(cli, r, c->fstab, "cannot search");
			goto out;
		}
		t[i].has_entry = r > 0;
		rt[i].path = t[i].full;
		rt[i].boot_path = t[i].has_entry ? t[i].entry.source : t[i].boot;
		rt[i].st = &t[i].st;
		rt[i].named = t[i].named;
		rt[i].fstab.present = t[i].has_entry;
		rt[i].fstab.managed = t[i].has_entry && t[i].entry.managed;
	}

	r = sc_swapfile_plan_remove(&req, rt, n, &plan, &err);
	if (r < 0) {
		ret = finish(cli, &plan, NULL, &err, err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}

	/* SPEC §7: no swapoff unless the used pages fit; --force overrides. */
	for (size_t i = 0; i < plan.n; i++)
		if (plan.actions[i].kind == SC_SWAPFILE_ACT_SWAPOFF)
			victims[n_victims++] = plan.actions[i].target;
	if (n_victims) {
		gate_run = true;
		r = sc_gate_check(c, victims, n_victims, &gate, &err);
		if (r < 0 && !force) {
			/* the gate's refusals already end their hint with "--force overrides" */
			if (r == -EPERM && !err.hint[0])
				sc_err_hint(&err, "--force overrides");
			ret = finish(cli, &plan, &gate, &err, err.kind ? err.kind : SC_EXIT_FAILURE,
				false);
			goto out;
		}
		if (r < 0) {
			sc_warn(cli, "%s (--force: going ahead)", err.msg);
			sc_err_clear(&err);
		}
	}

	/* The fstab edit is part of the plan: a refused edit stops both modes here. */
	r = sc_cli_stage_fstab(cli, &plan, SC_SWAPFILE_ACT_FSTAB_REMOVE,
		SC_SWAPFILE_ACT_FSTAB_REMOVE, stage_remove, &run, run.fstab, &err, &diff);
	if (r < 0) {
		ret = finish(cli, &plan, gate_run ? &gate : NULL, &err,
			err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}
	if (cli->dry_run) {
		ret = finish(cli, &plan, gate_run ? &gate : NULL, &err, SC_EXIT_OK, false);
		sc_print_fstab_diff(cli, diff);
		goto out;
	}
	/*
	 * The swapoffs, the fstab commit and the unlinks are one change (lib/signals.h): a
	 * termination signal waits until it is done or rolled back and systemd told. A ^C
	 * reaches the swapoff child too and stops a long swapoff with its area still active.
	 */
	sc_signals_hold();
	{
		struct sc_swapfile_hooks hooks = {stage_fstab, commit_fstab, &run};
		r = sc_swapfile_apply_remove(c, &plan, &hooks, &err);
	}
	for (size_t i = 0; i < plan.n; i++)
		if (plan.actions[i].kind == SC_SWAPFILE_ACT_FSTAB_REMOVE && plan.actions[i].done) {
			sc_cli_daemon_reload(cli);
			break;
		}
	ret = finish(cli, &plan, gate_run ? &gate : NULL, &err,
		r < 0 ? (err.kind ? err.kind : SC_EXIT_FAILURE) : SC_EXIT_OK, true);
out:
	if (gate_run)
		sc_gate_report_free(&gate);
	free(victims);
	free(rt);
	targets_free(t, n);
	sc_plan_free(&plan);
	if (run.fstab)
		sc_fstab_free(run.fstab);
	sc_lock_release(c, lock_fd);
	return ret;
}
