/*
 * Can this filesystem hold a swapfile, and is this file one the kernel will accept?
 * (docs/kernel-notes.md: swapon, filesystems.)
 *
 * sc_fs_inspect() classifies the filesystem of an open directory by statfs f_type: ext4, xfs
 * and btrfs are supported, f2fs with pinning; tmpfs, ramfs, overlay, squashfs, erofs, NFS,
 * CIFS/SMB, FUSE, ZFS, bcachefs, vfat, exfat and anything unknown are refused, by name. It
 * also refuses what the kernel would reject with a bare EINVAL or EROFS: a read-only mount, a
 * block size above the page size (LBS), a zoned device, an fscrypt-encrypted directory (6.18
 * accepts it and then writes swapped pages unencrypted), and on btrfs a data profile other
 * than single or more than one device.
 *
 * sc_fs_prepare_file() runs on the new, still empty file: it refuses immutable/append-only
 * flags, sets NOCOW on btrfs (it only takes on an empty file) and reads it back, and pins the
 * file on f2fs. sc_fs_check_file() checks an existing file the same way without changing it.
 *
 * sc_fs_fiemap_check() walks the file's extents (FIEMAP, with FIEMAP_FLAG_SYNC) and reports
 * holes and extents the kernel's swap activation rejects (shared, inline, delalloc, encoded,
 * unknown), and whether unwritten (fallocated) extents remain
 * (kernels before the ext4 iomap fix refuse them: zeros are written then).
 *
 * All ioctls and statfs/statx calls go through c->sys. Refusals fill err with
 * SC_EXIT_REFUSED and return -EPERM (or -EROFS); other failures -errno with SC_EXIT_FAILURE.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"

enum sc_fs_kind {
	SC_FS_UNSUPPORTED,
	SC_FS_EXT4,
	SC_FS_XFS,
	SC_FS_BTRFS,
	SC_FS_F2FS,
};

struct sc_fs_info {
	enum sc_fs_kind kind;
	unsigned long magic; /* statfs f_type */
	char name[40]; /* "ext4", "tmpfs", "unknown (0x12345678)" */
	bool read_only;
	uint64_t block_size; /* f_bsize */
	uint64_t total_bytes;
	uint64_t avail_bytes; /* f_bavail: what the allocator grants beyond reserved blocks */
	dev_t dev; /* st_dev of the directory */
	uint64_t section_bytes; /* f2fs: the allocation unit a pinned swapfile must fill */
};

/* The name and kind for a statfs f_type; name is static or written into buf. */
const char *sc_fs_name(unsigned long magic, char *buf, size_t len);
enum sc_fs_kind sc_fs_kind_of(unsigned long magic);

/* Classify and check the filesystem holding the directory dirfd (opened O_RDONLY). */
int sc_fs_inspect(const struct sc_ctx *c, int dirfd, const char *dir, struct sc_fs_info *ret,
	struct sc_err *err);

/* Only the statfs part: kind, name, space figures. No refusals. */
int sc_fs_statfs(const struct sc_ctx *c, int fd, struct sc_fs_info *ret);

int sc_fs_prepare_file(const struct sc_ctx *c, int fd, const struct sc_fs_info *fs,
	const char *path, struct sc_err *err);
int sc_fs_check_file(const struct sc_ctx *c, int fd, const struct sc_fs_info *fs, const char *path,
	struct sc_err *err);

/*
 * How many devices the btrfs filesystem holding fd spans (BTRFS_IOC_FS_INFO, unprivileged);
 * a failure fills err (SC_EXIT_FAILURE, naming path).
 */
int sc_fs_btrfs_devices(
	const struct sc_ctx *c, int fd, const char *path, uint64_t *ret, struct sc_err *err);

/* Create a btrfs subvolume name in the directory dirfd (BTRFS_IOC_SUBVOL_CREATE). */
int sc_fs_btrfs_subvol_create(const struct sc_ctx *c, int dirfd, const char *name);

struct sc_fiemap_report {
	uint64_t extents;
	bool unwritten; /* some extent is allocated but unwritten (fallocate) */
	bool hole; /* some range in [0, size) has no extent */
	uint64_t hole_at;
	uint32_t bad_flags; /* FIEMAP_EXTENT_* flags swap activation rejects */
	uint64_t bad_at;
};

/* One extent of a file as FIEMAP reports it. */
struct sc_fs_extent {
	uint64_t logical; /* byte offset in the file */
	/*
	 * Byte address on the filesystem's block device (ext4, xfs, f2fs); on btrfs an address
	 * in the filesystem's own logical space, which its chunk tree maps to devices.
	 */
	uint64_t physical;
	uint64_t length;
	uint32_t flags; /* FIEMAP_EXTENT_* */
};

/*
 * The extents overlapping [start, start + len), in file order, at most max of them (FIEMAP
 * with FIEMAP_FLAG_SYNC: delayed allocation is flushed first). Returns how many were stored
 * (0: none in the range), -errno when FIEMAP fails (-EOPNOTSUPP: the filesystem cannot tell).
 * A filesystem may stop short of max while more extents follow (XFS returns them an
 * allocation group at a time): ask again from the end of the last one.
 */
int sc_fs_extents(const struct sc_ctx *c, int fd, uint64_t start, uint64_t len,
	struct sc_fs_extent *ret, uint32_t max);
/* The FIEMAP_EXTENT_* flags among flags that swap activation rejects (0: none). */
uint32_t sc_fs_extent_rejected(uint32_t flags);

/*
 * Walk the extents of [0, size). Returns 0 when the file is fully allocated with no rejected
 * extent, -EINVAL when there is a hole or a rejected extent (report says where), other
 * -errno when FIEMAP itself fails (-EOPNOTSUPP: the filesystem cannot tell).
 */
int sc_fs_fiemap_check(const struct sc_ctx *c, int fd, uint64_t size, struct sc_fiemap_report *ret);
/* "shared (reflink or snapshot)", "inline", ... for the first bad flag. */
const char *sc_fs_extent_flag_str(uint32_t flags);
/* "raid1", "dup", ... for the profile bits of btrfs block group flags ("single" for none). */
const char *sc_fs_btrfs_profile_name(uint64_t flags);

/*
 * Is the file (dev, ino) the backing file of a loop device (/sys/block/loop* under the
 * sysroot)? Returns 1 and the device name ("loop3") in loopdev, 0 if not, -errno.
 */
int sc_fs_loop_backing(const struct sc_ctx *c, dev_t dev, ino_t ino, char *loopdev, size_t len);
