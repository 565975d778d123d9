/*
 * swapctl priority: the area named (a file under the root, or a device made canonical), its
 * fstab entry and live state, and the zram.conf step for a zram device swapctl created.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fsinfo.h"
#include "fstab.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "rotate.h"
#include "swapfile.h"
#include "util.h"
#include "zram.h"
#include "priority-cli.h"

int sc_prio_resolve(struct prio *p, const char *arg)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	if (sc_startswith(arg, "/dev/")) {
		/*
		 * /dev/disk/by-uuid/... and other links name the node /proc/swaps shows. An
		 * image's devices are the booted machine's: named as given, not resolved here.
		 */
		p->device = true;
		r = p->c->offline ? 0 : sc_fsinfo_canonical(p->c, arg, &p->path);
		if (r == 0)
			p->path = strdup(arg);
		if (r < 0 || !p->path)
			return sc_report_errno(p->cli, -ENOMEM, arg, "cannot sc_prio_resolve");
		p->zram = sc_startswith(p->path, "/dev/zram");
		return 0;
	}
	r = sc_swapfile_normalize(arg, &norm);
	if (r == -EINVAL)
		return sc_usage_error(p->cli, "%s: not a file or device path", arg);
	if (r < 0)
		return sc_report_errno(p->cli, r, arg, "cannot sc_prio_resolve");
	p->path = sc_ctx_root_path(p->c, norm);
	if (!p->path)
		return sc_report_errno(p->cli, -ENOMEM, arg, "cannot sc_prio_resolve");
	return 0;
}

int sc_prio_gather(struct prio *p)
{
	struct sc_swaps sw = {0};
	const struct sc_swap *s;
	struct sc_err err = {0};
	int r;

	r = sc_fstab_load(p->c, p->c->fstab, &p->fstab, &err);
	if (r < 0)
		return sc_report(p->cli, &err);
	r = sc_fstab_find_swap(
		p->fstab, p->device ? p->path : sc_ctx_boot_path(p->c, p->path), &p->entry);
	if (r < 0)
		return sc_report_errno(p->cli, r, p->c->fstab, "cannot search");
	p->has_entry = r > 0;
	if (!p->c->offline) {
		r = sc_swaps_read(p->c, &sw);
		if (r < 0)
			return sc_report_errno(p->cli, r, "/proc/swaps", "cannot read");
	}
	s = sc_swaps_find(&sw, p->path);
	p->t.path = p->path;
	if (s) {
		p->t.active = true;
		p->t.active_priority = s->priority;
		p->t.active_used = s->used_bytes;
		p->zram |= s->type == SC_SWAP_ZRAM;
	}
	sc_swaps_free(&sw);
	if (p->has_entry) {
		p->t.in_fstab = true;
		p->t.has_priority = p->entry.has_priority;
		p->t.fstab_priority = p->entry.priority;
		p->t.discard = p->entry.discard;
	}
	p->managed_file = !p->device && p->has_entry && p->entry.managed &&
		sc_fsinfo_is_regular(p->c, p->path);
	return 0;
}

/*
 * A zram device swapctl created keeps its request (with the priority) in zram.conf, which
 * `swapctl boot` re-creates it from: the new priority goes there too (zram.h).
 */
int sc_prio_plan_zram_config(struct prio *p, int priority, struct sc_err *err)
{
	_cleanup_free_ char *conf = NULL;
	struct sc_zram_spec spec;
	struct sc_action *a;
	bool in_config;
	int64_t id;
	int r;

	p->zram_id = -1;
	if (!p->zram || p->c->offline ||
		sc_parse_int(p->path + strlen("/dev/zram"), 0, INT32_MAX, &id) < 0)
		return 0;
	r = sc_zram_owned_spec(p->c, (int)id, &spec, &in_config, err);
	if (r <= 0)
		return r;
	p->zram_id = (int)id;
	if (!in_config || spec.priority == priority)
		return 0;
	conf = sc_config_path(p->c, SC_ZRAM_CONFIG_NAME);
	if (!conf)
		return -ENOMEM;
	a = sc_plan_add(&p->plan, SC_ROT_ACT_ZRAM_CONFIG, sc_ctx_boot_path(p->c, conf));
	if (!a || sc_action_strdup(a, p->path, &a->u.zram_config.device) < 0)
		return -ENOMEM;
	a->u.zram_config.priority = priority;
	return 0;
}
