/*
 * swapctl zram writeback [DEVICE...] [--idle AGE] [--huge]: move pages of swapctl's zram
 * devices to their backing devices (lib/zram.h), what swapctl-zram-writeback.timer runs;
 * swapctl zram recompress [...] [--algorithm NAME]: recompress the same selection of pages
 * with the devices' secondary algorithm.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "signals.h"
#include "zram.h"
#include "zram-cli.h"

const char sc_zram_usage_writeback[] =
	"Usage: swapctl zram writeback [DEVICE...] [--idle AGE] [--huge]\n"
	"\n"
	"Write pages of swapctl's zram devices to the backing devices they were created with\n"
	"(zram add), freeing the memory they take. Without options: the pages not\n"
	"touched since the previous run, then every page is marked for the next one (what\n"
	"swapctl-zram-writeback.timer runs).\n"
	"\n"
	"  DEVICE                  /dev/zramN or zramN (default: every swapctl device that has\n"
	"                          a backing device)\n"
	"      --idle AGE          the pages not accessed for AGE (seconds, or 30m, 3h, 1d;\n"
	"                          needs the kernel's access times), or 'all'\n"
	"      --huge              the pages that did not compress (with --idle: only those idle)\n"
	"  -h, --help              show this help\n";

const char sc_zram_usage_recompress[] =
	"Usage: swapctl zram recompress [DEVICE...] [--idle AGE] [--huge] [--algorithm NAME]\n"
	"\n"
	"Recompress pages of swapctl's zram devices with the secondary algorithm they were\n"
	"created with (zram add), which compresses better but slower (kernels with\n"
	"CONFIG_ZRAM_MULTI_COMP). Pages are chosen as by zram writeback.\n"
	"\n"
	"  DEVICE                  /dev/zramN or zramN (default: every swapctl device that has\n"
	"                          a recompression algorithm)\n"
	"      --idle AGE          the pages not accessed for AGE (seconds, or 30m, 3h, 1d), or\n"
	"                          'all'\n"
	"      --huge              the pages that did not compress (with --idle: only those idle)\n"
	"      --algorithm NAME    which of the device's recompression algorithms\n"
	"  -h, --help              show this help\n";

/* "all", N, Ns, Nm, Nh, Nd: seconds, or SC_ZRAM_IDLE_ALL; -EINVAL. */
static int parse_age(const char *s, int64_t *ret)
{
	static const struct {
		char suffix;
		int64_t mult;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	size_t len = strlen(s);
	int64_t mult = 1, v;
	char num[32];

	if (strcmp(s, "all") == 0) {
		*ret = SC_ZRAM_IDLE_ALL;
		return 0;
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	snprintf(num, sizeof(num), "%s", s);
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (num[len - 1] == units[i].suffix) {
			mult = units[i].mult;
			num[len - 1] = '\0';
		}
	/* the kernel reads the age with kstrtoul into a ktime in seconds */
	if (sc_parse_int(num, 1, INT64_MAX / 86400 / 1000000000, &v) < 0)
		return -EINVAL;
	*ret = v * mult;
	return 0;
}

static void render_human(struct sc_cli *cli, const struct sc_plan *plan)
{
	if (cli->dry_run) {
		sc_print_plan(cli, plan);
		return;
	}
	if (cli->quiet)
		return;
	if (plan->n == 0)
		printf("no zram device of swapctl's has %s; nothing to do\n",
			strcmp(cli->command, "zram recompress") == 0 ? "a recompression algorithm"
								     : "a backing device");
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i];
		const struct sc_act_zram *z = &a->u.zram;
		char b[32];

		if (a->kind == SC_ZRAM_RECOMPRESS && a->done)
			printf("%s: recompressed %s pages, %s less memory\n", a->target, z->mode,
				z->has_saved ? sc_format_bytes(z->saved, b) : "?");
		if (a->kind == SC_ZRAM_WRITEBACK && a->done)
			printf("%s: wrote %s of %s pages to its backing device%s\n", a->target,
				z->has_written ? sc_format_bytes(z->written, b) : "?", z->mode,
				z->limit_reached ? " (writeback_limit reached)" : "");
	}
}

int sc_zram_cmd_writeback(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"idle", required_argument, NULL, 'i'},
		{"huge", no_argument, NULL, 'H'},
		{"algorithm", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_zram_writeback_req req = {
		.idle_age = SC_ZRAM_IDLE_NONE,
		.recompress = strcmp(cli->command, "zram recompress") == 0,
	};
	_cleanup_free_ int *ids = NULL;
	struct sc_zram_observed w = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int c, ret, r, lockfd = -1;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		if (c == 'i' && parse_age(optarg, &req.idle_age) < 0)
			return sc_usage_error(cli,
				"%s: invalid --idle '%s': seconds (3600, 30m, 3h, 1d) or all",
				cli->command, optarg);
		if (c == 'H')
			req.huge = true;
		if (c == 'a' && (!req.recompress || !sc_zram_algorithm_name_ok(optarg)))
			return sc_usage_error(cli, "%s: --algorithm%s%s", cli->command,
				req.recompress ? ": invalid algorithm name "
					       : " is for zram recompress",
				req.recompress ? optarg : "");
		if (c == 'a')
			req.algorithm = optarg;
	}
	if (ret >= 0)
		return ret;
	ids = calloc((size_t)argc + 1, sizeof(int));
	if (!ids)
		return sc_report_errno(cli, -ENOMEM, cli->command, "failed");
	for (size_t n = 0; optind < argc; optind++) {
		int id = sc_zram_cli_parse_device(argv[optind]);

		if (id < 0)
			return sc_usage_error(cli, "%s: '%s' is not a zram device (/dev/zramN)",
				cli->command, argv[optind]);
		ids[n++] = id;
		req.n_ids = n;
	}
	req.ids = ids;

	r = sc_zram_cli_lock(cli, &lockfd, &err);
	if (r == 0)
		r = sc_zram_observed_read(&cli->ctx, &w, &err);
	if (r == 0)
		r = sc_zram_plan_writeback(&cli->ctx, &w, &req, &plan, &err);
	if (r == 0 && !cli->dry_run) {
		sc_signals_hold(); /* lib/signals.h */
		r = sc_zram_apply_writeback(&cli->ctx, &plan, &err);
	}
	sc_lock_release(&cli->ctx, lockfd);
	if (cli->json) {
		struct json_object *o = sc_json_result(&plan, sc_plan_changed(&plan));

		if (r < 0 && err.msg[0])
			json_object_object_add(o, "error", json_object_new_string(err.msg));
		sc_json_print(o);
	} else if (r == 0 || sc_plan_changed(&plan))
		render_human(cli, &plan);
	for (size_t i = 0; i < plan.n; i++)
		if (plan.actions[i].kind == SC_ZRAM_WRITEBACK &&
			plan.actions[i].u.zram.limit_reached)
			sc_warn(cli,
				"%s: its writeback_limit is used up; the rest stays in RAM until "
				"the limit is raised",
				plan.actions[i].target);
	ret = SC_EXIT_OK;
	if (r < 0)
		ret = err.msg[0] ? sc_report(cli, &err)
				 : sc_report_errno(cli, r, cli->command, "failed");
	sc_plan_free(&plan);
	sc_zram_observed_done(&w);
	return ret;
}
