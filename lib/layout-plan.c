/* The layout planner: the layout wanted against the managed state, into steps. Pure. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout-plan.h"
#include "macro.h"
#include "rotate.h"

/* path is old_path itself, or a replacement rotate or resize named <old_path>.<N>. */
static bool same_slot(const char *path, const char *layout_path)
{
	size_t n = strlen(layout_path);
	const char *g;

	if (strcmp(path, layout_path) == 0)
		return true;
	if (strncmp(path, layout_path, n) != 0 || path[n] != '.' || !path[n + 1])
		return false;
	for (g = path + n + 1; *g; g++)
		if (*g < '0' || *g > '9')
			return false;
	return path[n + 1] != '0';
}

const struct sc_layout_observed_file *sc_layout_find_file(
	const struct sc_layout_observed *have, const char *path)
{
	for (size_t i = 0; i < have->n_files; i++)
		if (strcmp(have->files[i].path, path) == 0)
			return &have->files[i];
	for (size_t i = 0; i < have->n_files; i++)
		if (same_slot(have->files[i].path, path))
			return &have->files[i];
	return NULL;
}

static struct sc_step *add_step(struct sc_layout_plan *p, enum sc_step_kind kind)
{
	struct sc_step *n = reallocarray(p->steps, p->n_steps + 1, sizeof(*p->steps));

	if (!n)
		return NULL;
	p->steps = n;
	n[p->n_steps] = (struct sc_step){.kind = kind};
	if (p->n_diff)
		n[p->n_steps].object = p->diff[p->n_diff - 1].object;
	return &n[p->n_steps++];
}

static struct sc_diff *add_diff(struct sc_layout_plan *p, char *object, const char *change)
{
	struct sc_diff *n;

	if (!object)
		return NULL;
	n = reallocarray(p->diff, p->n_diff + 1, sizeof(*p->diff));
	if (!n) {
		free(object);
		return NULL;
	}
	p->diff = n;
	n[p->n_diff] = (struct sc_diff){.object = object, .change = change};
	return &n[p->n_diff++];
}

static char *object_name(const char *kind, const char *name)
{
	char *s;

	return asprintf(&s, "%s %s", kind, name) < 0 ? NULL : s;
}

static struct sc_diff_field *add_field(struct sc_diff *d, const char *key)
{
	struct sc_diff_field *n = reallocarray(d->fields, d->n_fields + 1, sizeof(*d->fields));

	if (!n)
		return NULL;
	d->fields = n;
	n[d->n_fields] = (struct sc_diff_field){.key = key};
	return &n[d->n_fields++];
}

static int field_num(struct sc_diff *d, const char *key, bool has_from, int64_t from, int64_t to)
{
	struct sc_diff_field *f = add_field(d, key);

	if (!f)
		return -ENOMEM;
	f->numeric = true;
	f->has_from = has_from;
	f->has_to = true;
	f->from_n = from;
	f->to_n = to;
	return 0;
}

static int field_str(struct sc_diff *d, const char *key, const char *from, const char *to)
{
	struct sc_diff_field *f = add_field(d, key);

	if (!f)
		return -ENOMEM;
	f->has_from = from != NULL;
	f->has_to = to != NULL;
	snprintf(f->from_s, sizeof(f->from_s), "%s", from ? from : "");
	snprintf(f->to_s, sizeof(f->to_s), "%s", to ? to : "");
	return 0;
}

static int plan_swapfile(struct sc_layout_plan *p, const struct sc_layout_swapfile *w,
	const struct sc_layout_observed_file *h, const char *resume)
{
	struct sc_diff *d = add_diff(p, object_name("swapfile", w->path), h ? "update" : "create");
	bool resize, reprio, hibernate;
	struct sc_step *s;
	int r = 0;

	if (!d)
		return -ENOMEM;
	if (!h || !h->exists) {
		r = field_num(d, "size_bytes", false, 0, (int64_t)w->size);
		if (r == 0 && w->hibernate)
			r = field_num(d, "hibernate", false, 0, 1);
		if (h)
			d->change = "create";
		s = add_step(p, SC_STEP_SWAPFILE_ADD);
		if (r < 0 || !s)
			return -ENOMEM;
		s->u.add.want = w;
		s->u.add.path = h ? h->path : w->path;
		s->u.add.size = w->size;
		s->u.add.hibernate = w->hibernate;
		return 0;
	}

	resize = w->size && w->size != h->size;
	reprio = w->has_priority && h->active &&
		!(w->priority < 0 ? h->active_priority < 0 : h->active_priority == w->priority);
	if (resize)
		r = field_num(d, "size_bytes", true, (int64_t)h->size, (int64_t)w->size);
	if (r == 0 && w->has_priority &&
		(reprio ||
			!(w->priority < 0 ? !h->has_priority
					  : h->has_priority && h->priority == w->priority)))
		r = field_num(d, "priority", h->has_priority, h->priority, w->priority);
	if (r == 0 && w->has_discard && w->discard != h->discard)
		r = field_str(
			d, "discard", sc_discard_name(h->discard), sc_discard_name(w->discard));
	if (r == 0 && !h->active)
		r = field_num(d, "active", true, 0, 1);
	hibernate = w->hibernate && !(resume && strcmp(resume, h->path) == 0);
	if (r == 0 && hibernate)
		r = field_num(d, "hibernate", true, 0, 1);
	if (r < 0)
		return r;
	if (!d->n_fields)
		d->change = "none";

	if (resize) {
		s = add_step(p, SC_STEP_SWAPFILE_RESIZE);
		if (!s)
			return -ENOMEM;
		s->u.resize.layout_path = w->path;
		s->u.resize.path = h->path;
		s->u.resize.size = w->size;
	}
	if (reprio) {
		s = add_step(p, SC_STEP_SWAPFILE_PRIORITY);
		if (!s)
			return -ENOMEM;
		s->u.priority.layout_path = w->path;
		s->u.priority.path = h->path;
		s->u.priority.priority = w->priority;
	}
	/* Enable and persist it as the layout says; nothing when it already is. */
	if (!resize && !reprio) {
		s = add_step(p, SC_STEP_SWAPFILE_ADD);
		if (!s)
			return -ENOMEM;
		s->u.add.want = w;
		s->u.add.path = h->path;
		s->u.add.size = h->size;
	}
	/* Resume from it, once it is enabled (and renamed by a resize). */
	if (hibernate) {
		s = add_step(p, SC_STEP_HIBERNATE);
		if (!s)
			return -ENOMEM;
		s->u.hibernate.layout_path = w->path;
		s->u.hibernate.path = h->path;
	}
	return 0;
}

static int zram_fields(
	struct sc_diff *d, const struct sc_zram_spec *from, const struct sc_zram_spec *to)
{
	char a[32], b[32];
	int r = 0;

	if (!from || from->size_kind != to->size_kind || from->size != to->size) {
		if (from)
			sc_layout_format_zram_size(from, a);
		sc_layout_format_zram_size(to, b);
		r = field_str(d, "size", from ? a : NULL, b);
	}
	if (r == 0 && (!from || strcmp(from->algorithm, to->algorithm) != 0))
		r = field_str(d, "algorithm",
			from ? (from->algorithm[0] ? from->algorithm : "auto") : NULL,
			to->algorithm[0] ? to->algorithm : "auto");
	if (r == 0 && (from ? strcmp(from->params, to->params) != 0 : to->params[0] != '\0'))
		r = field_str(d, "algorithm_params", from ? from->params : NULL, to->params);
	if (r == 0 && (!from || from->priority != to->priority))
		r = field_num(d, "priority", from != NULL, from ? from->priority : 0, to->priority);
	if (r == 0 && (from ? from->mem_limit != to->mem_limit : to->mem_limit != 0))
		r = field_num(d, "mem_limit_bytes", from != NULL,
			from ? (int64_t)from->mem_limit : 0, (int64_t)to->mem_limit);
	return r;
}

static int no_device(const struct sc_layout_observed_zram *h, size_t i, struct sc_err *err)
{
	_cleanup_free_ char *spec = NULL;
	int r;

	if (sc_zram_spec_format(&h->spec, &spec) < 0)
		return -ENOMEM;
	r = sc_err_set(err, SC_EXIT_FAILURE, ENODEV,
		"zram.conf entry %zu (%s) has no active device, so it cannot be replaced or "
		"removed make-before-break",
		i + 1, spec);
	sc_err_hint(err, "run 'swapctl boot' to re-create its device, then apply again");
	return r;
}

static int plan_zram(struct sc_layout_plan *p, const struct sc_layout *want,
	const struct sc_layout_observed *have, bool prune, bool offline, struct sc_err *err)
{
	size_t n = SC_MAX(want->n_zram, have->n_zram);
	struct sc_step *s;

	for (size_t i = 0; i < n; i++) {
		const struct sc_layout_observed_zram *h = i < have->n_zram ? &have->zram[i] : NULL;
		const struct sc_zram_spec *w = i < want->n_zram ? &want->zram[i].spec : NULL;
		char num[24];
		struct sc_diff *d;
		bool same = w && h && sc_zram_spec_equal(w, &h->spec);

		snprintf(num, sizeof(num), "%zu", i + 1);
		d = add_diff(p, object_name("zram", num),
			!h	       ? "create"
				: !w   ? (prune ? "remove" : "kept")
				: same ? "none"
				       : "update");
		if (!d)
			return -ENOMEM;
		if (w && zram_fields(d, h ? &h->spec : NULL, w) < 0)
			return -ENOMEM;
		if (same && h->device < 0 && !offline && field_num(d, "active", true, 0, 1) < 0)
			return -ENOMEM;
		if (same && d->n_fields)
			d->change = "update";
		if (w) {
			s = add_step(p, SC_STEP_ZRAM_ADD);
			if (!s)
				return -ENOMEM;
			s->u.zram_add.spec = w;
		}
		if (h && !same && (w || prune)) {
			if (offline)
				return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
					"zram.conf entry %zu: an offline tree's zram entries can "
					"only be added to; change zram.conf of the image by hand",
					i + 1);
			if (h->device < 0)
				return no_device(h, i, err);
			s = add_step(p, SC_STEP_ZRAM_REMOVE);
			if (!s)
				return -ENOMEM;
			s->u.zram_remove.device = h->device;
		}
	}
	return 0;
}

static int plan_zswap(struct sc_layout_plan *p, const struct sc_layout *want,
	const struct sc_layout_observed *have)
{
	const struct sc_zswap_settings *w = &want->zswap, *h = &have->zswap;
	struct sc_diff *d;
	struct sc_step *s;
	int r = 0;

	d = add_diff(p, strdup("zswap"), have->zswap_configured ? "update" : "create");
	if (!d)
		return -ENOMEM;
	if (w->enabled >= 0 && w->enabled != h->enabled)
		r = field_num(d, "enabled", h->enabled >= 0, h->enabled, w->enabled);
	if (r == 0 && w->compressor[0] && strcmp(w->compressor, h->compressor) != 0)
		r = field_str(
			d, "compressor", h->compressor[0] ? h->compressor : NULL, w->compressor);
	if (r == 0 && w->max_pool_percent >= 0 && w->max_pool_percent != h->max_pool_percent)
		r = field_num(d, "max_pool_percent", h->max_pool_percent >= 0, h->max_pool_percent,
			w->max_pool_percent);
	if (r < 0)
		return r;
	if (!d->n_fields)
		d->change = "none";
	s = add_step(p, SC_STEP_ZSWAP);
	if (!s)
		return -ENOMEM;
	s->u.zswap.want = w;
	return 0;
}

static int plan_sysctl(struct sc_layout_plan *p, const struct sc_layout *want,
	const struct sc_layout_observed *have)
{
	struct sc_diff *d;
	struct sc_step *s;
	int r = 0;

	d = add_diff(p, strdup("sysctl"), have->sysctl_configured ? "update" : "create");
	if (!d)
		return -ENOMEM;
	if (want->profile && (!have->profile || strcmp(want->profile, have->profile) != 0))
		r = field_str(d, "profile", have->profile, want->profile);
	for (size_t k = 0; k < SC_VM_N && r == 0; k++) {
		/* Without a profile the values are merged into the drop-in as it is. */
		const struct sc_sysctl_values *base =
			want->profile ? &have->overrides : &have->dropin;

		if (want->sysctl.set[k] && (!base->set[k] || base->v[k] != want->sysctl.v[k]))
			r = field_num(d, sc_sysctl_keys[k].name, base->set[k], base->v[k],
				want->sysctl.v[k]);
		else if (want->profile && !want->sysctl.set[k] && have->overrides.set[k]) {
			/* An override the layout drops: back to the profile's value. */
			struct sc_diff_field *f = add_field(d, sc_sysctl_keys[k].name);

			if (!f)
				return -ENOMEM;
			f->numeric = f->has_from = true;
			f->from_n = have->overrides.v[k];
		}
	}
	if (r < 0)
		return r;
	if (!d->n_fields)
		d->change = "none";
	s = add_step(p, SC_STEP_SYSCTL);
	if (!s)
		return -ENOMEM;
	s->u.sysctl.profile = want->profile;
	s->u.sysctl.values = &want->sysctl;
	return 0;
}

static int plan(const struct sc_layout *want, const struct sc_layout_observed *have, bool prune,
	bool offline, struct sc_layout_plan *p, struct sc_err *err)
{
	bool *used = have->n_files ? calloc(have->n_files, sizeof(*used)) : NULL;
	int r = 0;

	if (have->n_files && !used)
		return -ENOMEM;
	if (want->has_zswap)
		r = plan_zswap(p, want, have);
	if (r == 0)
		r = plan_zram(p, want, have, prune, offline, err);
	for (size_t i = 0; i < want->n_swapfiles && r == 0; i++) {
		const struct sc_layout_observed_file *h =
			sc_layout_find_file(have, want->swapfiles[i].path);

		if (h && used[h - have->files]) {
			r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"%s: named by two [swapfile] sections (one of them as the file "
				"rotate or resize replaced it by)",
				h->path);
			break;
		}
		if (h)
			used[h - have->files] = true;
		r = plan_swapfile(p, &want->swapfiles[i], h, have->hibernate);
	}
	for (size_t i = 0; i < have->n_files && r == 0; i++) {
		struct sc_diff *d;
		struct sc_step *s;

		if (used[i])
			continue;
		d = add_diff(
			p, object_name("swapfile", have->files[i].path), prune ? "remove" : "kept");
		if (!d) {
			r = -ENOMEM;
			break;
		}
		if (!prune)
			continue;
		s = add_step(p, SC_STEP_SWAPFILE_REMOVE);
		if (!s) {
			r = -ENOMEM;
			break;
		}
		s->u.remove.path = have->files[i].path;
	}
	free(used);
	/* Last: the profiles' values depend on the swap the machine ends up with. */
	if (r == 0 && want->has_sysctl)
		r = plan_sysctl(p, want, have);
	return r;
}

/*
 * Removals after everything else: every area the layout adds is there before any is taken
 * away. The vm.* values come last of all.
 */
static int order_removals_last(struct sc_layout_plan *p)
{
	struct sc_step *sorted = p->n_steps ? calloc(p->n_steps, sizeof(*sorted)) : NULL;
	size_t k = 0;

	if (p->n_steps && !sorted)
		return -ENOMEM;
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < p->n_steps; i++) {
			enum sc_step_kind kind = p->steps[i].kind;
			int when = kind == SC_STEP_SYSCTL ? 2
				: kind == SC_STEP_ZRAM_REMOVE || kind == SC_STEP_SWAPFILE_REMOVE
				? 1
				: 0;

			if (when == pass)
				sorted[k++] = p->steps[i];
		}
	free(p->steps);
	p->steps = sorted;
	return 0;
}

int sc_layout_plan(const struct sc_layout *want, const struct sc_layout_observed *have, bool prune,
	struct sc_layout_plan *ret, struct sc_err *err)
{
	int r;

	*ret = (struct sc_layout_plan){0};
	r = plan(want, have, prune, have->offline, ret, err);
	if (r == 0)
		r = order_removals_last(ret);
	if (r == -ENOMEM)
		sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "layout: out of memory");
	if (r < 0) {
		sc_layout_plan_done(ret);
		return r;
	}
	return 0;
}

void sc_layout_plan_done(struct sc_layout_plan *p)
{
	for (size_t i = 0; i < p->n_diff; i++) {
		free(p->diff[i].object);
		free(p->diff[i].fields);
	}
	free(p->diff);
	free(p->steps);
	*p = (struct sc_layout_plan){0};
}
