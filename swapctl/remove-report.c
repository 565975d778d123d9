/*
 * swapctl remove: the output -- the JSON object or the human lines -- and, after a failure,
 * exactly what was left (files off and out of fstab that could not be deleted, a change in
 * place but not durable, an area off but still named).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "gate.h"
#include "swapfile.h"
#include "util.h"
#include "remove-cli.h"

/* Did every action of removal target t other than its unlink run? */
static bool retired(const struct sc_plan *plan, size_t t)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i];

		if (sc_swapfile_remove_target(a) == t && a->kind != SC_SWAPFILE_ACT_UNLINK &&
			!a->done)
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

		if (a->done)
			continue;
		if (a->kind != SC_SWAPFILE_ACT_UNLINK || sc_fsinfo_exists(&cli->ctx, a->target))
			committed = false;
		if (a->kind == SC_SWAPFILE_ACT_FSTAB_REMOVE)
			fstab_left = true;
		if (a->kind != SC_SWAPFILE_ACT_UNLINK || !sc_fsinfo_exists(&cli->ctx, a->target) ||
			!retired(plan, sc_swapfile_remove_target(a)))
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
					"kept; run the command again to sc_remove_finish",
					plan->actions[i].target);
				break;
			}
}

/* applied: the plan was applied (else nothing was done yet). */
int sc_remove_finish(struct sc_cli *cli, struct sc_plan *plan, const struct sc_gate_report *gate,
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
