/*
 * swapctl add SIZE|auto: create, enable and persist a swapfile.
 *
 * argv -> request (add-args.c); gather the state (lib/swapfile inspection, the fstab entry,
 * RAM); plan (lib/swapfile, pure); print it under --dry-run, or apply it (lib/swapfile, with
 * fstab/ for the last step, through the hooks of add-steps.c) rolling back on failure; render.
 * This file: the command's flow and its output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "signals.h"
#include "swapfile.h"
#include "util.h"
#include "add-cli.h"
#include "hibernate-cli.h"

/* The command's output and exit code; hib: add --hibernate's resume configuration, or NULL. */
static int finish_with(struct sc_cli *cli, struct sc_plan *plan, const struct sc_err *err, int code,
	const char *boot_path, uint64_t size, const struct sc_hib_plan *hib)
{
	if (cli->json) {
		struct json_object *o = sc_json_result(
					   plan, !cli->dry_run && sc_plan_changed(plan)),
				   *e;
		bool committed = code != SC_EXIT_OK && plan->n > 0;

		/* Every action done and still an error: in place, but not durable. */
		for (size_t i = 0; committed && i < plan->n; i++)
			committed = plan->actions[i].done;
		if (boot_path)
			json_object_object_add(o, "path", json_object_new_string(boot_path));
		if (size)
			json_object_object_add(
				o, "size_bytes", json_object_new_int64((int64_t)size));
		if (hib) {
			struct json_object *acts;

			/* the resume configuration's actions follow the file's */
			if (json_object_object_get_ex(o, "actions", &acts))
				for (size_t i = 0; i < hib->plan.n; i++)
					json_object_array_add(
						acts, sc_json_action(&hib->plan.actions[i]));
			if (hib->plan.n && !cli->dry_run && sc_plan_changed(&hib->plan))
				json_object_object_add(o, "changed", json_object_new_boolean(true));
			sc_json_add_hibernate(o, hib);
		}
		if (code != SC_EXIT_OK) {
			sc_json_add_error(o, err, code);
			if (json_object_object_get_ex(o, "error", &e))
				json_object_object_add(
					e, "committed", json_object_new_boolean(committed));
		}
		sc_json_print(o);
	}
	if (code != SC_EXIT_OK)
		return sc_report(cli, err);
	if (!cli->json && !cli->quiet) {
		if (plan->n == 0 && (!hib || hib->plan.n == 0))
			printf("%s: already in place; nothing to do\n", boot_path);
		else
			sc_print_plan(cli, plan);
		if (hib && hib->has_target)
			printf("resume from %s: %s\n", boot_path, hib->target.cmdline);
		if (hib)
			sc_print_plan(cli, &hib->plan);
	}
	if (hib)
		sc_hibernate_print_after(cli, hib);
	return SC_EXIT_OK;
}

static int finish(struct sc_cli *cli, struct sc_plan *plan, const struct sc_err *err, int code,
	const char *boot_path, uint64_t size)
{
	return finish_with(cli, plan, err, code, boot_path, size, NULL);
}

/*
 * add --hibernate, once the file is in place: configure resume from it (swapctl hibernate
 * FILE) and report both. A failure here leaves the swapfile, which is complete; running the
 * command again configures resume.
 */
static int add_hibernate(struct sc_cli *cli, struct sc_plan *plan, struct sc_err *err,
	const char *boot_path, uint64_t size)
{
	struct sc_hib_request req = {.file = boot_path};
	struct sc_hib_observed o = {0};
	struct sc_hib_plan p = {0};
	int r, ret;

	sc_err_clear(err);
	r = sc_hibernate_configure(cli, &req, &o, &p, err);
	if (r < 0 && err->msg[0]) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n,
			"; the swapfile is in place, resume is not configured");
	}
	ret = finish_with(cli, plan, err,
		r < 0 ? (err->kind ? err->kind : SC_EXIT_FAILURE) : SC_EXIT_OK, boot_path, size,
		&p);
	sc_hibernate_plan_done(&p);
	sc_hibernate_observed_done(&o);
	return ret;
}

int sc_cmd_add(struct sc_cli *cli, int argc, char **argv)
{
	struct sc_ctx *c = &cli->ctx;
	struct sc_add_request req = {
		.priority = -1, .enable = true, .persist = true, .reserve = UINT64_MAX};
	struct sc_add_host facts = {.page_size = c->page_size, .offline = c->offline};
	struct sc_swapfile_observed st = {0};
	struct sc_swapfile_fstab fst = {0};
	struct sc_fstab_entry entry = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct add_run run = {.cli = cli};
	_cleanup_free_ char *boot = NULL, *full = NULL, *diff = NULL;
	int ret, r, lock_fd = -1;
	uint64_t shown_size = 0;

	ret = sc_add_parse_args(cli, argc, argv, &req, &boot);
	if (ret >= 0)
		return ret;

	if (!cli->dry_run) {
		r = sc_lock_acquire(c, cli->lock_timeout_ms, &lock_fd, &err);
		if (r < 0)
			return finish(cli, &plan, &err, err.kind, NULL, 0);
	}

	r = sc_fstab_load(c, c->fstab, &run.fstab, &err);
	if (r < 0) {
		ret = finish(cli, &plan, &err, err.kind ? err.kind : SC_EXIT_FAILURE, NULL, 0);
		goto out;
	}
	/* swapctl's own directory is created on demand, for --path inside it too. */
	if (boot && sc_startswith(boot, SC_SWAPFILE_DIR "/") &&
		!strchr(boot + strlen(SC_SWAPFILE_DIR "/"), '/'))
		req.default_path = true;
	if (!boot) {
		req.default_path = true;
		r = sc_add_default_boot_path(run.fstab, &boot);
		if (r < 0) {
			sc_err_set(&err, SC_EXIT_FAILURE, -r, "%s: cannot list entries: %s",
				c->fstab, strerror(-r));
			ret = finish(cli, &plan, &err, SC_EXIT_FAILURE, NULL, 0);
			goto out;
		}
	}
	{
		/*
		 * fstab can only say what all its readers decode alike: glibc's getmntent (which
		 * systemd-fstab-generator uses) knows only the escapes of space, tab, newline and
		 * backslash, so other control characters cannot be written.
		 */
		_cleanup_free_ char *mangled = NULL;
		if (sc_mangle(boot, &mangled) < 0) {
			sc_err_set(&err, SC_EXIT_USAGE, EINVAL,
				"%s: contains a control character fstab cannot express", boot);
			ret = finish(cli, &plan, &err, SC_EXIT_USAGE, NULL, 0);
			goto out;
		}
	}
	full = sc_ctx_root_path(c, boot);
	if (!full) {
		ret = sc_report_errno(cli, -ENOMEM, "add", "out of memory");
		goto out;
	}
	req.path = full;
	req.boot_path = run.boot_path = sc_ctx_boot_path(c, full);
	req.fstab = c->fstab;

	r = sc_fstab_find_swap(run.fstab, req.boot_path, &entry);
	if (r < 0) {
		sc_err_set(
			&err, SC_EXIT_FAILURE, -r, "%s: cannot search: %s", c->fstab, strerror(-r));
		ret = finish(cli, &plan, &err, SC_EXIT_FAILURE, req.boot_path, 0);
		goto out;
	}
	if (r > 0) {
		fst.present = true;
		fst.managed = entry.managed;
		fst.has_priority = entry.has_priority;
		fst.priority = entry.priority;
		fst.discard = entry.discard;
	}

	if (!req.size || req.hibernate) {
		struct sc_meminfo mem;
		r = sc_meminfo_read(c, &mem);
		if (r < 0) {
			sc_err_set(&err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s",
				strerror(-r));
			ret = finish(cli, &plan, &err, SC_EXIT_FAILURE, req.boot_path, 0);
			goto out;
		}
		facts.mem_total = mem.total;
	}
	if (req.hibernate && !c->offline) {
		/* A kernel that cannot hibernate: refused before a file is made for it. */
		struct sc_hib_power pw;

		sc_hib_power_read(c, &pw);
		r = sc_hib_power_check(&pw, false, &err);
		if (pw.has_image_size)
			facts.image_size = pw.image_size;
		sc_hib_power_done(&pw);
		if (r < 0) {
			ret = finish(cli, &plan, &err, err.kind, req.boot_path, 0);
			goto out;
		}
	}
	facts.capable = c->offline || sc_swapfile_capable(c) != 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		unsigned flags = SC_INSPECT_FOR_ADD | (attempt ? SC_INSPECT_SETTLE : 0);

		sc_swapfile_observed_done(&st);
		sc_plan_free(&plan);
		sc_err_clear(&err);
		r = sc_swapfile_inspect(c, full, flags, &st, &err);
		if (r == 0) {
			sc_add_name_foreign(c, full, &st);
			r = sc_swapfile_plan_add(&req, &st, &fst, &facts, &plan, &err);
		}
		/* XFS and btrfs free a deleted file's space lazily: settle and look again. */
		if (r < 0 && err.errnum == ENOSPC && !attempt && !cli->dry_run &&
			(st.fs.kind == SC_FS_XFS || st.fs.kind == SC_FS_BTRFS))
			continue;
		break;
	}
	if (r < 0) {
		ret = finish(
			cli, &plan, &err, err.kind ? err.kind : SC_EXIT_FAILURE, req.boot_path, 0);
		goto out;
	}
	shown_size = st.exists ? st.header.npages * c->page_size : 0;
	for (size_t i = 0; i < plan.n; i++)
		if (plan.actions[i].kind == SC_SWAPFILE_ACT_CREATE)
			shown_size = plan.actions[i].u.create.size;
	if (req.discard_given && req.discard != SC_DISCARD_NONE && st.fs_known)
		sc_add_warn_discard(cli, &st);
	if (!req.size && !st.exists && !cli->json)
		sc_info(cli,
			"auto size: %s (Red Hat's table, capped by free space; see swapctl(8))",
			sc_format_bytes(shown_size, (char[32]){0}));

	/* The fstab edit is part of the plan: a refused edit stops both modes here. */
	r = sc_cli_stage_fstab(cli, &plan, SC_SWAPFILE_ACT_FSTAB_ADD, SC_SWAPFILE_ACT_FSTAB_UPDATE,
		sc_add_stage_set, &run, run.fstab, &err, &diff);
	if (r < 0) {
		ret = finish(
			cli, &plan, &err, err.kind ? err.kind : SC_EXIT_FAILURE, req.boot_path, 0);
		goto out;
	}
	if (cli->dry_run) {
		if (req.hibernate && st.exists)
			ret = add_hibernate(cli, &plan, &err, req.boot_path, shown_size);
		else {
			if (req.hibernate)
				sc_info(cli,
					"would configure resume from %s once it exists "
					"(swapctl hibernate)",
					req.boot_path);
			ret = finish(cli, &plan, &err, SC_EXIT_OK, req.boot_path, shown_size);
		}
		sc_print_fstab_diff(cli, diff);
		goto out;
	}

	/*
	 * The plan is one change, completed or rolled back as a whole (lib/signals.h): a
	 * termination signal waits until it is applied (or undone), systemd told, and the
	 * result reported. The apply takes milliseconds, unless an old kernel makes swapctl
	 * write zeros.
	 */
	sc_signals_hold();
	{
		struct sc_swapfile_hooks hooks = {sc_add_stage_fstab, sc_add_commit_fstab, &run};
		r = sc_swapfile_apply_add(c, &plan, &hooks, &err);
	}
	if (r > 0) {
		/* Nothing was undone (see sc_swapfile_apply_add): say what is left, exactly. */
		sc_add_not_durable(cli, &plan, req.boot_path, &err);
		for (size_t i = 0; i < plan.n; i++)
			if (sc_swapfile_is_fstab_set(&plan.actions[i]))
				sc_cli_daemon_reload(cli);
		ret = finish(cli, &plan, &err, SC_EXIT_FAILURE, req.boot_path, shown_size);
		goto out;
	}
	if (r < 0) {
		ret = finish(cli, &plan, &err, err.kind ? err.kind : SC_EXIT_FAILURE, req.boot_path,
			shown_size);
		goto out;
	}
	for (size_t i = 0; i < plan.n; i++)
		if (sc_swapfile_is_fstab_set(&plan.actions[i]) && plan.actions[i].done)
			sc_cli_daemon_reload(cli);
	if (req.hibernate)
		ret = add_hibernate(cli, &plan, &err, req.boot_path, shown_size);
	else
		ret = finish(cli, &plan, &err, SC_EXIT_OK, req.boot_path, shown_size);
out:
	sc_fstab_entry_done(&entry);
	sc_swapfile_observed_done(&st);
	sc_plan_free(&plan);
	if (run.fstab)
		sc_fstab_free(run.fstab);
	sc_lock_release(c, lock_fd);
	return ret;
}
