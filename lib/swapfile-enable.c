/*
 * Enabling a swapfile: swapon(2) flags, the identity and ownership checks on the opened file,
 * swapon through /proc/self/fd/N, and the check in /proc/swaps afterwards. Uses
 * swapfile-dir.c and swapfile-create.c (zero-filling when swapon refuses unwritten extents).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include "header.h"
#include "macro.h"
#include "procfs.h"
#include "swapfile-internal.h"
#include "swapfile.h"
#include "util.h"

/* include/linux/swap.h; glibc's <sys/swap.h> stops at SWAP_FLAG_DISCARD. */
#ifndef SWAP_FLAG_DISCARD_ONCE
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#endif
#ifndef SWAP_FLAG_DISCARD_PAGES
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#endif

int sc_swap_flags(int priority, enum sc_discard discard, int *ret_flags)
{
	int flags = 0;

	if (priority < -1 || priority > SWAP_FLAG_PRIO_MASK)
		return -EINVAL;
	/* -1: no PREFER bit, the kernel picks the next automatic (negative) priority. */
	if (priority >= 0)
		flags = SWAP_FLAG_PREFER | (priority & SWAP_FLAG_PRIO_MASK);
	/* ONCE or PAGES without DISCARD are ignored by the kernel. */
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
const struct sc_swap *sc_swapfile_find_active(const struct sc_ctx *c, const struct sc_swaps *sw,
	dev_t dev, ino_t ino, bool block, dev_t rdev)
{
	for (size_t i = 0; i < sw->n; i++) {
		struct stat st;

		if (sw->items[i].deleted ||
			c->sys->fstatat(AT_FDCWD, sw->items[i].path, &st, 0) < 0)
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
		/* The kernel answers EPERM when no swap type is free. */
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
	r = sc_swapfile_split_path(path, &dir, &name);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: not a valid file name", path);
	r = sc_swapfile_open_dir_chain(c, dir, true, &dirfd, err);
	if (r < 0)
		return r;
	r = sc_fs_inspect(c, dirfd, dir, &fs, err);
	if (r < 0)
		return r;

	/*
	 * By name, never following a link; everything below runs on this descriptor, so a rename
	 * between the checks and swapon cannot put another file in its place.
	 */
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
	r = c->sys->fstatat(fd, "", &st, AT_EMPTY_PATH);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", path, strerror(-r));
	if (!S_ISREG(st.st_mode))
		return sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: not a regular file", path);
	/* Anyone who can read it reads swapped-out memory; a second link can. */
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
	if (c->sys->fgetxattr(fd, "system.posix_acl_access", NULL, 0) >= 0) {
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
	n = c->sys->pread(fd, page, SC_HEADER_MAX_PAGE_SIZE, 0);
	if (n < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, (int)-n, "%s: cannot read: %s", path,
			strerror((int)-n));
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
	/* Identity, not path text: a hard link or bind mount is the same area. */
	act = sc_swapfile_find_active(c, &sw, st.st_dev, st.st_ino, false, 0);
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

	/*
	 * A loop device and its backing file are the same storage: the kernel would accept both,
	 * and they would corrupt each other.
	 */
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
		 * Kernels before the iomap swap fixes (XFS < 4.18, ext4 5.7 until the
		 * 2020 fix) take fallocated (unwritten) extents for holes. Writing zeros
		 * converts them; done once, then swapon again. The header page stays.
		 */
		_cleanup_close_ int wfd = -1;
		struct stat wst;

		wfd = c->sys->openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NOCTTY, 0);
		if (wfd < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -wfd, "%s: cannot open: %s", path,
				strerror(-wfd));
		if (c->sys->fstatat(wfd, "", &wst, AT_EMPTY_PATH) < 0 || wst.st_dev != st.st_dev ||
			wst.st_ino != st.st_ino)
			return sc_err_set(err, SC_EXIT_FAILURE, 0,
				"%s: was replaced while it was being activated", path);
		r = sc_swapfile_zero_fill(c, wfd, ps, (uint64_t)st.st_size);
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
	act = sc_swapfile_find_active(c, &sw, st.st_dev, st.st_ino, false, 0);
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
