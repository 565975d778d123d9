/*
 * rotate, resize and priority --rotate: finishing or rolling back a rotation that a crash,
 * a kill or a signal interrupted (its journal next to the fstab), and the report of the
 * automatic priorities the kernel renumbered after swapoffs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsinfo.h"
#include "rotate-run.h"
#include "signals.h"

/*
 * Finish or roll back a rotation a crash or kill interrupted (the journal says which). Adds
 * its actions to run->rp and applies them unless --dry-run. Returns 0 (also when none was
 * pending) or an exit code.
 */
int sc_rot_recover(struct run *run)
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
	o.fstab_old = sc_rot_find_entry(run, j.old_path, NULL) > 0;
	o.fstab_new = sc_rot_find_entry(run, j.new_path, NULL) > 0;

	r = sc_rotate_recover(&j, &o, run->c->fstab, &run->rp, &err);
	sc_rotate_journal_done(&j);
	if (r < 0)
		return err.msg[0] ? sc_rot_fail(run, &err)
				  : sc_report_errno(run->cli, r, "rotation journal", "cannot plan");
	u = &run->rp.units[run->rp.n_units - 1];
	run->n_recovered++;
	if (run->cli->dry_run)
		return 0;
	/* Held for the recovery only: the command's own change holds them again. */
	sc_signals_hold();
	r = sc_rot_apply_unit(run, u, &err);
	sc_signals_release();
	if (r < 0)
		return sc_rot_fail(run, &err);
	sc_info(run->cli, "%s: %s the rotation to %s that was interrupted", u->old_path,
		u->rollback ? "rolled back" : "completed", u->new_path);
	if (sc_signals_pending()) {
		sc_err_set(&err, SC_EXIT_FAILURE, EINTR,
			"interrupted by signal %d after the recovery; nothing else was changed",
			sc_signals_pending());
		return sc_rot_fail(run, &err);
	}
	return sc_rot_load_fstab(run, &err) < 0 ? sc_rot_fail(run, &err) : 0;
}

int sc_rotate_recover_pending(struct sc_cli *cli, struct json_object **ret_actions)
{
	struct run run = {.cli = cli, .c = &cli->ctx};
	struct sc_err err = {0};
	int ret;

	if (sc_rot_load_fstab(&run, &err) < 0) {
		ret = sc_rot_fail(&run, &err);
		sc_rot_run_done(&run);
		return ret;
	}
	run.start_total = sc_rot_active_total(run.c);
	ret = sc_rot_recover(&run);
	if (ret_actions) {
		*ret_actions = json_object_new_array();
		for (size_t i = 0; i < run.rp.plan.n; i++)
			json_object_array_add(
				*ret_actions, sc_json_action(&run.rp.plan.actions[i]));
	}
	if (ret == 0 && run.n_recovered && cli->dry_run && !cli->json)
		sc_print_plan(cli, &run.rp.plan);
	sc_rot_run_done(&run);
	return ret;
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
