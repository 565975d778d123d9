/*
 * Swapfiles: creation, activation, deactivation and removal. The implementation is split by
 * step: swapfile-dir.c (paths, the directory chain), swapfile-create.c, swapfile-enable.c,
 * swapfile-inspect.c, swapfile-plan.c (pure) and swapfile-apply.c.
 *
 * Calling order for a new swapfile:
 *   sc_swapfile_check_dir()  -> the directory chain is root-owned, not group/other writable,
 *                               no symlinks; the filesystem can hold swap (named refusal)
 *   sc_swapfile_create()     -> O_TMPFILE (fallback: hidden O_CREAT|O_EXCL|O_NOFOLLOW name),
 *                               NOCOW on btrfs while empty, fallocate, header (header.h), fsync,
 *                               FIEMAP verification, link into place (never clobbering), fsync
 *                               the directory; on any failure nothing is left behind
 *   sc_swapfile_enable()     -> open the name O_NOFOLLOW, check it is the verified inode
 *                               (regular, uid 0, mode 0600, one link), swapon through
 *                               /proc/self/fd/N with flags from sc_swap_flags(), verify in
 *                               /proc/swaps
 * Retiring: sc_gate_swapoff() (gate.h: swapoff in a child through an O_NOFOLLOW descriptor;
 * the caller runs the gate's checks first) and sc_swapfile_unlink().
 *
 * Planning (pure): sc_swapfile_inspect() gathers what is on disk and in /proc/swaps for a
 * path; the command adds what fstab says; sc_swapfile_plan_add() / sc_swapfile_plan_remove()
 * turn request + state into a plan of SC_SWAPFILE_ACT_* actions (plan.h) or a refusal. The
 * command applies the plan with the functions above and fstab/, rolling back in reverse.
 *
 * Directory chain rule: every component from / is a real directory (no
 * symlink) owned by root; the directory holding the swapfile is writable by root only; an
 * ancestor may be writable by others only when it is sticky (others can then neither rename
 * nor remove root's entries in it, so nobody but root can swap a component).
 *
 * Paths are full paths (already under the context's root). All side effects go through
 * c->sys. Errors: -errno, with err filled (SC_EXIT_REFUSED for safety refusals,
 * SC_EXIT_FAILURE otherwise).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "discard.h"
#include "error.h"
#include "fs.h"
#include "header.h"
#include "plan.h"

/*
 * swapon(2) flags from a priority (-1 = kernel's automatic priority, 0..32767 explicit) and
 * a discard policy. -EINVAL for a priority outside -1..32767: the kernel would let larger
 * values spill into the discard bits.
 */
int sc_swap_flags(int priority, enum sc_discard discard, int *ret_flags);

struct sc_swapfile_opts {
	uint64_t size; /* bytes, a multiple of the page size */
	const char *label; /* NULL or up to SC_HEADER_LABEL_MAX (15) bytes */
	uint64_t reserve; /* free space that must remain on the filesystem afterwards */
};

int sc_swapfile_check_dir(const struct sc_ctx *c, const char *dir, struct sc_err *err);
int sc_swapfile_create(const struct sc_ctx *c, const char *path, const struct sc_swapfile_opts *o,
	struct sc_err *err);
int sc_swapfile_enable(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_err *err);
int sc_swapfile_unlink(const struct sc_ctx *c, const char *path, struct sc_err *err);

/* ---- Additions to the contract above ---- */

/* The default swap directory and file, as the booted system sees them. */
#define SC_SWAPFILE_DIR	     "/swap"
#define SC_SWAPFILE_DEFAULT  "/swap/swapfile"
#define SC_SWAPFILE_PRIORITY 10 /* managed swapfiles always get an explicit priority */
/*
 * The kernel's limit on swap areas is 32 minus the swap types the config reserves
 * (device-private, migration, memory-failure and PTE-marker entries: 23..28) and cannot be
 * queried; swapon answers EPERM when it is reached. With SC_SWAP_AREAS_MAX active areas no
 * configuration has room; from SC_SWAP_AREAS_MIN_LIMIT on, an EPERM from swapon is the limit.
 */
#define SC_SWAP_AREAS_MAX	28
#define SC_SWAP_AREAS_MIN_LIMIT 23

/* min(5% of the filesystem, 1 GiB): the default free-space reserve. */
uint64_t sc_swapfile_default_reserve(uint64_t fs_total_bytes);

/*
 * Make "/a/b/../c//d" absolute and canonical ("/a/c/d") without touching the filesystem.
 * Relative paths are taken from the current directory. -EINVAL for an empty path or one
 * ending in "/" or "..".
 */
int sc_swapfile_normalize(const char *path, char **ret);

/* Create the swap directory (0700 root; a btrfs subvolume when the parent is btrfs). */
int sc_swapfile_mkdir(
	const struct sc_ctx *c, const char *dir, bool *ret_subvolume, struct sc_err *err);
/* Remove it again (rollback): only when empty. */
int sc_swapfile_rmdir(const struct sc_ctx *c, const char *dir, struct sc_err *err);

struct sc_swapfile_created {
	char uuid[SC_UUID_STR_LEN];
	bool nocow; /* btrfs: NOCOW set and read back */
	bool tmpfile; /* created with O_TMPFILE (else the hidden-name fallback) */
	bool zero_filled; /* the filesystem could not fallocate: zeros were written */
	dev_t dev;
	ino_t ino;
};
int sc_swapfile_create_full(const struct sc_ctx *c, const char *path,
	const struct sc_swapfile_opts *o, struct sc_swapfile_created *ret, struct sc_err *err);

struct sc_swapfile_enabled {
	bool already_active; /* it was active under this path: nothing done */
	bool zero_filled; /* swapon refused unwritten extents once; zeros were written */
	int priority; /* as /proc/swaps shows it afterwards */
};
int sc_swapfile_enable_full(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_swapfile_enabled *ret, struct sc_err *err);

/*
 * What is at a path, on disk and in /proc/swaps: the observed state the planners take
 * (filled by sc_swapfile_inspect(), in swapfile-inspect.c).
 */
struct sc_swapfile_observed {
	bool dir_exists;
	bool exists; /* a directory entry with this name */
	bool regular; /* ... that is a regular file (not a symlink, device, directory) */
	bool symlink;
	bool block_device;
	dev_t dev;
	ino_t ino;
	dev_t rdev;
	uid_t uid;
	mode_t mode;
	nlink_t nlink;
	uint64_t file_size;
	struct sc_header_info header; /* status SC_HEADER_OK when a usable swap header */
	bool header_read;
	bool active;
	char *active_as; /* the /proc/swaps path of the area (may differ from the path) */
	int active_priority;
	uint64_t active_size;
	uint64_t active_used;
	char loopdev[32]; /* non-empty: the file backs this loop device */
	char foreign[32]; /* set by the caller (libblkid, probe.h): what else the file holds */
	bool fs_known;
	struct sc_fs_info fs; /* of the directory, or of the nearest existing ancestor */
	size_t n_active_areas; /* entries in /proc/swaps */
};

enum {
	SC_INSPECT_FOR_ADD = 1 << 0, /* apply the directory and filesystem rules (refusals) */
	/*
	 * XFS (deferred inode inactivation) and btrfs (freed at transaction commit) report
	 * the space of a just-deleted file as used for a while: syncfs first, so free space
	 * is counted right. Costs a filesystem sync; callers use it when space is short.
	 */
	SC_INSPECT_SETTLE = 1 << 1,
};

/* Fill st for path (full path); refusals only with SC_INSPECT_FOR_ADD. */
int sc_swapfile_inspect(const struct sc_ctx *c, const char *path, unsigned flags,
	struct sc_swapfile_observed *st, struct sc_err *err);
void sc_swapfile_observed_done(struct sc_swapfile_observed *st);

/*
 * The inactive swap areas in swapctl's swap directory (<root>/swap): regular files that are
 * not active (by identity) and carry a usable swap header; names starting with '.' (files
 * being created) are left out. This is how a file swapctl made is told from others: swapctl
 * creates its default files there and nothing else should put swap areas in it. The caller
 * drops the ones an fstab entry names (lib/ does not read fstab): what is left is orphaned.
 * Sorted by path; a missing directory is an empty list. Read-only.
 */
struct sc_swapfile_found {
	char *path; /* full path (under the root) */
	dev_t dev;
	ino_t ino;
	uint64_t size;
};
int sc_swapfile_list_inactive(
	const struct sc_ctx *c, struct sc_swapfile_found **ret, size_t *ret_n);
void sc_swapfile_found_free(struct sc_swapfile_found *f, size_t n);

/* 1: CAP_SYS_ADMIN is in the effective set, 0: it is not, -errno: cannot tell. */
int sc_swapfile_capable(const struct sc_ctx *c);

/* ---- Plans ---- */

/* The fstab entry for the path, as the command read it (fstab/ stays out of lib/). */
struct sc_swapfile_fstab {
	bool present;
	bool managed;
	bool has_priority;
	int priority;
	const char *discard; /* as in struct sc_fstab_entry */
};

struct sc_add_request {
	const char *path; /* full path */
	const char *boot_path; /* as fstab records it */
	const char *fstab; /* the fstab file */
	uint64_t size; /* page multiple; 0 = auto */
	bool hibernate;
	int priority; /* -1..32767, -1 the kernel's automatic priority */
	bool priority_given; /* else keep the current one, or SC_SWAPFILE_PRIORITY */
	enum sc_discard discard;
	bool discard_given;
	const char *label;
	bool enable;
	bool persist;
	uint64_t reserve; /* UINT64_MAX: the default */
	bool force; /* ignore the free-space reserve (the file must still fit) */
	bool default_path; /* no --path, or one in SC_SWAPFILE_DIR: create the directory */
};

/* What the add planner needs to know about the machine and the run, besides the path. */
struct sc_add_host {
	uint64_t mem_total; /* MemTotal, for auto */
	/* --hibernate: /sys/power/image_size where the kernel says it, else 0 (RAM counts) */
	uint64_t image_size;
	bool capable; /* CAP_SYS_ADMIN in the effective set (or unknown) */
	bool offline; /* --root: no swapon */
	size_t page_size;
};

/*
 * The "auto" size policy: the table of Red Hat Enterprise Linux 9, "Managing storage
 * devices", chapter "Getting started with swap" (RAM <= 2 GiB: 2x RAM; <= 8 GiB: RAM;
 * <= 64 GiB: 4 GiB; above: 4 GiB), with hibernation (3x, 2x, 1.5x RAM, and RAM itself above
 * 64 GiB, where Red Hat does not recommend hibernating). Rounded down to whole MiB.
 */
uint64_t sc_swapfile_auto_size(uint64_t mem_total, bool hibernate);

/*
 * Request + state -> plan. Returns 0 with the plan (possibly empty: nothing to do), or a
 * refusal / usage error in err. The create action carries "size_bytes"; all carry what
 * --json shows.
 */
int sc_swapfile_plan_add(const struct sc_add_request *req, const struct sc_swapfile_observed *st,
	const struct sc_swapfile_fstab *fst, const struct sc_add_host *facts, struct sc_plan *plan,
	struct sc_err *err);

struct sc_remove_target {
	const char *path; /* full path as named (or from fstab) */
	const char *boot_path;
	const struct sc_swapfile_observed *st;
	struct sc_swapfile_fstab fstab;
	bool named; /* named on the command line (else from --all) */
};

struct sc_remove_request {
	const char *fstab;
	bool keep_file;
	bool offline;
};

int sc_swapfile_plan_remove(const struct sc_remove_request *req, const struct sc_remove_target *t,
	size_t n, struct sc_plan *plan, struct sc_err *err);

/* ---- Applying plans ---- */

/*
 * The fstab steps, supplied by the command (lib/ does not depend on fstab/): stage() is
 * called for each SC_SWAPFILE_ACT_FSTAB_* action in plan order, then commit() once to write
 * the file. Both return 0 or -errno with err filled; commit() returns 1 (err filled) when the
 * new version was renamed into place but syncing its directory failed: every reader sees
 * it, but it may not survive a crash.
 */
struct sc_swapfile_hooks {
	int (*stage)(void *data, const struct sc_action *a, struct sc_err *err);
	int (*commit)(void *data, struct sc_err *err);
	void *data;
};

/*
 * Apply an add plan with sc_plan_apply(), marking actions done. On any failure every earlier
 * step is undone in reverse (swapoff, unlink, rmdir; fstab is always the last step), so
 * nothing half-done remains; if an undo step itself fails, err's hint says what is left. The
 * create action gains its uuid. Returns 0, -errno (undone), or 1 when commit() returned 1:
 * then nothing is undone, every action is done, and err says what was not made durable.
 */
int sc_swapfile_apply_add(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err);

/*
 * Apply a remove plan: every swapoff first (each through sc_gate_swapoff); then
 * the fstab entries of the targets whose area is off, in one commit; then the files whose
 * entry is gone. A target whose swapoff fails keeps its fstab entry and file; the others
 * proceed. A commit that returned 1 (in place, not durable) counts as done: the files go
 * too, and its error is returned at the end. Returns the first error.
 */
int sc_swapfile_apply_remove(const struct sc_ctx *c, struct sc_plan *plan,
	const struct sc_swapfile_hooks *h, struct sc_err *err);
/* An add plan's fstab-add or fstab-update. */
bool sc_swapfile_is_fstab_set(const struct sc_action *a);
/* The index of the removal target a remove plan's action belongs to. */
size_t sc_swapfile_remove_target(const struct sc_action *a);
