/*
 * Applying a zram plan in the kernel's order (hot_add, comp_algorithm, algorithm_params,
 * mem_limit, disksize, header, swapon), rolling a created device back on failure, the swapoff
 * gate for removals, and writing zram.conf last. The top of the zram files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "gate.h"
#include "header.h"
#include "macro.h"
#include "parse.h"
#include "swapfile.h"
#include "util.h"
#include "zram-internal.h"
#include "zram.h"

/*
 * reset, hot_remove, opening and locking the node answer EBUSY while anyone has the device
 * open -- udev's blkid probe does so for a moment after every change. Ten tries
 * 100 ms apart outlast a probe; a holder that stays is a real user and gets reported.
 */
#define BUSY_TRIES   10
#define BUSY_WAIT_NS (UINT64_C(100) * 1000000)

static int write_retry(const struct sc_ctx *c, const char *path, const char *value)
{
	int r;

	for (int i = 1;; i++) {
		r = c->sys->write_attr(path, value);
		if (r != -EBUSY || i >= BUSY_TRIES)
			return r;
		c->sys->sleep_ns(BUSY_WAIT_NS);
	}
}

static int set_attr(
	const struct sc_ctx *c, int id, const char *attr, const char *value, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_zram_attr_path(c, id, attr);
	int r;

	if (!path)
		return -ENOMEM;
	r = c->sys->write_attr(path, value);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot write '%s' to %s: %s", id, value, attr, strerror(-r));
	return 0;
}

static int state_add(const struct sc_ctx *c, struct sc_zram_observed *w, int id, uint64_t seq,
	const struct sc_zram_spec *spec)
{
	struct sc_zram_owned *n = realloc(w->state.devs, (w->state.n + 1) * sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	w->state.devs = n;
	w->state.devs[w->state.n++] =
		(struct sc_zram_owned){.id = id, .diskseq = seq, .spec = *spec};
	r = sc_zram_ids_save(c, &w->state);
	if (r < 0)
		w->state.n--;
	return r;
}

static int state_drop(const struct sc_ctx *c, struct sc_zram_observed *w, int id)
{
	for (size_t i = 0; i < w->state.n; i++)
		if (w->state.devs[i].id == id) {
			memmove(&w->state.devs[i], &w->state.devs[i + 1],
				(w->state.n - i - 1) * sizeof(*w->state.devs));
			w->state.n--;
			return sc_zram_ids_save(c, &w->state);
		}
	return 0;
}

static int hot_remove(const struct sc_ctx *c, int id)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/sys/class/zram-control/hot_remove");
	char v[16];
	int r;

	if (!path)
		return -ENOMEM;
	snprintf(v, sizeof(v), "%d", id);
	r = write_retry(c, path, v);
	return r == -ENODEV ? 0 : r; /* already gone */
}

static int reset(const struct sc_ctx *c, int id)
{
	_cleanup_free_ char *path = sc_zram_attr_path(c, id, "reset");

	return path ? write_retry(c, path, "1") : -ENOMEM;
}

/*
 * Undo a device this process created: swapoff if it got that far, reset, hot_remove, forget
 * it. Failures here are added to err's hint; the state entry stays when the device does, so
 * the next `swapctl boot` or `zram add` finishes the job.
 */
static void rollback_device(const struct sc_ctx *c, struct sc_zram_observed *w, int id,
	bool swapped_on, struct sc_err *err)
{
	_cleanup_free_ char *rel = sc_zram_dev_name(id);
	int r;

	if (!rel)
		return;
	if (swapped_on) {
		struct sc_err e = {0};

		r = sc_gate_swapoff(c, rel, NULL, &e);
		if (r < 0) {
			sc_err_hint(err, "rolling back: swapoff %s failed (%s); it stays active",
				rel, strerror(-r));
			return;
		}
	}
	r = reset(c, id);
	if (r == 0)
		r = hot_remove(c, id);
	if (r < 0) {
		sc_err_hint(err,
			"rolling back: %s could not be reset and removed (%s); "
			"`swapctl boot` removes it later",
			rel, strerror(-r));
		return;
	}
	(void)state_drop(c, w, id);
}

static int verify_active(const struct sc_ctx *c, const char *name, int priority, struct sc_err *err)
{
	struct sc_swaps swaps = {0};
	const struct sc_swap *sw;
	int r;

	r = sc_swaps_read(c, &swaps);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	sw = sc_swaps_find(&swaps, name);
	if (!sw)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: swapon succeeded but /proc/swaps does not list it", name);
	else if (priority >= 0 && sw->priority != priority)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: active with priority %d instead of %d", name, sw->priority, priority);
	sc_swaps_free(&swaps);
	return r;
}

/* A fresh device: hot_add just returned it, so nobody has configured it. */
static int check_fresh(const struct sc_ctx *c, int id, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_zram_attr_path(c, id, "initstate");
	struct sc_zram_dev d;
	uint64_t init = 0;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_zram_read(c, id, &d);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: handed out by hot_add but unreadable: %s", id, strerror(-r));
	sc_zram_dev_done(&d);
	if (sc_read_u64(path, &init) < 0)
		init = d.initialized;
	if (d.initialized || init != 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EBUSY,
			"/dev/zram%d: handed out by hot_add but already initialised: another "
			"program is configuring it; left alone",
			id);
	return 0;
}

static int open_locked(const struct sc_ctx *c, const char *devp, struct sc_err *err)
{
	_cleanup_close_ int fd = -1;
	int r = 0;

	/*
	 * Hold the node open with an exclusive flock while configuring: by the block device
	 * locking convention udev (and systemd's tools) skip probing a locked device.
	 * Not O_EXCL, which would make swapon's own exclusive open fail.
	 */
	for (int i = 1; i <= BUSY_TRIES; i++) {
		fd = c->sys->openat(AT_FDCWD, devp, O_RDWR | O_NOCTTY, 0);
		if (fd >= 0) {
			r = c->sys->flock(fd, LOCK_EX | LOCK_NB);
			if (r == 0)
				return TAKE_FD(fd);
			sc_closep(&fd);
			fd = -1;
		} else
			r = fd;
		/* devtmpfs creates the node with the device; ENOENT only lasts without it */
		if (r != -EWOULDBLOCK && r != -ENOENT && r != -EBUSY)
			break;
		c->sys->sleep_ns(BUSY_WAIT_NS);
	}
	return sc_err_set(
		err, SC_EXIT_FAILURE, -r, "%s: cannot open and lock: %s", devp, strerror(-r));
}

static int write_header(
	const struct sc_ctx *c, int fd, const char *name, uint64_t size, struct sc_err *err)
{
	_cleanup_free_ void *page = calloc(1, c->page_size);
	uint8_t uuid[SC_HEADER_UUID_LEN];
	int r;

	if (!page)
		return -ENOMEM;
	r = c->sys->getrandom(uuid, sizeof(uuid));
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "getrandom: %s", strerror(-r));
	sc_header_uuid_v4(uuid);
	r = sc_header_encode(page, c->page_size, size / c->page_size, uuid, NULL, false);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot encode a swap header: %s",
			name, strerror(-r));
	r = c->sys->pwrite_all(fd, page, c->page_size, 0);
	if (r == 0)
		r = c->sys->fsync(fd);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write the swap header: %s",
			name, strerror(-r));
	return 0;
}

/* comp_algorithm names alg as the device's (bracketed) one: what the kernel will use. */
static int check_algorithm(const struct sc_ctx *c, int id, const char *alg, struct sc_err *err)
{
	char **names = NULL, *cur = NULL;
	int r;

	r = sc_zram_read_algorithms(c, id, &names, &cur);
	sc_strv_free(names);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot read comp_algorithm: %s", id, strerror(-r));
	if (!cur || strcmp(cur, alg) != 0)
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"/dev/zram%d: comp_algorithm is %s after writing %s", id,
			cur ? cur : "(none)", alg);
	free(cur);
	return r;
}

/*
 * algorithm_params with algo= naming the algorithm just set: the kernel then refuses
 * (EINVAL) parameters that would land on another one. The kernel accepts what it cannot
 * check silently, so the algorithm is read back as well.
 */
static int write_params(
	const struct sc_ctx *c, int id, const char *alg, const char *params, struct sc_err *err)
{
	char v[SC_ZRAM_NAME_MAX + SC_ZRAM_PARAMS_MAX + 8];
	int r;

	if (!alg[0])
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
	snprintf(v, sizeof(v), "algo=%s %s", alg, params);
	r = set_attr(c, id, "algorithm_params", v, err);
	if (r == -EINVAL)
		sc_err_hint(err, "the kernel refused the parameters for %s", alg);
	return r < 0 ? r : check_algorithm(c, id, alg, err);
}

static int retarget(struct sc_action *a, const char *name)
{
	char *t = strdup(name);

	if (!t)
		return -ENOMEM;
	free(a->target);
	a->target = t;
	return 0;
}

static int apply_create(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_plan *plan,
	size_t i0, size_t i1, int *ret_id, struct sc_err *err)
{
	_cleanup_free_ char *ctl = sc_ctx_sys_path(c, "/sys/class/zram-control/hot_add");
	_cleanup_free_ char *name = NULL, *devp = NULL;
	_cleanup_close_ int fd = -1;
	struct sc_action *acts = plan->actions;
	const char *entry = acts[i0].u.zram.entry;
	struct sc_zram_spec spec;
	bool swapped_on = false;
	char buf[32], *nl, chosen[SC_ZRAM_NAME_MAX + 1] = "";
	uint64_t seq = 0;
	int64_t id64;
	int id, r;

	if (!ctl)
		return -ENOMEM;
	if (!entry || sc_zram_spec_parse(entry, &spec) < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
	r = c->sys->read_attr(ctl, buf, sizeof(buf));
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create a zram device: %s",
			"/sys/class/zram-control/hot_add", strerror(-r));
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	if (sc_parse_int(buf, 0, INT32_MAX, &id64) < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"/sys/class/zram-control/hot_add: unexpected answer '%s'", buf);
	id = (int)id64;
	name = sc_zram_dev_name(id);
	devp = name ? sc_ctx_sys_path(c, name) : NULL;
	if (!devp)
		return -ENOMEM;
	r = check_fresh(c, id, err);
	if (r < 0)
		return r; /* not ours to roll back */
	r = sc_zram_read_diskseq(c, id, &seq);
	if (r == 0)
		r = state_add(c, w, id, seq, &spec);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot record it in /run/swapctl/zram-ids: %s", name, strerror(-r));
		(void)hot_remove(c, id);
		return r;
	}
	for (size_t k = i0; k <= i1; k++) {
		r = retarget(&acts[k], name);
		if (r < 0)
			goto rollback;
	}
	acts[i0].done = true;

	fd = open_locked(c, devp, err);
	if (fd < 0) {
		r = fd;
		goto rollback;
	}
	for (size_t k = i0 + 1; k <= i1; k++) {
		struct sc_action *a = &acts[k];
		char v[32];

		switch (a->kind) {
		case SC_ZRAM_SET_ALGORITHM: {
			char **names = NULL, *cur = NULL;
			const char *alg;

			r = sc_zram_read_algorithms(c, id, &names, &cur);
			if (r < 0) {
				sc_err_set(err, SC_EXIT_FAILURE, -r,
					"%s: cannot read comp_algorithm: %s", name, strerror(-r));
				goto rollback;
			}
			r = sc_zram_choose_algorithm(names, cur, spec.algorithm, &alg, err);
			if (r == 0)
				r = sc_zram_params_check(alg, spec.params, err);
			if (r == 0)
				r = sc_action_strdup(a, alg, &a->u.zram.algorithm);
			if (r == 0)
				r = set_attr(c, id, "comp_algorithm", alg, err);
			if (r == 0)
				snprintf(chosen, sizeof(chosen), "%s", alg);
			sc_strv_free(names);
			free(cur);
			break;
		}
		case SC_ZRAM_SET_PARAMS: {
			_cleanup_free_ char *p = sc_zram_attr_path(c, id, "algorithm_params");
			struct stat st;

			if (!p) {
				r = -ENOMEM;
				break;
			}
			if (sc_ctx_stat(c, p, true, &st) < 0) {
				r = sc_err_set(err, SC_EXIT_USAGE, ENOENT,
					"%s: this kernel has no algorithm_params (Linux 6.12 and "
					"later have it)",
					name);
				sc_err_hint(err, "leave --algorithm-params out");
				break;
			}
			r = sc_zram_params_check_dict(c, spec.params, err);
			if (r == 0)
				r = write_params(c, id, chosen, a->u.zram.params, err);
			break;
		}
		case SC_ZRAM_SET_RECOMP_ALGORITHM:
		case SC_ZRAM_SET_BACKING_DEV:
		case SC_ZRAM_SET_WRITEBACK_LIMIT:
			r = sc_zram_apply_backing(c, id, a, err);
			break;
		case SC_ZRAM_SET_MEM_LIMIT:
			snprintf(v, sizeof(v), "%" PRIu64, a->u.zram.mem_limit);
			r = set_attr(c, id, "mem_limit", v, err);
			break;
		case SC_ZRAM_SET_DISKSIZE:
			/* canonical decimal bytes: the kernel's memparse accepts "1x" as 1 byte */
			snprintf(v, sizeof(v), "%" PRIu64, a->u.zram.size);
			r = set_attr(c, id, "disksize", v, err);
			if (r < 0 && spec.params[0])
				sc_err_hint(err,
					"the kernel could not set the compressor up with "
					"'%s' (see dmesg): a dictionary it cannot use, or "
					"not enough memory",
					spec.params);
			else if (r == -ENOMEM || r == -EINVAL)
				sc_err_hint(err,
					"the kernel could not start the compressor or "
					"allocate the device (see dmesg); try another "
					"--algorithm or a smaller size");
			if (r == 0)
				r = check_algorithm(c, id, chosen, err);
			break;
		case SC_ZRAM_MKSWAP:
			r = write_header(c, fd, name, a->u.zram.size, err);
			break;
		case SC_ZRAM_SWAPON: {
			int flags;

			/* configured: drop our descriptor and lock; swapon claims the device */
			sc_closep(&fd);
			fd = -1;
			r = sc_swap_flags(spec.priority, SC_DISCARD_NONE, &flags);
			if (r == 0)
				r = c->sys->swapon(devp, flags);
			if (r < 0) {
				sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: swapon: %s", name,
					strerror(-r));
				break;
			}
			swapped_on = true;
			r = verify_active(c, name, spec.priority, err);
			break;
		}
		default:
			r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
		}
		if (r < 0)
			goto rollback;
		a->done = true;
	}
	*ret_id = id;
	return 0;

rollback:
	sc_closep(&fd);
	fd = -1;
	rollback_device(c, w, id, swapped_on, err);
	for (size_t k = i0; k <= i1; k++)
		acts[k].done = false;
	return r;
}

static int apply_teardown(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_plan *plan,
	size_t i0, size_t i1, struct sc_err *err)
{
	struct sc_action *acts = plan->actions;
	const char *name = acts[i0].target;
	const struct sc_zram_owned *o;
	bool owned_step = false;
	int id = sc_zram_target_id(name), r = 0;

	if (id < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
	for (size_t k = i0; k <= i1; k++)
		owned_step |= acts[k].kind == SC_ZRAM_HOT_REMOVE;
	o = sc_zram_ids_find(&w->state, id);
	if (owned_step) {
		uint64_t seq = 0;

		/* The id is ours only while its diskseq is the one we recorded: ids are reused. */
		if (!o || sc_zram_read_diskseq(c, id, &seq) < 0 || seq != o->diskseq)
			return sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
				"%s: no longer the device swapctl created; left alone", name);
	}
	for (size_t k = i0; k <= i1 && r == 0; k++) {
		struct sc_action *a = &acts[k];

		switch (a->kind) {
		case SC_ZRAM_SWAPOFF:
			/* in a child, reporting what is left on the area if it fails (gate.h) */
			r = sc_gate_swapoff(c, name, NULL, err);
			break;
		case SC_ZRAM_RESET:
			r = reset(c, id);
			if (r < 0)
				sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: reset: %s", name,
					strerror(-r));
			if (r == -EBUSY)
				sc_err_hint(err,
					"something holds %s open (a mount, a program); "
					"close it and run the command again",
					name);
			break;
		case SC_ZRAM_HOT_REMOVE:
			r = hot_remove(c, id);
			if (r < 0)
				sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: hot_remove: %s", name,
					strerror(-r));
			else
				r = state_drop(c, w, id);
			break;
		default:
			r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
		}
		if (r == 0)
			a->done = true;
	}
	return r;
}

int sc_zram_gate(const struct sc_ctx *c, const struct sc_plan *plan, bool force,
	bool *ret_overridden, struct sc_gate_report *ret_report, struct sc_err *err)
{
	_cleanup_free_ const char **victims = calloc(plan->n + 1, sizeof(char *));
	struct sc_gate_report rep = {0};
	size_t n = 0;
	int r;

	*ret_overridden = false;
	if (ret_report)
		memset(ret_report, 0, sizeof(*ret_report));
	if (!victims)
		return -ENOMEM;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->actions[i].kind == SC_ZRAM_SWAPOFF)
			victims[n++] = plan->actions[i].target;
	if (n == 0)
		return 0;
	/*
	 * All victims together: taking several areas off at once must fit as a whole. The
	 * gate counts every used page as coming back, which over-states zram's need (each
	 * page read back frees its compressed copy), so it errs on the safe side.
	 */
	r = sc_gate_check(c, victims, n, &rep, err);
	if (ret_report)
		*ret_report = rep;
	else
		sc_gate_report_free(&rep);
	if (r == -EPERM && err && err->kind == SC_EXIT_REFUSED && force) {
		*ret_overridden = true;
		return 0;
	}
	return r;
}

static bool is_teardown(int kind)
{
	return kind == SC_ZRAM_SWAPOFF || kind == SC_ZRAM_RESET || kind == SC_ZRAM_HOT_REMOVE;
}

/* Every step of the device named target in this plan is done. */
static bool device_done(const struct sc_plan *plan, const char *target)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i];

		if (a->kind != SC_ZRAM_CONFIG_ADD && a->kind != SC_ZRAM_CONFIG_REMOVE &&
			strcmp(a->target, target) == 0 && !a->done)
			return false;
	}
	return true;
}

static bool creations_done(const struct sc_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->actions[i].kind >= SC_ZRAM_HOT_ADD &&
			plan->actions[i].kind <= SC_ZRAM_SWAPON && !plan->actions[i].done)
			return false;
	return true;
}

/*
 * One atomic rewrite of zram.conf for all config actions whose device work succeeded: an
 * entry is only added for a device that came up, and only removed for one that is gone.
 */
static int apply_config(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_plan *plan,
	struct sc_err *err)
{
	struct sc_zram_config cfg = {0};
	bool any = false, creations = creations_done(plan);
	int r = 0;

	for (size_t i = 0; i < w->config.n && r == 0; i++)
		r = sc_zram_config_add(&cfg, &w->config.entries[i]);
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		struct sc_action *a = &plan->actions[i];
		const char *dev = a->u.zram.device;
		struct sc_zram_spec spec;

		if (a->kind != SC_ZRAM_CONFIG_ADD && a->kind != SC_ZRAM_CONFIG_REMOVE)
			continue;
		if (a->kind == SC_ZRAM_CONFIG_ADD ? !creations
						  : dev && dev[0] && !device_done(plan, dev))
			continue;
		r = sc_zram_spec_parse(a->u.zram.entry, &spec);
		if (r < 0)
			break;
		if (a->kind == SC_ZRAM_CONFIG_ADD)
			r = sc_zram_config_add(&cfg, &spec);
		else
			(void)sc_zram_config_remove(&cfg, &spec);
		a->done = true;
		any = true;
	}
	if (r == 0 && any)
		r = sc_zram_config_save(c, &cfg, &w->config_id, err);
	if (r < 0)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->actions[i].kind == SC_ZRAM_CONFIG_ADD ||
				plan->actions[i].kind == SC_ZRAM_CONFIG_REMOVE)
				plan->actions[i].done = false;
	sc_zram_config_free(&cfg);
	return r;
}

static int load_module(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_err *err)
{
	_cleanup_free_ char *control = sc_ctx_sys_path(c, "/sys/class/zram-control");
	char *argv[] = {"modprobe", "zram", NULL};
	struct stat st;
	int r;

	if (!control)
		return -ENOMEM;
	r = c->sys->run(argv);
	if (r < 0 || r > 0 || sc_ctx_stat(c, control, true, &st) < 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, r < 0 ? -r : ENOENT,
			"zram: the kernel has no zram-control (modprobe zram: %s)",
			r < 0		? strerror(-r)
				: r > 0 ? "failed"
					: "no effect");
		sc_err_hint(err, "use a kernel built with CONFIG_ZRAM");
		return r;
	}
	w->control_present = true;
	return 0;
}

int sc_zram_apply(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_plan *plan,
	bool keep_going, struct sc_err *err)
{
	_cleanup_free_ int *created = calloc(plan->n + 1, sizeof(int));
	size_t n_created = 0, i = 0;
	int first = 0, r;

	if (!created)
		return -ENOMEM;
	if (c->offline)
		for (size_t k = 0; k < plan->n; k++)
			if (plan->actions[k].kind != SC_ZRAM_CONFIG_ADD &&
				plan->actions[k].kind != SC_ZRAM_CONFIG_REMOVE)
				return sc_err_set(err, SC_EXIT_FAILURE, EROFS,
					"zram: no device changes with --root");
	while (i < plan->n) {
		struct sc_action *a = &plan->actions[i];
		struct sc_err later = {0};
		/* after a failure err keeps its message and hint; later ones are added to it */
		struct sc_err *e = first ? &later : err;
		size_t j = i;

		r = 0;
		/*
		 * Devices are independent: one that cannot be torn down (held open, its swapoff
		 * failed) does not keep the others from going -- `zram remove --all` leaves that
		 * one behind, not every device after it. Nothing is created after a failure,
		 * unless keep_going.
		 */
		if (first && !keep_going && !is_teardown(a->kind)) {
			i++;
			continue;
		}
		if (a->kind == SC_ZRAM_LOAD_MODULE) {
			r = load_module(c, w, e);
			a->done = r == 0;
		} else if (a->kind == SC_ZRAM_HOT_ADD) {
			int id = -1;

			while (j + 1 < plan->n && plan->actions[j].kind != SC_ZRAM_SWAPON)
				j++;
			r = apply_create(c, w, plan, i, j, &id, e);
			if (r == 0)
				created[n_created++] = id;
		} else if (is_teardown(a->kind)) {
			while (j + 1 < plan->n && is_teardown(plan->actions[j + 1].kind) &&
				strcmp(plan->actions[j + 1].target, a->target) == 0)
				j++;
			r = apply_teardown(c, w, plan, i, j, e);
		}
		if (r < 0 && first && err && later.msg[0]) {
			char hint[sizeof(err->hint)];

			snprintf(hint, sizeof(hint), "%s", err->hint);
			sc_err_hint(err, "%s%salso %s", hint, hint[0] ? "; " : "", later.msg);
		}
		if (r < 0)
			first = first ? first : r;
		i = j + 1;
	}
	r = apply_config(c, w, plan, err);
	if (r < 0 && !keep_going)
		/* add: the device must not outlive a configuration that failed to record it */
		for (size_t k = 0; k < n_created; k++) {
			char name[32];

			rollback_device(c, w, created[k], true, err);
			snprintf(name, sizeof(name), "/dev/zram%d", created[k]);
			for (size_t m = 0; m < plan->n; m++)
				if (strcmp(plan->actions[m].target, name) == 0)
					plan->actions[m].done = false;
		}
	return first ? first : r;
}
