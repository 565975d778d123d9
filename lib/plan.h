/*
 * Plans: the ordered list of typed actions a mutating command computes from the request and
 * the observed state (pure code), before anything is applied. --dry-run prints the plan, --json
 * prints it as "actions", and the applier walks it, marking each action done.
 *
 * This header is the catalogue of every action swapctl can take: one kind per action of each
 * command (enum sc_act), each with its own payload (a member of the union in struct
 * sc_action), and one table (plan.c) that gives each kind its public name ("create",
 * "swapon", "fstab-add", ...) and renders its payload as the named fields of the output
 * ("size_bytes": 17179869184). Appliers switch on the kind and read the payload; nothing
 * looks a field up by name.
 *
 * Strings of a payload are owned by the action (sc_action_strdup()) and freed with the plan.
 * sc_plan_add() may move the array: do not keep action pointers across calls to it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discard.h"
#include "error.h"

enum sc_act {
	/* add and remove (lib/swapfile-plan.c) */
	SC_SWAPFILE_ACT_MKDIR = 1, /* target: the directory; .mkdir */
	SC_SWAPFILE_ACT_CREATE, /* target: the file; .create */
	SC_SWAPFILE_ACT_SWAPON, /* target: the file; .swapon */
	SC_SWAPFILE_ACT_FSTAB_ADD, /* target: fstab; .fstab_set */
	SC_SWAPFILE_ACT_FSTAB_UPDATE, /* target: fstab; .fstab_set */
	SC_SWAPFILE_ACT_SWAPOFF, /* target: the area; .swapoff */
	SC_SWAPFILE_ACT_FSTAB_REMOVE, /* target: fstab; .fstab_remove */
	SC_SWAPFILE_ACT_UNLINK, /* target: the file; .unlink */

	/* rotate, resize (lib/rotate.c) and priority (swapctl/priority-gather.c) */
	SC_ROT_ACT_CREATE, /* target: the replacement; .rot_create */
	SC_ROT_ACT_SWAPON, /* target: the area; .rot_swapon */
	SC_ROT_ACT_FSTAB_REPLACE, /* target: fstab; .fstab_replace */
	SC_ROT_ACT_FSTAB_UPDATE, /* target: fstab; .fstab_update */
	SC_ROT_ACT_SWAPOFF, /* target: the area; .rot_swapoff (used bytes after the gate) */
	SC_ROT_ACT_UNLINK, /* target: the old file; no payload */
	SC_ROT_ACT_ZRAM_CONFIG, /* target: zram.conf; .zram_config */

	/* zram add and remove (lib/zram-plan.c); target: the device but for the last two; .zram */
	SC_ZRAM_LOAD_MODULE, /* modprobe zram when /sys/class/zram-control is missing */
	SC_ZRAM_HOT_ADD, /* entry */
	SC_ZRAM_SET_ALGORITHM, /* algorithm ("auto" until the applier chooses) */
	SC_ZRAM_SET_PARAMS, /* params */
	SC_ZRAM_SET_RECOMP_ALGORITHM, /* algorithm (the secondary one) */
	SC_ZRAM_SET_BACKING_DEV, /* backing_dev, wait_ms */
	SC_ZRAM_SET_WRITEBACK_LIMIT, /* writeback_limit */
	SC_ZRAM_SET_MEM_LIMIT, /* mem_limit */
	SC_ZRAM_SET_DISKSIZE, /* size */
	SC_ZRAM_MKSWAP, /* size */
	SC_ZRAM_SWAPON, /* priority */
	SC_ZRAM_SWAPOFF, /* used */
	SC_ZRAM_RESET,
	SC_ZRAM_HOT_REMOVE,
	SC_ZRAM_CONFIG_ADD, /* target: zram.conf; entry */
	SC_ZRAM_CONFIG_REMOVE, /* target: zram.conf; entry, device ("" when none is active) */
	/* zram writeback and recompress (lib/zram-writeback.c); target: the device; .zram */
	SC_ZRAM_MARK_IDLE, /* idle_seconds (0: all) */
	SC_ZRAM_WRITEBACK, /* mode; written, limit_reached (filled in by the applier) */
	SC_ZRAM_RECOMPRESS, /* mode, algorithm (NULL: the kernel's); saved (by the applier) */

	/* zswap (lib/zswap.c) */
	SC_ZSWAP_SET_PARAM, /* target: the parameter file; .zswap_param */
	SC_ZSWAP_CONFIG, /* target: zswap.conf; .zswap_config, the settings it will hold */

	/* sysctl apply (lib/sysctl-plan.c) */
	SC_SYSCTL_SET_LIVE, /* target: /proc/sys/vm/KEY; .sysctl_live */
	SC_SYSCTL_WRITE_DROPIN, /* target: the drop-in; .sysctl_dropin */

	/* hibernate (lib/hibernate.c) */
	SC_HIB_WRITE_CONF, /* target: the file; .hib_conf */
	SC_HIB_REMOVE_CONF, /* target: the file; .hib_conf (text NULL) */
	SC_HIB_SET_LIVE, /* target: /sys/power/resume_offset or resume; .hib_live */
	SC_HIB_REGENERATE, /* target: the command line run ("update-grub"); no payload */

	SC_ACT_MAX
};

/* Payloads, by kind. Strings belong to the action. */
struct sc_act_mkdir {
	bool subvolume; /* a btrfs subvolume, so snapshots of the parent leave it out */
};

struct sc_act_create {
	uint64_t size;
	uint64_t page_size;
	uint64_t reserve; /* free space the filesystem must keep */
	const char *filesystem;
	bool nocow;
	const char *label;
	/* filled in by the applier */
	char uuid[37];
	bool zero_filled;
};

struct sc_act_swapon {
	int priority;
	enum sc_discard discard;
	uint64_t size;
	bool zero_filled; /* filled in by the applier */
};

struct sc_act_fstab_set {
	const char *path; /* as the booted system sees it */
	int priority;
	enum sc_discard discard;
};

/* remove: target is the index of the removal target the action belongs to. */
struct sc_act_swapoff {
	uint64_t size;
	uint64_t used;
	int priority;
	size_t target;
};

struct sc_act_fstab_remove {
	const char *path;
	bool managed;
	size_t target;
};

struct sc_act_unlink {
	uint64_t size;
	size_t target;
};

struct sc_act_rot_create {
	uint64_t size;
	const char *replaces;
};

struct sc_act_rot_swapon {
	int priority;
	enum sc_discard discard;
	bool has_old_priority; /* priority: the area is re-enabled with a new priority */
	int old_priority;
};

struct sc_act_fstab_replace {
	const char *old_source;
	const char *new_source;
	int priority;
};

struct sc_act_fstab_update {
	const char *source;
	int priority;
};

struct sc_act_rot_swapoff {
	uint64_t used;
};

struct sc_act_zram_config {
	const char *device;
	int priority;
};

/* zram: the members its kind names (above). */
struct sc_act_zram {
	const char *entry; /* the zram.conf line of the device's spec */
	const char *device;
	const char *algorithm;
	const char *params;
	uint64_t size;
	uint64_t mem_limit;
	uint64_t used;
	int priority;
	const char *backing_dev;
	uint64_t writeback_limit;
	uint64_t wait_ms; /* boot waits this long for the backing device to appear; not shown */
	const char *mode; /* idle, huge or huge_idle */
	int64_t idle_seconds;
	uint64_t written, saved;
	bool has_written, has_saved, limit_reached;
};

struct sc_act_zswap_param {
	const char *value;
	const char *previous;
};

struct sc_act_zswap_config {
	int enabled; /* -1: not set */
	const char *compressor; /* NULL: not set */
	int max_pool_percent; /* -1: not set */
};

struct sc_act_sysctl_live {
	const char *key; /* "vm.swappiness" */
	int64_t old, new;
};

/* One changed key of the drop-in, or (key NULL) a rewrite of its header only. */
struct sc_act_sysctl_dropin {
	const char *key;
	bool has_old, has_new;
	int64_t old, new;
	const char *profile;
};

/* A boot configuration file of hibernate, or swapctl's record of it. */
struct sc_act_hib_conf {
	const char *purpose; /* "grub", "initramfs", "kernel-cmdline", "record" (static) */
	const char *setting; /* what it sets ("resume=UUID=... resume_offset=N"), shown */
	const char *text; /* the new content (write-config), not shown */
};

struct sc_act_hib_live {
	const char *old, *new; /* as the attribute reads and takes them ("254:1", "34816") */
};

/* A named field of an action's output. */
enum sc_field_type {
	SC_FIELD_STR,
	SC_FIELD_INT,
	SC_FIELD_BOOL,
};

struct sc_field {
	char *key;
	enum sc_field_type type;
	char *str;
	int64_t num; /* SC_FIELD_INT and SC_FIELD_BOOL */
};

#define SC_ACTION_MAX_STRINGS 4

struct sc_action {
	enum sc_act kind;
	const char *action; /* the kind's public name */
	char *target;
	bool done;
	/* a step of rotate that finishes or undoes an interrupted rotation */
	bool recovery;
	union {
		struct sc_act_mkdir mkdir;
		struct sc_act_create create;
		struct sc_act_swapon swapon;
		struct sc_act_fstab_set fstab_set;
		struct sc_act_swapoff swapoff;
		struct sc_act_fstab_remove fstab_remove;
		struct sc_act_unlink unlink;
		struct sc_act_rot_create rot_create;
		struct sc_act_rot_swapon rot_swapon;
		struct sc_act_fstab_replace fstab_replace;
		struct sc_act_fstab_update fstab_update;
		struct sc_act_rot_swapoff rot_swapoff;
		struct sc_act_zram_config zram_config;
		struct sc_act_zram zram;
		struct sc_act_zswap_param zswap_param;
		struct sc_act_zswap_config zswap_config;
		struct sc_act_sysctl_live sysctl_live;
		struct sc_act_sysctl_dropin sysctl_dropin;
		struct sc_act_hib_conf hib_conf;
		struct sc_act_hib_live hib_live;
	} u;
	char *strings[SC_ACTION_MAX_STRINGS]; /* what the payload's strings point into */
};

struct sc_plan {
	struct sc_action *actions;
	size_t n;
};

/* The public name of a kind ("swapon"). */
const char *sc_act_name(enum sc_act kind);
/* Returns the new action, zeroed but for kind, name and target, or NULL when out of memory. */
struct sc_action *sc_plan_add(struct sc_plan *p, enum sc_act kind, const char *target);
/* *ret = a copy of s owned by a (NULL stays NULL): 0, or -ENOMEM. */
int sc_action_strdup(struct sc_action *a, const char *s, const char **ret);
/*
 * The action's payload as the named fields of its output, in their order; free with
 * sc_fields_free(). 0 or -ENOMEM.
 */
int sc_action_fields(const struct sc_action *a, struct sc_field **ret, size_t *ret_n);
void sc_fields_free(struct sc_field *f, size_t n);
/* True when any action is done (after apply) -- the "changed" of the JSON output. */
bool sc_plan_changed(const struct sc_plan *p);
void sc_plan_free(struct sc_plan *p);

/*
 * The applier of all-or-nothing plans. run carries out one action: 0 done, 1 taken care of
 * but not done yet (a staged edit that a later commit makes; it counts as done once the
 * caller says so), -errno with err set. undo reverses one done action: 0, or -errno with its
 * own error; NULL, or a kind it has nothing to undo for, returns 0.
 */
struct sc_applier {
	int (*run)(void *data, struct sc_action *a, struct sc_err *err);
	int (*undo)(void *data, struct sc_action *a, struct sc_err *err);
	void *data;
};

/*
 * Run the actions in order, marking each done. At the first failure the done ones are
 * undone, newest first (sc_plan_undo()), and the failure is returned with err.
 */
int sc_plan_apply(struct sc_plan *p, const struct sc_applier *ops, struct sc_err *err);
/*
 * Undo every done action, newest first, marking each not done again. An undo that fails
 * leaves its action done and, the first time, says so in err's hint ("rolling back failed
 * too (...)"); the rest are still tried. Returns 0 or the first undo's failure.
 */
int sc_plan_undo(struct sc_plan *p, const struct sc_applier *ops, struct sc_err *err);
