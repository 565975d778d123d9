/*
 * swapctl zram estimate: read-only sampling of this machine's anonymous memory (lib/estimate.h)
 * and the zram disksize whose compressed size fits a memory budget.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compressors.h"
#include "estimate.h"
#include "fsinfo.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "util.h"
#include "zram.h"
#include "zram-cli.h"

const char sc_zram_usage_estimate[] =
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

int sc_zram_cmd_estimate(struct sc_cli *cli, int argc, char **argv)
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
			if (sc_zram_cli_parse_size(cli, "--sample", optarg, &o.sample_bytes) < 0)
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
