/*
 * swapctl sysctl show: for each managed vm.* key the live value, the kernel's default,
 * swapctl's persisted value and the file that sets it at boot, with overrides spelled out,
 * as JSON or as a table.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sysctl.h"
#include "util.h"
#include "sysctl-cli.h"

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

static int64_t kernel_default(const struct sc_sysctl_observed *st, size_t k)
{
	if (k == SC_VM_MIN_FREE_KBYTES)
		return sc_sysctl_min_free_own(&st->env);
	return sc_sysctl_keys[k].kernel_default;
}

static bool overridden(
	const struct sc_sysctl_observed *st, const struct sc_sysctl_boot *b, size_t k)
{
	const struct sc_sysctl_setting *o = sc_sysctl_boot_override(b, k);
	int64_t v;

	return st->dropin.values.set[k] && o &&
		!(sc_sysctl_cli_value(k, o, &v) && v == st->dropin.values.v[k]);
}

static void show_json(const struct sc_sysctl_observed *st, const struct sc_sysctl_boot *b)
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

static void show_human(const struct sc_cli *cli, const struct sc_sysctl_observed *st,
	const struct sc_sysctl_boot *b)
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
			b->systemd[k].file
				? sc_sysctl_cli_where(&b->systemd[k], where, sizeof(where))
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
				sc_sysctl_keys[k].name,
				sc_sysctl_cli_where(p, where, sizeof(where)),
				sc_sysctl_keys[k].name, p->value);
	}
	if (st->dropin.exists && st->dropin.problem)
		sc_warn(cli, "%s", st->dropin.problem);
	sc_sysctl_cli_warn_overrides(cli, &st->dropin.values, b);
}

int sc_sysctl_cmd_show(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_sysctl_observed st = {0};
	struct sc_sysctl_boot b = {0};
	struct sc_err err = {0};
	int c, ret, r;

	cli->usage = sc_sysctl_show_usage;
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "sysctl show: unexpected argument '%s'", argv[optind]);

	if (sc_sysctl_observed_read(&cli->ctx, &st, &err) < 0) {
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
	sc_sysctl_observed_done(&st);
	return ret;
}
