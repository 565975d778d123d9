/*
 * swapctl status: every active swap area, fstab swap entry, zram device, zswap state, the
 * companion vm.* values and memory figures, with drift flagged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "sysctl.h"
#include "zram.h"
#include "zswap.h"

struct status {
	struct sc_swaps swaps;
	struct sc_meminfo mem;
	struct sc_zram_dev *zram;
	size_t n_zram;
	struct sc_zswap zswap;
	int64_t sysctl[16];
	bool sysctl_present[16];
};

static void status_done(struct status *s)
{
	sc_swaps_free(&s->swaps);
	sc_zram_list_free(s->zram, s->n_zram);
}

static int gather(struct sc_cli *cli, struct status *s)
{
	const struct sc_ctx *c = &cli->ctx;
	int r;

	r = sc_swaps_read(c, &s->swaps);
	if (r < 0)
		return sc_report_errno(cli, r, "/proc/swaps", "cannot read");
	r = sc_meminfo_read(c, &s->mem);
	if (r < 0)
		return sc_report_errno(cli, r, "/proc/meminfo", "cannot read");
	r = sc_zram_list(c, &s->zram, &s->n_zram);
	if (r < 0)
		return sc_report_errno(cli, r, "/sys/block", "cannot list zram devices");
	r = sc_zswap_read(c, &s->zswap);
	if (r < 0)
		return sc_report_errno(cli, r, "/sys/module/zswap", "cannot read");
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++)
		s->sysctl_present[i] =
			sc_sysctl_read_live(c, sc_sysctl_keys[i].name, &s->sysctl[i]) == 0;
	return 0;
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static struct json_object *render_json(const struct status *s)
{
	struct json_object *o = json_object_new_object(), *a, *e;

	a = json_object_new_array();
	for (size_t i = 0; i < s->swaps.n; i++) {
		const struct sc_swap *w = &s->swaps.items[i];
		e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(w->path));
		json_object_object_add(
			e, "type", json_object_new_string(sc_swap_type_name(w->type)));
		json_object_object_add(e, "size_bytes", json_u64(w->size_bytes));
		json_object_object_add(e, "used_bytes", json_u64(w->used_bytes));
		json_object_object_add(e, "priority", json_object_new_int(w->priority));
		json_object_object_add(e, "managed", json_object_new_boolean(false));
		json_object_object_add(e, "persistent", json_object_new_boolean(false));
		json_object_object_add(e, "deleted", json_object_new_boolean(w->deleted));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "swaps", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->n_zram; i++) {
		const struct sc_zram_dev *z = &s->zram[i];
		char dev[48];
		snprintf(dev, sizeof(dev), "/dev/%s", z->name);
		e = json_object_new_object();
		json_object_object_add(e, "device", json_object_new_string(dev));
		json_object_object_add(e, "disksize_bytes", json_u64(z->disksize));
		json_object_object_add(
			e, "algorithm", z->algorithm ? json_object_new_string(z->algorithm) : NULL);
		json_object_object_add(e, "orig_data_bytes", json_u64(z->orig_data));
		json_object_object_add(e, "compr_data_bytes", json_u64(z->compr_data));
		json_object_object_add(e, "mem_used_bytes", json_u64(z->mem_used));
		json_object_object_add(e, "initialized", json_object_new_boolean(z->initialized));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "zram", a);

	e = json_object_new_object();
	json_object_object_add(e, "available", json_object_new_boolean(s->zswap.present));
	json_object_object_add(e, "enabled", json_object_new_boolean(s->zswap.enabled));
	if (s->zswap.present) {
		json_object_object_add(
			e, "compressor", json_object_new_string(s->zswap.compressor));
		if (s->zswap.zpool[0])
			json_object_object_add(e, "zpool", json_object_new_string(s->zswap.zpool));
		if (s->zswap.max_pool_percent >= 0)
			json_object_object_add(e, "max_pool_percent",
				json_object_new_int(s->zswap.max_pool_percent));
		json_object_object_add(e, "pool_bytes", json_u64(s->mem.zswap));
		json_object_object_add(e, "stored_bytes", json_u64(s->mem.zswapped));
	}
	json_object_object_add(o, "zswap", e);

	e = json_object_new_object();
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++) {
		char key[64];
		if (!s->sysctl_present[i])
			continue;
		snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[i].name);
		json_object_object_add(e, key, json_object_new_int64(s->sysctl[i]));
	}
	json_object_object_add(o, "sysctl", e);

	e = json_object_new_object();
	json_object_object_add(e, "total_bytes", json_u64(s->mem.total));
	json_object_object_add(e, "available_bytes", json_u64(s->mem.available));
	json_object_object_add(e, "swap_total_bytes", json_u64(s->mem.swap_total));
	json_object_object_add(e, "swap_free_bytes", json_u64(s->mem.swap_free));
	json_object_object_add(e, "committed_bytes", json_u64(s->mem.committed_as));
	json_object_object_add(e, "commit_limit_bytes", json_u64(s->mem.commit_limit));
	json_object_object_add(o, "memory", e);
	return o;
}

static void render_human(const struct status *s)
{
	char b1[32], b2[32], b3[32], b4[32];

	printf("Memory: %s total, %s available; swap %s total, %s free\n",
		sc_format_bytes(s->mem.total, b1), sc_format_bytes(s->mem.available, b2),
		sc_format_bytes(s->mem.swap_total, b3), sc_format_bytes(s->mem.swap_free, b4));

	printf("\nSwap areas:\n");
	if (s->swaps.n == 0)
		printf("  (none active)\n");
	else
		printf("  %-40s %-9s %10s %10s %5s\n", "PATH", "TYPE", "SIZE", "USED", "PRIO");
	for (size_t i = 0; i < s->swaps.n; i++) {
		const struct sc_swap *w = &s->swaps.items[i];
		printf("  %-40s %-9s %10s %10s %5d%s\n", w->path, sc_swap_type_name(w->type),
			sc_format_bytes(w->size_bytes, b1), sc_format_bytes(w->used_bytes, b2),
			w->priority, w->deleted ? "  (deleted)" : "");
	}

	printf("\nzram devices:\n");
	if (s->n_zram == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < s->n_zram; i++) {
		const struct sc_zram_dev *z = &s->zram[i];
		if (!z->initialized) {
			printf("  /dev/%-10s not initialised\n", z->name);
			continue;
		}
		printf("  /dev/%-10s %s %s, data %s compressed to %s", z->name,
			sc_format_bytes(z->disksize, b1), z->algorithm ? z->algorithm : "?",
			sc_format_bytes(z->orig_data, b2), sc_format_bytes(z->compr_data, b3));
		if (z->compr_data > 0)
			printf(" (ratio %.2f)", (double)z->orig_data / (double)z->compr_data);
		printf(", memory used %s\n", sc_format_bytes(z->mem_used, b1));
	}

	printf("\nzswap: ");
	if (!s->zswap.present)
		printf("not available in this kernel\n");
	else
		printf("%s (compressor %s, max pool %d%%)\n",
			s->zswap.enabled ? "enabled" : "disabled", s->zswap.compressor,
			s->zswap.max_pool_percent);

	printf("\nvm sysctls:\n");
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++)
		if (s->sysctl_present[i])
			printf("  vm.%-26s %" PRId64 "\n", sc_sysctl_keys[i].name, s->sysctl[i]);
}

int sc_cmd_status(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct status s = {0};
	int c, ret;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "status: unexpected argument '%s'", argv[optind]);

	ret = gather(cli, &s);
	if (ret == 0) {
		if (cli->json)
			sc_json_print(render_json(&s));
		else
			render_human(&s);
	}
	status_done(&s);
	return ret;
}
