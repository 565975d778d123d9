/*
 * Planning, pure (no system calls): the auto size and default reserve, the fstab spelling of a
 * discard policy, and request + observed state -> a plan of SC_SWAPFILE_ACT_* actions or a
 * refusal (plan_add, plan_remove). Uses only the path splitting of swapfile-dir.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "header.h"
#include "macro.h"
#include "parse.h"
#include "swapfile-internal.h"
#include "swapfile.h"
#include "util.h"

uint64_t sc_swapfile_default_reserve(uint64_t fs_total_bytes)
{
	return SC_MIN(fs_total_bytes / 20, SC_GIB);
}

/*
 * The smallest swapfile add --hibernate accepts: the kernel's target image size where it
 * says it (it shrinks the image to that, 2/5 of RAM by default), else all of RAM.
 */
static uint64_t hibernate_min(const struct sc_add_host *facts)
{
	return facts->image_size ? facts->image_size : facts->mem_total;
}

uint64_t sc_swapfile_auto_size(uint64_t mem, bool hibernate)
{
	uint64_t size;

	if (mem <= 2 * SC_GIB)
		size = hibernate ? 3 * mem : 2 * mem;
	else if (mem <= 8 * SC_GIB)
		size = hibernate ? 2 * mem : mem;
	else if (mem <= 64 * SC_GIB)
		size = hibernate ? mem + mem / 2 : 4 * SC_GIB;
	else
		size = hibernate ? mem : 4 * SC_GIB;
	return size / SC_MIB * SC_MIB;
}

static bool discard_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A size as the command line takes it back: "16G", "1536M", "40960". */
static const char *size_arg(uint64_t v, char buf[32])
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (v && v % 1024 == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, 32, "%" PRIu64, v);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", v, units[u]);
	return buf;
}

/* Also used by creation, which checks the space again when it allocates. */
int sc_swapfile_refuse_space(
	const char *path, uint64_t need, uint64_t reserve, uint64_t avail, struct sc_err *err)
{
	char b1[32], b2[32], b3[32], b4[32];
	uint64_t want = need + reserve;
	int r;

	r = sc_err_set(err, SC_EXIT_REFUSED, ENOSPC,
		"%s: too little free space: %s for the file plus a reserve of %s, but %s available "
		"(short by %s)",
		path, sc_format_bytes(need, b1), sc_format_bytes(reserve, b2),
		sc_format_bytes(avail, b3), sc_format_bytes(want > avail ? want - avail : 0, b4));
	sc_err_hint(err,
		"choose a smaller size, free some space, or lower the reserve with "
		"--reserve");
	return r;
}

static int plan_err_oom(struct sc_err *err)
{
	return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "out of memory");
}

static int plan_add(const struct sc_add_request *req, const struct sc_swapfile_observed *st,
	const struct sc_swapfile_fstab *fst, const struct sc_add_host *facts, struct sc_plan *plan,
	struct sc_err *err)
{
	size_t ps = facts->page_size;
	char b1[32], b2[32], hbuf[128];
	const char *discard;
	struct sc_action *a;
	uint64_t size;
	int prio, r;

	/* Priority: asked for; else what the entry or the active area has; else the default. */
	if (req->priority_given)
		prio = req->priority;
	else if (fst->present && fst->has_priority)
		prio = fst->priority;
	else if (st->active && st->active_priority >= 0)
		prio = st->active_priority;
	else
		prio = SC_SWAPFILE_PRIORITY;
	if (req->discard_given)
		discard = sc_discard_fstab(req->discard);
	else
		discard = fst->present ? fst->discard : NULL;

	if (st->exists) {
		if (st->symlink) {
			r = sc_err_set(err, SC_EXIT_REFUSED, ELOOP,
				"%s: is a symbolic link; swapctl never follows links for swapfiles",
				req->path);
			sc_err_hint(err, "remove the link or name the real file");
			return r;
		}
		if (!st->regular) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists and is not a regular file", req->path);
			sc_err_hint(err, "choose another --path");
			return r;
		}
		if (!st->header_read || st->header.status != SC_HEADER_OK) {
			if (st->foreign[0])
				snprintf(
					hbuf, sizeof(hbuf), "it holds a %s signature", st->foreign);
			else if (st->header_read)
				sc_header_status_str(&st->header, hbuf, sizeof(hbuf));
			else
				snprintf(hbuf, sizeof(hbuf), "unreadable");
			r = sc_err_set(err, SC_EXIT_REFUSED, EEXIST,
				"%s: exists and is not a usable swap area (%s); swapctl will not "
				"overwrite it",
				req->path, hbuf);
			sc_err_hint(err, "move it away or choose another --path");
			return r;
		}
		size = st->header.npages * ps;
		if (req->size && size != req->size) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists with %s, not the %s asked for", req->path,
				sc_format_bytes(size, b1), sc_format_bytes(req->size, b2));
			sc_err_hint(err, "use 'swapctl resize %s %s' to change its size",
				req->boot_path, size_arg(req->size, b2));
			return r;
		}
		if (req->hibernate && size < hibernate_min(facts)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists with %s, too small for a hibernation image of %s%s",
				req->path, sc_format_bytes(size, b1),
				sc_format_bytes(hibernate_min(facts), b2),
				facts->image_size ? " (/sys/power/image_size)" : " of RAM");
			sc_err_hint(err, "use 'swapctl resize %s %s'", req->boot_path,
				size_arg(sc_swapfile_auto_size(facts->mem_total, true), b2));
			return r;
		}
		if (st->uid != 0 || (st->mode & 07077) || st->nlink != 1) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: insecure swapfile (owner uid %u, mode %04o, %lu links)",
				req->path, (unsigned)st->uid, (unsigned)(st->mode & 07777),
				(unsigned long)st->nlink);
			sc_err_hint(err,
				"chown root:root and chmod 0600 it, and remove other hard "
				"links");
			return r;
		}
		if (st->loopdev[0]) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: backs the loop device /dev/%s; the same storage must not be "
				"swap twice",
				req->path, st->loopdev);
			sc_err_hint(err, "detach it (losetup -d /dev/%s) first", st->loopdev);
			return r;
		}
		if (st->active && strcmp(st->active_as, req->path) != 0) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
				"%s: already active as %s (priority %d)", req->path, st->active_as,
				st->active_priority);
			sc_err_hint(err, "manage it under the name the kernel shows");
			return r;
		}
		if (st->active && req->priority_given &&
			!(prio == -1 ? st->active_priority < 0 : st->active_priority == prio)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: already active with priority %d, not %d", req->path,
				st->active_priority, prio);
			sc_err_hint(err, "use 'swapctl priority %s %d'", req->boot_path, prio);
			return r;
		}
	} else {
		uint64_t reserve, avail = st->fs.avail_bytes, cap;

		size = req->size ? req->size
				 : sc_swapfile_auto_size(facts->mem_total, req->hibernate);
		reserve = req->reserve != UINT64_MAX
			? req->reserve
			: sc_swapfile_default_reserve(st->fs.total_bytes);
		if (req->force)
			reserve = 0;
		cap = avail > reserve ? (avail - reserve) / ps * ps : 0;
		if (!req->size && size > cap && !req->hibernate)
			size = cap; /* auto: capped by free space */
		size = size / ps * ps;
		if (req->hibernate && size < hibernate_min(facts)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: %s cannot hold a hibernation image of %s%s", req->path,
				sc_format_bytes(size, b1),
				sc_format_bytes(hibernate_min(facts), b2),
				facts->image_size ? " (/sys/power/image_size)" : " of RAM");
			sc_err_hint(err, "use a size of at least %s, or 'auto'",
				facts->image_size ? "the image size" : "the RAM size");
			return r;
		}
		if (size / ps < SC_SWAP_MIN_PAGES || size > cap)
			return sc_swapfile_refuse_space(req->path,
				SC_MAX(size, SC_SWAP_MIN_PAGES * ps), reserve, avail, err);
		if (!st->dir_exists) {
			_cleanup_free_ char *dir = NULL, *name = NULL;

			if (!req->default_path) {
				_cleanup_free_ char *d2 = NULL, *n2 = NULL;
				if (sc_swapfile_split_path(req->path, &d2, &n2) < 0)
					return plan_err_oom(err);
				r = sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
					"%s: directory does not exist", d2);
				sc_err_hint(err,
					"create it (owned by root, mode 0700) or leave out "
					"--path to use %s",
					SC_SWAPFILE_DEFAULT);
				return r;
			}
			if (sc_swapfile_split_path(req->path, &dir, &name) < 0)
				return plan_err_oom(err);
			a = sc_plan_add(plan, SC_SWAPFILE_ACT_MKDIR, dir);
			if (!a)
				return plan_err_oom(err);
			a->u.mkdir.subvolume = st->fs.kind == SC_FS_BTRFS;
		}
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_CREATE, req->path);
		if (!a || sc_action_strdup(a, st->fs.name, &a->u.create.filesystem) < 0 ||
			sc_action_strdup(a, req->label, &a->u.create.label) < 0)
			return plan_err_oom(err);
		a->u.create.size = size;
		a->u.create.page_size = ps;
		a->u.create.reserve = reserve;
		a->u.create.nocow = st->fs.kind == SC_FS_BTRFS;
	}

	if (req->enable && !facts->offline && !st->active) {
		if (st->n_active_areas >= SC_SWAP_AREAS_MAX) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: kernel swap area limit reached (%zu areas active)", req->path,
				st->n_active_areas);
			sc_err_hint(err, "remove an area first");
			return r;
		}
		if (!facts->capable) {
			r = sc_err_set(err, SC_EXIT_FAILURE, EPERM,
				"%s: swapon needs CAP_SYS_ADMIN, which this process does not have",
				req->path);
			sc_err_hint(err,
				"run as root; swap cannot be managed from inside a "
				"container");
			return r;
		}
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_SWAPON, req->path);
		if (!a)
			return plan_err_oom(err);
		a->u.swapon.priority = prio;
		a->u.swapon.discard = sc_discard_from_fstab(discard);
		a->u.swapon.size = size;
	}

	if (req->persist) {
		bool same = fst->present && fst->managed &&
			(prio < 0 ? !fst->has_priority
				  : fst->has_priority && fst->priority == prio) &&
			discard_equal(fst->discard, discard);
		if (!same) {
			a = sc_plan_add(plan,
				fst->present ? SC_SWAPFILE_ACT_FSTAB_UPDATE
					     : SC_SWAPFILE_ACT_FSTAB_ADD,
				req->fstab);
			if (!a || sc_action_strdup(a, req->boot_path, &a->u.fstab_set.path) < 0)
				return plan_err_oom(err);
			a->u.fstab_set.priority = prio;
			a->u.fstab_set.discard = sc_discard_from_fstab(discard);
		}
	}
	return 0;
}

int sc_swapfile_plan_add(const struct sc_add_request *req, const struct sc_swapfile_observed *st,
	const struct sc_swapfile_fstab *fst, const struct sc_add_host *facts, struct sc_plan *plan,
	struct sc_err *err)
{
	int r = plan_add(req, st, fst, facts, plan, err);

	/* A refused request has no plan: nothing half-planned is shown or applied. */
	if (r < 0)
		sc_plan_free(plan);
	return r;
}

/* The statuses that still carry the SWAPSPACE2 magic: a swap area, if not a usable one. */
static bool is_swap_area(const struct sc_swapfile_observed *st)
{
	if (!st->header_read)
		return false;
	return st->header.status != SC_HEADER_NO_SIGNATURE &&
		st->header.status != SC_HEADER_HIBERNATION;
}

static int plan_remove(const struct sc_remove_request *req, const struct sc_remove_target *t,
	size_t n, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_action *a;
	int r;

	/* Refusals first, so a refused target leaves the others untouched too. */
	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_observed *st = t[i].st;
		bool will_unlink = !req->keep_file && st->exists && st->regular;

		if (st->active && st->active_as && sc_startswith(st->active_as, "/dev/zram")) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: is a zram device; it needs a reset after swapoff", t[i].path);
			sc_err_hint(err, "use 'swapctl zram remove %s'", st->active_as);
			return r;
		}
		if (st->exists && !st->regular && !st->block_device &&
			(st->active || t[i].fstab.present || t[i].named)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: is neither a regular file nor a block device", t[i].path);
			sc_err_hint(err, "name the swap area as /proc/swaps or fstab shows it");
			return r;
		}
		if (will_unlink && !is_swap_area(st) &&
			(st->active || t[i].fstab.present || t[i].named)) {
			if (st->header_read && st->header.status == SC_HEADER_HIBERNATION)
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: holds a hibernation image (%s); deleting it "
					"would lose the hibernated session",
					t[i].path, st->header.signature);
			else
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: carries no swap signature; swapctl deletes only swap "
					"areas",
					t[i].path);
			sc_err_hint(err,
				"use --keep-file, and delete the file yourself if it "
				"really is unused");
			return r;
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_observed *st = t[i].st;

		if (!st->active || req->offline)
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_SWAPOFF, st->active_as);
		if (!a)
			return plan_err_oom(err);
		a->u.swapoff.size = st->active_size;
		a->u.swapoff.used = st->active_used;
		a->u.swapoff.priority = st->active_priority;
		a->u.swapoff.target = i;
	}
	for (size_t i = 0; i < n; i++) {
		if (!t[i].fstab.present)
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_FSTAB_REMOVE, req->fstab);
		if (!a || sc_action_strdup(a, t[i].boot_path, &a->u.fstab_remove.path) < 0)
			return plan_err_oom(err);
		a->u.fstab_remove.managed = t[i].fstab.managed;
		a->u.fstab_remove.target = i;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_observed *st = t[i].st;

		if (req->keep_file || !st->exists || !st->regular || !is_swap_area(st))
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_UNLINK, t[i].path);
		if (!a)
			return plan_err_oom(err);
		a->u.unlink.size = st->file_size;
		a->u.unlink.target = i;
	}
	return 0;
}

int sc_swapfile_plan_remove(const struct sc_remove_request *req, const struct sc_remove_target *t,
	size_t n, struct sc_plan *plan, struct sc_err *err)
{
	int r = plan_remove(req, t, n, plan, err);

	if (r < 0)
		sc_plan_free(plan);
	return r;
}
