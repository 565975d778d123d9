/* zram state readers. See zram.h; KERNEL-FACTS §1.7 for the sysfs protocol. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "config.h"
#include "gate.h"
#include "header.h"
#include "macro.h"
#include "parse.h"
#include "swapfile.h"
#include "util.h"
#include "zram.h"

void sc_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int sc_zram_parse_algorithms(const char *text, char ***ret_names, char **ret_current)
{
	char **names = NULL, *current = NULL;
	size_t n = 0;
	const char *p = text;

	while (*p) {
		const char *start;
		size_t len;
		bool bracket = false;
		char *name, **nv;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (*p == '[') {
			bracket = true;
			p++;
		}
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ']')
			p++;
		len = (size_t)(p - start);
		if (*p == ']')
			p++;
		if (len == 0 || len > 127)
			continue;
		name = strndup(start, len);
		if (!name)
			goto oom;
		nv = realloc(names, (n + 2) * sizeof(char *));
		if (!nv) {
			free(name);
			goto oom;
		}
		names = nv;
		names[n++] = name;
		names[n] = NULL;
		if (bracket && !current) {
			current = strdup(name);
			if (!current)
				goto oom;
		}
	}
	if (ret_names)
		*ret_names = names;
	else
		sc_strv_free(names);
	if (ret_current)
		*ret_current = current;
	else
		free(current);
	return 0;
oom:
	sc_strv_free(names);
	free(current);
	return -ENOMEM;
}

int sc_zram_parse_mm_stat(const char *text, struct sc_zram_dev *d)
{
	unsigned long long v[9] = {0};
	int n = sscanf(text, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		&v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);

	if (n < 5)
		return -EINVAL;
	d->orig_data = v[0];
	d->compr_data = v[1];
	d->mem_used = v[2];
	d->mem_limit = v[3];
	d->mem_used_max = v[4];
	d->same_pages = v[5];
	d->huge_pages = v[7];
	return 0;
}

void sc_zram_dev_done(struct sc_zram_dev *d)
{
	free(d->algorithm);
	d->algorithm = NULL;
}

int sc_zram_read(const struct sc_ctx *c, int id, struct sc_zram_dev *ret)
{
	_cleanup_free_ char *dir = NULL, *p = NULL, *text = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->id = id;
	snprintf(ret->name, sizeof(ret->name), "zram%d", id);
	if (asprintf(&p, "/sys/block/zram%d", id) < 0)
		return -ENOMEM;
	dir = sc_ctx_sys_path(c, p);
	if (!dir)
		return -ENOMEM;
	free(p);
	p = NULL;

	if (asprintf(&p, "%s/disksize", dir) < 0)
		return (p = NULL, -ENOMEM);
	r = sc_read_u64(p, &ret->disksize);
	if (r < 0)
		return r;
	ret->initialized = ret->disksize > 0;
	free(p);

	if (asprintf(&p, "%s/comp_algorithm", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0) {
		r = sc_zram_parse_algorithms(text, NULL, &ret->algorithm);
		if (r < 0)
			return r;
	}
	free(p);
	free(text);
	text = NULL;

	if (asprintf(&p, "%s/mm_stat", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0)
		(void)sc_zram_parse_mm_stat(text, ret);
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct sc_zram_dev *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int sc_zram_list(const struct sc_ctx *c, struct sc_zram_dev **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = sc_ctx_sys_path(c, "/sys/block");
	struct sc_zram_dev *devs = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!dir)
		return -ENOMEM;
	*ret = NULL;
	*ret_n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		int64_t id;
		struct sc_zram_dev *nd;

		if (!sc_startswith(de->d_name, "zram") ||
			sc_parse_int(de->d_name + 4, 0, INT32_MAX, &id) < 0)
			continue;
		nd = realloc(devs, (n + 1) * sizeof(*nd));
		if (!nd) {
			closedir(d);
			sc_zram_list_free(devs, n);
			return -ENOMEM;
		}
		devs = nd;
		if (sc_zram_read(c, (int)id, &devs[n]) < 0)
			continue;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(devs, n, sizeof(*devs), cmp_dev);
	*ret = devs;
	*ret_n = n;
	return 0;
}

void sc_zram_list_free(struct sc_zram_dev *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_zram_dev_done(&d[i]);
	free(d);
}

int sc_zram_read_diskseq(const struct sc_ctx *c, int id, uint64_t *ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	int r;

	*ret = 0;
	if (asprintf(&rel, "/sys/block/zram%d/diskseq", id) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	r = sc_read_u64(path, ret);
	return r == -ENOENT ? 0 : r;
}

/* --- planning --- */

/* Targets name the device as the booted system sees it; sysfs paths add the sysroot. */
static char *dev_name(int id)
{
	char *p;

	if (asprintf(&p, "/dev/zram%d", id) < 0)
		return NULL;
	return p;
}

static char *attr_path(const struct sc_ctx *c, int id, const char *attr)
{
	_cleanup_free_ char *rel = NULL;

	if (asprintf(&rel, "/sys/block/zram%d/%s", id, attr) < 0)
		return NULL;
	return sc_ctx_sys_path(c, rel);
}

static int target_id(const char *target)
{
	int64_t id;

	if (!sc_startswith(target, "/dev/zram") ||
		sc_parse_int(target + strlen("/dev/zram"), 0, INT32_MAX, &id) < 0)
		return -EINVAL;
	return (int)id;
}

static int read_algorithms(const struct sc_ctx *c, int id, char ***ret_names, char **ret_current)
{
	_cleanup_free_ char *path = attr_path(c, id, "comp_algorithm"), *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_read_line(path, &text);
	if (r < 0)
		return r;
	return sc_zram_parse_algorithms(text, ret_names, ret_current);
}

int sc_zram_world_read(const struct sc_ctx *c, struct sc_zram_world *w, struct sc_err *err)
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
	w->control_present = stat(control, &st) == 0;
	r = sc_zram_list(c, &w->devs, &w->n_devs);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/sys/block: cannot list zram devices: %s", strerror(-r));
	/*
	 * Every device offers the same list. The bracketed entry is the kernel's default only
	 * on a device nobody configured yet (reset restores it, KERNEL-FACTS 1.7).
	 */
	for (size_t i = 0; i < w->n_devs && !w->current; i++) {
		char **names = NULL, *cur = NULL;

		if (read_algorithms(c, w->devs[i].id, &names, &cur) < 0)
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
	r = sc_swaps_read(c, &w->swaps);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	r = sc_zram_state_load(c, &w->state);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/run/swapctl/zram-ids: cannot read: %s", strerror(-r));
	return sc_zram_config_load(c, &w->config, &w->config_id, err);
}

void sc_zram_world_done(struct sc_zram_world *w)
{
	sc_strv_free(w->offered);
	free(w->current);
	sc_zram_list_free(w->devs, w->n_devs);
	sc_swaps_free(&w->swaps);
	sc_zram_state_free(&w->state);
	sc_zram_config_free(&w->config);
	memset(w, 0, sizeof(*w));
}

bool sc_zram_world_active(const struct sc_zram_world *w, int id)
{
	char name[32];

	snprintf(name, sizeof(name), "/dev/zram%d", id);
	return sc_swaps_find(&w->swaps, name) != NULL;
}

static const struct sc_zram_dev *world_dev(const struct sc_zram_world *w, int id)
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

static int sim_init(struct id_sim *s, const struct sc_zram_world *w)
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

static struct sc_action *add_action(struct sc_plan *plan, int kind, const char *name, int id)
{
	_cleanup_free_ char *t = dev_name(id);

	if (!t)
		return NULL;
	return sc_plan_add(plan, kind, name, t);
}

/*
 * The creation sequence of one device, in the kernel's order (KERNEL-FACTS 1.7): the
 * compressor and its parameters can only be chosen before disksize is written -- disksize
 * initialises the device, after which comp_algorithm answers EBUSY ("Can't change algorithm
 * for initialized device") and algorithm_params are accepted but never read (F-34).
 * mem_limit can be written at any time; it goes before disksize so that the device never
 * runs without it.
 */
static int plan_create(struct sc_plan *plan, int id, const struct sc_zram_spec *spec,
	const char *algorithm, uint64_t disksize)
{
	_cleanup_free_ char *entry = NULL;
	struct sc_action *a;

	if (sc_zram_spec_format(spec, &entry) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_HOT_ADD, "hot-add", id);
	if (!a || sc_action_set_str(a, "entry", entry) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_SET_ALGORITHM, "set-algorithm", id);
	if (!a || sc_action_set_str(a, "algorithm", algorithm) < 0)
		return -ENOMEM;
	if (spec->params[0]) {
		a = add_action(plan, SC_ZRAM_SET_PARAMS, "set-algorithm-params", id);
		if (!a || sc_action_set_str(a, "params", spec->params) < 0)
			return -ENOMEM;
	}
	if (spec->mem_limit > 0) {
		a = add_action(plan, SC_ZRAM_SET_MEM_LIMIT, "set-mem-limit", id);
		if (!a || sc_action_set_int(a, "mem_limit_bytes", (int64_t)spec->mem_limit) < 0)
			return -ENOMEM;
	}
	a = add_action(plan, SC_ZRAM_SET_DISKSIZE, "set-disksize", id);
	if (!a || sc_action_set_int(a, "size_bytes", (int64_t)disksize) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_MKSWAP, "mkswap", id);
	if (!a || sc_action_set_int(a, "size_bytes", (int64_t)disksize) < 0)
		return -ENOMEM;
	a = add_action(plan, SC_ZRAM_SWAPON, "swapon", id);
	if (!a || sc_action_set_int(a, "priority", spec->priority) < 0)
		return -ENOMEM;
	return 0;
}

/* swapoff (when active), reset (when initialised), hot_remove (only for our own devices). */
static int plan_teardown(const struct sc_zram_world *w, struct sc_plan *plan, int id, bool owned)
{
	const struct sc_zram_dev *d = world_dev(w, id);
	struct sc_action *a;
	char name[32];
	const struct sc_swap *sw;

	snprintf(name, sizeof(name), "/dev/zram%d", id);
	sw = sc_swaps_find(&w->swaps, name);
	if (sw) {
		a = add_action(plan, SC_ZRAM_SWAPOFF, "swapoff", id);
		if (!a || sc_action_set_int(a, "used_bytes", (int64_t)sw->used_bytes) < 0)
			return -ENOMEM;
	}
	if (sw || (d && d->initialized)) {
		if (!add_action(plan, SC_ZRAM_RESET, "reset", id))
			return -ENOMEM;
	}
	if (owned && !add_action(plan, SC_ZRAM_HOT_REMOVE, "hot-remove", id))
		return -ENOMEM;
	return 0;
}

static int plan_config(const struct sc_ctx *c, struct sc_plan *plan, int kind,
	const struct sc_zram_spec *spec, int device)
{
	_cleanup_free_ char *path = sc_config_path(c, SC_ZRAM_CONFIG_NAME), *entry = NULL,
			    *dev = NULL;
	struct sc_action *a;

	if (!path || sc_zram_spec_format(spec, &entry) < 0)
		return -ENOMEM;
	if (device >= 0 && !(dev = dev_name(device)))
		return -ENOMEM;
	a = sc_plan_add(plan, kind, kind == SC_ZRAM_CONFIG_ADD ? "config-add" : "config-remove",
		sc_ctx_boot_path(c, path));
	if (!a || sc_action_set_str(a, "entry", entry) < 0)
		return -ENOMEM;
	if (kind == SC_ZRAM_CONFIG_REMOVE && sc_action_set_str(a, "device", dev ? dev : "") < 0)
		return -ENOMEM;
	return 0;
}

static int plan_modprobe(const struct sc_zram_world *w, struct sc_plan *plan)
{
	if (w->control_present)
		return 0;
	return sc_plan_add(plan, SC_ZRAM_LOAD_MODULE, "load-module", "zram") ? 0 : -ENOMEM;
}

/* Resolve size and algorithm of a spec on this machine (offline: nothing to check against). */
static int resolve(const struct sc_ctx *c, const struct sc_zram_world *w,
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
	*ret_alg = spec->algorithm[0] ? spec->algorithm : "auto";
	if (!w->offered || c->offline)
		return 0; /* checked against the new device's list once it exists */
	return sc_zram_choose_algorithm(w->offered, w->current, spec->algorithm, ret_alg, err);
}

int sc_zram_plan_add(const struct sc_ctx *c, const struct sc_zram_world *w,
	const struct sc_zram_add_req *req, struct sc_plan *plan, int *ret_device,
	struct sc_err *err)
{
	struct id_sim sim = {0};
	const char *alg;
	uint64_t disksize;
	size_t in_conf;
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

	for (size_t i = 0; i < w->state.n && existing < 0; i++)
		if (sc_zram_spec_equal(&w->state.devs[i].spec, &req->spec) &&
			sc_zram_world_active(w, w->state.devs[i].id))
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

int sc_zram_plan_remove(const struct sc_ctx *c, const struct sc_zram_world *w, const int *ids,
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
		if (!sc_zram_state_find(&w->state, ids[i]) && !sc_zram_world_active(w, ids[i])) {
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
		const struct sc_zram_owned *o = sc_zram_state_find(&w->state, ids[i]);
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

int sc_zram_plan_boot(const struct sc_ctx *c, const struct sc_zram_world *w, struct sc_plan *plan,
	struct sc_err *err)
{
	_cleanup_free_ bool *used = calloc(w->state.n + 1, sizeof(bool));
	struct id_sim sim = {0};
	size_t mark;
	int r, first = 0;

	if (!used)
		return -ENOMEM;
	if (c->offline)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"boot: acts on the running kernel; it cannot run with --root");
	r = sim_init(&sim, w);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w->state.n && r == 0; i++)
		if (!sc_zram_world_active(w, w->state.devs[i].id)) {
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
	}
	free(sim.taken);
	return r < 0 ? r : first;
}

/* --- applying --- */

/*
 * reset, hot_remove, opening and locking the node answer EBUSY while anyone has the device
 * open -- udev's blkid probe does so for a moment after every change (F-36). Ten tries
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
	_cleanup_free_ char *path = attr_path(c, id, attr);
	int r;

	if (!path)
		return -ENOMEM;
	r = c->sys->write_attr(path, value);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"/dev/zram%d: cannot write '%s' to %s: %s", id, value, attr, strerror(-r));
	return 0;
}

static int state_add(const struct sc_ctx *c, struct sc_zram_world *w, int id, uint64_t seq,
	const struct sc_zram_spec *spec)
{
	struct sc_zram_owned *n = realloc(w->state.devs, (w->state.n + 1) * sizeof(*n));
	int r;

	if (!n)
		return -ENOMEM;
	w->state.devs = n;
	w->state.devs[w->state.n++] =
		(struct sc_zram_owned){.id = id, .diskseq = seq, .spec = *spec};
	r = sc_zram_state_save(c, &w->state);
	if (r < 0)
		w->state.n--;
	return r;
}

static int state_drop(const struct sc_ctx *c, struct sc_zram_world *w, int id)
{
	for (size_t i = 0; i < w->state.n; i++)
		if (w->state.devs[i].id == id) {
			memmove(&w->state.devs[i], &w->state.devs[i + 1],
				(w->state.n - i - 1) * sizeof(*w->state.devs));
			w->state.n--;
			return sc_zram_state_save(c, &w->state);
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
	_cleanup_free_ char *path = attr_path(c, id, "reset");

	return path ? write_retry(c, path, "1") : -ENOMEM;
}

/*
 * Undo a device this process created: swapoff if it got that far, reset, hot_remove, forget
 * it. Failures here are added to err's hint; the state entry stays when the device does, so
 * the next `swapctl boot` or `zram add` finishes the job.
 */
static void rollback_device(const struct sc_ctx *c, struct sc_zram_world *w, int id,
	bool swapped_on, struct sc_err *err)
{
	_cleanup_free_ char *rel = dev_name(id);
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

/* A fresh device: hot_add just returned it, so nobody has configured it (F-37). */
static int check_fresh(const struct sc_ctx *c, int id, struct sc_err *err)
{
	_cleanup_free_ char *path = attr_path(c, id, "initstate");
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
	 * locking convention udev (and systemd's tools) skip probing a locked device (F-36).
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

static int retarget(struct sc_action *a, const char *name)
{
	char *t = strdup(name);

	if (!t)
		return -ENOMEM;
	free(a->target);
	a->target = t;
	return 0;
}

static int apply_create(const struct sc_ctx *c, struct sc_zram_world *w, struct sc_plan *plan,
	size_t i0, size_t i1, int *ret_id, struct sc_err *err)
{
	_cleanup_free_ char *ctl = sc_ctx_sys_path(c, "/sys/class/zram-control/hot_add");
	_cleanup_free_ char *name = NULL, *devp = NULL;
	_cleanup_close_ int fd = -1;
	struct sc_action *acts = plan->actions;
	const struct sc_field *f = sc_action_get(&acts[i0], "entry");
	struct sc_zram_spec spec;
	bool swapped_on = false;
	char buf[32], *nl;
	uint64_t seq = 0;
	int64_t id64;
	int id, r;

	if (!ctl)
		return -ENOMEM;
	if (!f || sc_zram_spec_parse(f->str, &spec) < 0)
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
	name = dev_name(id);
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

			r = read_algorithms(c, id, &names, &cur);
			if (r < 0) {
				sc_err_set(err, SC_EXIT_FAILURE, -r,
					"%s: cannot read comp_algorithm: %s", name, strerror(-r));
				goto rollback;
			}
			r = sc_zram_choose_algorithm(names, cur, spec.algorithm, &alg, err);
			if (r == 0)
				r = sc_action_set_str(a, "algorithm", alg);
			if (r == 0)
				r = set_attr(c, id, "comp_algorithm", alg, err);
			sc_strv_free(names);
			free(cur);
			break;
		}
		case SC_ZRAM_SET_PARAMS: {
			_cleanup_free_ char *p = attr_path(c, id, "algorithm_params");
			struct stat st;

			if (!p) {
				r = -ENOMEM;
				break;
			}
			if (stat(p, &st) < 0) {
				r = sc_err_set(err, SC_EXIT_USAGE, ENOENT,
					"%s: this kernel has no algorithm_params (Linux 6.12 and "
					"later have it)",
					name);
				sc_err_hint(err, "leave --algorithm-params out");
				break;
			}
			r = set_attr(
				c, id, "algorithm_params", sc_action_get(a, "params")->str, err);
			break;
		}
		case SC_ZRAM_SET_MEM_LIMIT:
			snprintf(
				v, sizeof(v), "%" PRId64, sc_action_get(a, "mem_limit_bytes")->num);
			r = set_attr(c, id, "mem_limit", v, err);
			break;
		case SC_ZRAM_SET_DISKSIZE:
			/* canonical decimal bytes: the kernel's memparse accepts "1x" as 1 byte */
			snprintf(v, sizeof(v), "%" PRId64, sc_action_get(a, "size_bytes")->num);
			r = set_attr(c, id, "disksize", v, err);
			if (r == -ENOMEM || r == -EINVAL)
				sc_err_hint(err,
					"the kernel could not start the compressor or "
					"allocate the device (see dmesg); try another "
					"--algorithm or a smaller size");
			break;
		case SC_ZRAM_MKSWAP:
			r = write_header(
				c, fd, name, (uint64_t)sc_action_get(a, "size_bytes")->num, err);
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

static int apply_teardown(const struct sc_ctx *c, struct sc_zram_world *w, struct sc_plan *plan,
	size_t i0, size_t i1, struct sc_err *err)
{
	struct sc_action *acts = plan->actions;
	const char *name = acts[i0].target;
	const struct sc_zram_owned *o;
	bool owned_step = false;
	int id = target_id(name), r = 0;

	if (id < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "zram: malformed plan");
	for (size_t k = i0; k <= i1; k++)
		owned_step |= acts[k].kind == SC_ZRAM_HOT_REMOVE;
	o = sc_zram_state_find(&w->state, id);
	if (owned_step) {
		uint64_t seq = 0;

		/* The id is ours only while its diskseq is the one we recorded (F-37). */
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
static int apply_config(
	const struct sc_ctx *c, struct sc_zram_world *w, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_config cfg = {0};
	bool any = false, creations = creations_done(plan);
	int r = 0;

	for (size_t i = 0; i < w->config.n && r == 0; i++)
		r = sc_zram_config_add(&cfg, &w->config.entries[i]);
	for (size_t i = 0; i < plan->n && r == 0; i++) {
		struct sc_action *a = &plan->actions[i];
		const struct sc_field *dev = sc_action_get(a, "device");
		struct sc_zram_spec spec;

		if (a->kind != SC_ZRAM_CONFIG_ADD && a->kind != SC_ZRAM_CONFIG_REMOVE)
			continue;
		if (a->kind == SC_ZRAM_CONFIG_ADD
				? !creations
				: dev && dev->str[0] && !device_done(plan, dev->str))
			continue;
		r = sc_zram_spec_parse(sc_action_get(a, "entry")->str, &spec);
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

static int load_module(const struct sc_ctx *c, struct sc_zram_world *w, struct sc_err *err)
{
	_cleanup_free_ char *control = sc_ctx_sys_path(c, "/sys/class/zram-control");
	char *argv[] = {"modprobe", "zram", NULL};
	struct stat st;
	int r;

	if (!control)
		return -ENOMEM;
	r = c->sys->run(argv);
	if (r < 0 || r > 0 || stat(control, &st) < 0) {
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

int sc_zram_apply(const struct sc_ctx *c, struct sc_zram_world *w, struct sc_plan *plan,
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
