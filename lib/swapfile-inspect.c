/*
 * Inspecting a path: what is on disk there and in /proc/swaps (struct sc_swapfile_observed), and
 * the inactive swap areas left in the swap directory. Read-only. Uses swapfile-dir.c,
 * swapfile-create.c (settling frees) and swapfile-enable.c (finding the active area).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "header.h"
#include "macro.h"
#include "procfs.h"
#include "swapfile-internal.h"
#include "swapfile.h"

void sc_swapfile_observed_done(struct sc_swapfile_observed *st)
{
	free(st->active_as);
	st->active_as = NULL;
}

static int found_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sc_swapfile_found *)a)->path,
		((const struct sc_swapfile_found *)b)->path);
}

void sc_swapfile_found_free(struct sc_swapfile_found *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].path);
	free(f);
}

int sc_swapfile_list_inactive(const struct sc_ctx *c, struct sc_swapfile_found **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = sc_ctx_root_path(c, SC_SWAPFILE_DIR);
	struct sc_swapfile_found *v = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d))) {
		struct sc_swapfile_observed st = {0};
		struct sc_swapfile_found *nv;
		struct sc_err e = {0};
		char *full;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (sc_swapfile_inspect(c, full, 0, &st, &e) < 0 || !st.exists || !st.regular ||
			st.active || !st.header_read || st.header.status != SC_HEADER_OK) {
			sc_swapfile_observed_done(&st);
			free(full);
			continue;
		}
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			sc_swapfile_observed_done(&st);
			free(full);
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n++] = (struct sc_swapfile_found){
			.path = full, .dev = st.dev, .ino = st.ino, .size = st.file_size};
		sc_swapfile_observed_done(&st);
	}
	closedir(d);
	if (r < 0) {
		sc_swapfile_found_free(v, n);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), found_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* For a directory to be created: its parent must pass the rules and hold a usable fs. */
static int inspect_parent(const struct sc_ctx *c, const char *dir, bool settle,
	struct sc_swapfile_observed *st, struct sc_err *err)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	_cleanup_close_ int pfd = -1;
	int r;

	r = sc_swapfile_split_path(dir, &parent, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, -r, "%s: not a valid directory", dir);
	r = sc_swapfile_open_dir_chain(c, parent, true, &pfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, pfd, parent, &st->fs, err);
	if (r < 0)
		return r;
	if (settle)
		sc_swapfile_settle_frees(c, pfd, &st->fs);
	st->fs_known = true;
	return 0;
}

int sc_swapfile_inspect(const struct sc_ctx *c, const char *path, unsigned flags,
	struct sc_swapfile_observed *st, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	bool for_add = flags & SC_INSPECT_FOR_ADD;
	struct sc_swaps sw = {0};
	struct sc_err ignored = {0};
	struct stat s;
	int r;

	memset(st, 0, sizeof(*st));
	r = sc_swapfile_split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);

	if (!c->offline) {
		r = sc_swaps_read(c, &sw);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s",
				strerror(-r));
		st->n_active_areas = sw.n;
	}

	r = sc_swapfile_open_dir_chain(c, dir, for_add, &dirfd, for_add ? err : &ignored);
	if (r == -ENOENT) {
		sc_err_clear(&ignored);
		if (err && err->errnum == ENOENT && for_add)
			sc_err_clear(err);
		r = for_add ? inspect_parent(c, dir, flags & SC_INSPECT_SETTLE, st, err) : 0;
		goto out;
	}
	if (r < 0) {
		if (!for_add) /* remove: an unreachable directory holds nothing we can delete */
			r = sc_err_set(err, ignored.kind, ignored.errnum, "%s", ignored.msg);
		goto out;
	}
	st->dir_exists = true;
	if (for_add) {
		r = sc_fs_inspect(c, dirfd, dir, &st->fs, err);
		if (r < 0)
			goto out;
		if (flags & SC_INSPECT_SETTLE)
			sc_swapfile_settle_frees(c, dirfd, &st->fs);
		st->fs_known = true;
	} else
		st->fs_known = sc_fs_statfs(c, dirfd, &st->fs) == 0;

	r = c->sys->fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW);
	if (r < 0) {
		r = r == -ENOENT ? 0
				 : sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", path,
					   strerror(-r));
		goto match_path;
	}
	st->exists = true;
	st->symlink = S_ISLNK(s.st_mode);
	st->regular = S_ISREG(s.st_mode);
	st->block_device = S_ISBLK(s.st_mode);
	st->dev = s.st_dev;
	st->ino = s.st_ino;
	st->rdev = s.st_rdev;
	st->uid = s.st_uid;
	st->mode = s.st_mode;
	st->nlink = s.st_nlink;
	st->file_size = (uint64_t)s.st_size;

	if (st->regular || st->block_device) {
		fd = c->sys->openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0);
		if (fd >= 0 && st->regular) {
			_cleanup_free_ char *page = calloc(1, SC_HEADER_MAX_PAGE_SIZE);
			ssize_t n;

			if (!page) {
				r = -ENOMEM;
				goto out;
			}
			n = c->sys->pread(fd, page, SC_HEADER_MAX_PAGE_SIZE, 0);
			if (n >= 0) {
				sc_header_validate(page, SC_MAX((size_t)n, c->page_size),
					c->page_size, st->file_size, &st->header);
				st->header_read = true;
			}
			if (for_add && st->fs_known) {
				r = sc_fs_check_file(c, fd, &st->fs, path, err);
				if (r < 0)
					goto out;
			}
		}
	}
	if (!c->offline) {
		const struct sc_swap *act;

		if (st->regular &&
			sc_fs_loop_backing(c, st->dev, st->ino, st->loopdev, sizeof(st->loopdev)) <=
				0)
			st->loopdev[0] = '\0';
		act = sc_swapfile_find_active(c, &sw, st->dev, st->ino, st->block_device, st->rdev);
		if (act) {
			st->active = true;
			st->active_as = strdup(act->path);
			st->active_priority = act->priority;
			st->active_size = act->size_bytes;
			st->active_used = act->used_bytes;
			if (!st->active_as)
				r = -ENOMEM;
		}
	}
	r = 0;
	goto out;

match_path:
	/* A deleted (or unreachable) file can still be active: match the kernel's text. */
	if (r == 0 && !c->offline) {
		for (size_t i = 0; i < sw.n; i++)
			if (strcmp(sw.items[i].path, path) == 0) {
				st->active = true;
				st->active_as = strdup(sw.items[i].path);
				st->active_priority = sw.items[i].priority;
				st->active_size = sw.items[i].size_bytes;
				st->active_used = sw.items[i].used_bytes;
				if (!st->active_as)
					r = -ENOMEM;
				break;
			}
	}
out:
	sc_swaps_free(&sw);
	return r;
}
