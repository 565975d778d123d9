/* What the files of swapctl priority (cmd-priority.c, priority-gather.c, priority-apply.c) share. */
#pragma once

#include <stdbool.h>

#include "cli.h"
#include "fstab.h"
#include "rotate.h"

struct prio {
	struct sc_cli *cli;
	struct sc_ctx *c;
	char *path; /* full path of the area (file under the root, or canonical device) */
	bool device;
	bool managed_file; /* a regular file with a managed fstab entry */
	bool zram;
	int zram_id; /* a device swapctl created, or -1 */
	struct sc_fstab *fstab;
	struct sc_fstab_entry entry;
	bool has_entry;
	struct sc_priority_target t;
	struct sc_plan plan;
	struct json_object *gates;
	struct json_object *recovery;
};

/* priority-gather.c; each returns 0 or an exit code (reported). */
/* The area arg names: p->path, p->device, p->zram. */
int sc_prio_resolve(struct prio *p, const char *arg);
/* Its fstab entry and live state: p->fstab, p->entry, p->t, p->managed_file. */
int sc_prio_gather(struct prio *p);
/*
 * A zram device swapctl created keeps its request (with the priority) in zram.conf, which
 * `swapctl boot` re-creates it from: the new priority goes there too. 0 or -errno (err).
 */
int sc_prio_plan_zram_config(struct prio *p, int priority, struct sc_err *err);

/* priority-apply.c: walk p->plan; 0 or -errno with err filled. */
int sc_prio_apply(struct prio *p, int priority, struct sc_err *err);
