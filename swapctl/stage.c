/*
 * Planning of fstab edits: the plan's fstab actions are tried on a copy of the loaded
 * document before the first effect, so --dry-run and the real run refuse the same edits with
 * the same exit code, and the dry run can show the exact diff the real run would write. After
 * a committed edit, systemd is told (sc_cli_daemon_reload()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "macro.h"
#include "systemd.h"

int sc_cli_stage_fstab(const struct sc_cli *cli, const struct sc_plan *plan, enum sc_act first_kind,
	enum sc_act last_kind, sc_fstab_stage_fn stage, void *data, const struct sc_fstab *f,
	struct sc_err *err, char **ret_diff)
{
	struct sc_fstab *copy = NULL;
	bool any = false;
	int r;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->actions[i].kind >= first_kind && plan->actions[i].kind <= last_kind)
			any = true;
	if (!any || !f)
		return 0;

	r = sc_fstab_dup_loaded(f, &copy, err);
	for (size_t i = 0; i < plan->n && r >= 0; i++) {
		const struct sc_action *a = &plan->actions[i];

		if (a->kind >= first_kind && a->kind <= last_kind)
			r = stage(data, copy, a, err);
	}
	if (r >= 0)
		r = sc_fstab_validate(copy, err);
	if (r >= 0 && ret_diff)
		r = sc_fstab_diff(copy, cli->ctx.fstab, ret_diff);
	sc_fstab_free(copy);
	if (r < 0) /* keeps a message fstab/ gave; else says what failed */
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot stage the edit: %s",
			cli->ctx.fstab, strerror(-r));
	return 0;
}

/*
 * systemd-fstab-generator turns fstab's swap lines into .swap units only when PID 1 reloads:
 * without a daemon-reload it keeps acting on the old fstab.
 */
void sc_cli_daemon_reload(struct sc_cli *cli)
{
	int r = sc_systemd_daemon_reload(&cli->ctx);

	if (r != 0)
		sc_warn(cli,
			"systemctl daemon-reload failed (%d); run it yourself so systemd sees "
			"the new fstab",
			r);
}
