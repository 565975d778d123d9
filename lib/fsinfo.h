/*
 * What the commands need to know about paths and the filesystems and devices under them,
 * read through the context (files of the tree inside --root, kernel interfaces below the
 * sysroot) and the system layer: the space figures of a directory's filesystem, whether its
 * device supports discard, whether a path exists, its canonical name, a directory's entries.
 * All read only. Functions returning int return 0 (or the documented value) or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"

struct sc_fsinfo_space {
	uint64_t total_bytes; /* f_blocks * f_frsize */
	uint64_t avail_bytes; /* f_bavail * f_frsize: what the allocator grants an unprivileged */
	uint64_t
		reserve_bytes; /* the free space a new swapfile leaves (sc_swapfile_default_reserve) */
};

/* statfs(2) of the filesystem holding the directory dir of the tree ("" is "/"). */
int sc_fsinfo_dir_space(const struct sc_ctx *c, const char *dir, struct sc_fsinfo_space *ret);
/* The same for the directory holding the file full. */
int sc_fsinfo_parent_space(const struct sc_ctx *c, const char *full, struct sc_fsinfo_space *ret);

/*
 * Does the block device dev (a filesystem's st_dev) accept discard? Its queue's
 * discard_max_bytes, or its parent's for a partition, below the sysroot: 1 yes, 0 no (the
 * kernel then ignores swapon's discard flags), -errno when neither can be read.
 */
int sc_fsinfo_discard(const struct sc_ctx *c, dev_t dev);

/* Does full exist (as lstat(2) sees it: a dangling symlink exists)? */
bool sc_fsinfo_exists(const struct sc_ctx *c, const char *full);
/* Is full itself (a symlink is not followed) a regular file? */
bool sc_fsinfo_is_regular(const struct sc_ctx *c, const char *full);
/* Does the kernel interface abs ("/proc/123", "/run/systemd/system") exist below the sysroot? */
bool sc_fsinfo_sys_exists(const struct sc_ctx *c, const char *abs);

/*
 * The canonical name of an existing path of the running system, symlinks resolved (what
 * /proc/swaps shows): 1 with *ret (malloc'd), 0 when it does not resolve (missing), -ENOMEM.
 */
int sc_fsinfo_canonical(const struct sc_ctx *c, const char *path, char **ret);

/* The names in directory dir of the tree, without those starting with '.' (malloc'd). */
int sc_fsinfo_list_dir(const struct sc_ctx *c, const char *dir, char ***ret, size_t *ret_n);
void sc_fsinfo_names_free(char **names, size_t n);

/*
 * Is dev the device /sys/power/resume names, with resume_offset set? A swapfile on it may be
 * the one a hibernation image is resumed from.
 */
bool sc_fsinfo_resume_device(const struct sc_ctx *c, dev_t dev);
