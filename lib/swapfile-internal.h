/*
 * Private to the lib/swapfile-*.c files: the helpers more than one of them uses. Nothing
 * outside them includes this header; the contract is swapfile.h.
 *
 * Dependencies point one way, each file using only those before it: swapfile-dir.c (paths
 * and the directory chain), swapfile-plan.c (pure), swapfile-create.c, swapfile-enable.c,
 * swapfile-inspect.c, swapfile-apply.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "fs.h"
#include "procfs.h"

/* swapfile-dir.c */

/* "/a/b/c" -> "/a/b" and "c"; "/c" -> "/" and "c". -EINVAL for "." or "..", -ENOMEM. */
int sc_swapfile_split_path(const char *path, char **ret_dir, char **ret_name);
/*
 * Open dir (absolute, normalized) one component at a time with O_NOFOLLOW and, when strict,
 * check every component against the directory chain rule in swapfile.h. Returns an O_RDONLY
 * descriptor of the checked inode in *ret_fd.
 */
int sc_swapfile_open_dir_chain(
	const struct sc_ctx *c, const char *dir, bool strict, int *ret_fd, struct sc_err *err);

/* swapfile-plan.c */

/* The refusal for too little free space: need bytes plus reserve, but only avail. */
int sc_swapfile_refuse_space(
	const char *path, uint64_t need, uint64_t reserve, uint64_t avail, struct sc_err *err);

/* swapfile-create.c */

/* See SC_INSPECT_SETTLE: syncfs on XFS and btrfs, then refresh the free space in fs. */
void sc_swapfile_settle_frees(const struct sc_ctx *c, int fd, struct sc_fs_info *fs);
/* Write zeros to fd over [from, to), then fsync. */
int sc_swapfile_zero_fill(const struct sc_ctx *c, int fd, uint64_t from, uint64_t to);

/* swapfile-enable.c */

/* The /proc/swaps entry that is the inode (dev, ino), or the block device rdev, or NULL. */
const struct sc_swap *sc_swapfile_find_active(
	const struct sc_swaps *sw, dev_t dev, ino_t ino, bool block, dev_t rdev);
