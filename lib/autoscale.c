/* Dynamic swap: observe, decide, wait for pressure. See autoscale.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoscale.h"
#include "fsinfo.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "swapfile.h"
#include "swaplabel.h"
#include "util.h"

#define MIB	     (UINT64_C(1) << 20)
#define GIB	     (UINT64_C(1) << 30)
#define NSEC_PER_SEC UINT64_C(1000000000)

void sc_autoscale_config_init(struct sc_autoscale_config *c)
{
	*c = (struct sc_autoscale_config){
		.grow_below = 25,
		.retire_above = 50,
		.quiet_s = 600,
		.psi_stall_us = 200000,
		.psi_window_us = 2000000,
		.psi_avg10 = 10,
		.interval_s = 5,
	};
}

int sc_autoscale_normalize_dir(const char *dir, char **ret)
{
	_cleanup_free_ char *d = NULL;
	size_t n;

	if (!dir || dir[0] != '/')
		return -EINVAL;
	d = strdup(dir);
	if (!d)
		return -ENOMEM;
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	if (n == 1) {
		*ret = TAKE_PTR(d);
		return 0;
	}
	return sc_swapfile_normalize(d, ret);
}

static uint64_t max_of(const struct sc_autoscale_config *cfg, const struct sc_autoscale_observed *o)
{
	return cfg->max ? cfg->max : o->mem_total;
}

static uint64_t step_of(
	const struct sc_autoscale_config *cfg, const struct sc_autoscale_observed *o)
{
	uint64_t s;

	if (cfg->step)
		return cfg->step;
	s = SC_MIN(GIB, max_of(cfg, o) / 4);
	return SC_MAX(s / MIB * MIB, 64 * MIB);
}

int sc_autoscale_parse_psi(const char *text, double *ret)
{
	const char *p = strstr(text, "some avg10=");
	char *end;
	double v;

	if (p != text && (!p || p[-1] != '\n'))
		return -EINVAL;
	p += strlen("some avg10=");
	errno = 0;
	v = strtod(p, &end);
	if (errno || end == p || (*end != ' ' && *end != '\n' && *end) || v < 0 || v > 100)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "dynamic.N" with N a plain positive decimal: N, else 0. */
static unsigned dynamic_n(const char *name)
{
	int64_t n;

	if (!sc_startswith(name, SC_AUTOSCALE_PREFIX))
		return 0;
	name += strlen(SC_AUTOSCALE_PREFIX);
	if (name[0] == '0' || sc_parse_int(name, 1, 999999, &n) < 0)
		return 0;
	return (unsigned)n;
}

static int by_n(const void *a, const void *b)
{
	const struct sc_autoscale_file *x = a, *y = b;

	return (x->n > y->n) - (x->n < y->n);
}

static int observe_files(const struct sc_ctx *c, const char *dir, const struct sc_swaps *sw,
	struct sc_autoscale_observed *o)
{
	_cleanup_free_ char *full_dir = sc_ctx_root_path(c, dir);
	char **names = NULL;
	size_t n = 0;
	int r;

	if (!full_dir)
		return -ENOMEM;
	r = sc_fsinfo_list_dir(c, full_dir, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	o->files = calloc(n + 1, sizeof(*o->files));
	if (!o->files) {
		sc_fsinfo_names_free(names, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct sc_autoscale_file *f = &o->files[o->n_files];
		_cleanup_free_ char *full = NULL, *label = NULL;
		const struct sc_swap *a;
		struct stat st;

		f->n = dynamic_n(names[i]);
		if (!f->n)
			continue;
		if (asprintf(&f->path, "%s/%s", strcmp(dir, "/") ? dir : "", names[i]) < 0) {
			f->path = NULL;
			r = -ENOMEM;
			break;
		}
		full = sc_ctx_root_path(c, f->path);
		if (!full) {
			r = -ENOMEM;
			break;
		}
		o->n_files++;
		if (sc_ctx_stat(c, full, false, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* not ours: neither grown nor retired */
		f->size = (uint64_t)st.st_size;
		f->ours = sc_swaplabel_read(c, full, f->size, &label) == 0 && label &&
			strcmp(label, SC_AUTOSCALE_LABEL) == 0;
		a = sc_swaps_find(sw, f->path);
		f->active = a != NULL;
		f->used = a ? a->used_bytes : 0;
	}
	sc_fsinfo_names_free(names, n);
	if (r == 0)
		qsort(o->files, o->n_files, sizeof(*o->files), by_n);
	return r;
}

int sc_autoscale_observe(const struct sc_ctx *c, const struct sc_autoscale_config *cfg,
	struct sc_autoscale_observed *ret, struct sc_err *err)
{
	const char *dir = cfg->dir ? cfg->dir : SC_AUTOSCALE_DIR;
	_cleanup_free_ char *psi = NULL;
	struct sc_meminfo mi;
	struct sc_swaps sw = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->psi_some_avg10 = -1;
	r = sc_meminfo_read(c, &mi);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s", strerror(-r));
	ret->mem_total = mi.total;
	ret->swap_total = mi.swap_total;
	ret->swap_free = mi.swap_free;
	r = sc_swaps_read(c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	ret->n_areas = sw.n;
	if (sc_ctx_read_sys(c, "/proc/pressure/memory", 4096, &psi) == 0)
		(void)sc_autoscale_parse_psi(psi, &ret->psi_some_avg10);
	r = observe_files(c, dir, &sw, ret);
	sc_swaps_free(&sw);
	if (r < 0) {
		sc_autoscale_observed_done(ret);
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read the directory: %s",
			dir, strerror(-r));
	}
	return 0;
}

void sc_autoscale_observed_done(struct sc_autoscale_observed *o)
{
	for (size_t i = 0; i < o->n_files; i++)
		free(o->files[i].path);
	free(o->files);
	o->files = NULL;
	o->n_files = 0;
}

uint64_t sc_autoscale_dynamic_bytes(const struct sc_autoscale_observed *o)
{
	uint64_t t = 0;

	for (size_t i = 0; i < o->n_files; i++)
		if (o->files[i].ours && o->files[i].active)
			t += o->files[i].size;
	return t;
}

static void none(struct sc_autoscale_decision *d, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void none(struct sc_autoscale_decision *d, const char *why, const char *fmt, ...)
{
	va_list ap;

	d->verdict = SC_AUTOSCALE_NONE;
	d->why = why;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* percent of total that free is, as a whole number (100 without any swap) */
static unsigned pct(uint64_t free, uint64_t total)
{
	return total ? (unsigned)(free * 100 / total) : 100;
}

void sc_autoscale_decide(const struct sc_autoscale_config *cfg,
	const struct sc_autoscale_observed *o, const struct sc_autoscale_history *h,
	struct sc_autoscale_decision *ret)
{
	const char *dir = cfg->dir ? cfg->dir : SC_AUTOSCALE_DIR;
	uint64_t dyn = sc_autoscale_dynamic_bytes(o), step = step_of(cfg, o), max = max_of(cfg, o);
	uint64_t since = SC_MAX(h->last_pressure, h->last_grow);
	bool low = o->swap_total && o->swap_free * 100 < (uint64_t)cfg->grow_below * o->swap_total;
	/* Full, at the rate it has been filling, before a step decided at the next look is in place. */
	uint64_t lead_ms = sc_autoscale_next_wait_ms(cfg, h) + SC_AUTOSCALE_LEAD_S * 1000u;
	bool soon = h->fill_rate && o->swap_free * 1000 < h->fill_rate * lead_ms;
	/* Under pressure, more swap helps only while swap is filling: grow from half free. */
	bool pressed = h->pressure &&
		(!o->swap_total ||
			o->swap_free * 100 < (uint64_t)cfg->retire_above * o->swap_total);
	const struct sc_autoscale_file *victim = NULL;
	char b1[32], b2[32];
	unsigned next = 1;

	memset(ret, 0, sizeof(*ret));
	if (low || pressed || soon) {
		if (dyn + step > max) {
			none(ret, "at-max",
				"%s swap free of %s, but another %s would pass the cap of %s of "
				"dynamic swap",
				sc_format_bytes(o->swap_free, b1),
				sc_format_bytes(o->swap_total, b2),
				sc_format_bytes(step, (char[32]){0}),
				sc_format_bytes(max, (char[32]){0}));
			return;
		}
		if (o->n_areas >= SC_SWAP_AREAS_MAX) {
			none(ret, "no-slot", "the kernel's %d swap areas are all in use",
				SC_SWAP_AREAS_MAX);
			return;
		}
		for (size_t i = 0; i < o->n_files; i++)
			next = SC_MAX(next, o->files[i].n + 1);
		ret->verdict = SC_AUTOSCALE_GROW;
		ret->size = step;
		ret->why = pressed ? "pressure" : low ? "swap-low" : "filling";
		snprintf(ret->path, sizeof(ret->path), "%s/%s%u", strcmp(dir, "/") ? dir : "",
			SC_AUTOSCALE_PREFIX, next);
		if (pressed || low)
			snprintf(ret->reason, sizeof(ret->reason),
				"%s; %u%% of swap free (%s of %s)",
				pressed ? "memory pressure" : "swap is running low",
				pct(o->swap_free, o->swap_total), sc_format_bytes(o->swap_free, b1),
				sc_format_bytes(o->swap_total, b2));
		else
			snprintf(ret->reason, sizeof(ret->reason),
				"swap is filling at %s/s and would be full in %" PRIu64
				" s; %u%% of swap free (%s of %s)",
				sc_format_bytes(h->fill_rate, (char[32]){0}),
				o->swap_free / h->fill_rate, pct(o->swap_free, o->swap_total),
				sc_format_bytes(o->swap_free, b1),
				sc_format_bytes(o->swap_total, b2));
		return;
	}
	if (h->pressure) {
		none(ret, "enough-swap",
			"memory pressure, but %u%% of swap is free: more swap would not relieve it",
			pct(o->swap_free, o->swap_total));
		return;
	}
	for (size_t i = 0; i < o->n_files; i++) {
		const struct sc_autoscale_file *f = &o->files[i];

		if (f->ours && f->active && (!victim || f->used <= victim->used))
			victim = f;
	}
	if (!victim) {
		if (o->swap_total)
			none(ret, "steady", "%u%% of swap free, no dynamic file to retire",
				pct(o->swap_free, o->swap_total));
		else
			none(ret, "steady", "no swap is active and nothing presses for it");
		return;
	}
	if (h->now - since < (uint64_t)cfg->quiet_s * NSEC_PER_SEC) {
		none(ret, "recent", "%s is kept: the last pressure or growth was %" PRIu64 " s ago",
			victim->path, (h->now - since) / NSEC_PER_SEC);
		return;
	}
	if (o->swap_free < victim->size ||
		(o->swap_free - victim->size) * 100 <
			(uint64_t)cfg->retire_above * (o->swap_total - victim->size)) {
		none(ret, "needed", "%s is kept: without it less than %u%% of swap would be free",
			victim->path, cfg->retire_above);
		return;
	}
	ret->verdict = SC_AUTOSCALE_RETIRE;
	ret->why = "quiet";
	ret->size = victim->size;
	snprintf(ret->path, sizeof(ret->path), "%s", victim->path);
	snprintf(ret->reason, sizeof(ret->reason),
		"no pressure for %u s and %u%% of swap would stay free without it", cfg->quiet_s,
		pct(o->swap_free - victim->size, o->swap_total - victim->size));
}

int sc_autoscale_trigger(
	const struct sc_ctx *c, const struct sc_autoscale_config *cfg, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/proc/pressure/memory");
	char spec[64];
	int fd, r;

	if (!path)
		return -ENOMEM;
	snprintf(spec, sizeof(spec), "some %u %u\n", cfg->psi_stall_us, cfg->psi_window_us);
	fd = c->sys->psi_trigger(path, spec);
	if (fd == -ENOENT || fd == -EOPNOTSUPP) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -fd,
			"/proc/pressure/memory: no PSI triggers here (a kernel without "
			"CONFIG_PSI, or psi=0 on its command line)");
		sc_err_hint(err, "boot with psi=1, or run 'swapctl autoscale --once' from a timer");
		return r;
	}
	if (fd < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -fd,
			"/proc/pressure/memory: the kernel refused the trigger '%.*s': %s",
			(int)strlen(spec) - 1, spec, strerror(-fd));
	return fd;
}

int sc_autoscale_wait(const struct sc_ctx *c, int trigger_fd, unsigned timeout_ms)
{
	struct pollfd p = {.fd = trigger_fd, .events = POLLPRI};
	int r;

	if (trigger_fd < 0) {
		c->sys->sleep_ns((uint64_t)timeout_ms * 1000000u);
		return 0;
	}
	r = c->sys->poll(&p, 1, (int)SC_MIN(timeout_ms, (unsigned)INT32_MAX));
	if (r < 0)
		return r;
	if (r == 0)
		return 0;
	if (p.revents & POLLERR)
		return -EIO; /* the trigger's file went away */
	return (p.revents & POLLPRI) ? 1 : 0;
}

uint64_t sc_autoscale_now(const struct sc_ctx *c)
{
	return c->sys->now_ns();
}

void sc_autoscale_note(struct sc_autoscale_history *h, const struct sc_autoscale_observed *o)
{
	uint64_t used = o->swap_total > o->swap_free ? o->swap_total - o->swap_free : 0;
	uint64_t dt = h->now - h->looked_at;
	bool grew;

	/* Over a second at least: a trigger can wake the daemon twice within milliseconds. */
	if (h->looked && (h->now < h->looked_at || dt < NSEC_PER_SEC))
		return;
	grew = h->looked && used > h->swap_used;
	h->filling = grew && used > h->swap_used + MIB;
	h->fill_rate = grew
		? (uint64_t)((double)(used - h->swap_used) * (double)NSEC_PER_SEC / (double)dt)
		: 0;
	h->swap_used = used;
	h->looked_at = h->now;
	h->looked = true;
}

unsigned sc_autoscale_next_wait_ms(
	const struct sc_autoscale_config *cfg, const struct sc_autoscale_history *h)
{
	unsigned ms = cfg->interval_s * 1000u;

	return (h->filling || h->pressure) && ms > 1000 ? 1000 : ms;
}
