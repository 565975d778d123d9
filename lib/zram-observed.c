/*
 * What is observed of zram: sysfs devices, the offered algorithms, /proc/swaps, the runtime
 * state file and zram.conf, read once for a command's planner. Uses zram-read.c and
 * zram-config.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "zram-internal.h"
#include "zram.h"

int sc_zram_observed_read(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_err *err)
{
	_cleanup_free_ char *control = sc_ctx_sys_path(c, "/sys/class/zram-control");
	struct sc_meminfo mem;
	struct stat st;
	int r;

	memset(w, 0, sizeof(*w));
	if (!control)
		return -ENOMEM;
	r = sc_meminfo_read(c, &mem);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s", strerror(-r));
	w->mem_total = mem.total;
	w->control_present = sc_ctx_stat(c, control, true, &st) == 0;
	r = sc_zram_list(c, &w->devs, &w->n_devs);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/sys/block: cannot list zram devices: %s", strerror(-r));
	/*
	 * Every device offers the same list. The bracketed entry is the kernel's default only
	 * on a device nobody configured yet (reset restores it).
	 */
	for (size_t i = 0; i < w->n_devs && !w->current; i++) {
		char **names = NULL, *cur = NULL;

		if (sc_zram_read_algorithms(c, w->devs[i].id, &names, &cur) < 0)
			continue;
		if (!w->offered)
			w->offered = names;
		else
			sc_strv_free(names);
		if (!w->devs[i].initialized)
			w->current = cur;
		else
			free(cur);
	}
	w->writeback = w->recompress = -1;
	if (w->n_devs > 0) {
		_cleanup_free_ char *bd = sc_zram_attr_path(c, w->devs[0].id, "backing_dev");
		_cleanup_free_ char *rc = sc_zram_attr_path(c, w->devs[0].id, "recomp_algorithm");

		if (!bd || !rc)
			return -ENOMEM;
		w->writeback = sc_ctx_stat(c, bd, true, &st) == 0;
		w->recompress = sc_ctx_stat(c, rc, true, &st) == 0;
	}
	r = sc_swaps_read(c, &w->swaps);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	/* Which live devices swapctl made: nothing of an offline image's (--root). */
	r = c->offline ? 0 : sc_zram_ids_load(c, &w->state);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/run/swapctl/zram-ids: cannot read: %s", strerror(-r));
	return sc_zram_config_load(c, &w->config, &w->config_id, err);
}

void sc_zram_observed_done(struct sc_zram_observed *w)
{
	sc_strv_free(w->offered);
	free(w->current);
	sc_zram_list_free(w->devs, w->n_devs);
	sc_swaps_free(&w->swaps);
	sc_zram_ids_free(&w->state);
	sc_zram_config_free(&w->config);
	memset(w, 0, sizeof(*w));
}

bool sc_zram_observed_active(const struct sc_zram_observed *w, int id)
{
	char name[32];

	snprintf(name, sizeof(name), "/dev/zram%d", id);
	return sc_swaps_find(&w->swaps, name) != NULL;
}
