/*
 * swapctl sysctl show | apply: the vm.* companions of a swap layout.
 *
 * show: for each managed key the live value, the kernel's default, swapctl's persisted value
 * and the file that sets it at boot, with overrides spelled out.
 * apply: --profile / --set -> validated plan -> drop-in + live values, rolled back on failure.
 * This file: the subcommand dispatcher, apply, and what show shares with it; show is in
 * sysctl-show.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "macro.h"
#include "signals.h"
#include "sysctl.h"
#include "util.h"
#include "sysctl-cli.h"

static const char apply_usage[] =
	"Usage: swapctl sysctl apply [--profile NAME] [--set vm.KEY=VALUE]... [--no-persist]\n     "
	"                       [--force]\n\nValidate the values, write them to the drop-in "
	"90-swapctl.conf in the sysctl directory\nand apply them live through /proc/sys/vm, "
	"reading each back. On any failure the previous\nlive values and drop-in are restored. "
	"Without --profile, --set changes the existing\ndrop-in; with neither, the drop-in is "
	"applied live again.\n\nOptions:\n      --profile NAME      default, zram, server, "
	"database or desktop (see swapctl(8))\n      --set vm.KEY=VALUE  one value on top of the "
	"profile (repeatable)\n      --no-persist        live values only, leave the drop-in "
	"alone\n      --force             accept the dangerous values whose refusal says so\n  -h, "
	"--help              show this help\n";

const char sc_sysctl_show_usage[] =
	"Usage: swapctl sysctl show [--json]\n\nFor each vm.* key swapctl manages: the live value, "
	"the kernel's default, swapctl's\npersisted value and the file that sets it at boot, "
	"flagging files that override\nswapctl's drop-in.\n";

const char *sc_sysctl_cli_where(const struct sc_sysctl_setting *s, char *buf, size_t n)
{
	if (!s->file)
		snprintf(buf, n, "-");
	else if (s->via)
		snprintf(buf, n, "%s -> %s:%u", s->file, s->via, s->line);
	else
		snprintf(buf, n, "%s:%u", s->file, s->line);
	return buf;
}

/* The value a setting writes, when it is canonical decimal; false otherwise. */
bool sc_sysctl_cli_value(size_t k, const struct sc_sysctl_setting *s, int64_t *ret)
{
	return sc_sysctl_parse_value(k, s->value, ret, NULL) == 0;
}

/*
 * Warn about every key of swapctl's drop-in that another file overrides at boot with a
 * different value (Debian: 99-sysctl.conf -> ../sysctl.conf sorts after 90-swapctl.conf).
 */
size_t sc_sysctl_cli_warn_overrides(const struct sc_cli *cli, const struct sc_sysctl_values *ours,
	const struct sc_sysctl_boot *b)
{
	size_t n = 0;

	for (size_t k = 0; k < SC_VM_N; k++) {
		const struct sc_sysctl_setting *o;
		char where[PATH_MAX * 2 + 32];
		int64_t v;

		if (!ours->set[k])
			continue;
		o = sc_sysctl_boot_override(b, k);
		if (!o || (sc_sysctl_cli_value(k, o, &v) && v == ours->v[k]))
			continue;
		sc_warn(cli,
			"vm.%s = %" PRId64 " in %s is overridden at boot by %s (vm.%s = %s)%s; "
			"delete that line or make it say %" PRId64,
			sc_sysctl_keys[k].name, ours->v[k], SC_SYSCTL_DROPIN,
			sc_sysctl_cli_where(o, where, sizeof(where)), sc_sysctl_keys[k].name,
			o->value,
			o == &b->procps[k] && o != &b->systemd[k] ? " under procps sysctl --system"
								  : "",
			ours->v[k]);
		n++;
	}
	return n;
}

/* One --set vm.KEY=VALUE into req: 0, or the exit code of the usage error reported. */
static int parse_set(struct sc_cli *cli, const char *arg, struct sc_sysctl_request *req)
{
	_cleanup_free_ char *key = NULL;
	const char *eq = strchr(arg, '=');
	struct sc_err err = {0};
	int64_t v;
	int k;

	if (!eq)
		return sc_usage_error(cli, "sysctl apply: --set %s: expected vm.KEY=VALUE", arg);
	key = strndup(arg, (size_t)(eq - arg));
	if (!key)
		return sc_report_errno(cli, -ENOMEM, "--set", "cannot parse");
	k = sc_sysctl_key_index(key);
	if (k < 0) {
		sc_error("%s: unknown key: swapctl manages vm.swappiness, vm.min_free_kbytes, "
			 "vm.overcommit_memory, vm.overcommit_ratio, vm.watermark_scale_factor, "
			 "vm.watermark_boost_factor, vm.vfs_cache_pressure, "
			 "vm.dirtytime_expire_seconds and vm.page-cluster",
			key);
		return SC_EXIT_USAGE;
	}
	if (req->set.set[k])
		return sc_usage_error(
			cli, "sysctl apply: vm.%s given twice", sc_sysctl_keys[k].name);
	if (sc_sysctl_parse_value((size_t)k, eq + 1, &v, &err) < 0)
		return sc_report(cli, &err);
	req->set.set[k] = true;
	req->set.v[k] = v;
	return 0;
}

static void print_done(const struct sc_cli *cli, const struct sc_sysctl_plan *p)
{
	for (size_t i = 0; i < p->plan.n; i++) {
		const struct sc_action *a = &p->plan.actions[i];
		char o[32] = "(unset)", n[32] = "(removed)";

		if (a->kind == SC_SYSCTL_SET_LIVE) {
			const struct sc_act_sysctl_live *l = &a->u.sysctl_live;

			printf("%s %s: %" PRId64 " -> %" PRId64 " (live)\n",
				cli->dry_run ? "would set" : "set", l->key, l->old, l->new);
			continue;
		}
		if (a->u.sysctl_dropin.has_old)
			snprintf(o, sizeof(o), "%" PRId64, a->u.sysctl_dropin.old);
		if (a->u.sysctl_dropin.has_new)
			snprintf(n, sizeof(n), "%" PRId64, a->u.sysctl_dropin.new);
		if (a->u.sysctl_dropin.key)
			printf("%s %s: %s -> %s in %s\n",
				cli->dry_run ? "would persist" : "persisted",
				a->u.sysctl_dropin.key, o, n, a->target);
		else
			printf("%s %s\n", cli->dry_run ? "would rewrite" : "rewrote", a->target);
	}
}

static int cmd_apply(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 's'},
		{"no-persist", no_argument, NULL, 'N'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_sysctl_request req = {0};
	struct sc_sysctl_observed st = {0};
	struct sc_sysctl_plan plan = {0};
	struct sc_sysctl_boot boot = {0};
	struct sc_err err = {0};
	int c, ret, lock = -1, r;

	cli->usage = apply_usage;
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (c) {
		case 'p':
			if (req.profile)
				return sc_usage_error(cli, "sysctl apply: --profile given twice");
			req.profile = optarg;
			break;
		case 's':
			r = parse_set(cli, optarg, &req);
			if (r != 0)
				return r;
			break;
		case 'N':
			req.no_persist = true;
			break;
		case 'f':
			req.force = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "sysctl apply: unexpected argument '%s'", argv[optind]);

	if (!cli->dry_run && sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock, &err) < 0)
		return sc_report(cli, &err);
	/* Read the state under the lock, so the plan is made against what will be changed. */
	if (sc_sysctl_observed_read(&cli->ctx, &st, &err) < 0 ||
		sc_sysctl_plan(&cli->ctx, &st, &req, &plan, &err) < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	for (size_t i = 0; i < plan.n_notes; i++)
		sc_warn(cli, "%s", plan.notes[i]);

	if (!cli->dry_run && plan.plan.n > 0) {
		/* every value and the drop-in, or the previous ones back (lib/signals.h) */
		sc_signals_hold();
		r = sc_sysctl_apply(&cli->ctx, &st, &plan, &err);
		if (r < 0) {
			ret = sc_report(cli, &err);
			goto out;
		}
	}
	if (!req.no_persist && sc_sysctl_boot_resolve(&cli->ctx, &boot) == 0) {
		sc_sysctl_cli_warn_overrides(cli, &plan.want, &boot);
		sc_sysctl_boot_done(&boot);
	}

	if (cli->json)
		sc_json_print(sc_json_result(&plan.plan, sc_plan_changed(&plan.plan)));
	else if (plan.plan.n == 0)
		sc_info(cli, "vm.* values already as requested, unchanged");
	else
		print_done(cli, &plan);
	ret = SC_EXIT_OK;
out:
	sc_sysctl_plan_done(&plan);
	sc_sysctl_observed_done(&st);
	sc_lock_release(&cli->ctx, lock);
	return ret;
}

int sc_cmd_sysctl(struct sc_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (sc_streq(argv[1], "-h") || sc_streq(argv[1], "--help"))) {
		fputs(cli->usage, stdout);
		return SC_EXIT_OK;
	}
	if (argc < 2)
		return sc_usage_error(cli, "sysctl: expected 'show' or 'apply'");
	if (sc_streq(argv[1], "show")) {
		cli->command = "sysctl show";
		return sc_sysctl_cmd_show(cli, argc - 1, argv + 1);
	}
	if (sc_streq(argv[1], "apply")) {
		cli->command = "sysctl apply";
		return cmd_apply(cli, argc - 1, argv + 1);
	}
	return sc_usage_error(cli, "sysctl: unknown subcommand '%s'", argv[1]);
}
