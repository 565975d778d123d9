/*
 * Drift records from an observation: pure, no I/O. See drift.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "macro.h"
#include "util.h"

const char *sc_drift_kind_name(enum sc_drift_kind k)
{
	switch (k) {
	case SC_DRIFT_NOT_PERSISTED:
		return "not-persisted";
	case SC_DRIFT_MISSING:
		return "missing";
	case SC_DRIFT_INACTIVE:
		return "inactive";
	case SC_DRIFT_DUPLICATE:
		return "duplicate";
	case SC_DRIFT_ROTATION_PENDING:
		return "rotation-pending";
	case SC_DRIFT_ORPHANED:
		return "orphaned";
	}
	return "unknown";
}

static int add(struct sc_drift *d, struct sc_drift_record rec, const char *target, const char *fmt,
	...) __attribute__((format(printf, 4, 5)));

static int add(
	struct sc_drift *d, struct sc_drift_record rec, const char *target, const char *fmt, ...)
{
	struct sc_drift_record *n = realloc(d->items, (d->n + 1) * sizeof(*n));
	va_list ap;
	int r;

	if (!n)
		return -ENOMEM;
	d->items = n;
	n = &d->items[d->n];
	*n = rec;
	n->target = strdup(target);
	va_start(ap, fmt);
	r = vasprintf(&n->message, fmt, ap);
	va_end(ap);
	if (!n->target || r < 0) {
		free(n->target);
		if (r >= 0)
			free(n->message);
		return -ENOMEM;
	}
	d->n++;
	return 0;
}

/* A record of kind k about an area, an entry (and the first naming the same) or a swapfile. */
static struct sc_drift_record rec(
	enum sc_drift_kind k, ssize_t swap, ssize_t entry, ssize_t first, ssize_t swapfile)
{
	return (struct sc_drift_record){
		.kind = k, .swap = swap, .entry = entry, .first = first, .swapfile = swapfile};
}

/*
 * Two paths taken for the same file: equal once lexically cleaned when both are absolute
 * ("/swap//swapfile" is "/swap/swapfile"), else equal as written. Identity, where known,
 * decides before this does.
 */
static bool same_path(const char *a, const char *b)
{
	_cleanup_free_ char *x = NULL, *y = NULL;

	if (!a || !b)
		return false;
	if (sc_streq(a, b))
		return true;
	if (a[0] != '/' || b[0] != '/' || !(x = strdup(a)) || !(y = strdup(b)))
		return false;
	sc_path_normalize(x);
	sc_path_normalize(y);
	return sc_streq(x, y);
}

/* Does reading m of entry e name active area k: by identity where both are known, else by path. */
static bool names_area(
	const struct sc_observation *obs, const struct sc_obs_entry *e, unsigned m, size_t k)
{
	const char *src = m == 0 ? e->source : e->glibc_source;
	const struct sc_obs_id *a = obs->swap_ids ? &obs->swap_ids[k] : NULL;

	if (e->at[m].id.known && a && a->known)
		return sc_obs_id_same(&e->at[m].id, a);
	return same_path(src, obs->swaps.items[k].path);
}

/* How each entry relates to the active areas (none for an image). */
static void relate(const struct sc_observation *obs, struct sc_drift *d)
{
	for (size_t k = 0; k < obs->swaps.n; k++)
		d->swap_entry[k] = -1;
	for (size_t i = 0; i < obs->n_entries; i++) {
		const struct sc_obs_entry *e = &obs->entries[i];
		struct sc_drift_entry *v = &d->entries[i];
		bool located = false;

		v->swap = -1;
		for (unsigned m = 0; m < 2; m++) {
			located |= e->at[m].located;
			if (!v->id && e->at[m].id.known)
				v->id = &e->at[m].id;
		}
		v->exists = v->id != NULL;
		v->unknown = !located && obs->offline;
		for (size_t k = 0; k < obs->swaps.n && !obs->offline; k++) {
			bool match = names_area(obs, e, 0, k) ||
				(e->glibc_source && names_area(obs, e, 1, k));

			if (!match)
				continue;
			v->swap = (ssize_t)k;
			if (d->swap_entry[k] < 0)
				d->swap_entry[k] = (ssize_t)i;
		}
		/* The kernel holds what it lists (a sysroot fixture has no such files). */
		if (v->swap >= 0 && !obs->swaps.items[v->swap].deleted)
			v->exists = true;
	}
}

/* Two entries any boot-time reader takes for the same source. */
static bool same_source(const struct sc_obs_entry *a, const struct sc_obs_entry *b)
{
	return same_path(a->source, b->source) || same_path(a->glibc_source, b->source) ||
		same_path(a->source, b->glibc_source) ||
		same_path(a->glibc_source, b->glibc_source);
}

static bool same_target(
	const struct sc_drift *d, const struct sc_observation *obs, size_t a, size_t b)
{
	const struct sc_drift_entry *u = &d->entries[a], *v = &d->entries[b];

	return (u->swap >= 0 && u->swap == v->swap) ||
		same_source(&obs->entries[a], &obs->entries[b]) ||
		(u->id && v->id && sc_obs_id_same(u->id, v->id));
}

/*
 * A zram device is set up at boot by its manager (swapctl boot, zram-generator), which also
 * activates it: fstab naming it does not make it inactive drift.
 */
static bool names_zram(const struct sc_obs_entry *e)
{
	return sc_startswith(e->source, "/dev/zram") ||
		(e->device && sc_startswith(e->device, "/dev/zram"));
}

static int entry_drift(const struct sc_observation *obs, struct sc_drift *d)
{
	int r = 0;

	for (size_t k = 0; k < obs->swaps.n && r == 0; k++) {
		const struct sc_swap *w = &obs->swaps.items[k];

		/* autoscale's files are meant to be gone after a reboot */
		if (w->type != SC_SWAP_ZRAM && d->swap_entry[k] < 0 && obs->fstab_ok &&
			!(obs->swap_dynamic && obs->swap_dynamic[k]))
			r = add(d, rec(SC_DRIFT_NOT_PERSISTED, (ssize_t)k, -1, -1, -1), w->path,
				"%s is active but has no entry in %s: it will be gone after a "
				"reboot",
				w->path, obs->fstab);
	}
	for (size_t i = 0; i < obs->n_entries && r == 0; i++) {
		const struct sc_obs_entry *e = &obs->entries[i];
		const struct sc_drift_entry *v = &d->entries[i];

		if (!v->exists && !v->unknown)
			r = add(d, rec(SC_DRIFT_MISSING, -1, (ssize_t)i, -1, -1), e->source,
				"%s line %zu names %s, which does not exist", obs->fstab, e->line,
				e->source);
		else if (v->swap < 0 && !e->noauto && !obs->offline && !names_zram(e))
			r = add(d, rec(SC_DRIFT_INACTIVE, -1, (ssize_t)i, -1, -1), e->source,
				"%s line %zu names %s, which is not active", obs->fstab, e->line,
				e->source);
		for (size_t k = 0; k < i && r == 0; k++) {
			if (!same_target(d, obs, k, i))
				continue;
			r = add(d, rec(SC_DRIFT_DUPLICATE, -1, (ssize_t)i, (ssize_t)k, -1),
				e->source,
				"%s lines %zu and %zu both name %s; at boot the first one wins",
				obs->fstab, obs->entries[k].line, e->line, e->source);
			break;
		}
	}
	return r;
}

static int rotation_drift(const struct sc_observation *obs, struct sc_drift *d)
{
	const char *path = obs->rotation_journal;

	if (!obs->rotation_pending)
		return 0;
	if (obs->rotation_err == 0)
		return add(d, rec(SC_DRIFT_ROTATION_PENDING, -1, -1, -1, -1), path,
			"%s: the rotation of %s to %s was interrupted; run swapctl rotate to "
			"complete or roll it back",
			path, obs->rotation_old, obs->rotation_new);
	return add(d, rec(SC_DRIFT_ROTATION_PENDING, -1, -1, -1, -1), path,
		"%s: a rotation was interrupted (the journal cannot be read: %s); run swapctl "
		"rotate to complete or roll it back",
		path, strerror(-obs->rotation_err));
}

static bool rotation_names(const struct sc_observation *obs, const struct sc_obs_swapfile *f)
{
	return sc_streq(f->full, obs->rotation_old) || sc_streq(f->full, obs->rotation_new) ||
		sc_streq(f->path, obs->rotation_old) || sc_streq(f->path, obs->rotation_new);
}

static int orphan_drift(const struct sc_observation *obs, struct sc_drift *d)
{
	int r = 0;

	if (!obs->fstab_ok)
		return 0;
	for (size_t i = 0; i < obs->n_swapfiles && r == 0; i++) {
		const struct sc_obs_swapfile *f = &obs->swapfiles[i];
		bool named = rotation_names(obs, f);

		for (size_t k = 0; k < obs->n_entries && !named; k++) {
			const struct sc_obs_id *id = d->entries[k].id;

			named = (id && id->dev == f->dev && id->ino == f->ino) ||
				sc_streq(obs->entries[k].source, f->path);
		}
		if (!named)
			r = add(d, rec(SC_DRIFT_ORPHANED, -1, -1, -1, (ssize_t)i), f->path,
				"%s is a swap area in swapctl's directory that no entry in %s "
				"names "
				"and that is not active; remove it with swapctl remove %s",
				f->path, obs->fstab, f->path);
	}
	return r;
}

int sc_drift_compute(const struct sc_observation *obs, struct sc_drift *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->entries = calloc(obs->n_entries + 1, sizeof(*ret->entries));
	ret->swap_entry = calloc(obs->swaps.n + 1, sizeof(*ret->swap_entry));
	if (!ret->entries || !ret->swap_entry) {
		sc_drift_done(ret);
		return -ENOMEM;
	}
	relate(obs, ret);
	r = entry_drift(obs, ret);
	if (r == 0)
		r = rotation_drift(obs, ret);
	if (r == 0)
		r = orphan_drift(obs, ret);
	if (r < 0)
		sc_drift_done(ret);
	return r;
}

void sc_drift_done(struct sc_drift *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].target);
		free(d->items[i].message);
	}
	free(d->items);
	free(d->entries);
	free(d->swap_entry);
	memset(d, 0, sizeof(*d));
}

const struct sc_drift_record *sc_drift_find(
	const struct sc_drift *d, enum sc_drift_kind k, ssize_t i)
{
	for (size_t j = 0; j < d->n; j++) {
		const struct sc_drift_record *x = &d->items[j];
		ssize_t at = k == SC_DRIFT_NOT_PERSISTED ? x->swap
			: k == SC_DRIFT_ORPHANED	 ? x->swapfile
							 : x->entry;

		if (x->kind == k && (at == i || k == SC_DRIFT_ROTATION_PENDING))
			return x;
	}
	return NULL;
}
