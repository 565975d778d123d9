/*
 * Swapfile paths and the directory chain: path normalization and splitting, the chain check
 * (every component a real, root-owned directory that others cannot write to), and mkdir/rmdir
 * of the swap directory. The bottom of the swapfile-*.c files: it uses none of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "swapfile-internal.h"
#include "swapfile.h"

int sc_swapfile_normalize(const char *path, char **ret)
{
	_cleanup_free_ char *full = NULL, *out = NULL;
	char *save = NULL, *tok;
	size_t n = 0, len;

	if (!path || !*path)
		return -EINVAL;
	len = strlen(path);
	if (path[len - 1] == '/')
		return -EINVAL;
	if (path[0] == '/')
		full = strdup(path);
	else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		if (asprintf(&full, "%s/%s", cwd, path) < 0)
			full = NULL;
	}
	if (!full)
		return -ENOMEM;
	out = malloc(strlen(full) + 2);
	if (!out)
		return -ENOMEM;
	out[0] = '\0';
	for (tok = strtok_r(full, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';

		if (strcmp(tok, ".") == 0 || strcmp(tok, "..") == 0) {
			if (last)
				return -EINVAL; /* names a directory, not a file */
			if (tok[1] == '.') {
				char *slash = strrchr(out, '/');
				if (slash)
					*slash = '\0';
				n = strlen(out);
			}
			continue;
		}
		out[n++] = '/';
		strcpy(out + n, tok);
		n += strlen(tok);
	}
	if (n == 0)
		return -EINVAL;
	*ret = TAKE_PTR(out);
	return 0;
}

/* "/a/b/c" -> "/a/b" and "c"; "/c" -> "/" and "c". */
int sc_swapfile_split_path(const char *path, char **ret_dir, char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char *dir, *name;

	if (!slash || !slash[1] || path[0] != '/')
		return -EINVAL;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	name = strdup(slash + 1);
	if (!dir || !name) {
		free(dir);
		free(name);
		return -ENOMEM;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		free(dir);
		free(name);
		return -EINVAL;
	}
	*ret_dir = dir;
	*ret_name = name;
	return 0;
}

static int check_component(
	const char *dir, const char *shown, int fd, bool last, struct sc_err *err)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, errno, "%s: cannot stat: %s", shown, strerror(errno));
	if (st.st_uid != 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: directory is owned by uid %u, not root; its owner could replace the "
			"swapfile",
			shown, (unsigned)st.st_uid);
		sc_err_hint(err, "put swapfiles in a directory chain owned by root (default %s)",
			SC_SWAPFILE_DIR);
		return r;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (last || !(st.st_mode & S_ISVTX))) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: directory is writable by %s (mode %04o); swapped-out memory must "
			"not sit where others can replace or plant files",
			shown, st.st_mode & S_IWOTH ? "everyone" : "its group",
			(unsigned)(st.st_mode & 07777));
		sc_err_hint(err, "use a directory only root can write to (default %s)",
			SC_SWAPFILE_DIR);
		return r;
	}
	return 0;
}

/*
 * Open dir (absolute, normalized) one component at a time with O_NOFOLLOW, so no symlink
 * anywhere in the chain is followed, and (strict) check every component against the rule in
 * swapfile.h. Returns an O_RDONLY directory descriptor: the same inode that was checked.
 */
int sc_swapfile_open_dir_chain(
	const struct sc_ctx *c, const char *dir, bool strict, int *ret_fd, struct sc_err *err)
{
	_cleanup_free_ char *copy = strdup(dir);
	_cleanup_close_ int fd = -1;
	char *save = NULL, *tok;
	size_t done = 0;
	int r;

	if (!copy)
		return -ENOMEM;
	fd = c->sys->openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -fd, "/: cannot open: %s", strerror(-fd));
	if (strict) {
		r = check_component(dir, "/", fd, strcmp(dir, "/") == 0, err);
		if (r < 0)
			return r;
	}
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		bool last = save == NULL || *save == '\0';
		int nfd;

		done = (size_t)(tok - copy) + strlen(tok);
		nfd = c->sys->openat(fd, tok, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
		if (nfd < 0) {
			struct stat st;
			char shown[PATH_MAX];

			snprintf(shown, sizeof(shown), "%.*s", (int)done, dir);
			if (nfd == -ENOENT) {
				sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
					"%s: directory does not exist", shown);
				return -ENOENT;
			}
			if (fstatat(fd, tok, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				S_ISLNK(st.st_mode)) {
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: is a symbolic link; swapctl never follows links "
					"on the way to a swapfile",
					shown);
				sc_err_hint(err, "name the real directory");
				return r;
			}
			return sc_err_set(err, SC_EXIT_FAILURE, -nfd, "%s: cannot open: %s", shown,
				strerror(-nfd));
		}
		close(fd);
		fd = nfd;
		if (strict) {
			char shown[PATH_MAX];
			snprintf(shown, sizeof(shown), "%.*s", (int)done, dir);
			r = check_component(dir, shown, fd, last, err);
			if (r < 0)
				return r;
		}
	}
	r = c->sys->openat(fd, ".", O_RDONLY | O_DIRECTORY, 0);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot open: %s", dir, strerror(-r));
	*ret_fd = r;
	return 0;
}

int sc_swapfile_check_dir(const struct sc_ctx *c, const char *dir, struct sc_err *err)
{
	_cleanup_close_ int fd = -1;
	struct sc_fs_info fs;
	int r;

	r = sc_swapfile_open_dir_chain(c, dir, true, &fd, err);
	if (r < 0)
		return r;
	return sc_fs_inspect(c, fd, dir, &fs, err);
}

int sc_swapfile_mkdir(
	const struct sc_ctx *c, const char *dir, bool *ret_subvolume, struct sc_err *err)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	_cleanup_close_ int pfd = -1, dfd = -1;
	struct sc_fs_info fs;
	bool subvol = false;
	int r;

	r = sc_swapfile_split_path(dir, &parent, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, -r, "%s: not a valid directory name", dir);
	r = sc_swapfile_open_dir_chain(c, parent, true, &pfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, pfd, parent, &fs, err);
	if (r < 0)
		return r;
	/*
	 * On btrfs the swap directory is its own subvolume: a snapshot of / then neither
	 * includes the swapfile nor fails with ETXTBSY ("cannot snapshot subvolume with active
	 * swapfile"), and a snapshot cannot share (and so poison) its extents.
	 */
	if (fs.kind == SC_FS_BTRFS) {
		r = sc_fs_btrfs_subvol_create(c, pfd, name);
		subvol = r == 0;
	} else
		r = c->sys->mkdirat(pfd, name, 0700);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create %s: %s", dir,
			fs.kind == SC_FS_BTRFS ? "subvolume" : "directory", strerror(-r));
	dfd = c->sys->openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd < 0)
		r = dfd;
	else {
		/* A subvolume root starts 0755, and mkdir honours the umask: set both exactly. */
		r = c->sys->fchown(dfd, 0, 0);
		if (r == 0)
			r = c->sys->fchmod(dfd, 0700);
		if (r == 0)
			r = c->sys->fsync(pfd);
	}
	if (r < 0) {
		c->sys->unlinkat(pfd, name, AT_REMOVEDIR);
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot set up: %s", dir, strerror(-r));
	}
	if (ret_subvolume)
		*ret_subvolume = subvol;
	return 0;
}

int sc_swapfile_rmdir(const struct sc_ctx *c, const char *dir, struct sc_err *err)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	_cleanup_close_ int pfd = -1;
	int r;

	r = sc_swapfile_split_path(dir, &parent, &name);
	if (r < 0)
		return r;
	r = sc_swapfile_open_dir_chain(c, parent, false, &pfd, err);
	if (r < 0)
		return r;
	/* rmdir removes an empty btrfs subvolume too (since 4.18). */
	r = c->sys->unlinkat(pfd, name, AT_REMOVEDIR);
	if (r < 0 && r != -ENOENT)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot remove: %s", dir, strerror(-r));
	return c->sys->fsync(pfd);
}
