/*
 * swapctl zram add | remove | estimate: compressed swap in RAM.
 *
 * add and remove: argv -> request -> world (lib/zram.h) -> plan -> (gate) -> apply -> render.
 * estimate: read-only sampling of this machine's anonymous memory (lib/estimate.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compressors.h"
#include "estimate.h"
#include "fsinfo.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "signals.h"
#include "systemd.h"
#include "util.h"
#include "zram.h"
#include "zswap.h"

static const char usage_add[] =
	"Usage: swapctl zram add [SIZE|N%|auto] [--algorithm NAME] [--algorithm-params TEXT]\n"
	"                        [--priority N] [--mem-limit SIZE] [--no-persist]\n"
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
	"      --no-persist        do not record it in zram.conf\n"
	"  -h, --help              show this help\n";

static const char usage_remove[] =
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

static const char usage_estimate[] =
	"Usage: swapctl zram estimate [--sample SIZE] [--pid PID]... [--level N]\n"
	"                             [--budget SIZE|N%]\n"
	"\n"
	"Measure how well this machine's anonymous memory compresses: read resident anonymous\n"
	"pages of running processes (read-only; root reads all of them), compress each page\n"
	"with zstd as zram would, and report the ratio and the zram disksize whose compressed\n"
	"size fits a memory budget.\n"
	"\n"
	"      --sample SIZE       read at most this much memory (default 64M)\n"
	"      --pid PID           sample this process only (repeatable; default: all)\n"
	"      --level N           zstd level (default 3, the kernel's zram default)\n"
	"      --budget SIZE|N%    memory zram may use (default 25%, of MemTotal)\n"
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

static int lock(struct sc_cli *cli, int *fd, struct sc_err *err)
{
	*fd = -1;
	if (cli->dry_run)
		return 0;
	return sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, fd, err);
}

static int parse_size_opt(struct sc_cli *cli, const char *opt, const char *v, uint64_t *ret)
{
	if (sc_parse_size(v, ret) < 0) {
		sc_usage_error(cli, "%s: invalid %s '%s': a size such as 512M or 2G", cli->command,
			opt, v);
		return -EINVAL;
	}
	return 0;
}

static const struct sc_action *find_action(const struct sc_plan *plan, int kind, const char *target)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->actions[i].kind == kind && strcmp(plan->actions[i].target, target) == 0)
			return &plan->actions[i];
	return NULL;
}

/* One line per device brought up, per device removed and per configuration change. */
static void render_summary(struct sc_cli *cli, const struct sc_plan *plan)
{
	if (cli->verbose)
		sc_print_plan(cli, plan);
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i], *x;
		const struct sc_field *f;
		char b[32];

		if (!a->done)
			continue;
		switch (a->kind) {
		case SC_ZRAM_SWAPON:
			x = find_action(plan, SC_ZRAM_SET_DISKSIZE, a->target);
			f = x ? sc_action_get(x, "size_bytes") : NULL;
			printf("%s: swap on %s of zram", a->target,
				f ? sc_format_bytes((uint64_t)f->num, b) : "?");
			x = find_action(plan, SC_ZRAM_SET_ALGORITHM, a->target);
			if (x && (f = sc_action_get(x, "algorithm")))
				printf(" (%s)", f->str);
			printf(", priority %" PRId64 "\n", sc_action_get(a, "priority")->num);
			break;
		case SC_ZRAM_HOT_REMOVE:
			printf("%s: removed\n", a->target);
			break;
		case SC_ZRAM_RESET:
			if (!find_action(plan, SC_ZRAM_HOT_REMOVE, a->target))
				printf("%s: swapped off and reset (not created by swapctl: left "
				       "in place)\n",
					a->target);
			break;
		case SC_ZRAM_CONFIG_ADD:
		case SC_ZRAM_CONFIG_REMOVE:
			printf("%s: %s '%s'\n", a->target,
				a->kind == SC_ZRAM_CONFIG_ADD ? "added" : "removed",
				sc_action_get(a, "entry")->str);
			break;
		}
	}
}

static void render_add_human(struct sc_cli *cli, const struct sc_plan *plan, int device)
{
	if (cli->dry_run)
		sc_print_plan(cli, plan);
	else if (!cli->quiet)
		render_summary(cli, plan);
	if (plan->n > 0 || cli->quiet)
		return;
	if (device >= 0)
		printf("/dev/zram%d: already active with these settings; nothing changed\n",
			device);
	else
		printf("zram.conf already has this device; nothing changed\n");
}

static int cmd_add(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"algorithm", required_argument, NULL, 'a'},
		{"algorithm-params", required_argument, NULL, 'P'},
		{"priority", required_argument, NULL, 'p'},
		{"mem-limit", required_argument, NULL, 'm'},
		{"no-persist", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_zram_add_req req = {.persist = true};
	struct sc_zram_world w = {0};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int c, ret, r, lockfd = -1, device = -1;
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
			if (parse_size_opt(cli, "--mem-limit", optarg, &req.spec.mem_limit) < 0)
				return SC_EXIT_USAGE;
			break;
		case 'N':
			req.persist = false;
			break;
		}
	}
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

	r = lock(cli, &lockfd, &err);
	if (r == 0)
		r = sc_zram_world_read(&cli->ctx, &w, &err);
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
	if (!cli->dry_run) {
		warn_zswap_front(cli);
		for (size_t i = 0; i < plan.n; i++)
			if (plan.actions[i].kind == SC_ZRAM_CONFIG_ADD && plan.actions[i].done)
				warn_unit_disabled(cli);
	}
	ret = SC_EXIT_OK;
out:
	sc_plan_free(&plan);
	sc_zram_world_done(&w);
	return ret;
}

static int parse_device(const char *s)
{
	int64_t id;

	if (sc_startswith(s, "/dev/"))
		s += strlen("/dev/");
	if (!sc_startswith(s, "zram") || sc_parse_int(s + 4, 0, INT32_MAX, &id) < 0)
		return -EINVAL;
	return (int)id;
}

static int cmd_remove(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	_cleanup_free_ int *ids = NULL;
	struct sc_zram_world w = {0};
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
		int id = parse_device(argv[optind]);

		if (id < 0)
			return sc_usage_error(cli,
				"zram remove: '%s' is not a zram device (/dev/zramN)",
				argv[optind]);
		ids[n++] = id;
	}
	if (n == 0 && !all)
		return sc_usage_error(cli, "zram remove: name the devices, or --all");

	r = lock(cli, &lockfd, &err);
	if (r == 0)
		r = sc_zram_world_read(&cli->ctx, &w, &err);
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

		/* the gate's figures whenever it was asked (SPEC 7; swapctl(8)) */
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
			render_summary(cli, &plan);
		if (r == -EPERM && err.kind == SC_EXIT_REFUSED && !err.hint[0])
			sc_err_hint(&err, "free memory first, or use --force to swap off anyway");
		ret = err.msg[0] ? sc_report(cli, &err)
				 : sc_report_errno(cli, r, cli->command, "failed");
		goto out;
	}
	if (!cli->json && cli->dry_run)
		sc_print_plan(cli, &plan);
	else if (!cli->json && !cli->quiet) {
		render_summary(cli, &plan);
		if (plan.n == 0)
			printf("no zram device of swapctl's to remove; nothing changed\n");
	}
	ret = SC_EXIT_OK;
out:
	sc_gate_report_free(&gate);
	sc_plan_free(&plan);
	sc_zram_world_done(&w);
	return ret;
}

static void render_estimate_human(
	struct sc_cli *cli, const struct sc_estimate *e, uint64_t budget, uint64_t disksize)
{
	char b1[32], b2[32], b3[32];

	printf("Sampled %s of %s resident anonymous memory in %zu process%s",
		sc_format_bytes(e->sampled_bytes, b1), sc_format_bytes(e->anon_bytes, b2),
		e->processes_sampled, e->processes_sampled == 1 ? "" : "es");
	if (e->processes_skipped)
		printf(" (%zu skipped: gone or unreadable)", e->processes_skipped);
	printf("\n  same-filled pages (stored without compression): %" PRIu64 "\n", e->zero_pages);
	printf("  incompressible pages (stored as they are):      %" PRIu64 "\n",
		e->incompressible_pages);
	printf("  zstd level %d: %s -> %s", e->level, sc_format_bytes(e->sampled_bytes, b1),
		sc_format_bytes(e->compressed_bytes, b2));
	if (e->compressed_bytes)
		printf(", ratio %.2f\n", (double)e->sampled_bytes / (double)e->compressed_bytes);
	else
		printf(" (every page same-filled)\n");
	printf("zram disksize whose memory use fits %s: %s\n", sc_format_bytes(budget, b1),
		sc_format_bytes(disksize, b3));
}

/* zram on this kernel may not offer zstd: the ratio measured here is then optimistic. */
static void note_kernel_algorithms(struct sc_cli *cli)
{
	char **names = NULL, list[256] = "";
	bool zstd = false;

	if (sc_compressors_zram(&cli->ctx, &names) <= 0)
		return;
	for (char **p = names; *p; p++)
		zstd |= strcmp(*p, "zstd") == 0;
	if (!zstd) {
		for (char **p = names; *p; p++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				list[0] ? ", " : "", *p);
		sc_info(cli,
			"note: this kernel's zram does not offer zstd (it offers %s), "
			"which compress less: expect a lower ratio there",
			list);
	}
	sc_strv_free(names);
}

static int cmd_estimate(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"sample", required_argument, NULL, 's'},
		{"pid", required_argument, NULL, 'p'},
		{"level", required_argument, NULL, 'l'},
		{"budget", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_estimate_opts o = {
		.sample_bytes = SC_ESTIMATE_SAMPLE_DEFAULT, .level = SC_ESTIMATE_LEVEL_DEFAULT};
	_cleanup_free_ int *pids = NULL;
	struct sc_zram_spec budget_spec;
	struct sc_estimate e;
	struct sc_meminfo mem;
	struct sc_err err = {0};
	uint64_t budget, disksize;
	int c, ret, r;
	int64_t v;
	size_t n = 0;

	sc_zram_spec_init(&budget_spec);
	budget_spec.size_kind = SC_ZRAM_SIZE_PERCENT;
	budget_spec.size = 25;
	pids = calloc((size_t)argc + 1, sizeof(int));
	if (!pids)
		return sc_report_errno(cli, -ENOMEM, "zram estimate", "failed");
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (c) {
		case 's':
			if (parse_size_opt(cli, "--sample", optarg, &o.sample_bytes) < 0)
				return SC_EXIT_USAGE;
			if (o.sample_bytes < cli->ctx.page_size)
				return sc_usage_error(cli,
					"zram estimate: --sample must be at least "
					"one page");
			break;
		case 'p': {
			char rel[32];

			if (sc_parse_int(optarg, 1, INT32_MAX, &v) < 0)
				return sc_usage_error(
					cli, "zram estimate: invalid PID '%s'", optarg);
			snprintf(rel, sizeof(rel), "/proc/%" PRId64, v);
			if (!sc_fsinfo_sys_exists(&cli->ctx, rel))
				return sc_usage_error(cli, "zram estimate: no process %" PRId64, v);
			pids[n++] = (int)v;
			break;
		}
		case 'l':
			if (sc_parse_int(optarg, sc_estimate_level_min(), sc_estimate_level_max(),
				    &v) < 0 ||
				v == 0)
				return sc_usage_error(cli,
					"zram estimate: invalid zstd level '%s': use %d..-1 or "
					"1..%d",
					optarg, sc_estimate_level_min(), sc_estimate_level_max());
			o.level = (int)v;
			break;
		case 'b':
			if (sc_zram_parse_size_spec(optarg, &budget_spec) < 0 ||
				budget_spec.size_kind == SC_ZRAM_SIZE_AUTO ||
				(budget_spec.size_kind == SC_ZRAM_SIZE_PERCENT &&
					budget_spec.size > 100))
				return sc_usage_error(cli,
					"zram estimate: invalid --budget '%s': a size or N%% "
					"(1..100) of RAM",
					optarg);
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "zram estimate: unexpected argument '%s'", argv[optind]);
	if (n > 0) {
		o.pids = pids;
		o.n_pids = n;
	}
	r = sc_meminfo_read(&cli->ctx, &mem);
	if (r < 0)
		return sc_report_errno(cli, r, "/proc/meminfo", "cannot read");
	budget = budget_spec.size_kind == SC_ZRAM_SIZE_PERCENT ? mem.total * budget_spec.size / 100
							       : budget_spec.size;

	r = sc_estimate_run(&cli->ctx, &o, &e, &err);
	if (r < 0) {
		if (cli->json) {
			struct json_object *j = json_object_new_object();
			json_object_object_add(j, "error", json_object_new_string(err.msg));
			sc_json_print(j);
		}
		return sc_report(cli, &err);
	}
	disksize = sc_estimate_disksize(&e, budget, mem.total);
	if (cli->json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(
			j, "sampled_bytes", json_object_new_int64((int64_t)e.sampled_bytes));
		json_object_object_add(
			j, "zero_pages", json_object_new_int64((int64_t)e.zero_pages));
		json_object_object_add(
			j, "compressed_bytes", json_object_new_int64((int64_t)e.compressed_bytes));
		json_object_object_add(j, "ratio",
			e.compressed_bytes ? json_object_new_double((double)e.sampled_bytes /
						     (double)e.compressed_bytes)
					   : NULL);
		json_object_object_add(j, "algorithm", json_object_new_string("zstd"));
		json_object_object_add(j, "level", json_object_new_int(e.level));
		json_object_object_add(j, "page_size", json_object_new_int64((int64_t)e.page_size));
		json_object_object_add(j, "incompressible_pages",
			json_object_new_int64((int64_t)e.incompressible_pages));
		json_object_object_add(
			j, "anon_bytes", json_object_new_int64((int64_t)e.anon_bytes));
		json_object_object_add(j, "processes_sampled",
			json_object_new_int64((int64_t)e.processes_sampled));
		json_object_object_add(j, "processes_skipped",
			json_object_new_int64((int64_t)e.processes_skipped));
		json_object_object_add(j, "budget_bytes", json_object_new_int64((int64_t)budget));
		json_object_object_add(
			j, "disksize_bytes", json_object_new_int64((int64_t)disksize));
		sc_json_print(j);
	} else
		render_estimate_human(cli, &e, budget, disksize);
	note_kernel_algorithms(cli);
	return SC_EXIT_OK;
}

int sc_cmd_zram(struct sc_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct sc_cli *cli, int argc, char **argv);
		const char *command, *usage;
	} subs[] = {
		{"add", cmd_add, "zram add", usage_add},
		{"remove", cmd_remove, "zram remove", usage_remove},
		{"estimate", cmd_estimate, "zram estimate", usage_estimate},
	};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2) {
			fputs(cli->usage, stderr);
			return SC_EXIT_USAGE;
		}
		fputs(cli->usage, stdout);
		return SC_EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			cli->command = subs[i].command;
			cli->usage = subs[i].usage;
			optind = 1;
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	return sc_usage_error(
		cli, "zram: unknown subcommand '%s' (add, remove, estimate)", argv[1]);
}
