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

#include <stdbool.h>
#include <stddef.h>

#include "sys.h"

struct sc_ctx {
	const struct sc_sys *sys;
	char *root;
	char *sysroot;
	bool offline;
	bool dry_run;
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
