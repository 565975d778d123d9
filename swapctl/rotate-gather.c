/*
 * rotate, resize and priority --rotate: gathering the targets -- the named files or every
 * managed swapfile in fstab -- with their fstab entry, activity, size, label, filesystem
 * space and the name of their replacement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsinfo.h"
#include "header.h"
#include "macro.h"
#include "rotate-run.h"
#include "swapfile.h"
#include "swaplabel.h"
#include "util.h"

void sc_rot_targets_free(struct target_buf *tb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tb[i].full);
		free(tb[i].new_path);
		free(tb[i].discard);
		free(tb[i].label);
	}
	free(tb);
}

static int gather_target(
	struct run *run, const struct sc_swaps *sw, struct target_buf *tb, bool named)
{
	struct sc_rotate_target *t = &tb->t;
	struct sc_fstab_entry e = {0};
	const struct sc_swap *s;
	_cleanup_free_ char *dir = NULL;
	const char **active = NULL;
	char **names = NULL;
	size_t n_names = 0;
	struct sc_fsinfo_space sp;
	struct stat st;
	int r;

	t->path = tb->full;
	t->named = named;
	r = sc_rot_find_entry(run, tb->full, &e);
	if (r < 0)
		return sc_report_errno(run->cli, r, run->c->fstab, "cannot search");
	if (r > 0) {
		t->in_fstab = true;
		t->managed = e.managed;
		t->has_priority = e.has_priority;
		t->fstab_priority = e.priority;
		t->nofail = e.nofail;
		if (e.discard) {
			tb->discard = strdup(e.discard);
			if (!tb->discard) {
				sc_fstab_entry_done(&e);
				return sc_report_errno(run->cli, -ENOMEM, tb->full, "gathering");
			}
			t->discard = tb->discard;
		}
		sc_fstab_entry_done(&e);
	}
	s = run->c->offline ? NULL : sc_swaps_find(sw, tb->full);
	if (s) {
		t->active = true;
		t->deleted = s->deleted;
		t->active_priority = s->priority;
		t->active_used = s->used_bytes;
	}
	if (sc_ctx_stat(run->c, tb->full, false, &st) == 0) {
		t->exists = true;
		t->regular = S_ISREG(st.st_mode);
		t->file_size = (uint64_t)st.st_size;
		t->resume_target =
			t->regular && sc_rot_foreign_resume_target(run, tb->full, st.st_dev);
		if (t->regular) {
			(void)sc_swaplabel_read(run->c, tb->full, t->file_size, &tb->label);
			t->label = tb->label;
			/* All 16 bytes of the field used (not by mkswap): the copy could not keep it. */
			if (tb->label && strlen(tb->label) > SC_HEADER_LABEL_MAX)
				return sc_usage_error(run->cli,
					"%s: its label '%s' is %zu bytes and a swap label holds "
					"at most %d, so its replacement cannot keep it: "
					"relabel it with swaplabel -L while it is not in use",
					tb->full, tb->label, strlen(tb->label),
					SC_HEADER_LABEL_MAX);
		}
	}
	dir = strdup(tb->full);
	if (!dir)
		return sc_report_errno(run->cli, -ENOMEM, tb->full, "gathering");
	*strrchr(dir, '/') = '\0';
	if (sc_fsinfo_dir_space(run->c, dir, &sp) == 0) {
		t->fs_free = sp.avail_bytes;
		t->reserve = sp.reserve_bytes;
	}
	if (!t->exists || !t->regular)
		return 0; /* the planner refuses it with the reason */
	r = sc_fsinfo_list_dir(run->c, dir[0] ? dir : "/", &names, &n_names);
	if (r < 0)
		return sc_report_errno(run->cli, r, dir, "cannot list");
	active = calloc(sw->n + 1, sizeof(*active));
	if (!active)
		r = -ENOMEM;
	for (size_t i = 0; active && i < sw->n; i++)
		active[i] = sw->items[i].path;
	if (r == 0)
		r = sc_rotate_next_path(tb->full, (const char *const *)names, n_names, active,
			sw->n, &tb->new_path);
	sc_fsinfo_names_free(names, n_names);
	free(active);
	if (r == -ERANGE)
		return sc_usage_error(
			run->cli, "%s: no generation number left for a replacement", tb->full);
	if (r < 0)
		return sc_report_errno(run->cli, r, tb->full, "cannot name the replacement");
	t->new_path = tb->new_path;
	return 0;
}

/* The path the user named, as a full path under the root (and as the booted system sees it). */
static int resolve_arg(struct run *run, const char *arg, char **ret_full)
{
	_cleanup_free_ char *norm = NULL;
	int r;

	r = sc_swapfile_normalize(arg, &norm);
	if (r == -EINVAL)
		return sc_usage_error(run->cli, "%s: not a file path", arg);
	if (r < 0)
		return sc_report_errno(run->cli, r, arg, "cannot resolve");
	*ret_full = sc_ctx_root_path(run->c, norm);
	if (!*ret_full)
		return sc_report_errno(run->cli, -ENOMEM, arg, "cannot resolve");
	return 0;
}

static bool is_managed_swapfile(const struct sc_fstab_entry *e)
{
	return e->is_swap && e->managed && e->source[0] == '/' &&
		!sc_startswith(e->source, "/dev/");
}

int sc_rot_gather(
	struct run *run, char **files, size_t n_files, struct target_buf **ret, size_t *ret_n)
{
	struct sc_swaps sw = {0};
	struct target_buf *tb = NULL;
	size_t n = 0;
	int r, ret_code = 0;

	r = run->c->offline ? 0 : sc_swaps_read(run->c, &sw);
	if (r < 0)
		return sc_report_errno(run->cli, r, "/proc/swaps", "cannot read");
	if (n_files > 0) {
		tb = calloc(n_files, sizeof(*tb));
		if (!tb) {
			ret_code = sc_report_errno(run->cli, -ENOMEM, "targets", "gathering");
			goto out;
		}
		for (size_t i = 0; i < n_files; i++) {
			ret_code = resolve_arg(run, files[i], &tb[n].full);
			if (ret_code)
				goto out;
			/* The same file named twice is one target. */
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= strcmp(tb[k].full, tb[n].full) == 0;
			if (dup) {
				free(tb[n].full);
				tb[n].full = NULL;
				continue;
			}
			n++;
		}
	} else {
		struct sc_fstab_entry *e = NULL;
		size_t ne = 0;

		r = sc_fstab_list_swap(run->fstab, &e, &ne);
		if (r < 0) {
			ret_code = sc_report_errno(run->cli, r, run->c->fstab, "cannot list");
			goto out;
		}
		tb = calloc(ne + 1, sizeof(*tb));
		for (size_t i = 0; tb && i < ne; i++) {
			if (!is_managed_swapfile(&e[i]))
				continue;
			tb[n].full = sc_ctx_root_path(run->c, e[i].source);
			if (!tb[n].full)
				break;
			n++;
		}
		sc_fstab_entries_free(e, ne);
		if (!tb || (n && !tb[n - 1].full)) {
			ret_code = sc_report_errno(run->cli, -ENOMEM, "targets", "gathering");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		ret_code = gather_target(run, &sw, &tb[i], n_files > 0);
		if (ret_code)
			goto out;
	}
out:
	sc_swaps_free(&sw);
	if (ret_code) {
		sc_rot_targets_free(tb, n_files > n ? n_files : n);
		return ret_code;
	}
	*ret = tb;
	*ret_n = n;
	return 0;
}
