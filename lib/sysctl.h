/*
 * vm.* companions: the table of keys swapctl manages and their live values under
 * <sysroot>/proc/sys/vm (sysctl-keys.c), the machine facts (sysctl-env.c), validation
 * (sysctl-rules.c), profiles (sysctl-profile.c), swapctl's drop-in (sysctl-dropin.c), the
 * observed state, plan and apply (sysctl-observed.c, sysctl-plan.c, sysctl-apply.c) and the
 * boot-time resolution of every sysctl.d file (sysctl-boot.c).
 *
 * Calling order for `sysctl apply`:
 *   sc_sysctl_observed_read()  -> the machine facts (kernel version, RAM, zones, THP, whether
 *                              zram/zswap is in use), the live values and swapctl's drop-in
 *   sc_sysctl_plan()        -> pure: the requested values (profile, then --set, on top of the
 *                              drop-in when no profile is named), validated against this
 *                              kernel's ranges and swapctl's rules, and the ordered actions
 *                              (set-live, write-dropin) that get there
 *   sc_sysctl_apply()       -> writes the drop-in atomically, then each live value (one write()
 *                              of canonical decimal at offset 0, read back); on any failure the
 *                              previous live values and the previous drop-in are restored
 * `sysctl show` and doctor use sc_sysctl_boot_resolve() to find the file that sets each key
 * at boot (systemd-sysctl and procps order).
 *
 * Values are validated in two steps: malformed input and values outside what this kernel
 * accepts are usage errors (SC_EXIT_USAGE); accepted-but-dangerous values are refusals
 * (SC_EXIT_REFUSED), some of which --force overrides (the message says so).
 * All functions return 0 or -errno and fill struct sc_err where the reason needs words.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "ctx.h"
#include "error.h"
#include "plan.h"

struct sc_sysctl_key {
	const char *name; /* "swappiness": the file under /proc/sys/vm */
	int64_t kernel_default; /* -1 when it depends on the machine */
	int64_t min; /* the range the newest kernels accept; */
	int64_t max; /* sc_sysctl_range() narrows it for older kernels */
};

/* The managed keys, in display order. */
extern const struct sc_sysctl_key sc_sysctl_keys[];
extern const size_t sc_sysctl_n_keys;

/* Indices into sc_sysctl_keys. */
enum {
	SC_VM_SWAPPINESS,
	SC_VM_MIN_FREE_KBYTES,
	SC_VM_OVERCOMMIT_MEMORY,
	SC_VM_OVERCOMMIT_RATIO,
	SC_VM_WATERMARK_SCALE_FACTOR,
	SC_VM_WATERMARK_BOOST_FACTOR,
	SC_VM_VFS_CACHE_PRESSURE,
	SC_VM_DIRTYTIME_EXPIRE_SECONDS,
	SC_VM_PAGE_CLUSTER,
	SC_VM_N,
};

/* Live value of vm.<name>: 0, -ENOENT when this kernel lacks the key. */
int sc_sysctl_read_live(const struct sc_ctx *c, const char *name, int64_t *ret);

/* "vm.swappiness" (or "vm/swappiness") -> index, -ENOENT for anything else. */
int sc_sysctl_key_index(const char *name);

struct sc_kver {
	int major;
	int minor;
};

/* "6.18.44-fc-v657" -> {6, 18}. */
int sc_kver_parse(const char *s, struct sc_kver *ret);
/* From <sysroot>/proc/sys/kernel/osrelease (not uname(2), so fixture trees work). */
int sc_kver_read(const struct sc_ctx *c, struct sc_kver *ret);
/* a >= major.minor; an unknown version (0.0) counts as new. */
bool sc_kver_ge(const struct sc_kver *a, int major, int minor);

/* The machine facts validation and profiles depend on. */
struct sc_sysctl_env {
	struct sc_kver kver;
	uint64_t mem_total_kb; /* MemTotal */
	uint64_t lowmem_kb; /* managed pages of DMA/DMA32/Normal zones; MemTotal if unknown */
	unsigned lowmem_zones; /* populated zones up to Normal (khugepaged's nr_zones) */
	uint64_t swap_total_kb;
	uint64_t committed_kb; /* Committed_AS */
	int64_t overcommit_kbytes; /* vm.overcommit_kbytes: when non-zero it replaces the ratio */
	bool thp_enabled; /* transparent_hugepage/enabled is not [never] */
	uint64_t pageblock_kb; /* hpage_pmd_size in KiB (0 without THP) */
	uint64_t page_kb;
	bool fast_swap; /* zram swap active or zswap enabled (offline: zram configured) */
	bool offline;
};

int sc_sysctl_env_read(const struct sc_ctx *c, struct sc_sysctl_env *ret);

/*
 * min_free_kbytes as the kernel computes it by itself: clamp(int_sqrt(lowmem_kB * 16), 128,
 * 262144) (mm/page_alloc.c calculate_min_free_kbytes).
 */
int64_t sc_sysctl_min_free_formula(const struct sc_sysctl_env *e);
/*
 * What khugepaged raises it to while THP is enabled (mm/khugepaged.c
 * set_recommended_min_free_kbytes): pageblock * zones * (2 + 3 * 3), at most 5% of lowmem.
 * 0 when THP is off.
 */
int64_t sc_sysctl_min_free_thp(const struct sc_sysctl_env *e);
/* The kernel's own value: the larger of the two. */
int64_t sc_sysctl_min_free_own(const struct sc_sysctl_env *e);
/* swapctl's upper bound: 5% of lowmem (the cap khugepaged itself observes). */
int64_t sc_sysctl_min_free_max(const struct sc_sysctl_env *e);
/* The value the server, database and zram profiles use: 1% of lowmem, at most 256 MiB. */
int64_t sc_sysctl_min_free_profile(const struct sc_sysctl_env *e);

/* The range this kernel accepts for key (per-kernel maxima). */
void sc_sysctl_range(const struct sc_sysctl_env *e, size_t key, int64_t *ret_min, int64_t *ret_max);

/*
 * A value as a user or a file spells it: canonical decimal only (no sign but a leading '-',
 * no leading zeros, no hex, no whitespace or trailing text: the kernel would read "010" as 8
 * and "60 junk" as 60). -EINVAL (usage error in err) otherwise.
 */
int sc_sysctl_parse_value(size_t key, const char *s, int64_t *ret, struct sc_err *err);

/* A set of requested values; set[k] says whether v[k] means anything. */
struct sc_sysctl_values {
	bool set[SC_VM_N];
	int64_t v[SC_VM_N];
};

/*
 * swapctl's rules for one value: the kernel's range (usage error), then the
 * dangerous values (refusal; --force overrides where the message says so).
 */
int sc_sysctl_validate(
	const struct sc_sysctl_env *e, size_t key, int64_t v, bool force, struct sc_err *err);
/* Rules across keys: strict overcommit whose CommitLimit would fall below Committed_AS. */
int sc_sysctl_validate_values(const struct sc_sysctl_env *e, const struct sc_sysctl_values *v,
	bool force, struct sc_err *err);

struct sc_sysctl_profile {
	const char *name;
	const char *summary;
};

extern const struct sc_sysctl_profile sc_sysctl_profiles[];
extern const size_t sc_sysctl_n_profiles;

/*
 * Every managed key's value under profile name on this machine (min_free_kbytes is computed
 * from its memory; with zram or zswap in use the desktop, server and database profiles take
 * the zram profile's reclaim values, see swapctl(8)). -ENOENT for an unknown profile.
 */
int sc_sysctl_profile_values(
	const char *name, const struct sc_sysctl_env *e, struct sc_sysctl_values *ret);

/* swapctl's drop-in: SC_SYSCTL_DROPIN in the sysctl directory (ctx->sysctl_dir). */
#define SC_SYSCTL_DROPIN "90-swapctl.conf"

struct sc_sysctl_dropin {
	bool exists;
	char *path;
	char *text; /* the file as read (NULL when it does not exist) */
	size_t len;
	struct sc_file_id id;
	char *profile; /* "# profile: NAME" header, or NULL */
	struct sc_sysctl_values values;
	unsigned line[SC_VM_N]; /* where each value was set */
	char *foreign_key; /* first key the drop-in sets that swapctl does not manage */
	unsigned foreign_line;
	char *problem; /* why the file could not be parsed (values then stay unset), or NULL */
};

/* sysctl.d key spelling: "vm/page-cluster" -> "vm.page-cluster" (systemd's normalisation). */
void sc_sysctl_normalize_key(char *key);

/* Parse drop-in text; malformed values are usage errors naming path and line. */
int sc_sysctl_dropin_parse(
	const char *path, const char *text, struct sc_sysctl_dropin *ret, struct sc_err *err);
int sc_sysctl_dropin_load(const struct sc_ctx *c, struct sc_sysctl_dropin *ret, struct sc_err *err);
void sc_sysctl_dropin_done(struct sc_sysctl_dropin *d);
/* The drop-in's text for these values: a header naming the profile, then "vm.KEY = VALUE". */
int sc_sysctl_dropin_render(const char *profile, const struct sc_sysctl_values *v, char **ret);

/*
 * Boot order. systemd-sysctl reads *.conf from the sysctl directory (replacing /etc/sysctl.d),
 * /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d (all under
 * ctx->root), sorted by basename, a name in an earlier directory masking the same name in a
 * later one (a symlink to /dev/null masks it for good); for the same key the later file wins.
 * procps `sysctl --system` reads the same and then /etc/sysctl.conf last. Debian links
 * /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf, so that file overrides any drop-in that
 * sorts before "99-sysctl.conf" under both.
 */
struct sc_sysctl_setting {
	char *file; /* as the booted system sees it: "/etc/sysctl.d/99-sysctl.conf" */
	char *via; /* the symlink's final target, "/etc/sysctl.conf", or NULL */
	unsigned line;
	char *value; /* as written in the file (may be non-canonical: "010" is 8 to the kernel) */
	bool pattern; /* set by a glob ("vm.*"); explicit keys win over patterns */
	bool after_dropin; /* applied after swapctl's drop-in (later name, or /etc/sysctl.conf) */
};

struct sc_sysctl_boot {
	struct sc_sysctl_setting systemd[SC_VM_N]; /* file == NULL: no file sets the key */
	struct sc_sysctl_setting procps[SC_VM_N];
};

int sc_sysctl_boot_resolve(const struct sc_ctx *c, struct sc_sysctl_boot *ret);
void sc_sysctl_boot_done(struct sc_sysctl_boot *b);
/*
 * The setting that wins over swapctl's drop-in for key at boot (systemd order; with procps
 * also /etc/sysctl.conf), or NULL when the drop-in's value (if any) is the one applied.
 */
const struct sc_sysctl_setting *sc_sysctl_boot_override(const struct sc_sysctl_boot *b, size_t key);

/* Everything apply and show need to know about the machine now. */
struct sc_sysctl_observed {
	struct sc_sysctl_env env;
	bool present[SC_VM_N]; /* the key exists on this kernel (always true offline) */
	int64_t live[SC_VM_N];
	struct sc_sysctl_dropin dropin;
};

int sc_sysctl_observed_read(
	const struct sc_ctx *c, struct sc_sysctl_observed *ret, struct sc_err *err);
void sc_sysctl_observed_done(struct sc_sysctl_observed *s);

struct sc_sysctl_request {
	const char *profile; /* NULL: start from the existing drop-in */
	struct sc_sysctl_values set; /* --set vm.KEY=VALUE, applied on top */
	bool force;
	bool no_persist; /* live values only, no drop-in */
};

struct sc_sysctl_plan {
	struct sc_plan plan; /* set-live / write-dropin actions (key, old, new) */
	struct sc_sysctl_values want; /* the values requested, after validation */
	char *profile;
	char *dropin_text; /* the drop-in to write; NULL when it stays as it is */
	char **notes; /* things the user should know ("vm.X is absent on this kernel, skipped") */
	size_t n_notes;
};

int sc_sysctl_plan(const struct sc_ctx *c, const struct sc_sysctl_observed *s,
	const struct sc_sysctl_request *req, struct sc_sysctl_plan *ret, struct sc_err *err);
void sc_sysctl_plan_done(struct sc_sysctl_plan *p);

/*
 * Carry out the plan, marking actions done. On failure everything written is put back (live
 * values in reverse order, the drop-in to its previous content or removed) and the actions
 * are left not done; err says what failed and, if a restore also failed, what is left.
 */
int sc_sysctl_apply(const struct sc_ctx *c, const struct sc_sysctl_observed *s,
	struct sc_sysctl_plan *p, struct sc_err *err);
