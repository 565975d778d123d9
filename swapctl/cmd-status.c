/*
 * swapctl status: every active swap area, fstab swap entry, zram device, zswap state, the
 * companion vm.* values and memory figures, with drift flagged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "drift.h"
#include "macro.h"
#include "observe.h"
#include "parse.h"
#include "util.h"

struct status {
	struct sc_observation obs;
	struct sc_drift drift;
};

static void status_done(struct status *s)
{
	sc_drift_done(&s->drift);
	sc_observation_done(&s->obs);
}

/* What status shows: everything but the tags libblkid would resolve (drift.h needs none). */
#define STATUS_OBSERVE (SC_OBS_ALL & ~SC_OBS_TAGS)

static int gather(struct sc_cli *cli, struct status *s)
{
	const struct sc_ctx *c = &cli->ctx;
	const struct sc_observation *o = &s->obs;
	int r;

	/*
	 * An offline image (--root) has no running swap, memory, zram, zswap or live vm.*
	 * values (the running kernel's are this machine's): only its fstab is shown.
	 */
	r = sc_observe(c, STATUS_OBSERVE, &s->obs);
	if (r < 0)
		return sc_report_errno(cli, r, "status", "cannot gather the state");
	if (o->swaps_err < 0)
		return sc_report_errno(cli, o->swaps_err, "/proc/swaps", "cannot read");
	if (o->fstab_err < 0)
		sc_warn(cli, "%s, skipping fstab",
			o->fstab_msg.msg[0] ? o->fstab_msg.msg : strerror(-o->fstab_err));
	r = sc_drift_compute(o, &s->drift);
	if (r < 0)
		return sc_report_errno(cli, r, c->fstab, "cannot read");
	if (c->offline)
		return 0;
	if (o->mem_err < 0)
		return sc_report_errno(cli, o->mem_err, "/proc/meminfo", "cannot read");
	if (o->zram_err < 0)
		return sc_report_errno(cli, o->zram_err, "/sys/block", "cannot list zram devices");
	if (o->zswap_err < 0)
		return sc_report_errno(cli, o->zswap_err, "/sys/module/zswap", "cannot read");
	return 0;
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* zswap sits in front of every swap device, zram included: pages get compressed twice. */
static bool zram_swap_active(const struct sc_observation *o)
{
	for (size_t i = 0; i < o->swaps.n; i++)
		if (o->swaps.items[i].type == SC_SWAP_ZRAM)
			return true;
	return false;
}

static struct json_object *render_json(
	const struct sc_observation *ob, const struct sc_drift *d, bool offline)
{
	struct json_object *o = json_object_new_object(), *a, *e;

	a = json_object_new_array();
	for (size_t i = 0; i < ob->swaps.n; i++) {
		const struct sc_swap *w = &ob->swaps.items[i];
		e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(w->path));
		json_object_object_add(
			e, "type", json_object_new_string(sc_swap_type_name(w->type)));
		json_object_object_add(e, "size_bytes", json_u64(w->size_bytes));
		json_object_object_add(e, "used_bytes", json_u64(w->used_bytes));
		json_object_object_add(e, "priority", json_object_new_int(w->priority));
		ssize_t k = d->swap_entry[i];
		json_object_object_add(
			e, "managed", json_object_new_boolean(k >= 0 && ob->entries[k].managed));
		json_object_object_add(e, "persistent", json_object_new_boolean(k >= 0));
		json_object_object_add(e, "deleted", json_object_new_boolean(w->deleted));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "swaps", a);

	a = json_object_new_array();
	for (size_t i = 0; i < ob->n_entries; i++) {
		const struct sc_obs_entry *fe = &ob->entries[i];
		const struct sc_drift_entry *v = &d->entries[i];
		e = json_object_new_object();
		json_object_object_add(e, "source", json_object_new_string(fe->source));
		json_object_object_add(e, "line", json_object_new_int64((int64_t)fe->line));
		json_object_object_add(e, "options", json_object_new_string(fe->options));
		json_object_object_add(
			e, "priority", fe->has_priority ? json_object_new_int(fe->priority) : NULL);
		json_object_object_add(e, "managed", json_object_new_boolean(fe->managed));
		json_object_object_add(
			e, "exists", v->unknown ? NULL : json_object_new_boolean(v->exists));
		json_object_object_add(e, "active", json_object_new_boolean(v->swap >= 0));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "fstab", a);

	a = json_object_new_array();
	for (size_t i = 0; i < d->n; i++) {
		e = json_object_new_object();
		json_object_object_add(
			e, "kind", json_object_new_string(sc_drift_kind_name(d->items[i].kind)));
		json_object_object_add(e, "target", json_object_new_string(d->items[i].target));
		json_object_object_add(e, "message", json_object_new_string(d->items[i].message));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "drift", a);

	a = json_object_new_array();
	for (size_t i = 0; i < ob->n_zram; i++) {
		const struct sc_zram_dev *z = &ob->zram[i];
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
		json_object_object_add(e, "backing_dev",
			z->backing_dev ? json_object_new_string(z->backing_dev) : NULL);
		if (z->has_bd_stat) {
			struct json_object *bd = json_object_new_object();

			json_object_object_add(bd, "count_bytes", json_u64(z->bd_count));
			json_object_object_add(bd, "reads_bytes", json_u64(z->bd_reads));
			json_object_object_add(bd, "writes_bytes", json_u64(z->bd_writes));
			json_object_object_add(e, "bd_stat", bd);
		} else
			json_object_object_add(e, "bd_stat", NULL);
		json_object_object_add(e, "managed",
			json_object_new_boolean(sc_zram_ids_find(&ob->zram_owned, z->id) != NULL));
		json_object_object_add(e, "priority",
			sc_swaps_find(&ob->swaps, dev)
				? json_object_new_int(sc_swaps_find(&ob->swaps, dev)->priority)
				: NULL);
		json_object_object_add(e, "ratio",
			z->compr_data ? json_object_new_double(
						(double)z->orig_data / (double)z->compr_data)
				      : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "zram", a);

	e = json_object_new_object();
	json_object_object_add(e, "available", json_object_new_boolean(ob->zswap.present));
	json_object_object_add(e, "enabled", json_object_new_boolean(ob->zswap.enabled));
	if (ob->zswap.present) {
		json_object_object_add(
			e, "compressor", json_object_new_string(ob->zswap.compressor));
		if (ob->zswap.zpool[0])
			json_object_object_add(e, "zpool", json_object_new_string(ob->zswap.zpool));
		if (ob->zswap.max_pool_percent >= 0)
			json_object_object_add(e, "max_pool_percent",
				json_object_new_int(ob->zswap.max_pool_percent));
		json_object_object_add(e, "pool_bytes", json_u64(ob->mem.zswap));
		json_object_object_add(e, "stored_bytes", json_u64(ob->mem.zswapped));
		json_object_object_add(e, "in_front_of_zram",
			json_object_new_boolean(ob->zswap.enabled && zram_swap_active(ob)));
	}
	json_object_object_add(o, "zswap", e);

	e = json_object_new_object();
	for (size_t i = 0; i < sc_sysctl_n_keys && i < SC_VM_N; i++) {
		char key[64];
		if (!ob->sysctl_present[i])
			continue;
		snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[i].name);
		json_object_object_add(e, key, json_object_new_int64(ob->sysctl[i]));
	}
	json_object_object_add(o, "sysctl", e);

	if (offline) { /* an image has no memory figures */
		json_object_object_add(o, "memory", NULL);
		return o;
	}
	e = json_object_new_object();
	json_object_object_add(e, "total_bytes", json_u64(ob->mem.total));
	json_object_object_add(e, "available_bytes", json_u64(ob->mem.available));
	json_object_object_add(e, "swap_total_bytes", json_u64(ob->mem.swap_total));
	json_object_object_add(e, "swap_free_bytes", json_u64(ob->mem.swap_free));
	json_object_object_add(e, "committed_bytes", json_u64(ob->mem.committed_as));
	json_object_object_add(e, "commit_limit_bytes", json_u64(ob->mem.commit_limit));
	json_object_object_add(o, "memory", e);
	return o;
}

/* The running system's memory and swap areas (an offline image has neither). */
static void render_live(const struct sc_observation *o, const struct sc_drift *d)
{
	char b1[32], b2[32], b3[32], b4[32];

	printf("Memory: %s total, %s available; swap %s total, %s free\n",
		sc_format_bytes(o->mem.total, b1), sc_format_bytes(o->mem.available, b2),
		sc_format_bytes(o->mem.swap_total, b3), sc_format_bytes(o->mem.swap_free, b4));

	printf("\nSwap areas:\n");
	if (o->swaps.n == 0)
		printf("  (none active)\n");
	else
		printf("  %-40s %-9s %10s %10s %5s  %s\n", "PATH", "TYPE", "SIZE", "USED", "PRIO",
			"FSTAB");
	for (size_t i = 0; i < o->swaps.n; i++) {
		const struct sc_swap *w = &o->swaps.items[i];
		ssize_t k = d->swap_entry[i];
		const char *where = w->type == SC_SWAP_ZRAM ? "-"
			: k < 0				    ? "not in fstab"
			: o->entries[k].managed		    ? "managed"
							    : "in fstab";

		printf("  %-40s %-9s %10s %10s %5d  %s%s\n", w->path, sc_swap_type_name(w->type),
			sc_format_bytes(w->size_bytes, b1), sc_format_bytes(w->used_bytes, b2),
			w->priority, where, w->deleted ? "  (deleted)" : "");
	}

	printf("\n");
}

static void render_human(const struct sc_observation *o, const struct sc_drift *d, bool offline)
{
	char b1[32], b2[32], b3[32];

	if (!offline)
		render_live(o, d);
	printf("fstab swap entries:\n");
	if (o->n_entries == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < o->n_entries; i++) {
		const struct sc_obs_entry *e = &o->entries[i];
		const struct sc_drift_entry *v = &d->entries[i];
		printf("  %-40s %-8s %s\n", e->source,
			v->swap >= 0	     ? "active"
				: v->unknown ? "unchecked"
				: !v->exists ? "missing"
				: offline    ? "present"
					     : "inactive",
			e->managed ? "managed" : "unmanaged");
	}
	if (offline) {
		for (size_t i = 0; i < d->n; i++)
			printf("%s  %s: %s\n", i ? "" : "\nDrift:\n",
				sc_drift_kind_name(d->items[i].kind), d->items[i].message);
		return;
	}

	printf("\nzram devices:\n");
	if (o->n_zram == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < o->n_zram; i++) {
		const struct sc_zram_dev *z = &o->zram[i];
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
	if (!o->zswap.present)
		printf("not available in this kernel\n");
	else
		printf("%s (compressor %s, max pool %d%%)\n",
			o->zswap.enabled ? "enabled" : "disabled", o->zswap.compressor,
			o->zswap.max_pool_percent);
	if (o->zswap.present && o->zswap.enabled && zram_swap_active(o))
		printf("  warning: zswap sits in front of zram swap: pages are compressed twice "
		       "(swapctl zswap disable)\n");

	if (d->n > 0) {
		printf("\nDrift:\n");
		for (size_t i = 0; i < d->n; i++)
			printf("  %s: %s\n", sc_drift_kind_name(d->items[i].kind),
				d->items[i].message);
	}

	printf("\nvm sysctls:\n");
	for (size_t i = 0; i < sc_sysctl_n_keys && i < SC_VM_N; i++)
		if (o->sysctl_present[i])
			printf("  vm.%-26s %" PRId64 "\n", sc_sysctl_keys[i].name, o->sysctl[i]);
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
			sc_json_print(render_json(&s.obs, &s.drift, cli->ctx.offline));
		else
			render_human(&s.obs, &s.drift, cli->ctx.offline);
	}
	status_done(&s);
	return ret;
}
