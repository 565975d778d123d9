/*
 * swapctl zram remove DEVICE... | --all: swap off (after the safety gate), reset and
 * hot_remove zram devices swapctl created, and drop them from zram.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "signals.h"
#include "util.h"
#include "zram.h"
#include "zram-cli.h"

const char sc_zram_usage_remove[] =
	"Usage: swapctl zram remove DEVICE... | --all [--force]\n"
	"\n"
	"Swap off (after the swapoff safety gate), reset and hot_remove zram devices swapctl\n"
	"created, and drop them from zram.conf. A device swapctl did not create is only\n"
	"touched when it is named and is active swap; it is swapped off and reset, not removed.\n"
	"\n"
	"  DEVICE                  /dev/zramN or zramN\n"
	"      --all               every zram device swapctl created, and all of zram.conf\n"
	"      --force             swap off even when the safety gate refuses\n"
	"  -h, --help              show this help\n";

int sc_zram_cmd_remove(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	_cleanup_free_ int *ids = NULL;
	struct sc_zram_observed w = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0}, gerr = {0};
	struct sc_gate_report gate = {0};
	bool all = false, force = false, overridden = false, gated = false;
	int c, ret, r, lockfd = -1;
	size_t n = 0;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
	}
	if (ret >= 0)
		return ret;
	ids = calloc((size_t)argc + 1, sizeof(int));
	if (!ids)
		return sc_report_errno(cli, -ENOMEM, "zram remove", "failed");
	for (; optind < argc; optind++) {
		int id = sc_zram_cli_parse_device(argv[optind]);

		if (id < 0)
			return sc_usage_error(cli,
				"zram remove: '%s' is not a zram device (/dev/zramN)",
				argv[optind]);
		ids[n++] = id;
	}
	if (n == 0 && !all)
		return sc_usage_error(cli, "zram remove: name the devices, or --all");

	r = sc_zram_cli_lock(cli, &lockfd, &err);
	if (r == 0)
		r = sc_zram_observed_read(&cli->ctx, &w, &err);
	if (r == 0)
		r = sc_zram_plan_remove(&cli->ctx, &w, ids, n, all, &plan, &err);
	if (r == 0) {
		r = sc_zram_gate(&cli->ctx, &plan, force, &overridden, &gate, &gerr);
		gated = r == 0 || r == -EPERM;
		if (r < 0)
			err = gerr;
		else if (overridden)
			sc_warn(cli, "%s (overridden by --force)", gerr.msg);
	}
	if (r == 0 && !cli->dry_run) {
		sc_signals_hold(); /* lib/signals.h */
		r = sc_zram_apply(&cli->ctx, &w, &plan, false, &err);
	}
	sc_lock_release(&cli->ctx, lockfd);
	if (cli->json) {
		struct json_object *o = sc_json_result(&plan, sc_plan_changed(&plan));

		/* the gate's figures whenever it was asked (swapctl(8)) */
		for (size_t i = 0; gated && i < plan.n; i++)
			if (plan.actions[i].kind == SC_ZRAM_SWAPOFF) {
				json_object_object_add(o, "gate", sc_json_gate(&gate));
				break;
			}
		if (r < 0 && err.msg[0])
			json_object_object_add(o, "error", json_object_new_string(err.msg));
		sc_json_print(o);
	}
	if (r < 0) {
		/* a device that could not be removed leaves the others removed: say which */
		if (!cli->json && !cli->quiet && !cli->dry_run)
			sc_zram_cli_render_summary(cli, &plan);
		if (r == -EPERM && err.kind == SC_EXIT_REFUSED && !err.hint[0])
			sc_err_hint(&err, "free memory first, or use --force to swap off anyway");
		ret = err.msg[0] ? sc_report(cli, &err)
				 : sc_report_errno(cli, r, cli->command, "failed");
		goto out;
	}
	if (!cli->json && cli->dry_run)
		sc_print_plan(cli, &plan);
	else if (!cli->json && !cli->quiet) {
		sc_zram_cli_render_summary(cli, &plan);
		if (plan.n == 0)
			printf("no zram device of swapctl's to remove; nothing changed\n");
	}
	ret = SC_EXIT_OK;
out:
	sc_gate_report_free(&gate);
	sc_plan_free(&plan);
	sc_zram_observed_done(&w);
	return ret;
}
