/*
 * swapctl boot [--force]: what swapctl.service runs early at boot. Re-creates the zram
 * devices listed in zram.conf and applies zswap.conf; idempotent, so running it again (or
 * after a manual `zram add`) changes nothing that is already in place. One device that
 * cannot be created does not keep the others from coming up (exit 1 at the end). No zram
 * with swapctl.zram=0 on the kernel command line or in a container, nor for entries whose
 * memory bounds exclude this machine (lib/zram.h); each skip is said with its reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "signals.h"
#include "zram.h"
#include "zswap.h"

static int apply_zswap(struct sc_cli *cli, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zswap_settings cfg, none;
	struct sc_zswap live;
	int r;

	r = sc_zswap_config_load(&cli->ctx, &cfg, NULL, err);
	if (r < 0)
		return r;
	sc_zswap_settings_init(&none);
	if (sc_zswap_settings_equal(&cfg, &none))
		return 0; /* nothing persisted: zswap is left as the kernel set it up */
	r = sc_zswap_read(&cli->ctx, &live);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/sys/module/zswap/parameters: cannot read: %s", strerror(-r));
	r = sc_zswap_plan(&cli->ctx, &live, &cfg, &cfg, false, plan, err);
	if (r == 0 && !cli->dry_run)
		r = sc_zswap_apply(&cli->ctx, plan, NULL, err);
	return r;
}

static struct json_object *skips_json(const struct sc_zram_skips *skips)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < skips->n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "entry", json_object_new_string(skips->v[i].entry));
		json_object_object_add(o, "rule", json_object_new_string(skips->v[i].rule));
		json_object_object_add(o, "reason", json_object_new_string(skips->v[i].reason));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* One line per entry left out, on stderr (the journal keeps it), also under -q. */
static void report_skips(struct sc_cli *cli, const struct sc_zram_skips *skips, bool force)
{
	for (size_t i = 0; i < skips->n; i++) {
		const struct sc_zram_skip *s = &skips->v[i];
		bool cmdline = strcmp(s->rule, "cmdline") == 0;

		sc_error("zram.conf entry '%s' %s: %s%s", s->entry,
			cli->dry_run ? "would be skipped" : "skipped", s->reason,
			cmdline		? ""
				: force ? ""
					: "; 'swapctl boot --force' creates it anyway");
	}
}

int sc_cmd_boot(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_zram_observed w = {0};
	struct sc_zram_boot_env env;
	struct sc_zram_skips skips = {0};
	struct sc_plan zplan = {0}, wplan = {0};
	struct sc_err err = {0}, werr = {0};
	int c, ret, r, r2 = 0, lockfd = -1;
	bool front = false, force = false;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		if (c == 'f')
			force = true;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "boot: unexpected argument '%s'", argv[optind]);
	if (cli->ctx.offline)
		return sc_usage_error(
			cli, "boot: acts on the running kernel; it cannot run with --root");

	r = cli->dry_run ? 0 : sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lockfd, &err);
	if (r == 0)
		r = sc_zram_observed_read(&cli->ctx, &w, &err);
	if (r == 0)
		r = sc_zram_boot_env_read(&cli->ctx, &env);
	if (r == 0) {
		/* a failed entry is reported, the others are still planned and applied */
		r = sc_zram_plan_boot(&cli->ctx, &w, &env, force, &zplan, &skips, &err);
		sc_signals_hold(); /* lib/signals.h */
		if (!cli->dry_run) {
			int ra = sc_zram_apply(&cli->ctx, &w, &zplan, true, &err);
			r = r < 0 ? r : ra;
		}
		r2 = apply_zswap(cli, &wplan, &werr);
	}
	sc_lock_release(&cli->ctx, lockfd);

	if (cli->json) {
		struct json_object *o =
			sc_json_result(&zplan, sc_plan_changed(&zplan) || sc_plan_changed(&wplan));
		struct json_object *arr = json_object_object_get(o, "actions");

		for (size_t i = 0; i < wplan.n; i++)
			json_object_array_add(arr, sc_json_action(&wplan.actions[i]));
		json_object_object_add(o, "skipped", skips_json(&skips));
		if (r < 0 && err.msg[0])
			json_object_object_add(o, "error", json_object_new_string(err.msg));
		if (r2 < 0 && werr.msg[0])
			json_object_object_add(o, "zswap_error", json_object_new_string(werr.msg));
		sc_json_print(o);
	} else if (cli->dry_run || cli->verbose) {
		sc_print_plan(cli, &zplan);
		sc_print_plan(cli, &wplan);
	}
	report_skips(cli, &skips, force);
	ret = SC_EXIT_OK;
	if (r < 0)
		ret = err.msg[0] ? sc_report(cli, &err) : sc_report_errno(cli, r, "boot", "failed");
	if (r2 < 0) {
		int ret2 = werr.msg[0] ? sc_report(cli, &werr)
				       : sc_report_errno(cli, r2, "boot: zswap", "failed");
		ret = ret ? ret : ret2;
	}
	if (!cli->dry_run && sc_zswap_in_front_of_zram(&cli->ctx, &front) == 0 && front)
		sc_warn(cli,
			"zswap is enabled in front of zram swap: pages are compressed twice; "
			"consider 'swapctl zswap disable'");
	sc_plan_free(&zplan);
	sc_plan_free(&wplan);
	sc_zram_skips_free(&skips);
	sc_zram_observed_done(&w);
	return ret;
}
