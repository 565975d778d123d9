/*
 * swapctl rotate [FILE...] [--size SIZE] [--force]
 * swapctl resize FILE SIZE [--force]
 *
 * Make-before-break replacement of swapfiles (lib/rotate.h): gather the state (fstab, /proc/swaps,
 * the files and their filesystems; rotate-gather.c), finish or roll back an interrupted
 * rotation (journal; rotate-recover.c), plan, ask the gate before anything is created, then
 * apply one file at a time (rotate-apply.c). This file holds the commands and their driver;
 * the applier is shared with `priority` through sc_rotate_recover_pending().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "hibernate-cli.h"
#include "rotate-run.h"
#include "signals.h"
#include "util.h"

/* Before anything is created: would the old area be allowed to go, replacement counted? */
static int sc_rot_precheck_gates(struct run *run)
{
	for (size_t i = run->n_recovered; i < run->rp.n_units; i++) {
		const struct sc_rotation *u = &run->rp.units[i];
		const char *victims[] = {u->old_path};
		struct sc_gate_report rep;
		struct sc_err err = {0};
		int r;

		if (!sc_rot_unit_has(run, u, SC_ROT_ACT_SWAPOFF))
			continue;
		r = sc_gate_check_planned(run->c, victims, 1,
			u->enable ? u->size - run->c->page_size : 0, &rep, &err);
		sc_rot_add_gate_json(run, u->old_path, "plan", &rep);
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
			return sc_rot_fail(run, &err);
	}
	return 0;
}

static void sc_rot_report_done(struct run *run)
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
	if (sc_rot_load_fstab(&run, &err) < 0) {
		ret = sc_rot_fail(&run, &err);
		goto out;
	}
	ret = sc_rot_recover(&run);
	if (ret)
		goto out_print;
	/* After the recovery: the invariant is about what this command does. */
	run.start_total = sc_rot_active_total(run.c);

	{
		struct sc_err herr = {0};

		run.hib_ok = sc_hibernate_gather(cli, NULL, &run.hib, &herr) == 0;
	}
	ret = sc_rot_gather(&run, files, n_files, &tb, &n);
	if (ret)
		goto out_print;
	if (n == 0) {
		sc_info(cli, "no managed swapfiles in %s: nothing to rotate", cli->ctx.fstab);
		ret = sc_rot_output(&run, SC_EXIT_OK);
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
		ret = sc_rot_fail(&run, &err);
		goto out_print;
	}
	if (run.rp.n_units == run.n_recovered) {
		if (kind == SC_ROTATE_RESIZE)
			sc_info(cli, "%s: already that size: unchanged", tb[0].full);
		else if (kind == SC_ROTATE_PRIORITY)
			sc_info(cli, "%s: priority already %d: unchanged", tb[0].full, priority);
		ret = sc_rot_output(&run, SC_EXIT_OK);
		goto out;
	}
	ret = sc_rot_precheck_gates(&run);
	if (ret)
		goto out_print;
	ret = sc_rot_stage_fstab(&run, &diff);
	if (ret)
		goto out_print;
	if (cli->dry_run) {
		ret = sc_rot_output(&run, SC_EXIT_OK);
		sc_print_fstab_diff(cli, diff);
		sc_rot_note_resume(&run);
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
			r = sc_rot_apply_unit(&run, &run.rp.units[i], &err);
		if (r < 0) {
			ret = sc_rot_fail(&run, &err);
			goto out_print;
		}
	}
	sc_rot_report_done(&run);
	sc_report_auto_priorities(cli, &before);
	ret = sc_rot_update_resume(&run);
	if (ret)
		goto out_print;
	ret = sc_rot_output(&run, SC_EXIT_OK);
	goto out;

out_print:
	/*
	 * A failure or refusal still prints the JSON object, with what was done; a failure
	 * with nothing to show is left to main's fallback object, which carries its message.
	 */
	if (cli->json && (run.last_err.msg[0] || sc_plan_changed(&run.rp.plan)))
		sc_rot_output(&run, ret);
out:
	sc_swaps_free(&before);
	free(targets);
	sc_rot_targets_free(tb, n);
	sc_rot_run_done(&run);
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
