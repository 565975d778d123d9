/*
 * swapctl zram add [SIZE|N%|auto]: create a zram device, swap on it and persist it in
 * zram.conf; its usage, JSON and human output, and the warnings after it (zswap in front,
 * swapctl.service not enabled).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "parse.h"
#include "signals.h"
#include "systemd.h"
#include "util.h"
#include "zram.h"
#include "zswap.h"
#include "zram-cli.h"

const char sc_zram_usage_add[] =
	"Usage: swapctl zram add [SIZE|N%|auto] [--algorithm NAME] [--algorithm-params TEXT]\n"
	"                        [--priority N] [--mem-limit SIZE] [--min-ram SIZE]\n"
	"                        [--max-ram SIZE] [--writeback-device DEV]\n"
	"                        [--writeback-limit SIZE] [--recompress-algorithm NAME]\n"
	"                        [--no-persist]\n"
	"\n"
	"Create a zram swap device and swap on it: hot_add a new device, set the compressor\n"
	"(the best of zstd, lz4, lzo-rle the kernel offers), its parameters and mem_limit, then\n"
	"disksize, write the swap header and swapon. Persisted in swapctl's zram.conf, which\n"
	"swapctl.service (`swapctl boot`) re-creates at boot.\n"
	"\n"
	"  SIZE                    disksize (4G, 1.5GiB, ...), N% of RAM (1..200), or auto:\n"
	"                          min(RAM / 2, 8 GiB) (the default)\n"
	"      --algorithm NAME    compressor; must be one the kernel offers\n"
	"      --algorithm-params TEXT  level=N and/or dict=/path for the compressor\n"
	"      --priority N        swap priority, -1..32767 (default 100: above disk swap)\n"
	"      --mem-limit SIZE    cap on the memory the device may use (default none)\n"
	"      --min-ram SIZE      only on machines with at least this MemTotal (at boot;\n"
	"                          elsewhere only recorded)\n"
	"      --max-ram SIZE      only on machines with at most this MemTotal\n"
	"      --writeback-device DEV  block device 'zram writeback' moves pages to\n"
	"      --writeback-limit SIZE  at most this much written back (4 KiB units)\n"
	"      --recompress-algorithm NAME  secondary compressor 'zram recompress' uses\n"
	"      --no-persist        do not record it in zram.conf\n"
	"  -h, --help              show this help\n";

static int print_failure_json(
	struct sc_cli *cli, const struct sc_plan *plan, const struct sc_err *err, int device)
{
	struct json_object *o;

	if (!cli->json)
		return 0;
	o = sc_json_result(plan, plan ? sc_plan_changed(plan) : false);
	if (device >= 0) {
		char dev[32];
		snprintf(dev, sizeof(dev), "/dev/zram%d", device);
		json_object_object_add(o, "device", json_object_new_string(dev));
	}
	if (err && err->msg[0])
		json_object_object_add(o, "error", json_object_new_string(err->msg));
	return sc_json_print(o);
}

static int finish(
	struct sc_cli *cli, const struct sc_plan *plan, const struct sc_err *err, int r, int device)
{
	print_failure_json(cli, plan, r < 0 ? err : NULL, device);
	if (r < 0) {
		if (err->msg[0])
			return sc_report(cli, err);
		return sc_report_errno(cli, r, cli->command, "failed");
	}
	return SC_EXIT_OK;
}

/* zswap compresses pages before they reach zram: say so whenever both are on. */
static void warn_zswap_front(struct sc_cli *cli)
{
	bool front = false;

	if (cli->ctx.offline || sc_zswap_in_front_of_zram(&cli->ctx, &front) < 0 || !front)
		return;
	sc_warn(cli,
		"zswap is enabled in front of zram swap: pages are compressed by zswap "
		"first and compressed again when they move on to zram, and both take RAM; "
		"run 'swapctl zswap disable' (or use disk swap behind zswap)");
}

static void warn_unit_disabled(struct sc_cli *cli)
{
	if (sc_systemd_unit_enabled(&cli->ctx) == 0)
		sc_warn(cli,
			"swapctl.service is not enabled, so nothing re-creates the zram "
			"device at boot; run 'systemctl%s%s enable swapctl.service'",
			cli->ctx.offline ? " --root=" : "", cli->ctx.offline ? cli->ctx.root : "");
}

static void render_add_human(struct sc_cli *cli, const struct sc_plan *plan, int device)
{
	if (cli->dry_run)
		sc_print_plan(cli, plan);
	else if (!cli->quiet)
		sc_zram_cli_render_summary(cli, plan);
	if (plan->n > 0 || cli->quiet)
		return;
	if (device >= 0)
		printf("/dev/zram%d: already active with these settings; nothing changed\n",
			device);
	else
		printf("zram.conf already has this device; nothing changed\n");
}

int sc_zram_cmd_add(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"algorithm", required_argument, NULL, 'a'},
		{"algorithm-params", required_argument, NULL, 'P'},
		{"priority", required_argument, NULL, 'p'},
		{"mem-limit", required_argument, NULL, 'm'},
		{"min-ram", required_argument, NULL, 'r'},
		{"max-ram", required_argument, NULL, 'R'},
		{"writeback-device", required_argument, NULL, 'w'},
		{"writeback-limit", required_argument, NULL, 'W'},
		{"recompress-algorithm", required_argument, NULL, 'C'},
		{"no-persist", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_zram_add_req req = {.persist = true};
	struct sc_zram_observed w = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int c, ret, r, lockfd = -1, device = -1;
	char why[256];
	int64_t v;

	sc_zram_spec_init(&req.spec);
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (c) {
		case 'a':
			if (strcmp(optarg, "auto") != 0 && !sc_zram_algorithm_name_ok(optarg))
				return sc_usage_error(
					cli, "zram add: invalid algorithm name '%s'", optarg);
			snprintf(req.spec.algorithm, sizeof(req.spec.algorithm), "%s",
				strcmp(optarg, "auto") == 0 ? "" : optarg);
			break;
		case 'P':
			if (sc_zram_parse_params(optarg, req.spec.params) < 0)
				return sc_usage_error(cli,
					"zram add: invalid --algorithm-params '%s': use level=N "
					"and/or dict=/absolute/path",
					optarg);
			break;
		case 'p':
			if (sc_parse_int(optarg, -1, 32767, &v) < 0)
				return sc_usage_error(cli,
					"zram add: invalid priority '%s': use -1..32767", optarg);
			req.spec.priority = (int)v;
			break;
		case 'm':
			if (sc_zram_cli_parse_size(
				    cli, "--mem-limit", optarg, &req.spec.mem_limit) < 0)
				return SC_EXIT_USAGE;
			break;
		case 'r':
		case 'R':
			if (sc_zram_cli_parse_size(cli, c == 'r' ? "--min-ram" : "--max-ram",
				    optarg, c == 'r' ? &req.spec.min_ram : &req.spec.max_ram) < 0)
				return SC_EXIT_USAGE;
			break;
		case 'w':
			if (!sc_zram_path_ok(optarg))
				return sc_usage_error(cli,
					"zram add: invalid --writeback-device '%s': an absolute "
					"device path such as /dev/disk/by-partuuid/...",
					optarg);
			snprintf(req.spec.backing_dev, sizeof(req.spec.backing_dev), "%s", optarg);
			break;
		case 'W':
			if (sc_zram_cli_parse_size(cli, "--writeback-limit", optarg,
				    &req.spec.writeback_limit) < 0)
				return SC_EXIT_USAGE;
			if (req.spec.writeback_limit < 4096)
				return sc_usage_error(cli,
					"zram add: --writeback-limit below 4 KiB, the unit zram "
					"counts in, would allow nothing");
			req.spec.writeback_limit -= req.spec.writeback_limit % 4096;
			break;
		case 'C':
			if (!sc_zram_algorithm_name_ok(optarg))
				return sc_usage_error(
					cli, "zram add: invalid algorithm name '%s'", optarg);
			snprintf(req.spec.recomp_algorithm, sizeof(req.spec.recomp_algorithm), "%s",
				optarg);
			break;
		case 'N':
			req.persist = false;
			break;
		}
	}
	if (req.spec.writeback_limit && !req.spec.backing_dev[0])
		return sc_usage_error(cli, "zram add: --writeback-limit needs --writeback-device");
	/* with --root the device is the booted machine's, checked by its boot */
	if (req.spec.backing_dev[0] && !cli->ctx.offline &&
		sc_zram_backing_check(&cli->ctx, req.spec.backing_dev, &err) < 0)
		return sc_report(cli, &err);
	/* the dictionary is read by the kernel when the device is set up: it has to be there */
	if (sc_zram_params_check_dict(&cli->ctx, req.spec.params, &err) < 0)
		return sc_report(cli, &err);
	if (req.spec.min_ram && req.spec.max_ram && req.spec.min_ram > req.spec.max_ram)
		return sc_usage_error(
			cli, "zram add: --min-ram is above --max-ram: no machine fits");
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		r = sc_zram_parse_size_spec(argv[optind], &req.spec);
		if (r < 0)
			return sc_usage_error(cli,
				"zram add: invalid size '%s': use a size (4G, 1.5GiB), N%% of RAM "
				"(1..200) or auto",
				argv[optind]);
		optind++;
	}
	if (optind < argc)
		return sc_usage_error(cli, "zram add: unexpected argument '%s'", argv[optind]);

	r = sc_zram_cli_lock(cli, &lockfd, &err);
	if (r == 0)
		r = sc_zram_observed_read(&cli->ctx, &w, &err);
	if (r == 0)
		r = sc_zram_plan_add(&cli->ctx, &w, &req, &plan, &device, &err);
	if (r == 0 && !cli->dry_run) {
		/* completed, or the new device rolled back, as a whole (lib/signals.h) */
		sc_signals_hold();
		r = sc_zram_apply(&cli->ctx, &w, &plan, false, &err);
		for (size_t i = 0; i < plan.n; i++)
			if (plan.actions[i].kind == SC_ZRAM_SWAPON && plan.actions[i].done)
				sscanf(plan.actions[i].target, "/dev/zram%d", &device);
	} else if (r == 0)
		for (size_t i = 0; i < plan.n; i++)
			if (plan.actions[i].kind == SC_ZRAM_HOT_ADD)
				sscanf(plan.actions[i].target, "/dev/zram%d", &device);
	sc_lock_release(&cli->ctx, lockfd);
	if (r < 0) {
		ret = finish(cli, &plan, &err, r, -1);
		goto out;
	}
	if (cli->json) {
		struct json_object *o = sc_json_result(&plan, sc_plan_changed(&plan));
		char dev[32];

		if (device >= 0) {
			snprintf(dev, sizeof(dev), "/dev/zram%d", device);
			json_object_object_add(o, "device", json_object_new_string(dev));
		}
		sc_json_print(o);
	} else
		render_add_human(cli, &plan, device);
	if (!cli->ctx.offline && !sc_zram_spec_fits(&req.spec, w.mem_total, why, sizeof(why)))
		sc_info(cli,
			"zram add: %s, so no device is made here; 'swapctl boot' makes it on "
			"machines that fit",
			why);
	if (!cli->dry_run) {
		warn_zswap_front(cli);
		for (size_t i = 0; i < plan.n; i++)
			if (plan.actions[i].kind == SC_ZRAM_CONFIG_ADD && plan.actions[i].done)
				warn_unit_disabled(cli);
	}
	ret = SC_EXIT_OK;
out:
	sc_plan_free(&plan);
	sc_zram_observed_done(&w);
	return ret;
}
