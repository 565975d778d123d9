/*
 * One observation of the box: what status shows and doctor checks, gathered once, read-only,
 * as plain data. Drift (drift.h) and doctor's checks are pure functions of it.
 *
 * Contract:
 *  - sc_observe() (fstab/observe.c, the only entry point the commands call) fills the parts
 *    `what` names (SC_OBS_*): it calls sc_observe_system() (lib/observe.c: everything but
 *    fstab), then sc_observe_fstab() (fstab/observe.c: the fstab swap entries, converted to
 *    struct sc_obs_entry since lib/ cannot use fstab/), then sc_observe_locate() (lib/
 *    observe.c: where each entry's source is, by identity). lib/ callers and tests may call
 *    the three themselves, or build an observation by hand.
 *  - A part that cannot be read is no error of the call: its *_err field says why (-errno)
 *    and the command decides (status fails on most, doctor skips the checks that need it).
 *    The calls return 0, or -ENOMEM.
 *  - Offline roots (ctx->offline, an image given with --root): the running kernel's swap
 *    areas, memory, zram devices, zswap and vm.* values are this machine's, not the
 *    image's, and are not read (their parts stay empty, *_err 0). The image's fstab, the
 *    rotation journal next to it and the swapctl swapfiles in it are.
 *  - Paths of the configured tree are read inside the root (sc_ctx_open()); nothing is
 *    written. sc_observation_done() frees everything.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "procfs.h"
#include "sysctl.h"
#include "zram.h"
#include "zswap.h"

/* What to observe (sc_observe()'s what). */
enum {
	SC_OBS_SWAPS = 1u << 0, /* /proc/swaps, with each area's identity */
	SC_OBS_FSTAB = 1u << 1, /* the fstab swap entries and where their sources are */
	SC_OBS_TAGS = 1u << 2, /* also resolve UUID=/LABEL=... sources with libblkid (live) */
	SC_OBS_MEMINFO = 1u << 3,
	SC_OBS_ZRAM = 1u << 4, /* zram devices and the ones swapctl created */
	SC_OBS_ZSWAP = 1u << 5,
	SC_OBS_SYSCTL = 1u << 6, /* the live vm.* values swapctl manages */
	SC_OBS_JOURNAL = 1u << 7, /* the rotation journal next to the fstab */
	SC_OBS_SWAPFILES = 1u << 8, /* swapctl's inactive swapfiles (orphan candidates) */
	SC_OBS_ALL = (1u << 9) - 1,
};

/* The identity of a file or device, from stat(2) (follow). */
struct sc_obs_id {
	bool known; /* stat succeeded; the other fields are meaningless otherwise */
	mode_t mode; /* its type (S_ISBLK, S_ISREG) */
	dev_t dev; /* with ino: a file's identity */
	ino_t ino;
	dev_t rdev; /* a block device's identity */
};

/* One reading of an fstab source: libmount's, or glibc getmntent's when it differs. */
struct sc_obs_reading {
	bool located; /* the source could be turned into a path (not an image's device) */
	struct sc_obs_id id; /* what that path names, when it exists */
};

/* One fstab swap entry, as plain data (copied from fstab/'s struct sc_fstab_entry). */
struct sc_obs_entry {
	size_t line; /* 1-based line number in the fstab */
	char *source; /* field 1 as libmount unescapes it ("UUID=..." kept as written) */
	char *glibc_source; /* field 1 as glibc getmntent reads it, when that differs; or NULL */
	char *options; /* field 4 as written */
	bool managed; /* the options carry swapctl's marker */
	bool has_priority;
	int priority; /* pri=N, when has_priority */
	bool noauto;
	/* Lines the boot-time readers (libmount, glibc getmntent) read differently: */
	bool crlf; /* ends in CR LF */
	bool inline_comment; /* text after the sixth field */
	bool short_fields; /* fewer than six fields */
	bool odd_escape; /* a \ooo escape other than \040 \011 \012 \134 */
	bool too_long; /* longer than getmntent reads whole */
	size_t read_len; /* the line's bytes before its LF */
	bool unparsable; /* libmount rejects the line */
	/* The device node a tag resolves to with libblkid (SC_OBS_TAGS, live only), or NULL. */
	char *device;
	/* Filled by sc_observe_locate(): [0] the libmount reading, [1] the glibc one. */
	struct sc_obs_reading at[2];
};

/* A file swapctl created in its swap directory that is not active (swapfile.h). */
struct sc_obs_swapfile {
	char *path; /* as the booted system sees it (below the root's "/") */
	char *full; /* the path as read (with the root in front) */
	dev_t dev; /* its identity */
	ino_t ino;
};

struct sc_observation {
	bool offline; /* ctx->offline: an image, no live parts */
	char *fstab; /* the fstab's full path (ctx->fstab), as status names it */

	/* SC_OBS_SWAPS: the kernel's active areas, and ids[i] the identity of items[i]. */
	struct sc_swaps swaps;
	struct sc_obs_id *swap_ids;
	/* dynamic[i]: items[i] is a swapfile of `swapctl autoscale` (its label, autoscale.h) */
	bool *swap_dynamic;
	int swaps_err; /* reading /proc/swaps failed: -errno */

	/* SC_OBS_FSTAB: the swap entries in file order. */
	struct sc_obs_entry *entries;
	size_t n_entries;
	bool fstab_ok; /* the fstab was read (a missing file is an empty one) */
	int fstab_err; /* else: -errno, and fstab_msg says why */
	struct sc_err fstab_msg;

	/* SC_OBS_MEMINFO */
	struct sc_meminfo mem;
	int mem_err;

	/* SC_OBS_ZRAM: every zram device, and the ones swapctl created (run state). */
	struct sc_zram_dev *zram;
	size_t n_zram;
	int zram_err;
	struct sc_zram_ids zram_owned; /* empty when the state cannot be read */

	/* SC_OBS_ZSWAP */
	struct sc_zswap zswap; /* zeroed when zswap_err */
	int zswap_err;

	/* SC_OBS_SYSCTL: live value of sc_sysctl_keys[k], when present[k] */
	int64_t sysctl[SC_VM_N];
	bool sysctl_present[SC_VM_N];

	/* SC_OBS_JOURNAL: a rotation journal next to the fstab (rotate.h). */
	bool rotation_pending;
	char *rotation_journal; /* its path, when pending */
	int rotation_err; /* it cannot be read: -errno (old and new are NULL) */
	char *rotation_old, *rotation_new; /* the paths it rotates from and to */

	/* SC_OBS_SWAPFILES: swapctl's inactive swapfiles; drift.h decides which are orphans. */
	struct sc_obs_swapfile *swapfiles;
	size_t n_swapfiles;
};

/* Everything `what` names except fstab (lib/observe.c). */
int sc_observe_system(const struct sc_ctx *c, unsigned what, struct sc_observation *obs);
/* Where each entry's sources are: fills entries[].at (lib/observe.c). */
int sc_observe_locate(const struct sc_ctx *c, struct sc_observation *obs);
/* The fstab swap entries (fstab/observe.c). */
int sc_observe_fstab(const struct sc_ctx *c, unsigned what, struct sc_observation *obs);
/* The whole observation (fstab/observe.c): the three above in order. */
int sc_observe(const struct sc_ctx *c, unsigned what, struct sc_observation *obs);

/* Append a copy of e to obs->entries (source, glibc_source, options, device copied). */
int sc_observation_add_entry(struct sc_observation *obs, const struct sc_obs_entry *e);
void sc_observation_done(struct sc_observation *obs);

/* Same file or device: block devices by rdev, everything else by dev and inode. */
bool sc_obs_id_same(const struct sc_obs_id *a, const struct sc_obs_id *b);
