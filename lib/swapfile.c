/*
 * Swapfiles: create, enable, disable, unlink, inspect and plan. See swapfile.h for the
 * contract; KERNEL-FACTS §1.10 for the creation pattern and FAILURE-MODES A-D and H for the
 * conditions each check answers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "gate.h"
#include "header.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "swapfile.h"
#include "util.h"

#define TMP_PREFIX ".swapctl-tmp-"

/* include/linux/swap.h; glibc's <sys/swap.h> stops at SWAP_FLAG_DISCARD. */
#ifndef SWAP_FLAG_DISCARD_ONCE
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#endif
#ifndef SWAP_FLAG_DISCARD_PAGES
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#endif

/* ---- flags, sizes, paths ---- */

int sc_swap_flags(int priority, enum sc_discard discard, int *ret_flags)
{
	int flags = 0;

	if (priority < -1 || priority > SWAP_FLAG_PRIO_MASK)
		return -EINVAL;
	/* -1: no PREFER bit, the kernel picks the next automatic (negative) priority. */
	if (priority >= 0)
		flags = SWAP_FLAG_PREFER | (priority & SWAP_FLAG_PRIO_MASK);
	/* ONCE or PAGES without DISCARD are ignored by the kernel (KERNEL-FACTS §1.5). */
	switch (discard) {
	case SC_DISCARD_NONE:
		break;
	case SC_DISCARD_BOTH:
		flags |= SWAP_FLAG_DISCARD;
		break;
	case SC_DISCARD_ONCE:
		flags |= SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE;
		break;
	case SC_DISCARD_PAGES:
		flags |= SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_PAGES;
		break;
	default:
		return -EINVAL;
	}
	*ret_flags = flags;
	return 0;
}

const char *sc_discard_fstab(enum sc_discard d)
{
	switch (d) {
	case SC_DISCARD_BOTH:
		return "";
	case SC_DISCARD_ONCE:
		return "once";
	case SC_DISCARD_PAGES:
		return "pages";
	default:
		return NULL;
	}
}

uint64_t sc_swapfile_default_reserve(uint64_t fs_total_bytes)
{
	return SC_MIN(fs_total_bytes / 20, SC_GIB);
}

uint64_t sc_swapfile_auto_size(uint64_t mem, bool hibernate)
{
	uint64_t size;

	if (mem <= 2 * SC_GIB)
		size = hibernate ? 3 * mem : 2 * mem;
	else if (mem <= 8 * SC_GIB)
		size = hibernate ? 2 * mem : mem;
	else if (mem <= 64 * SC_GIB)
		size = hibernate ? mem + mem / 2 : 4 * SC_GIB;
	else
		size = hibernate ? mem : 4 * SC_GIB;
	return size / SC_MIB * SC_MIB;
}

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
static int split_path(const char *path, char **ret_dir, char **ret_name)
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

/* ---- the directory chain ---- */

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
static int open_dir_chain(
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

	r = open_dir_chain(c, dir, true, &fd, err);
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

	r = split_path(dir, &parent, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, -r, "%s: not a valid directory name", dir);
	r = open_dir_chain(c, parent, true, &pfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, pfd, parent, &fs, err);
	if (r < 0)
		return r;
	/*
	 * On btrfs the swap directory is its own subvolume: a snapshot of / then neither
	 * includes the swapfile nor fails with ETXTBSY ("cannot snapshot subvolume with active
	 * swapfile"), and a snapshot cannot share (and so poison) its extents (F-06).
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

	r = split_path(dir, &parent, &name);
	if (r < 0)
		return r;
	r = open_dir_chain(c, parent, false, &pfd, err);
	if (r < 0)
		return r;
	/* rmdir removes an empty btrfs subvolume too (since 4.18). */
	r = c->sys->unlinkat(pfd, name, AT_REMOVEDIR);
	if (r < 0 && r != -ENOENT)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot remove: %s", dir, strerror(-r));
	return c->sys->fsync(pfd);
}

/* ---- creation ---- */

/* See SC_INSPECT_SETTLE. Updates the free-space figures in fs. */
static void settle_frees(const struct sc_ctx *c, int fd, struct sc_fs_info *fs)
{
	struct sc_fs_info now;

	if ((fs->kind != SC_FS_XFS && fs->kind != SC_FS_BTRFS) || !c->sys->syncfs)
		return;
	if (c->sys->syncfs(fd) == 0 && sc_fs_statfs(c, fd, &now) == 0) {
		fs->avail_bytes = now.avail_bytes;
		fs->total_bytes = now.total_bytes;
	}
}

static int zero_fill(const struct sc_ctx *c, int fd, uint64_t from, uint64_t to)
{
	enum { CHUNK = 1 << 20 };
	_cleanup_free_ void *zeros = calloc(1, CHUNK);
	int r;

	if (!zeros)
		return -ENOMEM;
	while (from < to) {
		size_t n = (size_t)SC_MIN((uint64_t)CHUNK, to - from);
		r = c->sys->pwrite_all(fd, zeros, n, (off_t)from);
		if (r < 0)
			return r;
		from += n;
	}
	return c->sys->fsync(fd);
}

/*
 * Leftovers of the hidden-name fallback from a run that was killed before the rename: ours
 * by name, and we hold the swapctl lock, so nobody is still writing them. unlinkat refuses
 * an active swapfile (EPERM) anyway.
 */
static void remove_stale_temps(const struct sc_ctx *c, int dirfd)
{
	int fd = c->sys->openat(dirfd, ".", O_RDONLY | O_DIRECTORY, 0);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (sc_startswith(de->d_name, TMP_PREFIX) && de->d_type == DT_REG)
			c->sys->unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static int refuse_space(
	const char *path, uint64_t need, uint64_t reserve, uint64_t avail, struct sc_err *err)
{
	char b1[32], b2[32], b3[32], b4[32];
	uint64_t want = need + reserve;
	int r;

	r = sc_err_set(err, SC_EXIT_REFUSED, ENOSPC,
		"%s: too little free space: %s for the file plus a reserve of %s, but %s available "
		"(short by %s)",
		path, sc_format_bytes(need, b1), sc_format_bytes(reserve, b2),
		sc_format_bytes(avail, b3), sc_format_bytes(want > avail ? want - avail : 0, b4));
	sc_err_hint(err,
		"choose a smaller size, free some space, or lower the reserve with "
		"--reserve");
	return r;
}

int sc_swapfile_create_full(const struct sc_ctx *c, const char *path,
	const struct sc_swapfile_opts *o, struct sc_swapfile_created *ret, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *page = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	struct sc_swapfile_created info = {0};
	struct sc_fiemap_report rep;
	struct sc_fs_info fs;
	char tmpname[64] = "", procpath[64], b1[32];
	uint8_t uuid[16];
	uint64_t npages, alloc;
	size_t ps = c->page_size;
	bool linked = false;
	struct stat st;
	int r;

	r = split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);
	npages = o->size / ps;
	if (o->size % ps || npages < SC_SWAP_MIN_PAGES || npages > SC_SWAP_MAX_PAGES)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: size %" PRIu64 " is not a whole number of pages between %u and 2^32",
			path, o->size, SC_SWAP_MIN_PAGES);
	if (o->label && strlen(o->label) > SC_HEADER_LABEL_MAX)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"label '%s' is %zu bytes; a swap label holds at most %d", o->label,
			strlen(o->label), SC_HEADER_LABEL_MAX);

	r = open_dir_chain(c, dir, true, &dirfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, dirfd, dir, &fs, err);
	if (r < 0)
		return r;
	alloc = o->size;
	if (fs.kind == SC_FS_F2FS && fs.section_bytes)
		alloc = (alloc + fs.section_bytes - 1) / fs.section_bytes * fs.section_bytes;
	if (fs.avail_bytes < alloc || fs.avail_bytes - alloc < o->reserve)
		settle_frees(c, dirfd, &fs);
	if (fs.avail_bytes < alloc || fs.avail_bytes - alloc < o->reserve)
		return refuse_space(path, alloc, o->reserve, fs.avail_bytes, err);

	remove_stale_temps(c, dirfd);

	/*
	 * An O_TMPFILE inode has no name until linkat: a crash leaves nothing behind and nobody
	 * can open it half-made. Filesystems without O_TMPFILE get a hidden random name opened
	 * O_CREAT|O_EXCL|O_NOFOLLOW, which cannot be a planted file or link.
	 */
	fd = c->sys->openat(dirfd, ".", O_TMPFILE | O_RDWR, 0600);
	if (fd >= 0)
		info.tmpfile = true;
	else if (fd == -EOPNOTSUPP || fd == -EISDIR || fd == -EINVAL) {
		uint8_t rnd[8];
		r = c->sys->getrandom(rnd, sizeof(rnd));
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "getrandom: %s", strerror(-r));
		snprintf(tmpname, sizeof(tmpname), TMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x",
			rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		fd = c->sys->openat(dirfd, tmpname, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDWR, 0600);
		if (fd < 0)
			tmpname[0] = '\0';
	}
	if (fd < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -fd, "%s: cannot create a file: %s", dir,
			strerror(-fd));

	/* Group from a setgid directory, mode from the umask: set both exactly. */
	r = c->sys->fchown(fd, 0, 0);
	if (r == 0)
		r = c->sys->fchmod(fd, 0600);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot set owner and mode: %s", path,
			strerror(-r));
		goto fail;
	}
	r = sc_fs_prepare_file(c, fd, &fs, path, err);
	if (r < 0)
		goto fail;
	info.nocow = fs.kind == SC_FS_BTRFS;

	r = c->sys->fallocate(fd, 0, 0, (off_t)alloc);
	if (r == -EOPNOTSUPP) {
		/* No fallocate: the only other way to a file without holes is writing it. */
		r = zero_fill(c, fd, 0, alloc);
		info.zero_filled = r == 0;
	}
	if (r == -ENOSPC) {
		r = refuse_space(path, alloc, o->reserve, fs.avail_bytes, err);
		goto fail;
	}
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot allocate %s: %s", path,
			sc_format_bytes(alloc, b1), strerror(-r));
		goto fail;
	}

	page = malloc(ps);
	if (!page) {
		r = -ENOMEM;
		goto fail;
	}
	r = c->sys->getrandom(uuid, sizeof(uuid));
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "getrandom: %s", strerror(-r));
		goto fail;
	}
	sc_header_uuid_v4(uuid);
	sc_header_uuid_str(uuid, info.uuid);
	r = sc_header_encode(page, ps, npages, uuid, o->label, false);
	if (r == 0)
		r = c->sys->pwrite_all(fd, page, ps, 0);
	/* mkswap's own comment: a later swapon fails if the signature is not on disk (F-17). */
	if (r == 0)
		r = c->sys->fsync(fd);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write the swap header: %s", path,
			strerror(-r));
		goto fail;
	}

	r = sc_fs_fiemap_check(c, fd, alloc, &rep);
	if (r == -EINVAL) {
		if (rep.hole)
			sc_err_set(err, SC_EXIT_FAILURE, 0,
				"%s: has a hole at offset %" PRIu64
				" after allocation; the kernel would refuse it",
				path, rep.hole_at);
		else
			sc_err_set(err, SC_EXIT_FAILURE, 0,
				"%s: extent at offset %" PRIu64
				" is %s; the kernel would refuse it",
				path, rep.bad_at, sc_fs_extent_flag_str(rep.bad_flags));
		goto fail;
	}
	if (r < 0 && r != -EOPNOTSUPP) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot map the file's extents: %s", path,
			strerror(-r));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	/* util-linux swapon's own hole test, and the fallback when FIEMAP cannot tell. */
	if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size) {
		r = sc_err_set(err, SC_EXIT_FAILURE, 0, "%s: is sparse after allocation", path);
		goto fail;
	}
	info.dev = st.st_dev;
	info.ino = st.st_ino;

	/* linkat and rename-by-link never replace an existing name: EEXIST instead. */
	if (info.tmpfile) {
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
		r = c->sys->linkat(AT_FDCWD, procpath, dirfd, name, AT_SYMLINK_FOLLOW);
		if (r == -ENOENT) /* no /proc: AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH */
			r = c->sys->linkat(fd, "", dirfd, name, AT_EMPTY_PATH);
	} else
		r = c->sys->linkat(dirfd, tmpname, dirfd, name, 0);
	if (r == -EEXIST) {
		r = sc_err_set(err, SC_EXIT_FAILURE, EEXIST,
			"%s: appeared while the swapfile was being created; it was not overwritten",
			path);
		goto fail;
	}
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot link into place: %s", path,
			strerror(-r));
		goto fail;
	}
	linked = true;
	if (tmpname[0]) {
		r = c->sys->unlinkat(dirfd, tmpname, 0);
		if (r < 0) {
			sc_err_set(err, SC_EXIT_FAILURE, -r, "%s/%s: cannot remove: %s", dir,
				tmpname, strerror(-r));
			goto fail;
		}
		tmpname[0] = '\0';
	}
	r = c->sys->fsync(dirfd);
	if (r < 0) {
		sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot sync the directory: %s", dir,
			strerror(-r));
		goto fail;
	}
	if (ret)
		*ret = info;
	return 0;

fail:
	if (linked) {
		c->sys->unlinkat(dirfd, name, 0);
		c->sys->fsync(dirfd);
	}
	if (tmpname[0])
		c->sys->unlinkat(dirfd, tmpname, 0);
	return r < 0 ? r : -EIO;
}

int sc_swapfile_create(const struct sc_ctx *c, const char *path, const struct sc_swapfile_opts *o,
	struct sc_err *err)
{
	return sc_swapfile_create_full(c, path, o, NULL, err);
}

/* ---- activation ---- */

int sc_swapfile_capable(const struct sc_ctx *c)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/proc/self/status");
	_cleanup_free_ char *text = NULL;
	unsigned long long caps;
	const char *p;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_read_file(path, 1 << 16, &text, NULL);
	if (r < 0)
		return r;
	p = strstr(text, "\nCapEff:");
	if (!p || sscanf(p + 8, "%llx", &caps) != 1)
		return -ENODATA;
	return (caps >> 21) & 1; /* CAP_SYS_ADMIN */
}

/* The /proc/swaps entry that is the inode (dev, ino), or NULL. */
static const struct sc_swap *find_active(
	const struct sc_swaps *sw, dev_t dev, ino_t ino, bool block, dev_t rdev)
{
	for (size_t i = 0; i < sw->n; i++) {
		struct stat st;

		if (sw->items[i].deleted || stat(sw->items[i].path, &st) < 0)
			continue;
		if (block ? (S_ISBLK(st.st_mode) && st.st_rdev == rdev)
			  : (S_ISREG(st.st_mode) && st.st_dev == dev && st.st_ino == ino))
			return &sw->items[i];
	}
	return NULL;
}

static int swapon_error(const struct sc_ctx *c, const char *path, int r, size_t n_active,
	const struct sc_fs_info *fs, struct sc_err *err)
{
	switch (-r) {
	case EPERM:
		/* The kernel answers EPERM when no swap type is free (F-20). */
		if (n_active >= SC_SWAP_AREAS_MIN_LIMIT) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EPERM,
				"%s: kernel swap area limit reached (%zu areas active)", path,
				n_active);
			sc_err_hint(err,
				"the limit is 23 to 28 areas depending on the kernel "
				"configuration; remove an area or make one larger");
			return r;
		}
		r = sc_err_set(err, SC_EXIT_FAILURE, EPERM,
			"%s: swapon: permission denied by the kernel", path);
		sc_err_hint(err,
			"swapon needs CAP_SYS_ADMIN; swap cannot be managed from inside "
			"a container or under a seccomp filter that blocks swapon");
		return r;
	case EBUSY:
		r = sc_err_set(err, SC_EXIT_FAILURE, EBUSY,
			"%s: swapon: busy (already swap under another name, or a btrfs balance, "
			"resize or device operation is running)",
			path);
		sc_err_hint(err, "check /proc/swaps, wait for the btrfs operation, and retry");
		return r;
	case EROFS:
		r = sc_err_set(err, SC_EXIT_REFUSED, EROFS, "%s: filesystem is read-only", path);
		sc_err_hint(err, "remount it read-write");
		return r;
	case EINVAL:
		r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
			"%s: swapon: the kernel rejected the file (%s; see the kernel log)", path,
			fs->name);
		if (fs->kind == SC_FS_BTRFS)
			sc_err_hint(err,
				"a snapshot may still share its extents: delete it, run "
				"btrfs subvolume sync, then remove and re-add the swapfile");
		else
			sc_err_hint(err,
				"dmesg names the reason (holes, shared extents, "
				"unsupported filesystem)");
		return r;
	default:
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: swapon: %s", path, strerror(-r));
	}
}

int sc_swapfile_enable_full(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_swapfile_enabled *ret, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *page = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	struct sc_swapfile_enabled info = {.priority = priority};
	struct sc_swaps sw = {0};
	const struct sc_swap *act;
	struct sc_fiemap_report rep;
	struct sc_header_info hdr;
	struct sc_fs_info fs;
	char procpath[64], loopdev[32], hbuf[128];
	size_t ps = c->page_size, n_active;
	struct stat st;
	ssize_t n;
	int flags, r;

	if (c->offline)
		return sc_err_set(err, SC_EXIT_FAILURE, EROFS,
			"%s: not activating swap while preparing an offline tree (--root)", path);
	if (sc_swap_flags(priority, discard, &flags) < 0)
		return sc_err_set(
			err, SC_EXIT_USAGE, EINVAL, "priority %d is outside -1..32767", priority);
	r = split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);
	r = open_dir_chain(c, dir, true, &dirfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, dirfd, dir, &fs, err);
	if (r < 0)
		return r;

	/* By name, never following a link; everything below runs on this descriptor (F-24). */
	fd = c->sys->openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY, 0);
	if (fd == -ELOOP) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ELOOP,
			"%s: is a symbolic link; swapctl never follows links for swapfiles", path);
		sc_err_hint(err, "name the real file");
		return r;
	}
	if (fd < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -fd, "%s: cannot open: %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, errno, "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: not a regular file", path);
	/* F-13, F-53: anyone who can read it reads swapped-out memory; a second link can. */
	if (st.st_uid != 0 || (st.st_mode & 07077) || st.st_nlink != 1) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: insecure swapfile (owner uid %u, mode %04o, %lu links); swapped-out "
			"memory would be readable by others",
			path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			(unsigned long)st.st_nlink);
		sc_err_hint(err, "chown root:root and chmod 0600 it, and remove other hard links");
		return r;
	}
	/* The group bits of the mode may show only the ACL mask: any access ACL is extra. */
	if (fgetxattr(fd, "system.posix_acl_access", NULL, 0) >= 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: has a POSIX ACL granting access to others", path);
		sc_err_hint(err, "remove it with setfacl -b");
		return r;
	}
	r = sc_fs_check_file(c, fd, &fs, path, err);
	if (r < 0)
		return r;

	page = malloc(SC_HEADER_MAX_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	n = pread(fd, page, SC_HEADER_MAX_PAGE_SIZE, 0);
	if (n < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, errno, "%s: cannot read: %s", path, strerror(errno));
	if (n < (ssize_t)SC_HEADER_MAX_PAGE_SIZE)
		memset(page + n, 0, SC_HEADER_MAX_PAGE_SIZE - (size_t)n);
	if (sc_header_validate(
		    page, (size_t)SC_MAX((size_t)n, ps), ps, (uint64_t)st.st_size, &hdr) < 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: not a usable swap area: %s", path,
			sc_header_status_str(&hdr, hbuf, sizeof(hbuf)));
		sc_err_hint(err, "swapctl only activates swap areas it can verify");
		return r;
	}

	r = sc_swaps_read(c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	n_active = sw.n;
	/* F-18: identity, not path text: a hard link or bind mount is the same area. */
	act = find_active(&sw, st.st_dev, st.st_ino, false, 0);
	if (act) {
		if (strcmp(act->path, path) != 0) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
				"%s: already active as %s (priority %d)", path, act->path,
				act->priority);
			sc_err_hint(err, "manage it under the name the kernel shows");
		} else {
			info.already_active = true;
			info.priority = act->priority;
			r = 0;
		}
		sc_swaps_free(&sw);
		if (r == 0 && ret)
			*ret = info;
		return r;
	}
	sc_swaps_free(&sw);

	/* F-19: the kernel would accept both, and they would corrupt each other. */
	r = sc_fs_loop_backing(c, st.st_dev, st.st_ino, loopdev, sizeof(loopdev));
	if (r > 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: backs the loop device /dev/%s; the same storage must not be swap "
			"twice",
			path, loopdev);
		sc_err_hint(err, "detach it (losetup -d /dev/%s) first", loopdev);
		return r;
	}
	if (n_active >= SC_SWAP_AREAS_MAX) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: kernel swap area limit reached (%zu areas active)", path, n_active);
		sc_err_hint(err, "remove an area first");
		return r;
	}
	if (sc_swapfile_capable(c) == 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, EPERM,
			"%s: swapon needs CAP_SYS_ADMIN, which this process does not have", path);
		sc_err_hint(err, "run as root outside a container");
		return r;
	}

	r = sc_fs_fiemap_check(c, fd, (uint64_t)st.st_size, &rep);
	if (r == -EINVAL) {
		if (rep.hole)
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: swapfile has holes at offset %" PRIu64, path, rep.hole_at);
		else
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: extent at offset %" PRIu64 " is %s", path, rep.bad_at,
				sc_fs_extent_flag_str(rep.bad_flags));
		sc_err_hint(err,
			"remove it and let swapctl create it again; keep swapfiles out of "
			"reflink copies and snapshots");
		return r;
	}
	if (r < 0 && r != -EOPNOTSUPP)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot map the file's extents: %s",
			path, strerror(-r));

	/*
	 * Through the descriptor's magic link: the kernel opens exactly the inode verified above
	 * (swapon follows /proc/self/fd/N; an O_TMPFILE descriptor would give ENOENT, which is
	 * why this is a fresh open by name).
	 */
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	r = c->sys->swapon(procpath, flags);
	if (r == -EINVAL && rep.unwritten) {
		/*
		 * F-02: kernels before the iomap swap fixes (XFS < 4.18, ext4 5.7 until the
		 * 2020 fix) take fallocated (unwritten) extents for holes. Writing zeros
		 * converts them; done once, then swapon again. The header page stays.
		 */
		_cleanup_close_ int wfd = -1;
		struct stat wst;

		wfd = c->sys->openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NOCTTY, 0);
		if (wfd < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -wfd, "%s: cannot open: %s", path,
				strerror(-wfd));
		if (fstat(wfd, &wst) < 0 || wst.st_dev != st.st_dev || wst.st_ino != st.st_ino)
			return sc_err_set(err, SC_EXIT_FAILURE, 0,
				"%s: was replaced while it was being activated", path);
		r = zero_fill(c, wfd, ps, (uint64_t)st.st_size);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write zeros: %s",
				path, strerror(-r));
		info.zero_filled = true;
		r = c->sys->swapon(procpath, flags);
	}
	if (r < 0)
		return swapon_error(c, path, r, n_active, &fs, err);

	/* Verify: the kernel lists it (under its resolved path) with the priority asked for. */
	r = sc_swaps_read(c, &sw);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s", strerror(-r));
	act = find_active(&sw, st.st_dev, st.st_ino, false, 0);
	if (!act) {
		sc_swaps_free(&sw);
		return sc_err_set(err, SC_EXIT_FAILURE, 0,
			"%s: swapon succeeded but /proc/swaps does not list it", path);
	}
	info.priority = act->priority;
	sc_swaps_free(&sw);
	if (ret)
		*ret = info;
	return 0;
}

int sc_swapfile_enable(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_err *err)
{
	return sc_swapfile_enable_full(c, path, priority, discard, NULL, err);
}

/* ---- retiring ---- */

int sc_swapfile_unlink(const struct sc_ctx *c, const char *path, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	_cleanup_close_ int dirfd = -1;
	struct stat st;
	int r;

	r = split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);
	r = open_dir_chain(c, dir, false, &dirfd, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
				       : sc_err_set(err, SC_EXIT_FAILURE, errno,
						 "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sc_err_set(
			err, SC_EXIT_REFUSED, 0, "%s: not a regular file; not removed", path);
	r = c->sys->unlinkat(dirfd, name, 0);
	if (r == -ENOENT)
		return 0;
	if (r == -EPERM) /* the kernel refuses to unlink an active swapfile */
		return sc_err_set(err, SC_EXIT_FAILURE, EPERM,
			"%s: cannot remove: still an active swap area", path);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot remove: %s", path, strerror(-r));
	r = c->sys->fsync(dirfd);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot sync the directory: %s",
			dir, strerror(-r));
	return 0;
}

/* ---- inspection ---- */

void sc_swapfile_state_done(struct sc_swapfile_state *st)
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
		struct sc_swapfile_state st = {0};
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
			sc_swapfile_state_done(&st);
			free(full);
			continue;
		}
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			sc_swapfile_state_done(&st);
			free(full);
			r = -ENOMEM;
			break;
		}
		v = nv;
		v[n++] = (struct sc_swapfile_found){
			.path = full, .dev = st.dev, .ino = st.ino, .size = st.file_size};
		sc_swapfile_state_done(&st);
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
	struct sc_swapfile_state *st, struct sc_err *err)
{
	_cleanup_free_ char *parent = NULL, *name = NULL;
	_cleanup_close_ int pfd = -1;
	int r;

	r = split_path(dir, &parent, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, -r, "%s: not a valid directory", dir);
	r = open_dir_chain(c, parent, true, &pfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, pfd, parent, &st->fs, err);
	if (r < 0)
		return r;
	if (settle)
		settle_frees(c, pfd, &st->fs);
	st->fs_known = true;
	return 0;
}

int sc_swapfile_inspect(const struct sc_ctx *c, const char *path, unsigned flags,
	struct sc_swapfile_state *st, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	bool for_add = flags & SC_INSPECT_FOR_ADD;
	struct sc_swaps sw = {0};
	struct sc_err ignored = {0};
	struct stat s;
	int r;

	memset(st, 0, sizeof(*st));
	r = split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);

	if (!c->offline) {
		r = sc_swaps_read(c, &sw);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "/proc/swaps: cannot read: %s",
				strerror(-r));
		st->n_active_areas = sw.n;
	}

	r = open_dir_chain(c, dir, for_add, &dirfd, for_add ? err : &ignored);
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
			settle_frees(c, dirfd, &st->fs);
		st->fs_known = true;
	} else
		st->fs_known = sc_fs_statfs(c, dirfd, &st->fs) == 0;

	if (fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0
				    : sc_err_set(err, SC_EXIT_FAILURE, errno, "%s: cannot stat: %s",
					      path, strerror(errno));
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
			n = pread(fd, page, SC_HEADER_MAX_PAGE_SIZE, 0);
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
		act = find_active(&sw, st->dev, st->ino, st->block_device, st->rdev);
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

/* ---- planning ---- */

static bool discard_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A size as the command line takes it back: "16G", "1536M", "40960". */
static const char *size_arg(uint64_t v, char buf[32])
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (v && v % 1024 == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, 32, "%" PRIu64, v);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", v, units[u]);
	return buf;
}

static int plan_err_oom(struct sc_err *err)
{
	return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "out of memory");
}

static int plan_add(const struct sc_add_request *req, const struct sc_swapfile_state *st,
	const struct sc_swapfile_fstab *fst, const struct sc_add_facts *facts, struct sc_plan *plan,
	struct sc_err *err)
{
	size_t ps = facts->page_size;
	char b1[32], b2[32], hbuf[128];
	const char *discard;
	struct sc_action *a;
	uint64_t size;
	int prio, r;

	/* Priority: asked for; else what the entry or the active area has; else the default. */
	if (req->priority_given)
		prio = req->priority;
	else if (fst->present && fst->has_priority)
		prio = fst->priority;
	else if (st->active && st->active_priority >= 0)
		prio = st->active_priority;
	else
		prio = SC_SWAPFILE_PRIORITY;
	if (req->discard_given)
		discard = sc_discard_fstab(req->discard);
	else
		discard = fst->present ? fst->discard : NULL;

	if (st->exists) {
		if (st->symlink) {
			r = sc_err_set(err, SC_EXIT_REFUSED, ELOOP,
				"%s: is a symbolic link; swapctl never follows links for swapfiles",
				req->path);
			sc_err_hint(err, "remove the link or name the real file");
			return r;
		}
		if (!st->regular) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists and is not a regular file", req->path);
			sc_err_hint(err, "choose another --path");
			return r;
		}
		if (!st->header_read || st->header.status != SC_HEADER_OK) {
			if (st->foreign[0])
				snprintf(
					hbuf, sizeof(hbuf), "it holds a %s signature", st->foreign);
			else if (st->header_read)
				sc_header_status_str(&st->header, hbuf, sizeof(hbuf));
			else
				snprintf(hbuf, sizeof(hbuf), "unreadable");
			r = sc_err_set(err, SC_EXIT_REFUSED, EEXIST,
				"%s: exists and is not a usable swap area (%s); swapctl will not "
				"overwrite it",
				req->path, hbuf);
			sc_err_hint(err, "move it away or choose another --path");
			return r;
		}
		size = st->header.npages * ps;
		if (req->size && size != req->size) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists with %s, not the %s asked for", req->path,
				sc_format_bytes(size, b1), sc_format_bytes(req->size, b2));
			sc_err_hint(err, "use 'swapctl resize %s %s' to change its size",
				req->boot_path, size_arg(req->size, b2));
			return r;
		}
		if (req->hibernate && size < facts->mem_total) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: exists with %s, too small for a hibernation image of %s of "
				"RAM",
				req->path, sc_format_bytes(size, b1),
				sc_format_bytes(facts->mem_total, b2));
			sc_err_hint(err, "use 'swapctl resize %s %s'", req->boot_path,
				size_arg(sc_swapfile_auto_size(facts->mem_total, true), b2));
			return r;
		}
		if (st->uid != 0 || (st->mode & 07077) || st->nlink != 1) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: insecure swapfile (owner uid %u, mode %04o, %lu links)",
				req->path, (unsigned)st->uid, (unsigned)(st->mode & 07777),
				(unsigned long)st->nlink);
			sc_err_hint(err,
				"chown root:root and chmod 0600 it, and remove other hard "
				"links");
			return r;
		}
		if (st->loopdev[0]) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: backs the loop device /dev/%s; the same storage must not be "
				"swap twice",
				req->path, st->loopdev);
			sc_err_hint(err, "detach it (losetup -d /dev/%s) first", st->loopdev);
			return r;
		}
		if (st->active && strcmp(st->active_as, req->path) != 0) {
			r = sc_err_set(err, SC_EXIT_REFUSED, EBUSY,
				"%s: already active as %s (priority %d)", req->path, st->active_as,
				st->active_priority);
			sc_err_hint(err, "manage it under the name the kernel shows");
			return r;
		}
		if (st->active && req->priority_given &&
			!(prio == -1 ? st->active_priority < 0 : st->active_priority == prio)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: already active with priority %d, not %d", req->path,
				st->active_priority, prio);
			sc_err_hint(err, "use 'swapctl priority %s %d'", req->boot_path, prio);
			return r;
		}
	} else {
		uint64_t reserve, avail = st->fs.avail_bytes, cap;

		size = req->size ? req->size
				 : sc_swapfile_auto_size(facts->mem_total, req->hibernate);
		reserve = req->reserve != UINT64_MAX
			? req->reserve
			: sc_swapfile_default_reserve(st->fs.total_bytes);
		if (req->force)
			reserve = 0;
		cap = avail > reserve ? (avail - reserve) / ps * ps : 0;
		if (!req->size && size > cap && !req->hibernate)
			size = cap; /* auto: capped by free space */
		size = size / ps * ps;
		if (req->hibernate && size < facts->mem_total) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: %s cannot hold a hibernation image of %s of RAM", req->path,
				sc_format_bytes(size, b1), sc_format_bytes(facts->mem_total, b2));
			sc_err_hint(err, "use a size of at least the RAM size, or 'auto'");
			return r;
		}
		if (size / ps < SC_SWAP_MIN_PAGES || size > cap)
			return refuse_space(req->path, SC_MAX(size, SC_SWAP_MIN_PAGES * ps),
				reserve, avail, err);
		if (!st->dir_exists) {
			_cleanup_free_ char *dir = NULL, *name = NULL;

			if (!req->default_path) {
				_cleanup_free_ char *d2 = NULL, *n2 = NULL;
				if (split_path(req->path, &d2, &n2) < 0)
					return plan_err_oom(err);
				r = sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
					"%s: directory does not exist", d2);
				sc_err_hint(err,
					"create it (owned by root, mode 0700) or leave out "
					"--path to use %s",
					SC_SWAPFILE_DEFAULT);
				return r;
			}
			if (split_path(req->path, &dir, &name) < 0)
				return plan_err_oom(err);
			a = sc_plan_add(plan, SC_SWAPFILE_ACT_MKDIR, "mkdir", dir);
			if (!a || sc_action_set_str(a, "mode", "0700") < 0 ||
				sc_action_set_bool(a, "subvolume", st->fs.kind == SC_FS_BTRFS) < 0)
				return plan_err_oom(err);
		}
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_CREATE, "create", req->path);
		if (!a || sc_action_set_int(a, "size_bytes", (int64_t)size) < 0 ||
			sc_action_set_int(a, "page_size", (int64_t)ps) < 0 ||
			sc_action_set_int(a, "reserve_bytes", (int64_t)reserve) < 0 ||
			sc_action_set_str(a, "filesystem", st->fs.name) < 0 ||
			sc_action_set_str(a, "mode", "0600") < 0 ||
			(st->fs.kind == SC_FS_BTRFS && sc_action_set_bool(a, "nocow", true) < 0) ||
			(req->label && sc_action_set_str(a, "label", req->label) < 0))
			return plan_err_oom(err);
	}

	if (req->enable && !facts->offline && !st->active) {
		if (st->n_active_areas >= SC_SWAP_AREAS_MAX) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: kernel swap area limit reached (%zu areas active)", req->path,
				st->n_active_areas);
			sc_err_hint(err, "remove an area first");
			return r;
		}
		if (!facts->capable) {
			r = sc_err_set(err, SC_EXIT_FAILURE, EPERM,
				"%s: swapon needs CAP_SYS_ADMIN, which this process does not have",
				req->path);
			sc_err_hint(err,
				"run as root; swap cannot be managed from inside a "
				"container");
			return r;
		}
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_SWAPON, "swapon", req->path);
		if (!a || sc_action_set_int(a, "priority", prio) < 0 ||
			(discard &&
				sc_action_set_str(a, "discard", discard[0] ? discard : "both") <
					0) ||
			sc_action_set_int(a, "size_bytes", (int64_t)size) < 0)
			return plan_err_oom(err);
	}

	if (req->persist) {
		bool same = fst->present && fst->managed &&
			(prio < 0 ? !fst->has_priority
				  : fst->has_priority && fst->priority == prio) &&
			discard_equal(fst->discard, discard);
		if (!same) {
			a = sc_plan_add(plan, SC_SWAPFILE_ACT_FSTAB_SET,
				fst->present ? "fstab-update" : "fstab-add", req->fstab);
			if (!a || sc_action_set_str(a, "path", req->boot_path) < 0 ||
				sc_action_set_int(a, "priority", prio) < 0 ||
				(discard &&
					sc_action_set_str(
						a, "discard", discard[0] ? discard : "both") < 0))
				return plan_err_oom(err);
		}
	}
	return 0;
}

int sc_swapfile_plan_add(const struct sc_add_request *req, const struct sc_swapfile_state *st,
	const struct sc_swapfile_fstab *fst, const struct sc_add_facts *facts, struct sc_plan *plan,
	struct sc_err *err)
{
	int r = plan_add(req, st, fst, facts, plan, err);

	/* A refused request has no plan: nothing half-planned is shown or applied. */
	if (r < 0)
		sc_plan_free(plan);
	return r;
}

/* The statuses that still carry the SWAPSPACE2 magic: a swap area, if not a usable one. */
static bool is_swap_area(const struct sc_swapfile_state *st)
{
	if (!st->header_read)
		return false;
	return st->header.status != SC_HEADER_NO_SIGNATURE &&
		st->header.status != SC_HEADER_HIBERNATION;
}

static int plan_remove(const struct sc_remove_request *req, const struct sc_remove_target *t,
	size_t n, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_action *a;
	int r;

	/* Refusals first, so a refused target leaves the others untouched too. */
	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_state *st = t[i].st;
		bool will_unlink = !req->keep_file && st->exists && st->regular;

		if (st->active && st->active_as && sc_startswith(st->active_as, "/dev/zram")) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: is a zram device; it needs a reset after swapoff", t[i].path);
			sc_err_hint(err, "use 'swapctl zram remove %s'", st->active_as);
			return r;
		}
		if (st->exists && !st->regular && !st->block_device &&
			(st->active || t[i].fstab.present || t[i].named)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: is neither a regular file nor a block device", t[i].path);
			sc_err_hint(err, "name the swap area as /proc/swaps or fstab shows it");
			return r;
		}
		if (will_unlink && !is_swap_area(st) &&
			(st->active || t[i].fstab.present || t[i].named)) {
			if (st->header_read && st->header.status == SC_HEADER_HIBERNATION)
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: holds a hibernation image (%s); deleting it "
					"would lose the hibernated session",
					t[i].path, st->header.signature);
			else
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: carries no swap signature; swapctl deletes only swap "
					"areas",
					t[i].path);
			sc_err_hint(err,
				"use --keep-file, and delete the file yourself if it "
				"really is unused");
			return r;
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_state *st = t[i].st;

		if (!st->active || req->offline)
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_SWAPOFF, "swapoff", st->active_as);
		if (!a || sc_action_set_int(a, "size_bytes", (int64_t)st->active_size) < 0 ||
			sc_action_set_int(a, "used_bytes", (int64_t)st->active_used) < 0 ||
			sc_action_set_int(a, "priority", st->active_priority) < 0 ||
			sc_action_set_int(a, "_target", (int64_t)i) < 0)
			return plan_err_oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!t[i].fstab.present)
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_FSTAB_REMOVE, "fstab-remove", req->fstab);
		if (!a || sc_action_set_str(a, "path", t[i].boot_path) < 0 ||
			sc_action_set_bool(a, "managed", t[i].fstab.managed) < 0 ||
			sc_action_set_int(a, "_target", (int64_t)i) < 0)
			return plan_err_oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		const struct sc_swapfile_state *st = t[i].st;

		if (req->keep_file || !st->exists || !st->regular || !is_swap_area(st))
			continue;
		a = sc_plan_add(plan, SC_SWAPFILE_ACT_UNLINK, "unlink", t[i].path);
		if (!a || sc_action_set_int(a, "size_bytes", (int64_t)st->file_size) < 0 ||
			sc_action_set_int(a, "_target", (int64_t)i) < 0)
			return plan_err_oom(err);
	}
	return 0;
}

int sc_swapfile_plan_remove(const struct sc_remove_request *req, const struct sc_remove_target *t,
	size_t n, struct sc_plan *plan, struct sc_err *err)
{
	int r = plan_remove(req, t, n, plan, err);

	if (r < 0)
		sc_plan_free(plan);
	return r;
}

/* ---- applying ---- */

static int64_t field_int(const struct sc_action *a, const char *key, int64_t def)
{
	const struct sc_field *f = sc_action_get(a, key);
	return f && f->type == SC_FIELD_INT ? f->num : def;
}

static const char *field_str(const struct sc_action *a, const char *key)
{
	const struct sc_field *f = sc_action_get(a, key);
	return f && f->type == SC_FIELD_STR ? f->str : NULL;
}

static enum sc_discard discard_of(const struct sc_action *a)
{
	const char *d = field_str(a, "discard");

	if (!d)
		return SC_DISCARD_NONE;
	if (!strcmp(d, "once"))
		return SC_DISCARD_ONCE;
	if (!strcmp(d, "pages"))
		return SC_DISCARD_PAGES;
	return SC_DISCARD_BOTH;
}

static int undo_add(const struct sc_ctx *c, struct sc_plan *plan, size_t upto, struct sc_err *err)
{
	int ret = 0;

	for (size_t i = upto; i-- > 0;) {
		struct sc_action *a = &plan->actions[i];
		struct sc_err e = {0};
		int r = 0;

		if (!a->done)
			continue;
		switch (a->kind) {
		case SC_SWAPFILE_ACT_SWAPON:
			r = sc_gate_swapoff(c, a->target, NULL, &e);
			break;
		case SC_SWAPFILE_ACT_CREATE:
			r = sc_swapfile_unlink(c, a->target, &e);
			break;
		case SC_SWAPFILE_ACT_MKDIR:
			r = sc_swapfile_rmdir(c, a->target, &e);
			break;
		default:
			break;
		}
		if (r < 0) {
			sc_err_hint(err,
				"rolling back failed too (%s); remove what is left by hand",
				e.msg[0] ? e.msg : strerror(-r));
			if (!ret)
				ret = r;
			continue;
		}
		a->done = false;
	}
	return ret;
}

int sc_swapfile_apply_add(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err)
{
	bool staged = false;
	size_t i;
	int r = 0;

	for (i = 0; i < plan->n; i++) {
		struct sc_action *a = &plan->actions[i];

		switch (a->kind) {
		case SC_SWAPFILE_ACT_MKDIR:
			r = sc_swapfile_mkdir(c, a->target, NULL, err);
			break;
		case SC_SWAPFILE_ACT_CREATE: {
			struct sc_swapfile_opts o = {
				.size = (uint64_t)field_int(a, "size_bytes", 0),
				.label = field_str(a, "label"),
				.reserve = (uint64_t)field_int(a, "reserve_bytes", 0),
			};
			struct sc_swapfile_created made;

			r = sc_swapfile_create_full(c, a->target, &o, &made, err);
			if (r == 0)
				r = sc_action_set_str(a, "uuid", made.uuid);
			if (r == 0 && made.zero_filled)
				r = sc_action_set_bool(a, "zero_filled", true);
			break;
		}
		case SC_SWAPFILE_ACT_SWAPON: {
			struct sc_swapfile_enabled en;

			r = sc_swapfile_enable_full(c, a->target,
				(int)field_int(a, "priority", SC_SWAPFILE_PRIORITY), discard_of(a),
				&en, err);
			if (r == 0 && en.already_active)
				continue; /* someone else activated it meanwhile: nothing done */
			if (r == 0 && en.zero_filled)
				r = sc_action_set_bool(a, "zero_filled", true);
			break;
		}
		case SC_SWAPFILE_ACT_FSTAB_SET:
			r = h && h->stage ? h->stage(h->data, a, err) : -EINVAL;
			staged = r == 0;
			break;
		default:
			r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: unexpected action %s",
				a->target, a->action);
		}
		if (r < 0)
			break;
		a->done = a->kind != SC_SWAPFILE_ACT_FSTAB_SET;
	}
	if (r == 0 && staged) {
		r = h->commit ? h->commit(h->data, err) : -EINVAL;
		if (r >= 0)
			for (size_t j = 0; j < plan->n; j++)
				if (plan->actions[j].kind == SC_SWAPFILE_ACT_FSTAB_SET)
					plan->actions[j].done = true;
		/*
		 * The new fstab was renamed into place, only the fsync of its directory
		 * failed. Undoing the swapfile now would leave fstab naming a missing file
		 * for every reader (systemd, swapon -a) at once; rolling fstab back too
		 * would take another rename and directory fsync on the disk that just
		 * failed one, and could leave either version. Kept, the state is right now
		 * and after a crash is either this or the old fstab plus an unnamed
		 * swapfile, which status and doctor report. So nothing is undone and the
		 * caller reports the entry as in place but not durable.
		 */
		if (r > 0)
			return 1;
	}
	if (r < 0) {
		if (!err || !err->msg[0])
			sc_err_set(err, SC_EXIT_FAILURE, -r, "%s", strerror(-r));
		undo_add(c, plan, plan->n, err);
	}
	return r;
}

int sc_swapfile_apply_remove(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err)
{
	_cleanup_free_ bool *failed = NULL;
	size_t n_targets = 0;
	bool staged = false;
	int ret = 0, r;

	for (size_t i = 0; i < plan->n; i++)
		n_targets =
			SC_MAX(n_targets, (size_t)field_int(&plan->actions[i], "_target", 0) + 1);
	failed = calloc(n_targets + 1, sizeof(*failed));
	if (!failed)
		return -ENOMEM;

	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < plan->n; i++) {
			struct sc_action *a = &plan->actions[i];
			size_t t = (size_t)field_int(a, "_target", 0);
			struct sc_err e = {0};

			if (failed[t])
				continue;
			if (pass == 0 && a->kind == SC_SWAPFILE_ACT_SWAPOFF)
				r = sc_gate_swapoff(c, a->target, NULL, &e);
			else if (pass == 1 && a->kind == SC_SWAPFILE_ACT_FSTAB_REMOVE) {
				r = h && h->stage ? h->stage(h->data, a, &e) : -EINVAL;
				staged = staged || r == 0;
				if (r == 0)
					continue; /* done once committed */
			} else if (pass == 2 && a->kind == SC_SWAPFILE_ACT_UNLINK)
				r = sc_swapfile_unlink(c, a->target, &e);
			else
				continue;
			if (r < 0) {
				failed[t] = true;
				if (!ret) {
					ret = r;
					if (err && !err->msg[0])
						*err = e;
				}
				continue;
			}
			a->done = true;
		}
		if (pass == 1 && staged) {
			struct sc_err e = {0};

			r = h->commit ? h->commit(h->data, &e) : -EINVAL;
			for (size_t i = 0; i < plan->n; i++) {
				struct sc_action *a = &plan->actions[i];
				size_t t = (size_t)field_int(a, "_target", 0);

				if (a->kind != SC_SWAPFILE_ACT_FSTAB_REMOVE || failed[t])
					continue;
				if (r >= 0)
					a->done = true;
				else
					failed[t] = true; /* keep the file fstab still names */
			}
			/*
			 * r > 0: the new fstab is in place, only its directory fsync failed.
			 * Every reader already sees the entries gone, so the files go too
			 * (kept, they would be named by nothing); the error is still returned.
			 */
			if (r != 0 && !ret) {
				ret = r > 0 ? -(e.errnum ? e.errnum : EIO) : r;
				if (err && !err->msg[0])
					*err = e;
			}
		}
	}
	return ret;
}
