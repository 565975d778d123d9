/*
 * Filesystem rules for swapfiles. See fs.h; docs/kernel-notes.md (filesystems) for the support matrix and the
 * verified rejections behind every check here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/f2fs.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "util.h"

static const struct {
	unsigned long magic;
	const char *name;
	enum sc_fs_kind kind;
} fs_table[] = {
	{0xEF53, "ext4", SC_FS_EXT4}, /* ext2/ext3/ext4: all served by the ext4 driver */
	{0x58465342, "xfs", SC_FS_XFS},
	{0x9123683E, "btrfs", SC_FS_BTRFS},
	{0xF2F52010, "f2fs", SC_FS_F2FS},
	/* Refused: no ->swap_activate / read_folio, or swap over them deadlocks or corrupts. */
	{0x01021994, "tmpfs", SC_FS_UNSUPPORTED},
	{0x858458f6, "ramfs", SC_FS_UNSUPPORTED},
	{0x794c7630, "overlay", SC_FS_UNSUPPORTED},
	{0x73717368, "squashfs", SC_FS_UNSUPPORTED},
	{0xE0F5E1E2, "erofs", SC_FS_UNSUPPORTED},
	{0x28cd3d45, "cramfs", SC_FS_UNSUPPORTED},
	{0x6969, "nfs", SC_FS_UNSUPPORTED},
	{0xFF534D42, "cifs", SC_FS_UNSUPPORTED},
	{0xFE534D42, "smb3", SC_FS_UNSUPPORTED},
	{0x65735546, "fuse", SC_FS_UNSUPPORTED},
	{0x2fc12fc1, "zfs", SC_FS_UNSUPPORTED},
	{0xca451a4e, "bcachefs", SC_FS_UNSUPPORTED},
	{0x4d44, "vfat", SC_FS_UNSUPPORTED},
	{0x2011BAB0, "exfat", SC_FS_UNSUPPORTED},
	{0x7366746e, "ntfs3", SC_FS_UNSUPPORTED},
	{0x5346544e, "ntfs", SC_FS_UNSUPPORTED},
	{0x01021997, "9p", SC_FS_UNSUPPORTED},
	{0x00c36400, "ceph", SC_FS_UNSUPPORTED},
	{0x01161970, "gfs2", SC_FS_UNSUPPORTED},
	{0x7461636f, "ocfs2", SC_FS_UNSUPPORTED},
	{0xf15f, "ecryptfs", SC_FS_UNSUPPORTED},
	{0x3153464a, "jfs", SC_FS_UNSUPPORTED},
	{0x52654973, "reiserfs", SC_FS_UNSUPPORTED},
	{0x3434, "nilfs2", SC_FS_UNSUPPORTED},
	{0x9fa0, "proc", SC_FS_UNSUPPORTED},
	{0x62656572, "sysfs", SC_FS_UNSUPPORTED},
	{0x1373, "devtmpfs", SC_FS_UNSUPPORTED},
	{0x9660, "iso9660", SC_FS_UNSUPPORTED},
	{0x15013346, "udf", SC_FS_UNSUPPORTED},
	{0xabba1974, "xenfs", SC_FS_UNSUPPORTED},
	{0x53464846, "wslfs", SC_FS_UNSUPPORTED},
	{0x786f4256, "vboxsf", SC_FS_UNSUPPORTED},
};

const char *sc_fs_name(unsigned long magic, char *buf, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(fs_table); i++)
		if (fs_table[i].magic == magic)
			return fs_table[i].name;
	snprintf(buf, len, "unknown (0x%lx)", magic);
	return buf;
}

enum sc_fs_kind sc_fs_kind_of(unsigned long magic)
{
	for (size_t i = 0; i < ELEMENTSOF(fs_table); i++)
		if (fs_table[i].magic == magic)
			return fs_table[i].kind;
	return SC_FS_UNSUPPORTED;
}

int sc_fs_statfs(const struct sc_ctx *c, int fd, struct sc_fs_info *ret)
{
	struct statfs sfs;
	struct stat st;
	char buf[40];
	int r;

	memset(ret, 0, sizeof(*ret));
	r = c->sys->fstatfs(fd, &sfs);
	if (r < 0)
		return r;
	r = c->sys->fstatat(fd, "", &st, AT_EMPTY_PATH);
	if (r < 0)
		return r;
	ret->magic = (unsigned long)sfs.f_type;
	ret->kind = sc_fs_kind_of(ret->magic);
	snprintf(ret->name, sizeof(ret->name), "%s", sc_fs_name(ret->magic, buf, sizeof(buf)));
	ret->read_only = (sfs.f_flags & ST_RDONLY) != 0;
	ret->block_size = (uint64_t)sfs.f_bsize;
	ret->total_bytes = (uint64_t)sfs.f_blocks * (uint64_t)sfs.f_bsize;
	ret->avail_bytes = (uint64_t)sfs.f_bavail * (uint64_t)sfs.f_bsize;
	ret->dev = st.st_dev;
	return 0;
}

/* /sys/dev/block/MAJ:MIN/<rel>, falling back to the whole disk for a partition. */
static int read_block_attr(const struct sc_ctx *c, dev_t dev, const char *rel, char **ret)
{
	char p[128];
	_cleanup_free_ char *path = NULL;
	int r;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/%s", major(dev), minor(dev), rel);
	path = sc_ctx_sys_path(c, p);
	if (!path)
		return -ENOMEM;
	r = sc_read_line(path, ret);
	if (r != -ENOENT)
		return r;
	free(path);
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../%s", major(dev), minor(dev), rel);
	path = sc_ctx_sys_path(c, p);
	if (!path)
		return -ENOMEM;
	return sc_read_line(path, ret);
}

const char *sc_fs_btrfs_profile_name(uint64_t flags)
{
	uint64_t profile = flags & BTRFS_BLOCK_GROUP_PROFILE_MASK;

	return profile == 0			      ? "single"
		: profile & BTRFS_BLOCK_GROUP_RAID0   ? "raid0"
		: profile & BTRFS_BLOCK_GROUP_RAID1   ? "raid1"
		: profile & BTRFS_BLOCK_GROUP_DUP     ? "dup"
		: profile & BTRFS_BLOCK_GROUP_RAID10  ? "raid10"
		: profile & BTRFS_BLOCK_GROUP_RAID5   ? "raid5"
		: profile & BTRFS_BLOCK_GROUP_RAID6   ? "raid6"
		: profile & BTRFS_BLOCK_GROUP_RAID1C3 ? "raid1c3"
		: profile & BTRFS_BLOCK_GROUP_RAID1C4 ? "raid1c4"
						      : "non-single";
}

int sc_fs_btrfs_devices(
	const struct sc_ctx *c, int fd, const char *path, uint64_t *ret, struct sc_err *err)
{
	struct btrfs_ioctl_fs_info_args fi;
	int r;

	memset(&fi, 0, sizeof(fi));
	r = c->sys->ioctl(fd, BTRFS_IOC_FS_INFO, &fi);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read btrfs device list: %s",
			path, strerror(-r));
	*ret = fi.num_devices;
	return 0;
}

/*
 * btrfs swap activation (btrfs_swap_activate) requires every extent in a single-profile
 * chunk on one device: "swapfile must have single data profile" / "must be on one device".
 */
static int btrfs_check_profile(
	const struct sc_ctx *c, int dirfd, const char *dir, struct sc_err *err)
{
	struct btrfs_ioctl_space_args probe = {0};
	_cleanup_free_ struct btrfs_ioctl_space_args *sa = NULL;
	uint64_t n, devices;
	int r;

	r = sc_fs_btrfs_devices(c, dirfd, dir, &devices, err);
	if (r < 0)
		return r;
	r = c->sys->ioctl(dirfd, BTRFS_IOC_SPACE_INFO, &probe);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot read btrfs space information: %s", dir, strerror(-r));
	n = probe.total_spaces;
	if (n > 256)
		n = 256;
	sa = calloc(1, sizeof(*sa) + n * sizeof(sa->spaces[0]));
	if (!sa)
		return -ENOMEM;
	sa->space_slots = n;
	r = c->sys->ioctl(dirfd, BTRFS_IOC_SPACE_INFO, sa);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot read btrfs space information: %s", dir, strerror(-r));
	for (uint64_t i = 0; i < sa->total_spaces && i < n; i++) {
		uint64_t flags = sa->spaces[i].flags;
		uint64_t profile = flags & BTRFS_BLOCK_GROUP_PROFILE_MASK;
		const char *name;

		if (!(flags & BTRFS_BLOCK_GROUP_DATA) || profile == 0)
			continue;
		/* An empty chunk type left behind by an old conversion holds no data. */
		if (sa->spaces[i].total_bytes == 0)
			continue;
		name = sc_fs_btrfs_profile_name(profile);
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: btrfs data profile is %s; the kernel only swaps to files in "
			"single-profile data",
			dir, name);
		sc_err_hint(err,
			"put the swapfile on a single-device filesystem with the single "
			"data profile, or use zram (swapctl zram add)");
		return r;
	}
	if (devices > 1) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: btrfs filesystem spans %llu devices; the kernel only swaps to files "
			"whose extents are all on one device",
			dir, (unsigned long long)devices);
		sc_err_hint(err,
			"put the swapfile on a single-device filesystem, or use zram "
			"(swapctl zram add)");
		return r;
	}
	return 0;
}

/*
 * f2fs: a pinned swapfile must cover whole sections (f2fs_swap_activate: "not align to
 * section"). A section is segs_per_sec segments of 2 MiB.
 */
static uint64_t f2fs_section_bytes(const struct sc_ctx *c, dev_t dev)
{
	_cleanup_free_ char *uevent = NULL, *path = NULL, *v = NULL;
	char p[128], name[64] = "";
	int64_t segs;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/uevent", major(dev), minor(dev));
	path = sc_ctx_sys_path(c, p);
	if (path && sc_read_file(path, 65536, &uevent, NULL) == 0) {
		const char *d = strstr(uevent, "DEVNAME=");
		if (d)
			sscanf(d + 8, "%63[^\n]", name);
	}
	if (name[0]) {
		free(path);
		snprintf(p, sizeof(p), "/sys/fs/f2fs/%s/segs_per_sec", name);
		path = sc_ctx_sys_path(c, p);
		if (path && sc_read_line(path, &v) == 0 && sc_parse_int(v, 1, 4096, &segs) == 0)
			return (uint64_t)segs * 2 * SC_MIB;
	}
	return 2 * SC_MIB;
}

int sc_fs_inspect(const struct sc_ctx *c, int dirfd, const char *dir, struct sc_fs_info *ret,
	struct sc_err *err)
{
	struct statx stx;
	_cleanup_free_ char *zoned = NULL;
	int r;

	r = sc_fs_statfs(c, dirfd, ret);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot statfs: %s", dir, strerror(-r));
	if (ret->kind == SC_FS_UNSUPPORTED) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: filesystem %s cannot hold swapfiles",
			dir, ret->name);
		if (ret->magic == 0x794c7630)
			sc_err_hint(err,
				"an overlay copies the file into its upper layer (often "
				"RAM); put the swapfile on ext4, xfs or btrfs, or use zram");
		else
			sc_err_hint(err,
				"put the swapfile on ext4, xfs or btrfs, or use zram "
				"(swapctl zram add)");
		return r;
	}
	if (ret->read_only) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EROFS, "%s: filesystem %s is read-only", dir,
			ret->name);
		sc_err_hint(err, "remount it read-write or choose another directory");
		return r;
	}
	/* swapon refuses mapping_min_folio_order > 0 with a bare EINVAL (XFS LBS, 6.12+). */
	if (ret->block_size > c->page_size) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: %s block size %llu is larger than the page size %zu; the kernel "
			"cannot swap to this filesystem",
			dir, ret->name, (unsigned long long)ret->block_size, c->page_size);
		sc_err_hint(err, "choose a filesystem with %zu-byte or smaller blocks, or use zram",
			c->page_size);
		return r;
	}
	/* Zoned block devices: swapon gives EINVAL. */
	if (read_block_attr(c, ret->dev, "queue/zoned", &zoned) == 0 && zoned[0] &&
		strcmp(zoned, "none") != 0) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: the filesystem sits on a zoned device (%s); the kernel cannot swap "
			"there",
			dir, zoned);
		sc_err_hint(err, "choose a conventional device, or use zram");
		return r;
	}
	/*
	 * fscrypt: kernels up to 6.18 activate a swapfile in an encrypted directory and then
	 * write swapped pages to disk in clear text (the 2026 mainline check refuses it).
	 */
	memset(&stx, 0, sizeof(stx));
	r = c->sys->statx(dirfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
	if (r == 0 && (stx.stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
		(stx.stx_attributes & STATX_ATTR_ENCRYPTED)) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: directory is fscrypt-encrypted; swapped pages would be written "
			"unencrypted",
			dir);
		sc_err_hint(err,
			"put the swapfile outside the encrypted tree (on dm-crypt the "
			"whole device is encrypted), or use zram");
		return r;
	}
	if (ret->kind == SC_FS_BTRFS) {
		r = btrfs_check_profile(c, dirfd, dir, err);
		if (r < 0)
			return r;
	}
	if (ret->kind == SC_FS_F2FS)
		ret->section_bytes = f2fs_section_bytes(c, ret->dev);
	return 0;
}

static int get_flags(const struct sc_ctx *c, int fd, int *ret)
{
	*ret = 0;
	return c->sys->ioctl(fd, FS_IOC_GETFLAGS, ret);
}

static int refuse_flags(int flags, const char *path, struct sc_err *err)
{
	int r;

	/* Both give EPERM from swapon, indistinguishable from a missing capability. */
	if (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: file is %s", path,
			flags & FS_IMMUTABLE_FL ? "immutable" : "append-only");
		sc_err_hint(err,
			"clear the attribute with chattr -%s if the file is meant to be "
			"swap",
			flags & FS_IMMUTABLE_FL ? "i" : "a");
		return r;
	}
	if (flags & FS_ENCRYPT_FL) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: file is fscrypt-encrypted; swapped pages would be written unencrypted",
			path);
		sc_err_hint(err, "put the swapfile outside the encrypted tree, or use zram");
		return r;
	}
	return 0;
}

int sc_fs_prepare_file(const struct sc_ctx *c, int fd, const struct sc_fs_info *fs,
	const char *path, struct sc_err *err)
{
	int flags, want, r;

	r = get_flags(c, fd, &flags);
	if (r < 0 && r != -ENOTTY && r != -EOPNOTSUPP)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read file attributes: %s",
			path, strerror(-r));
	if (r < 0)
		flags = 0;
	r = refuse_flags(flags, path, err);
	if (r < 0)
		return r;

	if (fs->kind == SC_FS_BTRFS) {
		/*
		 * NOCOW takes only while the file is empty (chattr +C on data silently does
		 * nothing). btrfs refuses NOCOW on a file that has a compression setting, which
		 * a directory's compression property hands down to new files (check_fsflags:
		 * old COMPR or NOCOMP with new NOCOW is EINVAL), so that goes first, in its own
		 * call; a NOCOW file is then never compressed, whatever the mount options say.
		 */
		if (flags & (FS_COMPR_FL | FS_NOCOMP_FL)) {
			want = flags & ~(FS_COMPR_FL | FS_NOCOMP_FL);
			r = c->sys->ioctl(fd, FS_IOC_SETFLAGS, &want);
			if (r < 0) {
				r = sc_err_set(err, SC_EXIT_REFUSED, -r,
					"%s: cannot clear the compression inherited on btrfs: %s",
					path, strerror(-r));
				sc_err_hint(err,
					"remove the directory's compression property "
					"(btrfs property set DIR compression none)");
				return r;
			}
			flags = want;
		}
		want = flags | FS_NOCOW_FL;
		if (want != flags) {
			r = c->sys->ioctl(fd, FS_IOC_SETFLAGS, &want);
			if (r < 0) {
				r = sc_err_set(err, SC_EXIT_REFUSED, -r,
					"%s: cannot make the file NOCOW on btrfs: %s", path,
					strerror(-r));
				sc_err_hint(err,
					"check the directory's compression property "
					"(btrfs property get DIR compression)");
				return r;
			}
		}
		r = get_flags(c, fd, &flags);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"%s: cannot read file attributes: %s", path, strerror(-r));
		if (!(flags & FS_NOCOW_FL) || (flags & FS_COMPR_FL)) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s: btrfs did not keep the file NOCOW and uncompressed; "
				"the kernel refuses copy-on-write or compressed swapfiles",
				path);
			sc_err_hint(err,
				"check the directory's compression property (btrfs "
				"property get DIR compression)");
			return r;
		}
	}
	if (fs->kind == SC_FS_F2FS) {
		/* f2fs_swap_activate needs a pinned file, pinned before any block is allocated. */
		uint32_t pin = 1;
		r = c->sys->ioctl(fd, F2FS_IOC_SET_PIN_FILE, &pin);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"%s: cannot pin the file on f2fs: %s", path, strerror(-r));
	}
	return 0;
}

int sc_fs_check_file(const struct sc_ctx *c, int fd, const struct sc_fs_info *fs, const char *path,
	struct sc_err *err)
{
	struct statx stx;
	int flags, r;

	r = get_flags(c, fd, &flags);
	if (r < 0 && r != -ENOTTY && r != -EOPNOTSUPP)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read file attributes: %s",
			path, strerror(-r));
	if (r < 0)
		flags = 0;
	r = refuse_flags(flags, path, err);
	if (r < 0)
		return r;
	memset(&stx, 0, sizeof(stx));
	r = c->sys->statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
	if (r == 0 && (stx.stx_attributes_mask & STATX_ATTR_ENCRYPTED) &&
		(stx.stx_attributes & STATX_ATTR_ENCRYPTED))
		return refuse_flags(FS_ENCRYPT_FL, path, err);
	if (fs->kind == SC_FS_BTRFS && (!(flags & FS_NOCOW_FL) || (flags & FS_COMPR_FL))) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: file is %s on btrfs; the kernel refuses it as a swapfile", path,
			flags & FS_COMPR_FL ? "compressed" : "copy-on-write (no NOCOW attribute)");
		sc_err_hint(err,
			"NOCOW can only be set on an empty file: remove this file and "
			"let swapctl create it");
		return r;
	}
	return 0;
}

int sc_fs_btrfs_subvol_create(const struct sc_ctx *c, int dirfd, const char *name)
{
	struct btrfs_ioctl_vol_args args;

	if (strlen(name) > BTRFS_PATH_NAME_MAX)
		return -ENAMETOOLONG;
	memset(&args, 0, sizeof(args));
	snprintf(args.name, sizeof(args.name), "%s", name);
	return c->sys->ioctl(dirfd, BTRFS_IOC_SUBVOL_CREATE, &args);
}

/* Extent flags swap activation rejects (iomap_swapfile_activate, btrfs_swap_activate). */
#define SC_FIEMAP_BAD                                                                              \
	(FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_ENCODED |                  \
		FIEMAP_EXTENT_DATA_ENCRYPTED | FIEMAP_EXTENT_NOT_ALIGNED |                         \
		FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL | FIEMAP_EXTENT_SHARED)

const char *sc_fs_extent_flag_str(uint32_t flags)
{
	if (flags & FIEMAP_EXTENT_SHARED)
		return "shared with another file (reflink copy or snapshot)";
	if (flags & (FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL))
		return "stored inline with metadata";
	if (flags & FIEMAP_EXTENT_DELALLOC)
		return "not yet allocated (delayed allocation)";
	if (flags & FIEMAP_EXTENT_ENCODED)
		return "compressed or encoded";
	if (flags & FIEMAP_EXTENT_DATA_ENCRYPTED)
		return "encrypted by the filesystem";
	if (flags & FIEMAP_EXTENT_NOT_ALIGNED)
		return "not block aligned";
	return "at an unknown location";
}

uint32_t sc_fs_extent_rejected(uint32_t flags)
{
	return flags & SC_FIEMAP_BAD;
}

int sc_fs_extents(const struct sc_ctx *c, int fd, uint64_t start, uint64_t len,
	struct sc_fs_extent *ret, uint32_t max)
{
	_cleanup_free_ struct fiemap *fm = NULL;
	int r;

	fm = calloc(1, sizeof(*fm) + (size_t)max * sizeof(struct fiemap_extent));
	if (!fm)
		return -ENOMEM;
	fm->fm_start = start;
	fm->fm_length = len;
	/* SYNC: flush delayed allocation first so every extent has its final state. */
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = max;
	r = c->sys->ioctl(fd, FS_IOC_FIEMAP, fm);
	if (r < 0)
		return r;
	if (fm->fm_mapped_extents > max)
		return -EIO;
	for (uint32_t i = 0; i < fm->fm_mapped_extents; i++) {
		const struct fiemap_extent *e = &fm->fm_extents[i];

		ret[i] = (struct sc_fs_extent){.logical = e->fe_logical,
			.physical = e->fe_physical,
			.length = e->fe_length,
			.flags = e->fe_flags};
	}
	return (int)fm->fm_mapped_extents;
}

int sc_fs_fiemap_check(const struct sc_ctx *c, int fd, uint64_t size, struct sc_fiemap_report *ret)
{
	enum { BATCH = 256 };
	_cleanup_free_ struct sc_fs_extent *ext = NULL;
	uint64_t pos = 0;
	bool last = false;
	int n;

	memset(ret, 0, sizeof(*ret));
	ext = calloc(BATCH, sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	while (pos < size && !last) {
		n = sc_fs_extents(c, fd, pos, size - pos, ext, BATCH);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			const struct sc_fs_extent *e = &ext[i];
			uint64_t end = e->logical + e->length;

			ret->extents++;
			if (e->logical > pos && !ret->hole) {
				ret->hole = true;
				ret->hole_at = pos;
			}
			if ((e->flags & SC_FIEMAP_BAD) && !ret->bad_flags) {
				ret->bad_flags = e->flags & SC_FIEMAP_BAD;
				ret->bad_at = e->logical;
			}
			if (e->flags & FIEMAP_EXTENT_UNWRITTEN)
				ret->unwritten = true;
			if (end > pos)
				pos = end;
			if (e->flags & FIEMAP_EXTENT_LAST)
				last = true;
		}
	}
	if (pos < size && !ret->hole) {
		ret->hole = true;
		ret->hole_at = pos;
	}
	return ret->hole || ret->bad_flags ? -EINVAL : 0;
}

int sc_fs_loop_backing(const struct sc_ctx *c, dev_t dev, ino_t ino, char *loopdev, size_t len)
{
	_cleanup_free_ char *sysblock = sc_ctx_sys_path(c, "/sys/block");
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (!sysblock)
		return -ENOMEM;
	d = opendir(sysblock);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *backing = NULL;
		struct stat st;
		size_t n;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		if (asprintf(&p, "%s/%s/loop/backing_file", sysblock, de->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		if (sc_read_line(p, &backing) < 0 || !backing[0])
			continue;
		/* The kernel prints d_path(): a deleted backing file ends in " (deleted)". */
		n = strlen(backing);
		if (n > 10 && strcmp(backing + n - 10, " (deleted)") == 0)
			backing[n - 10] = '\0';
		if (c->sys->fstatat(AT_FDCWD, backing, &st, 0) == 0 && st.st_dev == dev &&
			st.st_ino == ino) {
			snprintf(loopdev, len, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}
