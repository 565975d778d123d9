/*
 * The observation of the box, all but the fstab part (fstab/observe.c). See observe.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "autoscale.h"
#include "macro.h"
#include "observe.h"
#include "rotate.h"
#include "swapfile.h"
#include "swaplabel.h"
#include "util.h"

static void id_from_stat(struct sc_obs_id *id, const struct stat *st)
{
	id->known = true;
	id->mode = st->st_mode;
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->rdev = st->st_rdev;
}

bool sc_obs_id_same(const struct sc_obs_id *a, const struct sc_obs_id *b)
{
	if (!a->known || !b->known)
		return false;
	if (S_ISBLK(a->mode) || S_ISBLK(b->mode))
		return S_ISBLK(a->mode) && S_ISBLK(b->mode) && a->rdev == b->rdev;
	return a->dev == b->dev && a->ino == b->ino;
}

static int observe_swaps(const struct sc_ctx *c, struct sc_observation *obs)
{
	int r = sc_swaps_read(c, &obs->swaps);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		obs->swaps_err = r;
		return 0;
	}
	obs->swap_ids = calloc(obs->swaps.n + 1, sizeof(*obs->swap_ids));
	obs->swap_dynamic = calloc(obs->swaps.n + 1, sizeof(*obs->swap_dynamic));
	if (!obs->swap_ids || !obs->swap_dynamic)
		return -ENOMEM;
	/* The kernel's paths name files of the running system's tree (the root, "" on a host). */
	for (size_t i = 0; i < obs->swaps.n; i++) {
		_cleanup_free_ char *full = sc_ctx_root_path(c, obs->swaps.items[i].path);
		struct stat st;

		if (!full)
			return -ENOMEM;
		if (sc_ctx_stat(c, full, true, &st) == 0) {
			_cleanup_free_ char *label = NULL;

			id_from_stat(&obs->swap_ids[i], &st);
			obs->swap_dynamic[i] = obs->swaps.items[i].type == SC_SWAP_FILE &&
				S_ISREG(st.st_mode) &&
				sc_swaplabel_read(c, full, (uint64_t)st.st_size, &label) == 0 &&
				label && strcmp(label, SC_AUTOSCALE_LABEL) == 0;
		}
	}
	return 0;
}

static int observe_journal(const struct sc_ctx *c, struct sc_observation *obs)
{
	struct sc_rotate_journal j = {0};
	int r = sc_rotate_journal_read(c, &j);

	if (r == 0 || r == -ENOMEM)
		return r;
	obs->rotation_pending = true;
	obs->rotation_journal = sc_rotate_journal_path(c);
	if (!obs->rotation_journal) {
		sc_rotate_journal_done(&j);
		return -ENOMEM;
	}
	if (r > 0) {
		obs->rotation_old = TAKE_PTR(j.old_path);
		obs->rotation_new = TAKE_PTR(j.new_path);
	} else
		obs->rotation_err = r;
	sc_rotate_journal_done(&j);
	return 0;
}

static int observe_swapfiles(const struct sc_ctx *c, struct sc_observation *obs)
{
	struct sc_swapfile_found *f = NULL;
	size_t n = 0;
	int r;

	r = sc_swapfile_list_inactive(c, &f, &n);
	if (r < 0)
		return r == -ENOMEM ? r : 0; /* no directory to look at: no candidates */
	obs->swapfiles = calloc(n + 1, sizeof(*obs->swapfiles));
	if (!obs->swapfiles)
		r = -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct sc_obs_swapfile *s = &obs->swapfiles[obs->n_swapfiles];

		s->path = strdup(sc_ctx_boot_path(c, f[i].path));
		s->full = strdup(f[i].path);
		if (!s->path || !s->full) {
			free(s->path);
			free(s->full);
			r = -ENOMEM;
			break;
		}
		s->dev = f[i].dev;
		s->ino = f[i].ino;
		obs->n_swapfiles++;
	}
	sc_swapfile_found_free(f, n);
	return r;
}

int sc_observe_system(const struct sc_ctx *c, unsigned what, struct sc_observation *obs)
{
	int r;

	obs->offline = c->offline;
	if (!obs->fstab) {
		obs->fstab = strdup(c->fstab);
		if (!obs->fstab)
			return -ENOMEM;
	}
	/* An offline image's running kernel is this machine's: none of it is the image's. */
	if (!c->offline) {
		if (what & SC_OBS_SWAPS) {
			r = observe_swaps(c, obs);
			if (r < 0)
				return r;
		}
		if (what & SC_OBS_MEMINFO) {
			r = sc_meminfo_read(c, &obs->mem);
			if (r == -ENOMEM)
				return r;
			obs->mem_err = r < 0 ? r : 0;
		}
		if (what & SC_OBS_ZRAM) {
			r = sc_zram_list(c, &obs->zram, &obs->n_zram);
			if (r == -ENOMEM)
				return r;
			obs->zram_err = r < 0 ? r : 0;
			if (sc_zram_ids_load(c, &obs->zram_owned) < 0)
				memset(&obs->zram_owned, 0, sizeof(obs->zram_owned));
		}
		if (what & SC_OBS_ZSWAP) {
			r = sc_zswap_read(c, &obs->zswap);
			if (r == -ENOMEM)
				return r;
			obs->zswap_err = r < 0 ? r : 0;
			if (r < 0)
				memset(&obs->zswap, 0, sizeof(obs->zswap));
		}
		for (size_t k = 0; (what & SC_OBS_SYSCTL) && k < SC_VM_N; k++)
			obs->sysctl_present[k] = sc_sysctl_read_live(c, sc_sysctl_keys[k].name,
							 &obs->sysctl[k]) == 0;
	}
	if (what & SC_OBS_JOURNAL) {
		r = observe_journal(c, obs);
		if (r < 0)
			return r;
	}
	if (what & SC_OBS_SWAPFILES) {
		r = observe_swapfiles(c, obs);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Where an fstab source lives: a path (inside the root for an image), or a UUID=/LABEL=/
 * PARTUUID=/PARTLABEL= tag through the udev links in /dev/disk of the tree. An image's devices are those
 * of the machine it will boot on: not looked up (located false).
 */
static int locate(
	const struct sc_ctx *c, const char *source, const char *device, struct sc_obs_reading *ret)
{
	_cleanup_free_ char *link = NULL, *loc = NULL;
	int r = sc_fstab_tag_link(source, &link);
	struct stat st;

	if (r < 0)
		return r;
	if (c->offline && (r > 0 || sc_startswith(source, "/dev/")))
		return 0;
	if (r > 0 && device) /* libblkid's answer for the tag */
		loc = strdup(device);
	else if (r > 0) /* the tree's own link: the running system's when there is no root */
		loc = sc_ctx_root_path(c, link);
	else if (source[0] == '/')
		loc = sc_ctx_root_path(c, source);
	else if (asprintf(&link, "/%s", source) < 0) /* at boot the working directory is "/" */
		return -ENOMEM;
	else
		loc = sc_ctx_root_path(c, link);
	if (!loc)
		return -ENOMEM;
	ret->located = true;
	if (sc_ctx_stat(c, loc, true, &st) == 0)
		id_from_stat(&ret->id, &st);
	return 0;
}

int sc_observe_locate(const struct sc_ctx *c, struct sc_observation *obs)
{
	for (size_t i = 0; i < obs->n_entries; i++) {
		struct sc_obs_entry *e = &obs->entries[i];
		const char *src[2] = {e->source, e->glibc_source};
		int r;

		memset(e->at, 0, sizeof(e->at));
		for (unsigned m = 0; m < 2 && src[m]; m++) {
			r = locate(c, src[m], m == 0 ? e->device : NULL, &e->at[m]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static void entry_done(struct sc_obs_entry *e)
{
	free(e->source);
	free(e->glibc_source);
	free(e->options);
	free(e->device);
}

int sc_observation_add_entry(struct sc_observation *obs, const struct sc_obs_entry *e)
{
	struct sc_obs_entry *n = realloc(obs->entries, (obs->n_entries + 1) * sizeof(*n));
	struct sc_obs_entry *x;

	if (!n)
		return -ENOMEM;
	obs->entries = n;
	x = &n[obs->n_entries];
	*x = *e;
	x->source = strdup(e->source);
	x->glibc_source = e->glibc_source ? strdup(e->glibc_source) : NULL;
	x->options = strdup(e->options ? e->options : "");
	x->device = e->device ? strdup(e->device) : NULL;
	if (!x->source || !x->options || (e->glibc_source && !x->glibc_source) ||
		(e->device && !x->device)) {
		entry_done(x);
		return -ENOMEM;
	}
	obs->n_entries++;
	return 0;
}

void sc_observation_done(struct sc_observation *obs)
{
	free(obs->fstab);
	sc_swaps_free(&obs->swaps);
	free(obs->swap_ids);
	free(obs->swap_dynamic);
	for (size_t i = 0; i < obs->n_entries; i++)
		entry_done(&obs->entries[i]);
	free(obs->entries);
	sc_zram_list_free(obs->zram, obs->n_zram);
	sc_zram_ids_free(&obs->zram_owned);
	free(obs->rotation_journal);
	free(obs->rotation_old);
	free(obs->rotation_new);
	for (size_t i = 0; i < obs->n_swapfiles; i++) {
		free(obs->swapfiles[i].path);
		free(obs->swapfiles[i].full);
	}
	free(obs->swapfiles);
	memset(obs, 0, sizeof(*obs));
}
