/*
 * Planning, pure: the world and a request in, an ordered plan of SC_ZRAM_* actions out
 * (add, remove, boot), with the ids hot_add will hand out simulated. Uses zram-config.c for
 * requests and zram-read.c for device names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "zram-internal.h"
#include "zram.h"

/* How long boot waits for a backing device to appear. */
#define BACKING_WAIT_MS 10000

static const struct sc_zram_dev *world_dev(const struct sc_zram_observed *w, int id)
{
	for (size_t i = 0; i < w->n_devs; i++)
		if (w->devs[i].id == id)
			return &w->devs[i];
	return NULL;
}

/* The ids the kernel would hand out: it allocates the lowest free one (idr_alloc). */
struct id_sim {
	int *taken;
	size_t n;
};

static int sim_init(struct id_sim *s, const struct sc_zram_observed *w)
{
	s->n = 0;
	s->taken = calloc(w->n_devs + 1, sizeof(int));
	if (!s->taken)
		return -ENOMEM;
	for (size_t i = 0; i < w->n_devs; i++)
		s->taken[s->n++] = w->devs[i].id;
	return 0;
}

static bool sim_has(const struct id_sim *s, int id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->taken[i] == id)
			return true;
	return false;
}

static void sim_release(struct id_sim *s, int id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->taken[i] == id) {
			s->taken[i] = s->taken[--s->n];
			return;
		}
}

static int sim_take(struct id_sim *s)
{
	int id = 0, *n;

	while (sim_has(s, id))
		id++;
	n = realloc(s->taken, (s->n + 1) * sizeof(int));
	if (!n)
		return -ENOMEM;
	s->taken = n;
	s->taken[s->n++] = id;
	return id;
}

static struct sc_action *add_action(struct sc_plan *plan, enum sc_act kind, int id)
{
	_cleanup_free_ char *t = sc_zram_dev_name(id);

	if (!t)
		return NULL;
	return sc_plan_add(plan, kind, t);
}

/*
 * The creation sequence of one device, in the kernel's order: the
 * compressor and its parameters can only be chosen before disksize is written -- disksize
 * initialises the device, after which comp_algorithm answers EBUSY ("Can't change algorithm
 * for initialized device") and algorithm_params are accepted but never read.
 * backing_dev too (EBUSY after disksize). The writeback limit and mem_limit can be written
 * at any time; they go before disksize so that the device never runs without them.
 */
static int plan_create(struct sc_plan *plan, int id, const struct sc_zram_spec *spec,
	const char *algorithm, uint64_t disksize)
{
	_cleanup_free_ char *entry = NULL;
	struct sc_action *a;

	if (sc_zram_spec_format(spec, &entry) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_HOT_ADD, id);
	if (!a || sc_action_strdup(a, entry, &a->u.zram.entry) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_SET_ALGORITHM, id);
	if (!a || sc_action_strdup(a, algorithm, &a->u.zram.algorithm) < 0)
		return -ENOMEM;
	if (spec->params[0]) {
		a = add_action(plan, SC_ZRAM_SET_PARAMS, id);
		if (!a || sc_action_strdup(a, spec->params, &a->u.zram.params) < 0)
			return -ENOMEM;
	}
	if (spec->recomp_algorithm[0]) {
		a = add_action(plan, SC_ZRAM_SET_RECOMP_ALGORITHM, id);
		if (!a || sc_action_strdup(a, spec->recomp_algorithm, &a->u.zram.algorithm) < 0)
			return -ENOMEM;
	}
	if (spec->backing_dev[0]) {
		a = add_action(plan, SC_ZRAM_SET_BACKING_DEV, id);
		if (!a || sc_action_strdup(a, spec->backing_dev, &a->u.zram.backing_dev) < 0)
			return -ENOMEM;
	}
	if (spec->writeback_limit > 0) {
		a = add_action(plan, SC_ZRAM_SET_WRITEBACK_LIMIT, id);
		if (!a)
			return -ENOMEM;
		a->u.zram.writeback_limit = spec->writeback_limit;
	}
	if (spec->mem_limit > 0) {
		a = add_action(plan, SC_ZRAM_SET_MEM_LIMIT, id);
		if (!a)
			return -ENOMEM;
		a->u.zram.mem_limit = spec->mem_limit;
	}
	a = add_action(plan, SC_ZRAM_SET_DISKSIZE, id);
	if (!a)
		return -ENOMEM;
	a->u.zram.size = disksize;
	a = add_action(plan, SC_ZRAM_MKSWAP, id);
	if (!a)
		return -ENOMEM;
	a->u.zram.size = disksize;
	a = add_action(plan, SC_ZRAM_SWAPON, id);
	if (!a)
		return -ENOMEM;
	a->u.zram.priority = spec->priority;
	return 0;
}

/* swapoff (when active), reset (when initialised), hot_remove (only for our own devices). */
static int plan_teardown(const struct sc_zram_observed *w, struct sc_plan *plan, int id, bool owned)
{
	const struct sc_zram_dev *d = world_dev(w, id);
	struct sc_action *a;
	char name[32];
	const struct sc_swap *sw;

	snprintf(name, sizeof(name), "/dev/zram%d", id);
	sw = sc_swaps_find(&w->swaps, name);
	if (sw) {
		a = add_action(plan, SC_ZRAM_SWAPOFF, id);
		if (!a)
			return -ENOMEM;
		a->u.zram.used = sw->used_bytes;
	}
	if (sw || (d && d->initialized)) {
		if (!add_action(plan, SC_ZRAM_RESET, id))
			return -ENOMEM;
	}
	if (owned && !add_action(plan, SC_ZRAM_HOT_REMOVE, id))
		return -ENOMEM;
	return 0;
}

static int plan_config(const struct sc_ctx *c, struct sc_plan *plan, enum sc_act kind,
	const struct sc_zram_spec *spec, int device)
{
	_cleanup_free_ char *path = sc_config_path(c, SC_ZRAM_CONFIG_NAME), *entry = NULL,
			    *dev = NULL;
	struct sc_action *a;

	if (!path || sc_zram_spec_format(spec, &entry) < 0)
		return -ENOMEM;
	if (device >= 0 && !(dev = sc_zram_dev_name(device)))
		return -ENOMEM;
	a = sc_plan_add(plan, kind, sc_ctx_boot_path(c, path));
	if (!a || sc_action_strdup(a, entry, &a->u.zram.entry) < 0 ||
		sc_action_strdup(a, dev ? dev : "", &a->u.zram.device) < 0)
		return -ENOMEM;
	return 0;
}

static int plan_modprobe(const struct sc_zram_observed *w, struct sc_plan *plan)
{
	if (w->control_present)
		return 0;
	return sc_plan_add(plan, SC_ZRAM_LOAD_MODULE, "zram") ? 0 : -ENOMEM;
}

/* Resolve size and algorithm of a spec on this machine (offline: nothing to check against). */
static int resolve(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_spec *spec, uint64_t *ret_size, const char **ret_alg,
	struct sc_err *err)
{
	int r;

	*ret_size = 0;
	/* offline: N% and auto are worked out at the image's boot, against its memory */
	if (!c->offline || spec->size_kind == SC_ZRAM_SIZE_BYTES) {
		r = sc_zram_disksize(
			spec, c->offline ? 0 : w->mem_total, c->page_size, ret_size, err);
		if (r < 0)
			return r;
	}
	if (spec->backing_dev[0] && w->writeback == 0 && !c->offline) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"zram: this kernel has no writeback (no backing_dev attribute): %s "
			"cannot be a backing device",
			spec->backing_dev);
		sc_err_hint(err,
			"use a kernel built with CONFIG_ZRAM_WRITEBACK (Debian's "
			"are), or leave --writeback-device out");
		return r;
	}
	if (spec->recomp_algorithm[0] && w->recompress == 0 && !c->offline) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"zram: this kernel has no recompression (no recomp_algorithm attribute)");
		sc_err_hint(err,
			"use a kernel built with CONFIG_ZRAM_MULTI_COMP, or leave "
			"--recompress-algorithm out");
		return r;
	}
	if (spec->recomp_algorithm[0] && w->offered && !c->offline) {
		const char *sec;

		r = sc_zram_choose_algorithm(w->offered, NULL, spec->recomp_algorithm, &sec, err);
		if (r < 0)
			return r;
	}
	*ret_alg = spec->algorithm[0] ? spec->algorithm : "auto";
	if (w->offered && !c->offline) {
		r = sc_zram_choose_algorithm(w->offered, w->current, spec->algorithm, ret_alg, err);
		if (r < 0)
			return r;
	} /* else checked against the new device's list once it exists */
	return sc_zram_params_check(*ret_alg, spec->params, err);
}

int sc_zram_plan_add(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_add_req *req, struct sc_plan *plan, int *ret_device,
	struct sc_err *err)
{
	struct id_sim sim = {0};
	const char *alg;
	uint64_t disksize;
	size_t in_conf;
	char why[256];
	int existing = -1, id, r;

	*ret_device = -1;
	r = resolve(c, w, &req->spec, &disksize, &alg, err);
	if (r < 0)
		return r;
	in_conf = sc_zram_config_count(&w->config, &req->spec);
	if (c->offline) {
		/* An image being built: only the configuration; its boot creates the device. */
		if (!req->persist)
			return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"zram add: --no-persist with --root would do nothing: the devices "
				"of "
				"an offline tree are created at its boot from zram.conf");
		return in_conf ? 0 : plan_config(c, plan, SC_ZRAM_CONFIG_ADD, &req->spec, -1);
	}
	if (!sc_zram_spec_fits(&req->spec, w->mem_total, why, sizeof(why))) {
		/* an entry for other machines: recorded, made by the boot of one that fits */
		if (!req->persist)
			return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"zram add: %s, so no device is made here, and --no-persist "
				"records none for other machines",
				why);
		return in_conf ? 0 : plan_config(c, plan, SC_ZRAM_CONFIG_ADD, &req->spec, -1);
	}

	for (size_t i = 0; i < w->state.n && existing < 0; i++)
		if (sc_zram_spec_equal(&w->state.devs[i].spec, &req->spec) &&
			sc_zram_observed_active(w, w->state.devs[i].id))
			existing = w->state.devs[i].id;
	if (existing >= 0) {
		*ret_device = existing;
		if (req->persist && in_conf == 0)
			return plan_config(c, plan, SC_ZRAM_CONFIG_ADD, &req->spec, -1);
		return 0;
	}

	r = sim_init(&sim, w);
	if (r < 0)
		return r;
	/* A device of ours with this request that is not active swap is debris: replace it. */
	for (size_t i = 0; i < w->state.n && r == 0; i++)
		if (sc_zram_spec_equal(&w->state.devs[i].spec, &req->spec)) {
			r = plan_teardown(w, plan, w->state.devs[i].id, true);
			sim_release(&sim, w->state.devs[i].id);
		}
	if (r == 0)
		r = plan_modprobe(w, plan);
	if (r == 0) {
		id = sim_take(&sim);
		r = id < 0 ? id : plan_create(plan, id, &req->spec, alg, disksize);
	}
	if (r == 0 && req->persist && in_conf == 0)
		r = plan_config(c, plan, SC_ZRAM_CONFIG_ADD, &req->spec, -1);
	free(sim.taken);
	return r;
}

int sc_zram_plan_remove(const struct sc_ctx *c, const struct sc_zram_observed *w, const int *ids,
	size_t n_ids, bool all, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_config left = {0};
	int r = 0;

	if (c->offline && !all)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram remove: with --root only --all applies (it empties zram.conf): "
			"devices exist only on a running system");
	for (size_t i = 0; i < n_ids; i++) {
		char name[32];

		snprintf(name, sizeof(name), "/dev/zram%d", ids[i]);
		if (!world_dev(w, ids[i]))
			return sc_err_set(
				err, SC_EXIT_USAGE, ENODEV, "%s: no such zram device", name);
		if (!sc_zram_ids_find(&w->state, ids[i]) && !sc_zram_observed_active(w, ids[i])) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: not created by swapctl and not an active swap area: left "
				"alone",
				name);
			sc_err_hint(err,
				"whoever created it (zram-generator, zramctl, a "
				"filesystem on it) resets it; swapctl only removes swap");
			return r;
		}
	}

	left.entries = w->config.n ? malloc(w->config.n * sizeof(*left.entries)) : NULL;
	if (w->config.n && !left.entries)
		return -ENOMEM;
	if (w->config.n)
		memcpy(left.entries, w->config.entries, w->config.n * sizeof(*left.entries));
	left.n = w->config.n;

	if (all && !c->offline)
		for (size_t i = 0; i < w->state.n && r == 0; i++) {
			const struct sc_zram_owned *o = &w->state.devs[i];

			r = plan_teardown(w, plan, o->id, true);
			if (r == 0 && sc_zram_config_remove(&left, &o->spec) > 0)
				r = plan_config(c, plan, SC_ZRAM_CONFIG_REMOVE, &o->spec, o->id);
		}
	for (size_t i = 0; i < n_ids && r == 0; i++) {
		const struct sc_zram_owned *o = sc_zram_ids_find(&w->state, ids[i]);
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= ids[j] == ids[i];
		if (dup || (all && o))
			continue;
		r = plan_teardown(w, plan, ids[i], o != NULL);
		if (r == 0 && o && sc_zram_config_remove(&left, &o->spec) > 0)
			r = plan_config(c, plan, SC_ZRAM_CONFIG_REMOVE, &o->spec, o->id);
	}
	/* --all also forgets the entries no device stands for at the moment. */
	for (size_t i = 0; all && i < left.n && r == 0; i++)
		r = plan_config(c, plan, SC_ZRAM_CONFIG_REMOVE, &left.entries[i], -1);
	sc_zram_config_free(&left);
	return r;
}

static int add_skip(struct sc_zram_skips *skips, const struct sc_zram_spec *spec, const char *rule,
	const char *reason)
{
	struct sc_zram_skip *n = realloc(skips->v, (skips->n + 1) * sizeof(*n));
	char *entry = NULL;

	if (!n)
		return -ENOMEM;
	skips->v = n;
	if (sc_zram_spec_format(spec, &entry) < 0)
		return -ENOMEM;
	n[skips->n].entry = entry;
	n[skips->n].rule = rule;
	snprintf(n[skips->n].reason, sizeof(n[skips->n].reason), "%s", reason);
	skips->n++;
	return 0;
}

/* An active swapctl device made from spec and not yet claimed by another entry: claim it. */
static bool active_for(
	const struct sc_zram_observed *w, const struct sc_zram_spec *spec, bool *used)
{
	for (size_t i = 0; i < w->state.n; i++)
		if (!used[i] && sc_zram_observed_active(w, w->state.devs[i].id) &&
			sc_zram_spec_equal(&w->state.devs[i].spec, spec))
			return used[i] = true;
	return false;
}

/* Why zram is off for this whole boot (the rule's name in *ret_rule), or false. */
static bool boot_off(const struct sc_zram_boot_env *env, bool force, const char **ret_rule,
	char *why, size_t len)
{
	if (env->cmdline == SC_ZRAM_CMDLINE_OFF) {
		*ret_rule = "cmdline";
		snprintf(why, len, "the kernel command line has %s", env->cmdline_word);
		return true;
	}
	if (env->container[0] && !force && env->cmdline != SC_ZRAM_CMDLINE_ON) {
		*ret_rule = "container";
		snprintf(why, len,
			"running in a container (%s, found by %s): a zram device would be the "
			"host's",
			env->container, env->container_source);
		return true;
	}
	return false;
}

int sc_zram_plan_boot(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_boot_env *env, bool force, struct sc_plan *plan,
	struct sc_zram_skips *skips, struct sc_err *err)
{
	_cleanup_free_ bool *used = calloc(w->state.n + 1, sizeof(bool));
	struct id_sim sim = {0};
	const char *rule;
	char why[256];
	size_t mark;
	int r, first = 0;

	if (!used)
		return -ENOMEM;
	if (c->offline)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"boot: acts on the running kernel; it cannot run with --root");
	if (boot_off(env, force, &rule, why, sizeof(why))) {
		r = 0;
		for (size_t k = 0; k < w->config.n && r == 0; k++)
			if (!active_for(w, &w->config.entries[k], used))
				r = add_skip(skips, &w->config.entries[k], rule, why);
		return r;
	}
	force |= env->cmdline == SC_ZRAM_CMDLINE_ON;
	r = sim_init(&sim, w);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w->state.n && r == 0; i++)
		if (!sc_zram_observed_active(w, w->state.devs[i].id)) {
			r = plan_teardown(w, plan, w->state.devs[i].id, true);
			sim_release(&sim, w->state.devs[i].id);
			used[i] = true;
		}
	mark = plan->n;
	for (size_t k = 0; k < w->config.n && r == 0; k++) {
		const struct sc_zram_spec *spec = &w->config.entries[k];
		bool up = false;
		const char *alg;
		uint64_t disksize;
		int id;

		for (size_t i = 0; i < w->state.n && !up; i++)
			if (!used[i] && sc_zram_spec_equal(&w->state.devs[i].spec, spec))
				up = used[i] = true;
		if (up)
			continue;
		if (!force && !sc_zram_spec_fits(spec, w->mem_total, why, sizeof(why))) {
			r = add_skip(skips, spec,
				w->mem_total < spec->min_ram ? "min_ram" : "max_ram", why);
			continue;
		}
		r = resolve(c, w, spec, &disksize, &alg, err);
		if (r < 0) {
			/* One unusable entry does not keep the others from coming up. */
			first = first ? first : r;
			r = 0;
			continue;
		}
		if (plan->n == mark)
			r = plan_modprobe(w, plan);
		id = r < 0 ? r : sim_take(&sim);
		r = id < 0 ? id : plan_create(plan, id, spec, alg, disksize);
		/* early in boot udev may not have made the device's /dev/disk/by-* link yet */
		for (size_t i = 0; r == 0 && i < plan->n; i++)
			if (plan->actions[i].kind == SC_ZRAM_SET_BACKING_DEV)
				plan->actions[i].u.zram.wait_ms = BACKING_WAIT_MS;
	}
	free(sim.taken);
	return r < 0 ? r : first;
}
