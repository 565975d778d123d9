/*
 * The resume offset of a swapfile. See resume-offset.h; docs/kernel-notes.md (resume offset of
 * a swapfile) for the facts checked on the kernel.
 *
 * What the kernel does with it (kernel/power/swap.c, mm/swapfile.c): at hibernation,
 * swap_type_of() looks for the active swap area on the resume device whose first swap extent
 * starts at resume_offset; the image and its signature are then written with bios straight to
 * the device, the filesystem is not involved. Swap activation (iomap_swapfile_activate for
 * ext4 and xfs, btrfs_swap_activate) rounds every physical extent's start up and its end down
 * to whole pages and drops runs shorter than a page, so the first swap extent begins at the
 * file's first byte only when that byte sits on a page boundary of the device and the first
 * page is one contiguous run there. Otherwise the area starts a little further on, where the
 * swap header is not: hibernation reads no signature there and fails. Those files are refused
 * here rather than given an offset that cannot work.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "fs.h"
#include "macro.h"
#include "resume-offset.h"

/* A first page the kernel cannot start a swap area at: why completes "the file's first page". */
static int refuse_first_page(struct sc_err *err, const char *path, const char *why)
{
	int r = sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: the file's first page %s", path, why);

	sc_err_hint(err, "make the swapfile again (swapctl remove, then swapctl add)");
	return r;
}

/*
 * The address FIEMAP gives for the file's first byte, once the whole first page is known to be
 * one written run: written, because the swap header must be on the device itself (the kernel
 * reads it there, past the filesystem; an unwritten extent reads as zeros only through the
 * filesystem and holds whatever the device held), and one run, as explained above.
 */
static int first_page(
	const struct sc_ctx *c, int fd, const char *path, uint64_t *ret, struct sc_err *err)
{
	struct sc_fs_extent ext[8];
	uint64_t want = c->page_size, pos = 0, start = 0;
	int n, r;

	while (pos < want) {
		uint64_t from = pos;

		n = sc_fs_extents(c, fd, pos, want - pos, ext, ELEMENTSOF(ext));
		if (n < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -n,
				"%s: cannot read the file's extents (FIEMAP): %s", path,
				strerror(-n));
		if (n == 0)
			return refuse_first_page(err, path, "is a hole: it holds no swap header");
		for (int i = 0; i < n && pos < want; i++) {
			const struct sc_fs_extent *e = &ext[i];
			uint32_t bad = sc_fs_extent_rejected(e->flags);
			char why[128];
			uint64_t at;

			if (e->logical > pos)
				return refuse_first_page(
					err, path, "is a hole: it holds no swap header");
			if (e->logical + e->length <= pos)
				continue;
			if (bad) {
				snprintf(why, sizeof(why),
					"is %s; the kernel cannot swap or resume there",
					sc_fs_extent_flag_str(bad));
				return refuse_first_page(err, path, why);
			}
			if (e->flags & FIEMAP_EXTENT_UNWRITTEN) {
				r = sc_err_set(err, SC_EXIT_REFUSED, 0,
					"%s: the file's first page is allocated but was never "
					"written; no swap header is on the device there",
					path);
				sc_err_hint(err,
					"write a swap header (mkswap), or make the swapfile again "
					"with swapctl add");
				return r;
			}
			at = e->physical + (pos - e->logical);
			if (pos == 0)
				start = at;
			else if (at != start + pos)
				return refuse_first_page(err, path,
					"is split over separate places on the device; the kernel "
					"starts its swap area elsewhere");
			pos = e->logical + e->length;
		}
		/* Only a malformed answer (empty extents) leaves pos where it was: never loop. */
		if (pos == from)
			return sc_err_set(err, SC_EXIT_FAILURE, EIO,
				"%s: FIEMAP reported no extent at byte %llu of the file", path,
				(unsigned long long)pos);
	}
	*ret = start;
	return 0;
}

/*
 * An XFS realtime file has its blocks, and FIEMAP its addresses, on the realtime device, not on
 * the device the filesystem is mounted from (which resume= would name).
 */
static int xfs_check_realtime(const struct sc_ctx *c, int fd, const char *path, struct sc_err *err)
{
	struct fsxattr fsx;
	int r;

	memset(&fsx, 0, sizeof(fsx));
	r = c->sys->ioctl(fd, FS_IOC_FSGETXATTR, &fsx);
	if (r == -ENOTTY || r == -EOPNOTSUPP)
		return 0;
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read file attributes: %s",
			path, strerror(-r));
	if (fsx.fsx_xflags & FS_XFLAG_REALTIME) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: the file is on the XFS realtime device, not on the device the "
			"filesystem is mounted from",
			path);
		sc_err_hint(err,
			"make the swapfile on the data device, in a directory without the "
			"rtinherit flag");
		return r;
	}
	return 0;
}

/* A chunk of the btrfs logical address space, and where its first stripe lies. */
struct btrfs_chunk_at {
	uint64_t start; /* logical address (the item's key offset) */
	uint64_t length;
	uint64_t type; /* BTRFS_BLOCK_GROUP_* */
	uint16_t num_stripes;
	uint64_t stripe_offset; /* of stripe 0, on its device */
};

/*
 * A CHUNK_ITEM: struct btrfs_chunk (which ends in its first struct btrfs_stripe) and
 * num_stripes - 1 more stripes. The item is on-disk data, little endian and packed at any
 * alignment in the search buffer: copied out, never dereferenced in place.
 */
static int chunk_parse(const char *item, uint32_t len, uint64_t start, struct btrfs_chunk_at *ret)
{
	struct btrfs_chunk ch;

	if (len < sizeof(ch))
		return -EBADMSG;
	memcpy(&ch, item, sizeof(ch));
	ret->start = start;
	ret->length = le64toh(ch.length);
	ret->type = le64toh(ch.type);
	ret->num_stripes = le16toh(ch.num_stripes);
	ret->stripe_offset = le64toh(ch.stripe.offset);
	if (ret->num_stripes == 0 ||
		len < sizeof(ch) + (size_t)(ret->num_stripes - 1) * sizeof(struct btrfs_stripe))
		return -EBADMSG;
	return 0;
}

/*
 * The chunk holding logical: the chunk tree keys every chunk (FIRST_CHUNK_TREE_OBJECTID,
 * CHUNK_ITEM_KEY, its logical start), so it is the last item with a start at or below logical,
 * if logical falls inside it. A search returns as many items as fit in its buffer, in key
 * order: read on from past the last one until that chunk or the end of the range is found.
 * Returns 1 and *ret, 0 when no chunk holds logical, -errno.
 */
static int btrfs_find_chunk(
	const struct sc_ctx *c, int fd, uint64_t logical, struct btrfs_chunk_at *ret)
{
	struct btrfs_ioctl_search_args args;
	uint64_t from = 0;
	bool found = false;
	int r;

	for (;;) {
		struct btrfs_ioctl_search_key *k = &args.key;
		uint64_t last = 0;
		size_t pos = 0;

		memset(&args, 0, sizeof(args));
		k->tree_id = BTRFS_CHUNK_TREE_OBJECTID;
		k->min_objectid = k->max_objectid = BTRFS_FIRST_CHUNK_TREE_OBJECTID;
		k->min_type = k->max_type = BTRFS_CHUNK_ITEM_KEY;
		k->min_offset = from;
		k->max_offset = logical;
		k->max_transid = UINT64_MAX;
		k->nr_items = 4096;
		r = c->sys->ioctl(fd, BTRFS_IOC_TREE_SEARCH, &args);
		if (r < 0)
			return r;
		if (k->nr_items == 0)
			break;
		for (uint32_t i = 0; i < k->nr_items; i++) {
			struct btrfs_ioctl_search_header sh;

			if (sizeof(args.buf) - pos < sizeof(sh))
				return -EBADMSG;
			memcpy(&sh, args.buf + pos, sizeof(sh));
			pos += sizeof(sh);
			if (sh.len > sizeof(args.buf) - pos || sh.offset < from)
				return -EBADMSG;
			if (sh.objectid == BTRFS_FIRST_CHUNK_TREE_OBJECTID &&
				sh.type == BTRFS_CHUNK_ITEM_KEY && sh.offset <= logical) {
				r = chunk_parse(args.buf + pos, sh.len, sh.offset, ret);
				if (r < 0)
					return r;
				found = true;
			}
			pos += sh.len;
			last = sh.offset;
		}
		/* Chunks do not overlap: one holding logical is the one. */
		if (last >= logical || (found && logical - ret->start < ret->length))
			break;
		from = last + 1;
	}
	return found && logical - ret->start < ret->length;
}

/* The device address of the btrfs logical address of the file's first page. */
static int btrfs_device_address(const struct sc_ctx *c, int fd, const char *path, uint64_t logical,
	uint64_t *ret, struct sc_err *err)
{
	struct btrfs_chunk_at ch;
	uint64_t devices;
	int r;

	r = sc_fs_btrfs_devices(c, fd, path, &devices, err);
	if (r < 0)
		return r;
	/*
	 * resume= names one device. With several, the chunk's stripe may be on any of them, and
	 * the filesystem's own device number (an anonymous one on btrfs) names none.
	 */
	if (devices > 1) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: btrfs filesystem spans %llu devices; hibernation to a swapfile needs "
			"a single-device filesystem",
			path, (unsigned long long)devices);
		sc_err_hint(err,
			"hibernate to a swapfile on a single-device filesystem, or to a swap "
			"partition");
		return r;
	}
	r = btrfs_find_chunk(c, fd, logical, &ch);
	if (r == -EPERM || r == -EACCES) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: reading the btrfs chunk tree, to find the file's place on the device, "
			"needs root (CAP_SYS_ADMIN)",
			path);
		sc_err_hint(err, "run it as root");
		return r;
	}
	if (r == -EBADMSG)
		return sc_err_set(err, SC_EXIT_FAILURE, EBADMSG,
			"%s: the btrfs chunk tree search returned a malformed item", path);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot read the btrfs chunk tree: %s", path, strerror(-r));
	if (r == 0)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
			"%s: no btrfs chunk holds the file's first extent (logical address %llu)",
			path, (unsigned long long)logical);
	if (!(ch.type & BTRFS_BLOCK_GROUP_DATA))
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: the btrfs chunk holding the file's first extent (logical "
			"address %llu) is no data chunk",
			path, (unsigned long long)logical);
	/* btrfs_swap_activate: "swapfile must have single data profile". */
	if ((ch.type & BTRFS_BLOCK_GROUP_PROFILE_MASK) || ch.num_stripes != 1) {
		if (ch.type & BTRFS_BLOCK_GROUP_PROFILE_MASK)
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: the file starts in a btrfs chunk of the %s profile; the "
				"kernel swaps and resumes only in single-profile data",
				path, sc_fs_btrfs_profile_name(ch.type));
		else
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: the file starts in a btrfs chunk of %u stripes; the kernel "
				"swaps and resumes only in single-profile data",
				path, (unsigned)ch.num_stripes);
		sc_err_hint(err,
			"convert the data to the single profile (btrfs balance start "
			"-dconvert=single) and make the swapfile again");
		return r;
	}
	/* The page's run is contiguous in logical space; past the chunk's end it is not on disk. */
	if (ch.length - (logical - ch.start) < c->page_size)
		return refuse_first_page(err, path,
			"is split over separate places on the device; the kernel starts its swap "
			"area elsewhere");
	*ret = ch.stripe_offset + (logical - ch.start);
	return 0;
}

int sc_resume_offset(
	const struct sc_ctx *c, int fd, const char *path, uint64_t *ret_pages, struct sc_err *err)
{
	struct statfs sfs;
	enum sc_fs_kind kind;
	uint64_t addr = 0;
	char buf[40];
	int r;

	r = c->sys->fstatfs(fd, &sfs);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot statfs: %s", path, strerror(-r));
	kind = sc_fs_kind_of((unsigned long)sfs.f_type);
	if (kind == SC_FS_UNSUPPORTED) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: filesystem %s cannot hold a swapfile to hibernate to", path,
			sc_fs_name((unsigned long)sfs.f_type, buf, sizeof(buf)));
		sc_err_hint(err,
			"hibernate to a swapfile on ext4, xfs, btrfs or f2fs, or to a swap "
			"partition");
		return r;
	}
	if (kind == SC_FS_XFS) {
		r = xfs_check_realtime(c, fd, path, err);
		if (r < 0)
			return r;
	}
	r = first_page(c, fd, path, &addr, err);
	if (r < 0)
		return r;
	/*
	 * On btrfs that address is a logical one (the extent's disk_bytenr plus the offset into
	 * it), which btrfs_swap_activate maps through the chunk the same way.
	 */
	if (kind == SC_FS_BTRFS) {
		r = btrfs_device_address(c, fd, path, addr, &addr, err);
		if (r < 0)
			return r;
	}
	if (addr % c->page_size != 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: the file starts at byte %llu of the device, not on a page boundary "
			"(%zu bytes); the kernel starts its swap area at the next page, where the "
			"swap header is not",
			path, (unsigned long long)addr, c->page_size);
		sc_err_hint(err,
			"make the swapfile on a filesystem whose block size is the page size (%zu "
			"bytes)",
			c->page_size);
		return r;
	}
	*ret_pages = addr / c->page_size;
	return 0;
}
