/*
 * swapctl zswap enable|disable: the compressed cache in front of swap (lib/zswap.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "parse.h"
#include "signals.h"
#include "zswap.h"

int sc_cmd_zswap(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"compressor", required_argument, NULL, 'c'},
		{"max-pool-percent", required_argument, NULL, 'm'},
		{"no-persist", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_zswap_settings want, config;
	struct sc_file_id config_id;
	struct sc_zswap live;
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	bool persist = true, front = false;
	int c, ret, r, lockfd = -1;
	int64_t v;

	sc_zswap_settings_init(&want);
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (c) {
		case 'c':
			if (!sc_zswap_compressor_ok(optarg))
				return sc_usage_error(
					cli, "zswap: invalid compressor name '%s'", optarg);
			snprintf(want.compressor, sizeof(want.compressor), "%s", optarg);
			break;
		case 'm':
			if (sc_parse_int(optarg, 1, 100, &v) < 0)
				return sc_usage_error(cli,
					"zswap: invalid --max-pool-percent '%s': use 1..100",
					optarg);
			want.max_pool_percent = (int)v;
			break;
		case 'N':
			persist = false;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return sc_usage_error(cli, "zswap: say enable or disable");
	if (strcmp(argv[optind], "enable") == 0)
		want.enabled = 1;
	else if (strcmp(argv[optind], "disable") == 0)
		want.enabled = 0;
	else
		return sc_usage_error(
			cli, "zswap: unknown action '%s' (enable, disable)", argv[optind]);
	if (optind + 1 < argc)
		return sc_usage_error(cli, "zswap: unexpected argument '%s'", argv[optind + 1]);

	if (!cli->dry_run)
		r = sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lockfd, &err);
	else
		r = 0;
	if (r == 0) {
		r = sc_zswap_read(&cli->ctx, &live);
		if (r < 0)
			r = sc_err_set(&err, SC_EXIT_FAILURE, -r,
				"/sys/module/zswap/parameters: cannot read: %s", strerror(-r));
	}
	if (r == 0)
		r = sc_zswap_config_load(&cli->ctx, &config, &config_id, &err);
	if (r == 0)
		r = sc_zswap_plan(&cli->ctx, &live, &want, &config, persist, &plan, &err);
	if (r == 0 && !cli->dry_run) {
		sc_signals_hold(); /* lib/signals.h */
		r = sc_zswap_apply(&cli->ctx, &plan, &config_id, &err);
	}
	sc_lock_release(&cli->ctx, lockfd);

	if (cli->json) {
		struct json_object *o = sc_json_result(&plan, sc_plan_changed(&plan));
		if (r < 0 && err.msg[0])
			json_object_object_add(o, "error", json_object_new_string(err.msg));
		sc_json_print(o);
	}
	if (r < 0) {
		ret = err.msg[0] ? sc_report(cli, &err)
				 : sc_report_errno(cli, r, "zswap", "failed");
		sc_plan_free(&plan);
		return ret;
	}
	if (!cli->json && (cli->dry_run || cli->verbose))
		sc_print_plan(cli, &plan);
	if (!cli->json && !cli->quiet && !cli->dry_run)
		printf("zswap %s%s\n", want.enabled ? "enabled" : "disabled",
			sc_plan_changed(&plan) ? "" : " (unchanged)");
	if (!cli->dry_run && want.enabled == 1 && !cli->ctx.offline &&
		sc_zswap_in_front_of_zram(&cli->ctx, &front) == 0 && front)
		sc_warn(cli,
			"zswap now sits in front of active zram swap: pages are compressed "
			"twice and both caches take RAM; use zswap with disk swap, or zram "
			"alone");
	sc_plan_free(&plan);
	return SC_EXIT_OK;
}
