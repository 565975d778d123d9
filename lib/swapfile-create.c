/*
 * Creating and unlinking a swapfile: O_TMPFILE (or a hidden O_CREAT|O_EXCL name), NOCOW on
 * btrfs while empty, allocation, the swap header, fsync, extent verification, linking into
 * place without clobbering. Uses swapfile-dir.c for the directory chain and swapfile-plan.c
 * for the free-space refusal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "header.h"
#include "macro.h"
#include "parse.h"
#include "swapfile-internal.h"
#include "swapfile.h"
#include "util.h"

#define TMP_PREFIX ".swapctl-tmp-"

/* See SC_INSPECT_SETTLE. Updates the free-space figures in fs. */
void sc_swapfile_settle_frees(const struct sc_ctx *c, int fd, struct sc_fs_info *fs)
{
	struct sc_fs_info now;

	if ((fs->kind != SC_FS_XFS && fs->kind != SC_FS_BTRFS) || !c->sys->syncfs)
		return;
	if (c->sys->syncfs(fd) == 0 && sc_fs_statfs(c, fd, &now) == 0) {
		fs->avail_bytes = now.avail_bytes;
		fs->total_bytes = now.total_bytes;
	}
}

int sc_swapfile_zero_fill(const struct sc_ctx *c, int fd, uint64_t from, uint64_t to)
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

	r = sc_swapfile_split_path(path, &dir, &name);
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

	r = sc_swapfile_open_dir_chain(c, dir, true, &dirfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, dirfd, dir, &fs, err);
	if (r < 0)
		return r;
	alloc = o->size;
	if (fs.kind == SC_FS_F2FS && fs.section_bytes)
		alloc = (alloc + fs.section_bytes - 1) / fs.section_bytes * fs.section_bytes;
	if (fs.avail_bytes < alloc || fs.avail_bytes - alloc < o->reserve)
		sc_swapfile_settle_frees(c, dirfd, &fs);
	if (fs.avail_bytes < alloc || fs.avail_bytes - alloc < o->reserve)
		return sc_swapfile_refuse_space(path, alloc, o->reserve, fs.avail_bytes, err);

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
		r = sc_swapfile_zero_fill(c, fd, 0, alloc);
		info.zero_filled = r == 0;
	}
	if (r == -ENOSPC) {
		r = sc_swapfile_refuse_space(path, alloc, o->reserve, fs.avail_bytes, err);
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
	/* mkswap's own comment: a later swapon fails if the signature is not on disk. */
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

int sc_swapfile_unlink(const struct sc_ctx *c, const char *path, struct sc_err *err)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	_cleanup_close_ int dirfd = -1;
	struct stat st;
	int r;

	r = sc_swapfile_split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);
	r = sc_swapfile_open_dir_chain(c, dir, false, &dirfd, err);
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
