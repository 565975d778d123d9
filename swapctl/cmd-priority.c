/*
 * swapctl priority FILE|DEVICE N [--force]
 *
 * The kernel cannot change an active area's priority in place (swapon(2) takes it once), so a
 * change is: the gate, swapoff (in a child), swapon with N and the same discard policy, and
 * the fstab entry's pri= (lib/rotate.h, sc_priority_plan). An fstab-only change (the area is
 * not active, or already runs with N) touches nothing in the kernel.
 * This file: the command and its output; gathering and planning are in priority-gather.c,
 * applying in priority-apply.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "gate.h"
#include "lock.h"
#include "parse.h"
#include "procfs.h"
#include "rotate.h"
#include "signals.h"
#include "swapfile.h"
#include "util.h"
#include "zram.h"
#include "priority-cli.h"

static void prio_done(struct prio *p)
{
	free(p->path);
	if (p->has_entry)
		sc_fstab_entry_done(&p->entry);
	sc_fstab_free(p->fstab);
	sc_plan_free(&p->plan);
	if (p->gates)
		json_object_put(p->gates);
	if (p->recovery)
		json_object_put(p->recovery);
}

static int output(struct prio *p, int code, const struct sc_err *err)
{
	if (p->cli->json) {
		struct json_object *o = sc_json_result(&p->plan, sc_plan_changed(&p->plan));

		if (code != SC_EXIT_OK)
			sc_json_add_error(o, err, code);
		json_object_object_add(
			o, "gates", p->gates ? json_object_get(p->gates) : json_object_new_array());
		json_object_object_add(o, "recovery_actions",
			p->recovery ? json_object_get(p->recovery) : json_object_new_array());
		sc_json_print(o);
	} else if (p->cli->dry_run)
		sc_print_plan(p->cli, &p->plan);
	return code;
}

static void refusal_hint(const struct prio *p, struct sc_err *err, const char *arg, int prio)
{
	if (p->managed_file)
		sc_err_hint(err,
			"the kernel cannot change a priority in place; change it make-before-break "
			"instead (swapctl priority --rotate %s %d), or add swap elsewhere first; "
			"--force overrides",
			arg, prio);
	else
		sc_err_hint(err,
			"the kernel cannot change a priority in place, so the area must be swapped "
			"off and on again; free memory or add swap elsewhere first (swapctl add); "
			"--force overrides");
}

int sc_cmd_priority(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"rotate", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct prio p = {.cli = cli, .c = &cli->ctx, .zram_id = -1};
	struct sc_swaps before = {0};
	struct sc_err err = {0};
	bool force = false, rotate = false;
	int64_t prio;
	int c, ret, lock_fd = -1, r;

	while ((c = sc_cli_getopt(cli, argc, argv, "frh", opts, &ret)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'r')
			rotate = true;
	}
	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return sc_usage_error(cli, "priority: expected FILE|DEVICE N");
	/*
	 * Only explicit priorities: -1 (automatic) would be renumbered by the kernel at every
	 * swapoff, and above 32767 the kernel masks or misreads the value.
	 */
	if (sc_parse_int(argv[optind + 1], 0, 32767, &prio) < 0)
		return sc_usage_error(cli,
			"%s: not a priority (0..32767; swapctl gives every area an explicit one)",
			argv[optind + 1]);
	if (rotate)
		return sc_priority_by_rotation(cli, argv[optind], (int)prio, force);

	if (!cli->dry_run) {
		r = sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock_fd, &err);
		if (r < 0)
			return sc_report(cli, &err);
	}
	ret = sc_rotate_recover_pending(cli, &p.recovery);
	if (ret)
		goto out;
	ret = sc_prio_resolve(&p, argv[optind]);
	if (ret)
		goto out;
	ret = sc_prio_gather(&p);
	if (ret)
		goto out;
	r = sc_priority_plan(&p.t, (int)prio, cli->ctx.fstab, cli->ctx.offline, &p.plan, &err);
	if (r >= 0)
		r = sc_prio_plan_zram_config(&p, (int)prio, &err);
	if (r < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	if (p.plan.n == 0) {
		sc_info(cli, "%s: priority already %d: unchanged", p.path, (int)prio);
		ret = output(&p, SC_EXIT_OK, NULL);
		goto out;
	}
	if (p.plan.actions[0].kind == SC_ROT_ACT_SWAPOFF) {
		const char *victims[] = {p.path};
		struct sc_gate_report rep;

		r = sc_gate_check(&cli->ctx, victims, 1, &rep, &err);
		p.gates = json_object_new_array();
		json_object_array_add(p.gates, sc_json_gate(&rep));
		sc_gate_report_free(&rep);
		if (r == -EPERM && force) {
			sc_warn(cli, "%s (--force: going ahead)", err.msg);
			sc_err_clear(&err);
		} else if (r < 0) {
			if (r == -EPERM)
				refusal_hint(&p, &err, argv[optind], (int)prio);
			ret = sc_report(cli, &err);
			if (cli->json)
				output(&p, ret, &err);
			goto out;
		}
	}
	if (cli->dry_run) {
		ret = output(&p, SC_EXIT_OK, NULL);
		goto out;
	}
	if (sc_swaps_read(&cli->ctx, &before) < 0)
		before.n = 0;
	/* swapoff, swapon and pri= are one change: never stopped half-way (lib/signals.h). */
	sc_signals_hold();
	r = sc_prio_apply(&p, (int)prio, &err);
	sc_report_auto_priorities(cli, &before);
	sc_swaps_free(&before);
	if (r < 0) {
		ret = sc_report(cli, &err);
		if (cli->json)
			output(&p, ret, &err);
		goto out;
	}
	sc_info(cli, "%s: priority %d", p.path, (int)prio);
	if (p.zram && !p.has_entry && p.zram_id < 0)
		sc_info(cli,
			"%s: not a device swapctl created: whatever creates it at boot sets its "
			"priority there",
			p.path);
	ret = output(&p, SC_EXIT_OK, NULL);
out:
	prio_done(&p);
	if (lock_fd >= 0)
		sc_lock_release(&cli->ctx, lock_fd);
	return ret;
}
