/*
 * swapctl add SIZE|auto: create, enable and persist a swapfile (SPEC §5).
 *
 * argv -> request; gather the state (lib/swapfile inspection, the fstab entry, RAM); plan
 * (lib/swapfile, pure); print it under --dry-run, or apply it (lib/swapfile, with fstab/ for
 * the last step) rolling back on failure; render.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "probe.h"
#include "procfs.h"
#include "signals.h"
#include "swapfile.h"
#include "systemd.h"
#include "util.h"

struct add_run {
	struct sc_cli *cli;
	struct sc_fstab *fstab;
	const char *boot_path;
};

static int stage_set(void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;
	const struct sc_field *prio = sc_action_get(a, "priority");
	const struct sc_field *d = sc_action_get(a, "discard");
	struct sc_swap_spec spec = {
		.path = x->boot_path,
		.priority = prio ? (int)prio->num : SC_SWAPFILE_PRIORITY,
		.discard = d ? (strcmp(d->str, "both") == 0 ? "" : d->str) : NULL,
		.managed = true,
		/* A missing file must never hold up the boot (FAILURE-MODES F-50). */
		.nofail = true,
	};
	int r = sc_fstab_set_swap(f, &spec, err);

	return r < 0 ? r : 0;
}

static int stage_fstab(void *data, const struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;

	return stage_set(data, x->fstab, a, err);
}

static int commit_fstab(void *data, struct sc_err *err)
{
	struct add_run *x = data;
	int r = sc_fstab_commit(&x->cli->ctx, x->fstab, err);

	/* Rebased onto the new version: only its directory fsync failed (fstab.h). */
	return r < 0 && !sc_fstab_modified(x->fstab) ? 1 : r;
}

/* "/swap/swapfile" or a generation of it ("/swap/swapfile.3", see swapctl rotate). */
static bool is_default_name(const char *boot_path)
{
	size_t n = strlen(SC_SWAPFILE_DEFAULT);
	const char *p;

	if (strncmp(boot_path, SC_SWAPFILE_DEFAULT, n) != 0)
		return false;
	p = boot_path + n;
	if (*p == '\0')
		return true;
	if (*p++ != '.' || !*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Without --path: the managed default swapfile fstab already names, else the default. */
static int default_boot_path(struct sc_fstab *f, char **ret)
{
	struct sc_fstab_entry *e = NULL;
	size_t n = 0;
	int r;

	r = sc_fstab_list_swap(f, &e, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (e[i].managed && e[i].source && is_default_name(e[i].source)) {
			*ret = strdup(e[i].source);
			sc_fstab_entries_free(e, n);
			return *ret ? 0 : -ENOMEM;
		}
	sc_fstab_entries_free(e, n);
	*ret = strdup(SC_SWAPFILE_DEFAULT);
	return *ret ? 0 : -ENOMEM;
}

/*
 * An existing file that is not a usable swap area is never overwritten; libblkid names what
 * it holds instead (an ext4 image, a hibernation image, a partition table...).
 */
static void name_foreign(const struct sc_ctx *c, const char *path, struct sc_swapfile_state *st)
{
	if (!st->exists || !st->regular || (st->header_read && st->header.status == SC_HEADER_OK))
		return;
	(void)sc_probe_foreign(c, path, st->foreign, sizeof(st->foreign));
}

/*
 * The kernel ignores discard on a device that cannot (KERNEL-FACTS §1.5): say so rather than
 * let the option look effective. btrfs has no single device to ask.
 */
static void warn_discard(struct sc_cli *cli, const struct sc_swapfile_state *st)
{
	if (sc_fsinfo_discard(&cli->ctx, st->fs.dev) == 0)
		sc_warn(cli,
			"the device under this filesystem does not support discard; the "
			"kernel will ignore --discard");
}

/* PID 1 reads fstab into .swap units; it must see the edit (FAILURE-MODES F-51). */
void sc_cli_daemon_reload(struct sc_cli *cli)
{
	int r = sc_systemd_daemon_reload(&cli->ctx);

	if (r != 0)
		sc_warn(cli,
			"systemctl daemon-reload failed (%d); run it yourself so systemd sees "
			"the new fstab",
			r);
}

static int finish(struct sc_cli *cli, struct sc_plan *plan, const struct sc_err *err, int code,
	const char *boot_path, uint64_t size)
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
		if (plan->n == 0)
			printf("%s: already in place; nothing to do\n", boot_path);
		else
			sc_print_plan(cli, plan);
	}
	return SC_EXIT_OK;
}

int sc_cmd_add(struct sc_cli *cli, int argc, char **argv)
{
	enum {
		OPT_PATH = 0x100,
		OPT_PRIO,
		OPT_DISCARD,
		OPT_LABEL,
		OPT_HIBERNATE,
		OPT_NO_ENABLE,
		OPT_NO_PERSIST,
		OPT_RESERVE,
		OPT_FORCE
	};
	static const struct option opts[] = {
		{"path", required_argument, NULL, OPT_PATH},
		{"priority", required_argument, NULL, OPT_PRIO},
		{"discard", optional_argument, NULL, OPT_DISCARD},
		{"label", required_argument, NULL, OPT_LABEL},
		{"hibernate", no_argument, NULL, OPT_HIBERNATE},
		{"no-enable", no_argument, NULL, OPT_NO_ENABLE},
		{"no-persist", no_argument, NULL, OPT_NO_PERSIST},
		{"reserve", required_argument, NULL, OPT_RESERVE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_ctx *c = &cli->ctx;
	struct sc_add_request req = {
		.priority = -1, .enable = true, .persist = true, .reserve = UINT64_MAX};
	struct sc_add_facts facts = {.page_size = c->page_size, .offline = c->offline};
	struct sc_swapfile_state st = {0};
	struct sc_swapfile_fstab fst = {0};
	struct sc_fstab_entry entry = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct add_run run = {.cli = cli};
	_cleanup_free_ char *path_arg = NULL, *boot = NULL, *full = NULL, *diff = NULL;
	const char *size_arg = NULL;
	int opt, ret, r, lock_fd = -1;
	uint64_t shown_size = 0;
	int64_t v;

	while ((opt = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (opt) {
		case OPT_PATH:
			free(path_arg);
			path_arg = strdup(optarg);
			if (!path_arg)
				return sc_report_errno(cli, -ENOMEM, "add", "out of memory");
			break;
		case OPT_PRIO:
			if (sc_parse_int(optarg, -1, 32767, &v) < 0)
				return sc_usage_error(cli,
					"add: priority '%s' is not a number from -1 to 32767",
					optarg);
			req.priority = (int)v;
			req.priority_given = true;
			break;
		case OPT_DISCARD:
			req.discard_given = true;
			if (!optarg)
				req.discard = SC_DISCARD_BOTH;
			else if (!strcmp(optarg, "once"))
				req.discard = SC_DISCARD_ONCE;
			else if (!strcmp(optarg, "pages"))
				req.discard = SC_DISCARD_PAGES;
			else
				return sc_usage_error(cli,
					"add: --discard takes 'once' or 'pages', not '%s'", optarg);
			break;
		case OPT_LABEL:
			if (strlen(optarg) == 0)
				return sc_usage_error(cli,
					"add: the label is empty; give 1 to %d bytes",
					SC_HEADER_LABEL_MAX);
			/* Refused, not cut as mkswap does, maybe inside a UTF-8 character. */
			if (strlen(optarg) > SC_HEADER_LABEL_MAX)
				return sc_usage_error(cli,
					"add: label '%s' is %zu bytes; "
					"a swap label holds at most %d",
					optarg, strlen(optarg), SC_HEADER_LABEL_MAX);
			req.label = optarg;
			break;
		case OPT_HIBERNATE:
			req.hibernate = true;
			break;
		case OPT_NO_ENABLE:
			req.enable = false;
			break;
		case OPT_NO_PERSIST:
			req.persist = false;
			break;
		case OPT_RESERVE:
			if (sc_parse_size(optarg, &req.reserve) < 0 || req.reserve == UINT64_MAX)
				return sc_usage_error(
					cli, "add: reserve '%s' is not a size", optarg);
			break;
		case OPT_FORCE:
			req.force = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return sc_usage_error(cli, "add: a size (or 'auto') is required");
	size_arg = argv[optind++];
	if (optind < argc)
		return sc_usage_error(cli, "add: unexpected argument '%s'", argv[optind]);
	if (strcmp(size_arg, "auto") != 0) {
		r = sc_cli_swap_size(cli, size_arg, &req.size);
		if (r != 0)
			return r;
	}
	if (path_arg) {
		if (c->root[0] && path_arg[0] != '/')
			return sc_usage_error(cli,
				"add: --path must be absolute with --root (as the image will see "
				"it)");
		r = sc_swapfile_normalize(path_arg, &boot);
		if (r < 0)
			return sc_usage_error(cli, "add: '%s' does not name a file", path_arg);
	}

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
	if (!boot) {
		req.default_path = true;
		r = default_boot_path(run.fstab, &boot);
		if (r < 0) {
			sc_err_set(&err, SC_EXIT_FAILURE, -r, "%s: cannot list entries: %s",
				c->fstab, strerror(-r));
			ret = finish(cli, &plan, &err, SC_EXIT_FAILURE, NULL, 0);
			goto out;
		}
	}
	{
		/* fstab can only say what its readers agree on (KERNEL-FACTS §1.9). */
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
	facts.capable = c->offline || sc_swapfile_capable(c) != 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		unsigned flags = SC_INSPECT_FOR_ADD | (attempt ? SC_INSPECT_SETTLE : 0);

		sc_swapfile_state_done(&st);
		sc_plan_free(&plan);
		sc_err_clear(&err);
		r = sc_swapfile_inspect(c, full, flags, &st, &err);
		if (r == 0) {
			name_foreign(c, full, &st);
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
			shown_size = (uint64_t)sc_action_get(&plan.actions[i], "size_bytes")->num;
	if (req.discard_given && req.discard != SC_DISCARD_NONE && st.fs_known)
		warn_discard(cli, &st);
	if (!req.size && !st.exists && !cli->json)
		sc_info(cli,
			"auto size: %s (Red Hat's table, capped by free space; see swapctl(8))",
			sc_format_bytes(shown_size, (char[32]){0}));

	/* The fstab edit is part of the plan: a refused edit stops both modes here. */
	r = sc_cli_stage_fstab(cli, &plan, SC_SWAPFILE_ACT_FSTAB_SET, SC_SWAPFILE_ACT_FSTAB_SET,
		stage_set, &run, run.fstab, &err, &diff);
	if (r < 0) {
		ret = finish(
			cli, &plan, &err, err.kind ? err.kind : SC_EXIT_FAILURE, req.boot_path, 0);
		goto out;
	}
	if (cli->dry_run) {
		ret = finish(cli, &plan, &err, SC_EXIT_OK, req.boot_path, shown_size);
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
		struct sc_swapfile_hooks hooks = {stage_fstab, commit_fstab, &run};
		r = sc_swapfile_apply_add(c, &plan, &hooks, &err);
	}
	if (r > 0) {
		/* Nothing was undone (see sc_swapfile_apply_add): say what is left, exactly. */
		char reason[sizeof(err.msg)];
		int errnum = err.errnum ? err.errnum : EIO;
		bool created = false, enabled = false;

		for (size_t i = 0; i < plan.n; i++) {
			created = created || plan.actions[i].kind == SC_SWAPFILE_ACT_CREATE;
			enabled = enabled || plan.actions[i].kind == SC_SWAPFILE_ACT_SWAPON;
		}
		snprintf(reason, sizeof(reason), "%s", err.msg);
		sc_err_clear(&err);
		sc_err_set(&err, SC_EXIT_FAILURE, errnum,
			"%s: in place and named in %s%s, but the new %s may not survive a "
			"crash (%s)",
			req.boot_path, c->fstab,
			created && enabled ? " (created and active)"
				: created  ? " (created)"
				: enabled  ? " (active)"
					   : "",
			c->fstab, reason);
		sc_err_hint(&err,
			"nothing was rolled back: every reader already sees the new fstab; run "
			"sync and check the disk; if a crash brings back the old fstab, run the "
			"command again");
		for (size_t i = 0; i < plan.n; i++)
			if (plan.actions[i].kind == SC_SWAPFILE_ACT_FSTAB_SET)
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
		if (plan.actions[i].kind == SC_SWAPFILE_ACT_FSTAB_SET && plan.actions[i].done)
			sc_cli_daemon_reload(cli);
	ret = finish(cli, &plan, &err, SC_EXIT_OK, req.boot_path, shown_size);
out:
	sc_fstab_entry_done(&entry);
	sc_swapfile_state_done(&st);
	sc_plan_free(&plan);
	if (run.fstab)
		sc_fstab_free(run.fstab);
	sc_lock_release(c, lock_fd);
	return ret;
}
