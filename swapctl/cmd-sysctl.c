/*
 * swapctl sysctl show | apply: the vm.* companions of a swap layout (SPEC §9).
 *
 * show: for each managed key the live value, the kernel's default, swapctl's persisted value
 * and the file that sets it at boot, with overrides spelled out.
 * apply: --profile / --set -> validated plan -> drop-in + live values, rolled back on failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "macro.h"
#include "signals.h"
#include "sysctl.h"
#include "util.h"

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

static const char show_usage[] =
	"Usage: swapctl sysctl show [--json]\n\nFor each vm.* key swapctl manages: the live value, "
	"the kernel's default, swapctl's\npersisted value and the file that sets it at boot, "
	"flagging files that override\nswapctl's drop-in.\n";

static const char *setting_where(const struct sc_sysctl_setting *s, char *buf, size_t n)
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
static bool setting_value(size_t k, const struct sc_sysctl_setting *s, int64_t *ret)
{
	return sc_sysctl_parse_value(k, s->value, ret, NULL) == 0;
}

/*
 * Warn about every key of swapctl's drop-in that another file overrides at boot with a
 * different value (Debian: 99-sysctl.conf -> ../sysctl.conf sorts after 90-swapctl.conf).
 */
static size_t warn_overrides(const struct sc_cli *cli, const struct sc_sysctl_values *ours,
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
		if (!o || (setting_value(k, o, &v) && v == ours->v[k]))
			continue;
		sc_warn(cli,
			"vm.%s = %" PRId64 " in %s is overridden at boot by %s (vm.%s = %s)%s; "
			"delete that line or make it say %" PRId64,
			sc_sysctl_keys[k].name, ours->v[k], SC_SYSCTL_DROPIN,
			setting_where(o, where, sizeof(where)), sc_sysctl_keys[k].name, o->value,
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
		const struct sc_field *key = sc_action_get(a, "key");
		const struct sc_field *old = sc_action_get(a, "old");
		const struct sc_field *new = sc_action_get(a, "new");
		char o[32] = "(unset)", n[32] = "(removed)";

		if (old)
			snprintf(o, sizeof(o), "%" PRId64, old->num);
		if (new)
			snprintf(n, sizeof(n), "%" PRId64, new->num);
		if (a->kind == SC_SYSCTL_SET_LIVE)
			printf("%s %s: %s -> %s (live)\n", cli->dry_run ? "would set" : "set",
				key->str, o, n);
		else if (key)
			printf("%s %s: %s -> %s in %s\n",
				cli->dry_run ? "would persist" : "persisted", key->str, o, n,
				a->target);
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
	struct sc_sysctl_state st = {0};
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
	if (sc_sysctl_state_read(&cli->ctx, &st, &err) < 0 ||
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
		warn_overrides(cli, &plan.want, &boot);
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
	sc_sysctl_state_done(&st);
	sc_lock_release(&cli->ctx, lock);
	return ret;
}

static struct json_object *json_setting(const struct sc_sysctl_setting *s)
{
	struct json_object *o;

	if (!s->file)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(s->file));
	json_object_object_add(o, "via", s->via ? json_object_new_string(s->via) : NULL);
	json_object_object_add(o, "line", json_object_new_int((int)s->line));
	json_object_object_add(o, "value", json_object_new_string(s->value));
	return o;
}

static int64_t kernel_default(const struct sc_sysctl_state *st, size_t k)
{
	if (k == SC_VM_MIN_FREE_KBYTES)
		return sc_sysctl_min_free_own(&st->env);
	return sc_sysctl_keys[k].kernel_default;
}

static bool overridden(const struct sc_sysctl_state *st, const struct sc_sysctl_boot *b, size_t k)
{
	const struct sc_sysctl_setting *o = sc_sysctl_boot_override(b, k);
	int64_t v;

	return st->dropin.values.set[k] && o &&
		!(setting_value(k, o, &v) && v == st->dropin.values.v[k]);
}

static void show_json(const struct sc_sysctl_state *st, const struct sc_sysctl_boot *b)
{
	struct json_object *o = json_object_new_object(), *keys = json_object_new_array();
	char kv[32];

	json_object_object_add(o, "dropin", json_object_new_string(st->dropin.path));
	json_object_object_add(o, "dropin_exists", json_object_new_boolean(st->dropin.exists));
	json_object_object_add(o, "profile",
		st->dropin.profile ? json_object_new_string(st->dropin.profile) : NULL);
	if (st->env.kver.major) {
		snprintf(kv, sizeof(kv), "%d.%d", st->env.kver.major, st->env.kver.minor);
		json_object_object_add(o, "kernel", json_object_new_string(kv));
	}
	for (size_t k = 0; k < SC_VM_N; k++) {
		struct json_object *e = json_object_new_object();
		char name[64];
		bool live = st->present[k] && !st->env.offline;

		snprintf(name, sizeof(name), "vm.%s", sc_sysctl_keys[k].name);
		json_object_object_add(e, "key", json_object_new_string(name));
		json_object_object_add(e, "present", json_object_new_boolean(st->present[k]));
		json_object_object_add(e, "live", live ? json_object_new_int64(st->live[k]) : NULL);
		json_object_object_add(
			e, "kernel_default", json_object_new_int64(kernel_default(st, k)));
		json_object_object_add(e, "swapctl",
			st->dropin.values.set[k] ? json_object_new_int64(st->dropin.values.v[k])
						 : NULL);
		json_object_object_add(e, "boot", json_setting(&b->systemd[k]));
		json_object_object_add(e, "procps", json_setting(&b->procps[k]));
		json_object_object_add(
			e, "overridden", json_object_new_boolean(overridden(st, b, k)));
		json_object_object_add(e, "drift",
			json_object_new_boolean(live && st->dropin.values.set[k] &&
				st->live[k] != st->dropin.values.v[k]));
		json_object_array_add(keys, e);
	}
	json_object_object_add(o, "keys", keys);
	sc_json_print(o);
}

static void show_human(
	const struct sc_cli *cli, const struct sc_sysctl_state *st, const struct sc_sysctl_boot *b)
{
	printf("%-28s %10s %10s %10s  %s\n", "KEY", "LIVE", "DEFAULT", "SWAPCTL", "SET AT BOOT BY");
	for (size_t k = 0; k < SC_VM_N; k++) {
		char name[64], live[32] = "-", ours[32] = "-", def[32], where[PATH_MAX * 2 + 32];
		bool drift;

		snprintf(name, sizeof(name), "vm.%s", sc_sysctl_keys[k].name);
		if (st->env.offline)
			snprintf(live, sizeof(live), "(offline)");
		else if (st->present[k])
			snprintf(live, sizeof(live), "%" PRId64, st->live[k]);
		else
			snprintf(live, sizeof(live), "(absent)");
		if (st->dropin.values.set[k])
			snprintf(ours, sizeof(ours), "%" PRId64, st->dropin.values.v[k]);
		snprintf(def, sizeof(def), "%" PRId64 "%s", kernel_default(st, k),
			k == SC_VM_MIN_FREE_KBYTES ? "*" : "");
		drift = !st->env.offline && st->present[k] && st->dropin.values.set[k] &&
			st->live[k] != st->dropin.values.v[k];
		printf("%-28s %10s %10s %10s  %s%s%s\n", name, live, def, ours,
			b->systemd[k].file ? setting_where(&b->systemd[k], where, sizeof(where))
					   : "(no file: kernel default)",
			overridden(st, b, k) ? "  OVERRIDES SWAPCTL" : "",
			drift ? "  (live differs)" : "");
	}
	printf("\n* computed for this machine: max(4 x sqrt(lowmem kB), khugepaged's value while "
	       "THP is on)\n");
	printf("drop-in: %s%s", st->dropin.path, st->dropin.exists ? "" : " (not written yet)");
	if (st->dropin.profile)
		printf(", profile %s", st->dropin.profile);
	putchar('\n');

	for (size_t k = 0; k < SC_VM_N; k++) {
		const struct sc_sysctl_setting *p = &b->procps[k], *s = &b->systemd[k];
		char where[PATH_MAX * 2 + 32];

		if (p->file && (!s->file || strcmp(p->file, s->file) != 0 || p->line != s->line))
			printf("note: vm.%s: procps `sysctl --system` applies %s last (vm.%s = "
			       "%s)\n",
				sc_sysctl_keys[k].name, setting_where(p, where, sizeof(where)),
				sc_sysctl_keys[k].name, p->value);
	}
	if (st->dropin.exists && st->dropin.problem)
		sc_warn(cli, "%s", st->dropin.problem);
	warn_overrides(cli, &st->dropin.values, b);
}

static int cmd_show(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_sysctl_state st = {0};
	struct sc_sysctl_boot b = {0};
	struct sc_err err = {0};
	int c, ret, r;

	cli->usage = show_usage;
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "sysctl show: unexpected argument '%s'", argv[optind]);

	if (sc_sysctl_state_read(&cli->ctx, &st, &err) < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	r = sc_sysctl_boot_resolve(&cli->ctx, &b);
	if (r < 0) {
		ret = sc_report_errno(cli, r, cli->ctx.sysctl_dir, "cannot read the sysctl files");
		goto out;
	}
	if (cli->json)
		show_json(&st, &b);
	else
		show_human(cli, &st, &b);
	ret = SC_EXIT_OK;
out:
	sc_sysctl_boot_done(&b);
	sc_sysctl_state_done(&st);
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
		return cmd_show(cli, argc - 1, argv + 1);
	}
	if (sc_streq(argv[1], "apply")) {
		cli->command = "sysctl apply";
		return cmd_apply(cli, argc - 1, argv + 1);
	}
	return sc_usage_error(cli, "sysctl: unknown subcommand '%s'", argv[1]);
}
