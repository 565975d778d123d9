/*
 * zram writeback (CONFIG_ZRAM_WRITEBACK) and recompression (CONFIG_ZRAM_MULTI_COMP): checking
 * a backing device, the creation steps that attach it, set the writeback limit and the
 * secondary algorithm (called by zram-apply.c), and `zram writeback` / `zram recompress`:
 * which pages to mark idle and write back or recompress, planned and applied. See zram.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram-internal.h"
#include "zram.h"

/* zram counts writeback in 4 KiB units whatever the page size (FOUR_K() in zram_drv.c). */
#define WB_UNIT 4096

static int stat_sys(const struct sc_ctx *c, const char *abs, struct stat *st)
{
	_cleanup_free_ char *p = sc_ctx_sys_path(c, abs);

	return p ? c->sys->fstatat(AT_FDCWD, p, st, 0) : -ENOMEM;
}

/* The mount point of devno in <sysroot>/proc/self/mountinfo, copied to buf; false if none. */
static bool mounted_at(const struct sc_ctx *c, dev_t devno, char *buf, size_t len)
{
	struct sc_mounts mounts = {0};
	bool found = false;

	if (sc_mountinfo_read(c, &mounts) < 0)
		return false;
	for (size_t i = 0; i < mounts.n && !found; i++)
		if (mounts.items[i].major == major(devno) &&
			mounts.items[i].minor == minor(devno)) {
			snprintf(buf, len, "%s", mounts.items[i].point);
			found = true;
		}
	sc_mounts_free(&mounts);
	return found;
}

int sc_zram_backing_check(const struct sc_ctx *c, const char *path, struct sc_err *err)
{
	struct sc_swaps swaps = {0};
	char rel[96], where[256];
	struct stat st, sw;
	int r;

	r = stat_sys(c, path, &st);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_USAGE, -r, "zram: backing device %s: %s", path, strerror(-r));
	if (!S_ISBLK(st.st_mode))
		return sc_err_set(err, SC_EXIT_USAGE, ENOTBLK,
			"zram: backing device %s is not a block device", path);
	snprintf(rel, sizeof(rel), "/sys/dev/block/%u:%u/comp_algorithm", major(st.st_rdev),
		minor(st.st_rdev));
	if (stat_sys(c, rel, &sw) == 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: backing device %s is a zram device", path);
	if (mounted_at(c, st.st_rdev, where, sizeof(where))) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
			"zram: backing device %s is mounted on %s: writeback would overwrite "
			"that file system",
			path, where);
		sc_err_hint(err, "give a device nothing else uses");
		return r;
	}
	r = sc_swaps_read(c, &swaps);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	for (size_t i = 0; i < swaps.n && r == 0; i++)
		if (stat_sys(c, swaps.items[i].path, &sw) == 0 && S_ISBLK(sw.st_mode) &&
			sw.st_rdev == st.st_rdev) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
				"zram: backing device %s is an active swap area (%s)", path,
				swaps.items[i].path);
			sc_err_hint(err, "give a device nothing else uses");
		}
	sc_swaps_free(&swaps);
	if (r < 0)
		return r;
	/* a device-mapper or md device built on it */
	snprintf(rel, sizeof(rel), "/sys/dev/block/%u:%u/holders", major(st.st_rdev),
		minor(st.st_rdev));
	{
		_cleanup_free_ char *dir = sc_ctx_sys_path(c, rel);
		DIR *d;
		struct dirent *de;
		char holder[256] = "";

		if (!dir)
			return -ENOMEM;
		if (sc_ctx_opendir(c, dir, &d) == 0) {
			while ((de = readdir(d)) && !holder[0])
				if (de->d_name[0] != '.')
					snprintf(holder, sizeof(holder), "%s", de->d_name);
			closedir(d);
		}
		if (holder[0]) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
				"zram: backing device %s is held by %s", path, holder);
			sc_err_hint(err, "give a device nothing else uses");
			return r;
		}
	}
	return 0;
}

static int write_dev_attr(const struct sc_ctx *c, int id, const char *attr, const char *value)
{
	_cleanup_free_ char *p = sc_zram_attr_path(c, id, attr);

	return p ? c->sys->write_attr(p, value) : -ENOMEM;
}

/*
 * Whether recomp_algorithm's text ("#1: lzo lzo-rle [lz4]\n#2: ...") has a secondary
 * algorithm configured: name (NULL: any) bracketed on one of its lines.
 */
static bool recomp_has(const char *text, const char *name)
{
	for (const char *p = text ? strchr(text, '[') : NULL; p; p = strchr(p + 1, '[')) {
		size_t n = strcspn(p + 1, "]");

		if (!name || (strlen(name) == n && strncmp(p + 1, name, n) == 0))
			return true;
	}
	return false;
}

static int set_recomp(const struct sc_ctx *c, int id, const char *alg, struct sc_err *err)
{
	_cleanup_free_ char *attr = sc_zram_attr_path(c, id, "recomp_algorithm"), *back = NULL;
	char **names = NULL, *cur = NULL, v[SC_ZRAM_NAME_MAX + 32];
	const char *chosen;
	struct stat st;
	int r;

	if (!attr)
		return -ENOMEM;
	if (sc_ctx_stat(c, attr, true, &st) < 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"/dev/zram%d: this kernel has no recompression (no recomp_algorithm "
			"attribute)",
			id);
		sc_err_hint(err, "use a kernel built with CONFIG_ZRAM_MULTI_COMP");
		return r;
	}
	r = sc_zram_read_algorithms(c, id, &names, &cur);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot read comp_algorithm: %s", id, strerror(-r));
	r = sc_zram_choose_algorithm(names, cur, alg, &chosen, err);
	if (r == 0 && cur && strcmp(cur, alg) == 0)
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: the recompression algorithm %s is the primary one: nothing to gain",
			alg);
	sc_strv_free(names);
	free(cur);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "algo=%s priority=1", alg);
	r = c->sys->write_attr(attr, v);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot write '%s' to recomp_algorithm: %s", id, v,
			strerror(-r));
	if (sc_read_file(attr, 4096, &back, NULL) < 0 || !recomp_has(back, alg))
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"/dev/zram%d: recomp_algorithm does not list %s after writing it", id, alg);
	return 0;
}

int sc_zram_apply_backing(
	const struct sc_ctx *c, int id, const struct sc_action *a, struct sc_err *err)
{
	_cleanup_free_ char *attr = sc_zram_attr_path(c, id, "backing_dev"), *back = NULL;
	char v[32];
	struct stat st;
	int r;

	if (!attr)
		return -ENOMEM;
	if (a->kind == SC_ZRAM_SET_RECOMP_ALGORITHM)
		return set_recomp(c, id, a->u.zram.algorithm, err);
	if (a->kind == SC_ZRAM_SET_WRITEBACK_LIMIT) {
		uint64_t units = a->u.zram.writeback_limit / WB_UNIT;

		r = write_dev_attr(c, id, "writeback_limit_enable", "1");
		if (r == 0) {
			snprintf(v, sizeof(v), "%" PRIu64, units);
			r = write_dev_attr(c, id, "writeback_limit", v);
		}
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"/dev/zram%d: cannot set the writeback limit: %s", id,
				strerror(-r));
		return 0;
	}
	const char *path = a->u.zram.backing_dev;

	if (sc_ctx_stat(c, attr, true, &st) < 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"/dev/zram%d: this kernel has no writeback (no backing_dev attribute): "
			"%s cannot be a backing device",
			id, path);
		sc_err_hint(err, "use a kernel built with CONFIG_ZRAM_WRITEBACK");
		return r;
	}
	for (uint64_t waited = 0; waited < a->u.zram.wait_ms; waited += 100) {
		if (stat_sys(c, path, &st) != -ENOENT)
			break;
		c->sys->sleep_ns(UINT64_C(100) * 1000000);
	}
	r = sc_zram_backing_check(c, path, err);
	if (r < 0)
		return r;
	r = c->sys->write_attr(attr, path);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot use %s as backing device: %s", id, path, strerror(-r));
		if (r == -EBUSY)
			sc_err_hint(err, "another program has %s open exclusively", path);
		else if (r == -EINVAL)
			sc_err_hint(err, "%s has no size", path);
		return r;
	}
	/* the kernel shows the path it opened */
	if (sc_read_line(attr, &back) < 0 || strcmp(back, path) != 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"/dev/zram%d: backing_dev reads '%s' after writing %s", id,
			back ? back : "", path);
	return 0;
}

/* --- zram writeback --- */

static int plan_device(struct sc_plan *plan, const struct sc_zram_writeback_req *req, int id)
{
	_cleanup_free_ char *name = sc_zram_dev_name(id);
	const char *mode =
		req->huge ? (req->idle_age != SC_ZRAM_IDLE_NONE ? "huge_idle" : "huge") : "idle";
	struct sc_action *a;

	if (!name)
		return -ENOMEM;
	if (req->idle_age != SC_ZRAM_IDLE_NONE) {
		a = sc_plan_add(plan, SC_ZRAM_MARK_IDLE, name);
		if (!a)
			return -ENOMEM;
		a->u.zram.idle_seconds = req->idle_age == SC_ZRAM_IDLE_ALL ? 0 : req->idle_age;
	}
	if (req->recompress) {
		a = sc_plan_add(plan, SC_ZRAM_RECOMPRESS, name);
		if (!a || sc_action_strdup(a, mode, &a->u.zram.mode) < 0 ||
			sc_action_strdup(a, req->algorithm, &a->u.zram.algorithm) < 0)
			return -ENOMEM;
	} else {
		a = sc_plan_add(plan, SC_ZRAM_WRITEBACK, name);
		if (!a || sc_action_strdup(a, mode, &a->u.zram.mode) < 0)
			return -ENOMEM;
	}
	if (req->idle_age == SC_ZRAM_IDLE_NONE && !req->huge) {
		/* what the next run writes back: the pages nobody touches until then */
		a = sc_plan_add(plan, SC_ZRAM_MARK_IDLE, name);
		if (!a)
			return -ENOMEM; /* idle_seconds 0: all */
	}
	return 0;
}

static const struct sc_zram_dev *find_dev(const struct sc_zram_observed *w, int id)
{
	for (size_t i = 0; i < w->n_devs; i++)
		if (w->devs[i].id == id)
			return &w->devs[i];
	return NULL;
}

/* A named device: swapctl's, set up, able to do what req asks. */
static int check_named(const struct sc_zram_observed *w, const struct sc_zram_writeback_req *req,
	int id, struct sc_err *err)
{
	const struct sc_zram_dev *d = find_dev(w, id);
	const char *what = req->recompress ? "recompression" : "writeback";
	char name[32];
	int r;

	snprintf(name, sizeof(name), "/dev/zram%d", id);
	if (!d)
		return sc_err_set(err, SC_EXIT_USAGE, ENODEV, "%s: no such zram device", name);
	if (!sc_zram_ids_find(&w->state, d->id)) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EPERM,
			"%s: not created by swapctl: left alone", name);
		sc_err_hint(err, "whoever created it runs its %s", what);
		return r;
	}
	if ((req->recompress ? w->recompress : w->writeback) == 0)
		return sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"%s: this kernel has no zram %s (%s)", name, what,
			req->recompress ? "CONFIG_ZRAM_MULTI_COMP" : "CONFIG_ZRAM_WRITEBACK");
	if (!req->recompress && !d->backing_dev) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ENODEV,
			"%s: has no backing device to write back to", name);
		sc_err_hint(err, "create it with 'swapctl zram add --writeback-device DEV'");
		return r;
	}
	if (req->recompress && !recomp_has(d->recomp, NULL)) {
		r = sc_err_set(
			err, SC_EXIT_REFUSED, ENOENT, "%s: has no recompression algorithm", name);
		sc_err_hint(err, "create it with 'swapctl zram add --recompress-algorithm NAME'");
		return r;
	}
	if (req->recompress && req->algorithm && !recomp_has(d->recomp, req->algorithm))
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: %s is not one of its recompression algorithms", name, req->algorithm);
	if (!d->initialized)
		return sc_err_set(err, SC_EXIT_REFUSED, EINVAL,
			"%s: not set up (disksize 0): nothing to do", name);
	return 0;
}

int sc_zram_plan_writeback(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_writeback_req *req, struct sc_plan *plan, struct sc_err *err)
{
	int r = 0;

	if (c->offline)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram %s: acts on the running kernel; it cannot run with --root",
			req->recompress ? "recompress" : "writeback");
	if (req->recompress && w->recompress == 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"zram recompress: this kernel has no zram recompression (no "
			"recomp_algorithm attribute)");
		sc_err_hint(err,
			"it needs a kernel built with CONFIG_ZRAM_MULTI_COMP (Debian's "
			"6.1 and 6.12 are not)");
		return r;
	}
	for (size_t i = 0; i < req->n_ids && r == 0; i++)
		r = check_named(w, req, req->ids[i], err);
	for (size_t i = 0; i < req->n_ids && r == 0; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= req->ids[j] == req->ids[i];
		if (!dup)
			r = plan_device(plan, req, req->ids[i]);
	}
	/* none named: every device of swapctl's that can do it */
	for (size_t i = 0; req->n_ids == 0 && i < w->state.n && r == 0; i++) {
		const struct sc_zram_dev *d = find_dev(w, w->state.devs[i].id);

		if (d && d->initialized &&
			(req->recompress ? recomp_has(d->recomp, req->algorithm)
					 : d->backing_dev != NULL))
			r = plan_device(plan, req, d->id);
	}
	return r;
}

static int read_bd_writes(const struct sc_ctx *c, int id, uint64_t *ret)
{
	struct sc_zram_dev d;
	int r = sc_zram_read(c, id, &d);

	*ret = d.bd_writes;
	if (r == 0 && !d.has_bd_stat)
		r = -ENOENT;
	sc_zram_dev_done(&d);
	return r;
}

static int writeback_error(const struct sc_ctx *c, int id, const char *mode, int r,
	bool *ret_limited, struct sc_err *err)
{
	_cleanup_free_ char *en = sc_zram_attr_path(c, id, "writeback_limit_enable");
	uint64_t enabled = 0;

	switch (r) {
	case -EIO:
		if (en && sc_read_u64(en, &enabled) == 0 && enabled) {
			*ret_limited =
				true; /* the budget is what the admin asked for: not a failure */
			return 0;
		}
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"/dev/zram%d: writeback: I/O error on the backing device (see dmesg)", id);
	case -ENODEV:
		return sc_err_set(err, SC_EXIT_REFUSED, ENODEV,
			"/dev/zram%d: writeback: the device has no backing device", id);
	case -ENOSPC:
		r = sc_err_set(err, SC_EXIT_FAILURE, ENOSPC,
			"/dev/zram%d: writeback: the backing device is full", id);
		sc_err_hint(err, "pages written back stay there until they are read or freed");
		return r;
	case -EAGAIN:
	case -EBUSY:
		r = sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: writeback: another writeback of this device is running", id);
		sc_err_hint(err, "run it again later");
		return r;
	case -EINVAL:
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
			"/dev/zram%d: writeback: the kernel does not take '%s'", id, mode);
	default:
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "/dev/zram%d: writeback %s: %s", id,
			mode, strerror(-r));
	}
}

/* recompress "type=MODE[ algo=NAME]"; the compressed size it saved from mm_stat */
static int recompress(const struct sc_ctx *c, int id, struct sc_action *a, struct sc_err *err)
{
	const char *alg = a->u.zram.algorithm, *mode = a->u.zram.mode;
	struct sc_zram_dev before, after;
	char v[SC_ZRAM_NAME_MAX + 32];
	int r;

	/* only these types: the kernel reads any other as "every page" */
	if (!mode ||
		(strcmp(mode, "idle") != 0 && strcmp(mode, "huge") != 0 &&
			strcmp(mode, "huge_idle") != 0))
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
	snprintf(v, sizeof(v), "type=%s%s%s", mode, alg ? " algo=" : "", alg ? alg : "");
	r = sc_zram_read(c, id, &before);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/dev/zram%d: cannot read: %s", id, strerror(-r));
	r = write_dev_attr(c, id, "recompress", v);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "/dev/zram%d: recompress '%s': %s", id, v,
			strerror(-r));
		if (r == -EINVAL)
			sc_err_hint(err, "the kernel does not take it (see dmesg)");
	} else if (sc_zram_read(c, id, &after) == 0) {
		if (before.compr_data >= after.compr_data) {
			a->u.zram.saved = before.compr_data - after.compr_data;
			a->u.zram.has_saved = true;
		}
		sc_zram_dev_done(&after);
	}
	sc_zram_dev_done(&before);
	return r;
}

int sc_zram_apply_writeback(const struct sc_ctx *c, struct sc_plan *plan, struct sc_err *err)
{
	int first = 0, failed = -1;

	for (size_t i = 0; i < plan->n; i++) {
		struct sc_action *a = &plan->actions[i];
		int id = sc_zram_target_id(a->target), r;
		struct sc_err later = {0};
		struct sc_err *e = first ? &later : err;
		char v[32];

		if (id < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
		if (id == failed)
			continue; /* this device failed a step before; the others still run */
		if (a->kind == SC_ZRAM_MARK_IDLE) {
			bool age = a->u.zram.idle_seconds > 0;

			if (age)
				snprintf(v, sizeof(v), "%" PRId64, a->u.zram.idle_seconds);
			else
				snprintf(v, sizeof(v), "all");
			r = write_dev_attr(c, id, "idle", v);
			if (r < 0) {
				sc_err_set(e, SC_EXIT_FAILURE, -r,
					"/dev/zram%d: cannot mark pages idle ('%s'): %s", id, v,
					strerror(-r));
				if (r == -EINVAL && age)
					sc_err_hint(e,
						"this kernel tracks no access times "
						"(CONFIG_ZRAM_MEMORY_TRACKING, or "
						"CONFIG_ZRAM_TRACK_ENTRY_ACTIME since 6.12); "
						"use --idle all or leave --idle out");
			}
		} else if (a->kind == SC_ZRAM_RECOMPRESS) {
			r = recompress(c, id, a, e);
		} else {
			const char *mode = a->u.zram.mode;
			uint64_t before = 0, after = 0;
			bool limited = false;

			(void)read_bd_writes(c, id, &before);
			r = write_dev_attr(c, id, "writeback", mode);
			if (r < 0)
				r = writeback_error(c, id, mode, r, &limited, e);
			if (r == 0 && read_bd_writes(c, id, &after) == 0 && after >= before) {
				a->u.zram.written = after - before;
				a->u.zram.has_written = true;
			}
			a->u.zram.limit_reached = r == 0 && limited;
		}
		if (r < 0 && first && later.msg[0]) {
			char hint[sizeof(err->hint)];

			snprintf(hint, sizeof(hint), "%s", err->hint);
			sc_err_hint(err, "%s%salso %s", hint, hint[0] ? "; " : "", later.msg);
		}
		if (r < 0) {
			first = first ? first : r;
			failed = id;
		} else
			a->done = true;
	}
	return first;
}
