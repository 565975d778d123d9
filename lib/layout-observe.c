/*
 * The managed state as a layout sees it (layout-plan.h): from the observation, plus the
 * swapfiles' sizes and labels and the files swapctl keeps. Read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hibernate.h"
#include "layout-plan.h"
#include "macro.h"
#include "swaplabel.h"
#include "util.h"

/* The discard policy of an fstab options field ("defaults,pri=5,discard=once,x-swapctl"). */
static enum sc_discard options_discard(const char *options)
{
	_cleanup_free_ char *copy = options ? strdup(options) : NULL;
	enum sc_discard d = SC_DISCARD_NONE;
	char *save = NULL;

	if (!copy)
		return d;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (strcmp(o, "discard") == 0)
			d = SC_DISCARD_BOTH;
		else if (sc_startswith(o, "discard="))
			d = sc_discard_from_fstab(o + strlen("discard="));
	return d;
}

static int observe_file(const struct sc_ctx *c, const struct sc_observation *obs,
	const struct sc_obs_entry *e, struct sc_layout_observed_file *f)
{
	_cleanup_free_ char *full = sc_ctx_root_path(c, e->source);
	struct stat st;
	int r;

	f->path = strdup(e->source);
	if (!full || !f->path)
		return -ENOMEM;
	f->has_priority = e->has_priority;
	f->priority = e->priority;
	f->discard = options_discard(e->options);
	if (sc_ctx_stat(c, full, false, &st) == 0 && S_ISREG(st.st_mode)) {
		f->exists = true;
		f->size = (uint64_t)st.st_size / c->page_size * c->page_size;
		r = sc_swaplabel_read(c, full, (uint64_t)st.st_size, &f->label);
		if (r == -ENOMEM)
			return r;
		for (size_t i = 0; i < obs->swaps.n && e->at[0].id.known; i++)
			if (obs->swap_ids && sc_obs_id_same(&obs->swap_ids[i], &e->at[0].id)) {
				f->active = true;
				f->active_priority = obs->swaps.items[i].priority;
			}
	}
	return 0;
}

static int observe_zram(const struct sc_ctx *c, struct sc_layout_observed *h, struct sc_err *err)
{
	struct sc_zram_observed w = {0};
	bool *taken = NULL;
	int r;

	r = sc_zram_observed_read(c, &w, err);
	if (r < 0)
		return r;
	h->zram = w.config.n ? calloc(w.config.n, sizeof(*h->zram)) : NULL;
	taken = w.state.n ? calloc(w.state.n, sizeof(*taken)) : NULL;
	if ((w.config.n && !h->zram) || (w.state.n && !taken)) {
		free(taken);
		sc_zram_observed_done(&w);
		return -ENOMEM;
	}
	h->n_zram = w.config.n;
	for (size_t i = 0; i < w.config.n; i++) {
		h->zram[i].spec = w.config.entries[i];
		h->zram[i].device = -1;
		for (size_t j = 0; j < w.state.n && !c->offline; j++)
			if (!taken[j] &&
				sc_zram_spec_equal(&w.state.devs[j].spec, &h->zram[i].spec) &&
				sc_zram_observed_active(&w, w.state.devs[j].id)) {
				taken[j] = true;
				h->zram[i].device = w.state.devs[j].id;
				break;
			}
	}
	free(taken);
	sc_zram_observed_done(&w);
	return 0;
}

static int observe_sysctl(const struct sc_ctx *c, struct sc_layout_observed *h, struct sc_err *err)
{
	struct sc_sysctl_observed s = {0};
	struct sc_sysctl_values prof = {0};
	int r;

	r = sc_sysctl_observed_read(c, &s, err);
	if (r < 0)
		return r;
	h->sysctl_configured = s.dropin.exists;
	h->dropin = s.dropin.values;
	if (s.dropin.profile) {
		h->profile = strdup(s.dropin.profile);
		if (!h->profile) {
			sc_sysctl_observed_done(&s);
			return -ENOMEM;
		}
		if (sc_sysctl_profile_values(h->profile, &s.env, &prof) < 0) {
			/* A profile this version does not know: keep every value explicit. */
			free(h->profile);
			h->profile = NULL;
		}
	}
	for (size_t k = 0; k < SC_VM_N; k++)
		if (h->dropin.set[k] &&
			!(h->profile && prof.set[k] && prof.v[k] == h->dropin.v[k])) {
			h->overrides.set[k] = true;
			h->overrides.v[k] = h->dropin.v[k];
		}
	sc_sysctl_observed_done(&s);
	return 0;
}

int sc_layout_observe(const struct sc_ctx *c, const struct sc_observation *obs,
	struct sc_layout_observed *ret, struct sc_err *err)
{
	struct sc_file_id id;
	int r = 0;

	*ret = (struct sc_layout_observed){.offline = c->offline};
	sc_zswap_settings_init(&ret->zswap);
	if (!obs->fstab_ok) {
		*err = obs->fstab_msg;
		if (!err->msg[0])
			sc_err_set(err, SC_EXIT_FAILURE, -obs->fstab_err, "%s: cannot read",
				obs->fstab);
		return obs->fstab_err < 0 ? obs->fstab_err : -EIO;
	}
	for (size_t i = 0; i < obs->n_entries; i++) {
		struct sc_layout_observed_file *n;

		if (!obs->entries[i].managed || obs->entries[i].source[0] != '/')
			continue;
		n = reallocarray(ret->files, ret->n_files + 1, sizeof(*ret->files));
		if (!n) {
			r = -ENOMEM;
			break;
		}
		ret->files = n;
		n[ret->n_files] = (struct sc_layout_observed_file){0};
		r = observe_file(c, obs, &obs->entries[i], &n[ret->n_files++]);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = observe_zram(c, ret, err);
	if (r == 0) {
		r = sc_zswap_config_load(c, &ret->zswap, &id, err);
		ret->zswap_configured = r == 0 && id.exists;
	}
	if (r == 0)
		r = observe_sysctl(c, ret, err);
	if (r == 0) {
		struct sc_hib_record rec;

		r = sc_hib_record_load(c, &rec, err);
		if (r == 0 && rec.present)
			ret->hibernate = TAKE_PTR(rec.file);
		if (r == 0)
			sc_hib_record_done(&rec);
	}
	if (r == -ENOMEM)
		sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "layout: out of memory");
	if (r < 0)
		sc_layout_observed_done(ret);
	return r;
}

void sc_layout_observed_done(struct sc_layout_observed *h)
{
	for (size_t i = 0; i < h->n_files; i++) {
		free(h->files[i].path);
		free(h->files[i].label);
	}
	free(h->files);
	free(h->zram);
	free(h->profile);
	free(h->hibernate);
	*h = (struct sc_layout_observed){0};
}

int sc_layout_of_have(const struct sc_layout_observed *h, struct sc_layout *ret)
{
	*ret = (struct sc_layout){0};
	ret->swapfiles = h->n_files ? calloc(h->n_files, sizeof(*ret->swapfiles)) : NULL;
	ret->zram = h->n_zram ? calloc(h->n_zram, sizeof(*ret->zram)) : NULL;
	if ((h->n_files && !ret->swapfiles) || (h->n_zram && !ret->zram))
		goto oom;
	for (size_t i = 0; i < h->n_files; i++) {
		const struct sc_layout_observed_file *f = &h->files[i];
		struct sc_layout_swapfile *s = &ret->swapfiles[ret->n_swapfiles++];

		s->path = strdup(f->path);
		s->label = f->label ? strdup(f->label) : NULL;
		if (!s->path || (f->label && !s->label))
			goto oom;
		s->size = f->exists ? f->size : 0;
		s->has_priority = true;
		s->priority = f->has_priority ? f->priority : -1;
		s->has_discard = f->discard != SC_DISCARD_NONE;
		s->discard = f->discard;
		s->hibernate = h->hibernate && strcmp(h->hibernate, f->path) == 0;
	}
	for (size_t i = 0; i < h->n_zram; i++)
		ret->zram[ret->n_zram++].spec = h->zram[i].spec;
	ret->has_zswap = h->zswap_configured;
	ret->zswap = h->zswap;
	ret->has_sysctl = h->sysctl_configured;
	if (h->profile && !(ret->profile = strdup(h->profile)))
		goto oom;
	ret->sysctl = h->overrides;
	return 0;
oom:
	sc_layout_done(ret);
	return -ENOMEM;
}

int sc_layout_load(const struct sc_ctx *c, const char *file, struct sc_layout *ret, char **ret_name,
	struct sc_err *err)
{
	_cleanup_free_ char *name = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r;

	*ret_name = NULL;
	if (!file)
		name = sc_config_path(c, SC_LAYOUT_NAME);
	else
		name = strdup(strcmp(file, "-") == 0 ? "(standard input)" : file);
	if (!name)
		return -ENOMEM;
	if (!file)
		fd = sc_ctx_open(c, name, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	else if (strcmp(file, "-") != 0)
		/* A file named on the command line is the caller's, outside any --root. */
		fd = c->sys->openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0 && (!file || strcmp(file, "-") != 0)) {
		r = sc_err_set(err, fd == -ENOENT ? SC_EXIT_USAGE : SC_EXIT_FAILURE, -fd,
			"%s: cannot open the layout: %s", name, strerror(-fd));
		if (fd == -ENOENT && !file)
			sc_err_hint(err,
				"write one (see swapctl(8), LAYOUT FILE; 'swapctl export' prints "
				"the current one) or name a file");
		return r;
	}
	r = sc_read_fd(fd >= 0 ? fd : STDIN_FILENO, SC_LAYOUT_MAX, &text, &len);
	if (r < 0)
		return sc_err_set(err, r == -EFBIG ? SC_EXIT_USAGE : SC_EXIT_FAILURE, -r,
			"%s: cannot read the layout: %s", name,
			r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
	r = sc_layout_parse(name, text, len, c->page_size, ret, err);
	if (r < 0)
		return r;
	*ret_name = TAKE_PTR(name);
	return 0;
}
