/*
 * The context every library call receives: which system layer to use and where the system's
 * files are.
 *
 * Two roots:
 *  - root: the tree swapctl *configures* (/etc/fstab, /etc/sysctl.d, /etc/swapctl, the swap
 *    directory). "" for the running system; `--root DIR` for an offline image, which also sets
 *    offline (no swapon/swapoff, no live sysctl or sysfs writes).
 *  - sysroot: where the running kernel's interfaces are read and written (/proc, /sys, /run).
 *    "" on a real system; tests point it at a fixture tree (environment SWAPCTL_SYSROOT).
 *
 * Paths returned by the sc_ctx_*_path() helpers are malloc'd; NULL means out of memory.
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "sys.h"

struct sc_ctx {
	const struct sc_sys *sys;
	char *root;
	char *sysroot;
	bool offline;
	bool dry_run;
	/* The lock (lock.h) is already held by this process: a command run inside `apply`. */
	bool lock_held;
	/*
	 * `apply`: an earlier step of the same run adds zram or enables zswap, so the vm.*
	 * rules that need compressed swap hold by the time the sysctl step runs -- in --check
	 * too, where that step is only planned (the check's exit code is the run's). Likewise
	 * the zram devices an earlier step removes no longer count.
	 */
	bool fast_swap_planned;
	const int *zram_leaving;
	size_t n_zram_leaving;
	char *fstab; /* full path of the fstab to read and edit */
	char *sysctl_dir; /* full path of the sysctl drop-in directory */
	/* swapctl's own configuration (zram.conf, zswap.conf): <root>/etc/swapctl by default */
	char *config_dir;
	size_t page_size;
};

/* root and sysroot may be NULL or "" (the running system); fstab/sysctl_dir NULL = defaults. */
int sc_ctx_init(struct sc_ctx *c, const struct sc_sys *sys, const char *root, const char *sysroot,
	const char *fstab, const char *sysctl_dir);
void sc_ctx_done(struct sc_ctx *c);

/* "/proc/swaps" -> "<sysroot>/proc/swaps" */
char *sc_ctx_sys_path(const struct sc_ctx *c, const char *abs);
/* Read a whole kernel interface file below the sysroot (at most max bytes): 0 or -errno. */
int sc_ctx_read_sys(const struct sc_ctx *c, const char *abs, size_t max, char **ret);
/* "/etc/swapctl/zram.conf" -> "<root>/etc/swapctl/zram.conf" */
char *sc_ctx_root_path(const struct sc_ctx *c, const char *abs);
/* "<root>/swap/swapfile" -> "/swap/swapfile": the path as the booted system will see it. */
const char *sc_ctx_boot_path(const struct sc_ctx *c, const char *full);

/*
 * Access to files of the configured tree. With a root, a path below it (as sc_ctx_root_path()
 * returns it) is resolved inside the root as if the root were "/": symlinks, absolute or
 * relative, and ".." never lead out of it (openat2(2) RESOLVE_IN_ROOT on a descriptor of the
 * root, through c->sys), so an image's link to /etc/x means <root>/etc/x, never the host's.
 * Any other path (a --fstab naming a file elsewhere, the sysroot's files), and every path
 * when there is no root, is used as given. All return -errno on failure.
 */
/* open(2) of full; O_CLOEXEC is added. Returns the descriptor. */
int sc_ctx_open(const struct sc_ctx *c, const char *full, int flags, mode_t mode);
/* stat(2) (follow) or lstat(2) of full. */
int sc_ctx_stat(const struct sc_ctx *c, const char *full, bool follow, struct stat *ret);
/* Read a whole file (at most max bytes), as sc_read_file(). */
int sc_ctx_read(const struct sc_ctx *c, const char *full, size_t max, char **ret, size_t *ret_len);
/* opendir(3) of full. */
int sc_ctx_opendir(const struct sc_ctx *c, const char *full, DIR **ret);
/*
 * The directory holding full, opened O_RDONLY|O_DIRECTORY (returns the descriptor), and in
 * *ret_name full's last component, for the *at() calls. -EINVAL when full ends in "/", "."
 * or "..".
 */
int sc_ctx_open_parent(const struct sc_ctx *c, const char *full, const char **ret_name);
/*
 * When full's last component is a symlink: 1 and *ret, the full path it points to (an
 * absolute target below the root when full is, a relative one from the link's directory), and
 * *ret_target (may be NULL) the link's text. 0 when it is no symlink or does not exist.
 */
int sc_ctx_follow(const struct sc_ctx *c, const char *full, char **ret, char **ret_target);
/*
 * full with the symlinks its last component names followed (sc_ctx_follow(), at most 40):
 * *ret names a file that is no symlink, or does not exist.
 */
int sc_ctx_resolve(const struct sc_ctx *c, const char *full, char **ret);
