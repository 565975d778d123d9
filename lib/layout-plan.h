/*
 * What a layout means for this machine: the managed state as it is (struct sc_layout_observed,
 * observed by sc_layout_observe(), the same data `swapctl export` prints) against the layout
 * wanted, planned into typed steps (pure: sc_layout_plan()).
 *
 * A step names one change of one object in the terms of swapctl's own commands (create or
 * re-enable a swapfile, resize it make-before-break, re-prioritise it, remove it, the same for
 * zram devices, zswap and the vm.* values); the command layer carries each out through that
 * command's own planner and applier, so `apply` refuses, rolls back and gates exactly as
 * the command does. Steps are ordered so that swap is only ever added before it is taken
 * away: zswap, then zram and swapfiles that are added, resized or re-prioritised, then
 * (--prune) the removals; the vm.* values last, since profiles depend on the swap there is.
 *
 * Identity: a [swapfile] is the managed fstab entry (x-swapctl) of its path, or of a
 * replacement of it that rotate or resize named <path>.<N>. The n-th [zram] is the n-th
 * entry of swapctl's zram.conf (devices have no stable names: hot_add hands out ids).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "layout.h"
#include "observe.h"

/* One managed swapfile as it is. */
struct sc_layout_observed_file {
	char *path; /* the fstab entry's source (as the booted system sees it) */
	bool exists; /* the file is there */
	uint64_t size; /* its size, rounded down to pages */
	bool active;
	int active_priority;
	bool has_priority; /* pri= in fstab */
	int priority;
	enum sc_discard discard; /* from fstab */
	char *label;
};

struct sc_layout_observed_zram {
	struct sc_zram_spec spec; /* the zram.conf entry */
	int device; /* the active swapctl device standing for it, or -1 */
};

struct sc_layout_observed {
	bool offline; /* an image (--root): no devices, nothing active */
	struct sc_layout_observed_file *files;
	size_t n_files;
	struct sc_layout_observed_zram *zram;
	size_t n_zram;
	char *hibernate; /* the swapfile swapctl's resume configuration names, or NULL */
	struct sc_zswap_settings zswap; /* zswap.conf (fields -1/"" when unset) */
	bool zswap_configured;
	char *profile; /* the drop-in's profile, or NULL */
	struct sc_sysctl_values dropin; /* every value the drop-in sets */
	struct sc_sysctl_values overrides; /* those that differ from the profile's */
	bool sysctl_configured; /* the drop-in exists */
};

/*
 * The managed state, from an observation with SC_OBS_SWAPS | SC_OBS_FSTAB (and SC_OBS_ZRAM
 * on a live system), plus the files swapctl keeps (zram.conf, zswap.conf, the sysctl
 * drop-in) and the swapfiles' sizes and labels. Errors: -errno with err filled.
 */
int sc_layout_observe(const struct sc_ctx *c, const struct sc_observation *obs,
	struct sc_layout_observed *ret, struct sc_err *err);
void sc_layout_observed_done(struct sc_layout_observed *h);
/*
 * Read and parse the layout: file (a path, taken as given, outside any --root), "-"
 * (standard input), or NULL for <config_dir>/layout.conf. *ret_name: how messages name it.
 */
#define SC_LAYOUT_MAX (1024 * 1024)
int sc_layout_load(const struct sc_ctx *c, const char *file, struct sc_layout *ret, char **ret_name,
	struct sc_err *err);
/* The layout that describes h: what `swapctl export` prints. */
int sc_layout_of_have(const struct sc_layout_observed *h, struct sc_layout *ret);

enum sc_step_kind {
	SC_STEP_ZSWAP = 1, /* zswap enable|disable [--compressor] [--max-pool-percent] */
	SC_STEP_ZRAM_ADD, /* zram add SPEC (nothing when its device is active) */
	SC_STEP_SWAPFILE_ADD, /* add SIZE --path FILE ...: create, enable, persist */
	SC_STEP_SWAPFILE_RESIZE, /* resize FILE SIZE */
	SC_STEP_SWAPFILE_PRIORITY, /* priority FILE N */
	SC_STEP_ZRAM_REMOVE, /* zram remove /dev/zramN (a replaced or pruned entry) */
	SC_STEP_SWAPFILE_REMOVE, /* remove FILE (pruned) */
	SC_STEP_SYSCTL, /* sysctl apply [--profile P] [--set K=V]... */
	SC_STEP_HIBERNATE, /* hibernate FILE (a file that exists; add --hibernate otherwise) */
};

struct sc_step {
	enum sc_step_kind kind;
	const char *object; /* the diff entry it belongs to: "swapfile /swap/swapfile" */
	union {
		struct {
			const struct sc_layout_swapfile *want;
			const char *path; /* the file as it is named now (maybe <path>.<N>) */
			uint64_t size; /* 0: auto */
			bool hibernate; /* a new file: add --hibernate configures resume too */
		} add;
		struct {
			const char *layout_path; /* re-resolved when the step runs */
			const char *path;
			uint64_t size;
		} resize;
		struct {
			const char *layout_path;
			const char *path;
			int priority;
		} priority;
		struct {
			const char *path;
		} remove;
		struct {
			const char *layout_path; /* re-resolved when the step runs */
			const char *path;
		} hibernate;
		struct {
			const struct sc_zram_spec *spec;
		} zram_add;
		struct {
			int device;
		} zram_remove;
		struct {
			const struct sc_zswap_settings *want;
		} zswap;
		struct {
			const char *profile;
			const struct sc_sysctl_values *values;
		} sysctl;
	} u;
};

/* One field of an object that differs: from (absent when has_from is false) -> to. */
struct sc_diff_field {
	const char *key; /* "size_bytes", "priority", "active", "discard", "algorithm"... */
	bool numeric;
	bool has_from, has_to;
	int64_t from_n, to_n;
	char from_s[64], to_s[64];
};

/* One object of the layout or of the machine, and how the plan changes it. */
struct sc_diff {
	char *object; /* "swapfile /swap/swapfile", "zram 1", "zswap", "sysctl" */
	const char *change; /* "create", "update", "remove", "none", "kept" (--prune removes) */
	struct sc_diff_field *fields;
	size_t n_fields;
};

struct sc_layout_plan {
	struct sc_step *steps;
	size_t n_steps;
	struct sc_diff *diff;
	size_t n_diff;
};

/*
 * want against have. prune: remove managed swapfiles and zram entries the layout does not
 * list (else they are kept and the diff says so). Fails (err) where no command can bring the
 * object to the layout. The plan points into want and have: keep both until it is freed.
 */
int sc_layout_plan(const struct sc_layout *want, const struct sc_layout_observed *have, bool prune,
	struct sc_layout_plan *ret, struct sc_err *err);
void sc_layout_plan_done(struct sc_layout_plan *p);

/* The managed swapfile of have that stands for the layout's path (see above), or NULL. */
const struct sc_layout_observed_file *sc_layout_find_file(
	const struct sc_layout_observed *have, const char *path);
