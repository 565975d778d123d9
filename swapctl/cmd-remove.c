/*
 * swapctl remove FILE|DEVICE... | --all: retire swap areas safely.
 *
 * argv -> targets (named ones, or every managed fstab entry for --all); gather each target's
 * state (lib/swapfile inspection, its fstab entry); plan (lib/swapfile, pure); ask the swapoff
 * safety gate (lib/gate.h) for every area that would be swapped off; print the plan under
 * --dry-run, or apply it: swapoffs (each in a child), one fstab commit, then the files.
 * This file: the command's flow; the targets and the applier's fstab hooks are in
 * remove-targets.c, the output (and what a failure left) in remove-report.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hibernate.h"
#include "fstab.h"
#include "gate.h"
#include "lock.h"
#include "macro.h"
#include "signals.h"
#include "swapfile.h"
#include "util.h"
#include "remove-cli.h"

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
			return sc_remove_finish(cli, &plan, NULL, &err, err.kind, false);
	}
	r = sc_fstab_load(c, c->fstab, &run.fstab, &err);
	if (r < 0) {
		ret = sc_remove_finish(
			cli, &plan, NULL, &err, err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}
	req.fstab = c->fstab;

	if (all) {
		/* Managed entries only: unmanaged swap is touched only when named. */
		struct sc_fstab_entry *e = NULL;
		size_t ne = 0;

		r = sc_fstab_list_swap(run.fstab, &e, &ne);
		for (size_t i = 0; r >= 0 && i < ne; i++) {
			char *full;
			if (!e[i].managed || !e[i].source || e[i].source[0] != '/')
				continue;
			full = sc_ctx_root_path(c, e[i].source);
			r = full ? sc_remove_add_target(&t, &n, full, false) : -ENOMEM;
		}
		sc_fstab_entries_free(e, ne);
	} else
		for (int i = optind; i < argc; i++) {
			char *full;
			r = sc_remove_target_path(c, argv[i], &full);
			if (r == -EINVAL) {
				ret = sc_usage_error(
					cli, "remove: '%s' does not name a file", argv[i]);
				goto out;
			}
			if (r < 0)
				break;
			r = sc_remove_add_target(&t, &n, full, true);
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
			ret = sc_remove_finish(cli, &plan, NULL, &err,
				err.kind ? err.kind : SC_EXIT_FAILURE, false);
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

	/* swapctl's resume file: its configuration must move first (swapctl hibernate) */
	{
		struct sc_hib_record rec;

		if (sc_hib_record_load(c, &rec, &err) < 0) {
			ret = sc_remove_finish(cli, &plan, NULL, &err, SC_EXIT_FAILURE, false);
			goto out;
		}
		for (size_t i = 0; rec.present && i < n; i++)
			if (strcmp(t[i].boot, rec.file) == 0) {
				sc_err_set(&err, SC_EXIT_REFUSED, EBUSY,
					"%s: is the hibernation resume file (swapctl hibernate); "
					"without it the next resume fails",
					t[i].boot);
				sc_err_hint(&err,
					"run swapctl hibernate --off, or swapctl hibernate FILE "
					"for "
					"another swapfile, first");
				break;
			}
		sc_hib_record_done(&rec);
		if (err.msg[0]) {
			ret = sc_remove_finish(cli, &plan, NULL, &err, SC_EXIT_REFUSED, false);
			goto out;
		}
	}
	r = sc_swapfile_plan_remove(&req, rt, n, &plan, &err);
	if (r < 0) {
		ret = sc_remove_finish(
			cli, &plan, NULL, &err, err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}

	/* No swapoff unless the used pages fit back in memory; --force overrides. */
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
			ret = sc_remove_finish(cli, &plan, &gate, &err,
				err.kind ? err.kind : SC_EXIT_FAILURE, false);
			goto out;
		}
		if (r < 0) {
			sc_warn(cli, "%s (--force: going ahead)", err.msg);
			sc_err_clear(&err);
		}
	}

	/* The fstab edit is part of the plan: a refused edit stops both modes here. */
	r = sc_cli_stage_fstab(cli, &plan, SC_SWAPFILE_ACT_FSTAB_REMOVE,
		SC_SWAPFILE_ACT_FSTAB_REMOVE, sc_remove_stage, &run, run.fstab, &err, &diff);
	if (r < 0) {
		ret = sc_remove_finish(cli, &plan, gate_run ? &gate : NULL, &err,
			err.kind ? err.kind : SC_EXIT_FAILURE, false);
		goto out;
	}
	if (cli->dry_run) {
		ret = sc_remove_finish(
			cli, &plan, gate_run ? &gate : NULL, &err, SC_EXIT_OK, false);
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
		struct sc_swapfile_hooks hooks = {
			sc_remove_stage_fstab, sc_remove_commit_fstab, &run};
		r = sc_swapfile_apply_remove(c, &plan, &hooks, &err);
	}
	for (size_t i = 0; i < plan.n; i++)
		if (plan.actions[i].kind == SC_SWAPFILE_ACT_FSTAB_REMOVE && plan.actions[i].done) {
			sc_cli_daemon_reload(cli);
			break;
		}
	ret = sc_remove_finish(cli, &plan, gate_run ? &gate : NULL, &err,
		r < 0 ? (err.kind ? err.kind : SC_EXIT_FAILURE) : SC_EXIT_OK, true);
out:
	if (gate_run)
		sc_gate_report_free(&gate);
	free(victims);
	free(rt);
	sc_remove_targets_free(t, n);
	sc_plan_free(&plan);
	if (run.fstab)
		sc_fstab_free(run.fstab);
	sc_lock_release(c, lock_fd);
	return ret;
}
