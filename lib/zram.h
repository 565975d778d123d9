/*
 * zram devices: reading their state from sysfs (zram-read.c; used by status and doctor),
 * swapctl's requests and files (zram-config.c), and creating and removing devices: the
 * observed state (zram-observed.c), the planners (zram-plan.c) and the applier (zram-apply.c).
 * Paths: <sysroot>/sys/block/zramN/..., <sysroot>/sys/class/zram-control/, <sysroot>/dev/zramN.
 *
 * Ownership: the kernel's hot_add hands out the lowest free id, so ids are reused and other
 * tools (zram-generator, zramctl --find) create devices too. swapctl
 * only ever configures, resets or hot_removes a device it hot_added itself: it records each
 * one in a runtime state file (<sysroot>/run/swapctl/zram-ids) with the device's diskseq, a
 * number the block layer never reuses within a boot, and trusts an entry only while both
 * match. The persistent configuration (<config_dir>/zram.conf) lists the devices `swapctl
 * boot` re-creates; it records requests ("50%", "auto"), not ids.
 *
 * Calling order for a mutating command: sc_zram_observed_read() (the observed state), one of
 * the planners (pure: the world and the request in, an ordered plan out), then for remove
 * sc_zram_gate() (the swapoff safety gate), then sc_zram_apply(). The applier follows the
 * kernel's mandatory order (algorithm and parameters before disksize, which initialises the
 * device; swapon after the header) and rolls a device it created back (swapoff,
 * reset, hot_remove, state entry) on any failure; configuration is written last.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "ctx.h"
#include "error.h"
#include "gate.h"
#include "plan.h"
#include "procfs.h"

struct sc_zram_dev {
	int id;
	char name[32]; /* "zram1" */
	bool initialized; /* disksize != 0 */
	uint64_t disksize;
	char *algorithm; /* the bracketed entry of comp_algorithm, or NULL */
	uint64_t orig_data; /* mm_stat: orig_data_size */
	uint64_t compr_data; /* compr_data_size */
	uint64_t mem_used; /* mem_used_total */
	uint64_t mem_limit;
	uint64_t mem_used_max;
	uint64_t same_pages;
	uint64_t huge_pages;
	/* writeback: backing_dev ("none" reads as NULL) and bd_stat, in bytes (has_bd_stat) */
	char *backing_dev;
	char *recomp; /* recomp_algorithm's text ("#1: lzo [lz4]"), NULL without the file */
	bool has_bd_stat;
	uint64_t bd_count, bd_reads, bd_writes;
};

/* Every /sys/block/zramN, sorted by id. */
int sc_zram_list(const struct sc_ctx *c, struct sc_zram_dev **ret, size_t *ret_n);
void sc_zram_list_free(struct sc_zram_dev *d, size_t n);
int sc_zram_read(const struct sc_ctx *c, int id, struct sc_zram_dev *ret);
void sc_zram_dev_done(struct sc_zram_dev *d);

/* "lzo [lzo-rle] lz4" -> list of names (NULL-terminated) and the current one. */
int sc_zram_parse_algorithms(const char *text, char ***ret_names, char **ret_current);
void sc_strv_free(char **v);
int sc_zram_parse_mm_stat(const char *text, struct sc_zram_dev *d);
/* bd_stat: "count reads writes" in 4 KiB units (whatever the page size) -> bytes. */
int sc_zram_parse_bd_stat(const char *text, struct sc_zram_dev *d);

/*
 * /sys/block/zramN/diskseq: a sequence number the block layer assigns when the disk is
 * created and never reuses within a boot. 0 when the kernel has none (before 5.15).
 */
int sc_zram_read_diskseq(const struct sc_ctx *c, int id, uint64_t *ret);

/*
 * A request for one zram swap device, as `zram add` takes it and zram.conf stores it.
 * size_kind says how size is meant: bytes, a percentage of MemTotal, or the auto policy.
 */
enum sc_zram_size_kind {
	SC_ZRAM_SIZE_BYTES,
	SC_ZRAM_SIZE_PERCENT,
	SC_ZRAM_SIZE_AUTO,
};

#define SC_ZRAM_NAME_MAX	 127 /* the kernel refuses algorithm names of 128 bytes (E2BIG) */
#define SC_ZRAM_PARAMS_MAX	 255
#define SC_ZRAM_PATH_MAX	 200 /* a dictionary or backing device path */
#define SC_ZRAM_PRIORITY_DEFAULT 100
/* auto = min(MemTotal / 2, SC_ZRAM_AUTO_MAX); every size is capped at 2 x MemTotal. */
#define SC_ZRAM_AUTO_MAX    (UINT64_C(8) << 30)
#define SC_ZRAM_MAX_PERCENT 200

struct sc_zram_spec {
	enum sc_zram_size_kind size_kind;
	uint64_t size; /* bytes, or percent (1..200) of MemTotal */
	char algorithm[SC_ZRAM_NAME_MAX + 1]; /* "" = the best the kernel offers */
	char params[SC_ZRAM_PARAMS_MAX + 1]; /* canonical algorithm_params, "" = none */
	int priority; /* -1 (kernel's choice) .. 32767 */
	uint64_t mem_limit; /* bytes, 0 = unlimited */
	/* `swapctl boot` skips the entry when MemTotal is below min_ram or above max_ram */
	uint64_t min_ram; /* bytes, 0 = no minimum */
	uint64_t max_ram; /* bytes, 0 = no maximum */
	/* writeback: the block device pages go to, as the booted system names it; "" = none */
	char backing_dev[SC_ZRAM_PATH_MAX + 1];
	uint64_t writeback_limit; /* bytes the device may write back, 0 = no limit */
	/* recompression (CONFIG_ZRAM_MULTI_COMP): the secondary algorithm, "" = none */
	char recomp_algorithm[SC_ZRAM_NAME_MAX + 1];
};

/* An absolute path without blanks, commas or '=' of at most SC_ZRAM_PATH_MAX bytes. */
bool sc_zram_path_ok(const char *path);
/* A name the kernel could know as a compressor: [A-Za-z0-9_-], at most 127 bytes. */
bool sc_zram_algorithm_name_ok(const char *name);
/* Defaults: size auto, best algorithm, priority 100, no params, no mem_limit. */
void sc_zram_spec_init(struct sc_zram_spec *s);
/* "4G" (strict sizes, parse.h), "50%" (1..200), "auto". -EINVAL / -ERANGE (zero). */
int sc_zram_parse_size_spec(const char *text, struct sc_zram_spec *s);
/*
 * algorithm_params: space- or comma-separated KEY=VALUE with the keys the kernel reads for
 * the primary algorithm: level=INT and dict=/absolute/path. Unknown keys are refused (the
 * kernel would accept and ignore them). Canonical form: "level=N dict=P".
 */
int sc_zram_parse_params(const char *text, char ret[static SC_ZRAM_PARAMS_MAX + 1]);
/*
 * Canonical params (sc_zram_parse_params()) against the backend of alg as the kernel has it:
 * a level for an algorithm without levels (lzo, lzo-rle, 842) or outside its range (zstd
 * -131072..22, lz4 1..65537, lz4hc 1..12, deflate 0..9), a dict for one that loads none
 * (deflate, lzo, lzo-rle, 842): -EINVAL/-ERANGE, err SC_EXIT_USAGE. alg "", "auto" or a name
 * not in that list: 0.
 */
int sc_zram_params_check(const char *alg, const char *params, struct sc_err *err);
/*
 * dict= of canonical params names a non-empty regular file that can be opened for reading
 * (inside the root with --root, as the booted system will see it). 0, or -errno with err
 * (SC_EXIT_USAGE) naming the file.
 */
int sc_zram_params_check_dict(const struct sc_ctx *c, const char *params, struct sc_err *err);
/*
 * "size=auto algorithm=auto priority=100 mem_limit=0[ params=level=3,dict=/x][ min_ram=B]
 * [ max_ram=B][ backing_dev=/dev/X][ writeback_limit=B][ recomp_algorithm=NAME]": the
 * optional keys only when set,
 * so older files read back unchanged.
 */
int sc_zram_spec_format(const struct sc_zram_spec *s, char **ret);
/* Parse the tokens of one line (unknown keys, duplicates and bad values: -EINVAL). */
int sc_zram_spec_parse(const char *line, struct sc_zram_spec *ret);
bool sc_zram_spec_equal(const struct sc_zram_spec *a, const struct sc_zram_spec *b);

/*
 * The disksize a spec asks for on a machine with mem_total bytes of RAM, rounded down to
 * whole pages. Refuses (err, -ERANGE) a size below 10 pages, and an explicit size above
 * 2 x MemTotal (SC_EXIT_REFUSED: zram.rst, "there is little point creating a zram of greater
 * than twice the size of memory").
 */
int sc_zram_disksize(const struct sc_zram_spec *s, uint64_t mem_total, size_t page_size,
	uint64_t *ret, struct sc_err *err);

/*
 * The algorithm to configure: requested ("" = best) checked against what comp_algorithm
 * offers. Preference without a request: zstd, lz4, lzo-rle, else the kernel's current one.
 * A requested name that is not offered: -EINVAL, err (SC_EXIT_USAGE) lists the offered ones.
 */
int sc_zram_choose_algorithm(char *const *offered, const char *current, const char *requested,
	const char **ret, struct sc_err *err);

/* zram.conf: the devices `swapctl boot` re-creates, in order. */
struct sc_zram_config {
	struct sc_zram_spec *entries;
	size_t n;
};

int sc_zram_config_parse(const char *text, struct sc_zram_config *ret, struct sc_err *err);
int sc_zram_config_render(const struct sc_zram_config *cfg, char **ret);
int sc_zram_config_add(struct sc_zram_config *cfg, const struct sc_zram_spec *s);
/* Drop the first entry equal to s; returns 1 if one was dropped, 0 if none. */
int sc_zram_config_remove(struct sc_zram_config *cfg, const struct sc_zram_spec *s);
size_t sc_zram_config_count(const struct sc_zram_config *cfg, const struct sc_zram_spec *s);
void sc_zram_config_free(struct sc_zram_config *cfg);
/* <config_dir>/zram.conf (config.h); a missing file is an empty configuration. */
#define SC_ZRAM_CONFIG_NAME "zram.conf"
int sc_zram_config_load(const struct sc_ctx *c, struct sc_zram_config *ret,
	struct sc_file_id *ret_id, struct sc_err *err);
/* Atomic replace (refusing if the file changed since expect was taken); creates the dir. */
int sc_zram_config_save(const struct sc_ctx *c, const struct sc_zram_config *cfg,
	const struct sc_file_id *expect, struct sc_err *err);

/* One device swapctl created in this boot (runtime state, lost at reboot with /run). */
struct sc_zram_owned {
	int id;
	uint64_t diskseq; /* 0 when the kernel has no diskseq attribute (before 5.15) */
	struct sc_zram_spec spec;
};

/*
 * The runtime record of the devices swapctl created (<sysroot>/run/swapctl/zram-ids); not
 * the observed state, which is struct sc_zram_observed.
 */
struct sc_zram_ids {
	struct sc_zram_owned *devs;
	size_t n;
};

int sc_zram_ids_parse(const char *text, struct sc_zram_ids *ret);
int sc_zram_ids_render(const struct sc_zram_ids *st, char **ret);
/*
 * Load <sysroot>/run/swapctl/zram-ids, keeping only entries whose device still exists with
 * the recorded diskseq (an entry left by a crash never claims somebody else's device).
 */
int sc_zram_ids_load(const struct sc_ctx *c, struct sc_zram_ids *ret);
int sc_zram_ids_save(const struct sc_ctx *c, const struct sc_zram_ids *st);
const struct sc_zram_owned *sc_zram_ids_find(const struct sc_zram_ids *st, int id);
void sc_zram_ids_free(struct sc_zram_ids *st);

/*
 * `swapctl priority /dev/zramN P` on a device swapctl created: P has to become part of the
 * request the device was made from, in its state entry and in the zram.conf entry it came
 * from, or `swapctl boot` would find no device for that entry and add another one.
 * sc_zram_owned_spec(): 1 and the recorded request when zramN is swapctl's (state entry with
 * the current diskseq), 0 when it is not; ret_in_config: zram.conf lists that request.
 * sc_zram_set_priority(): the state entry, then the first zram.conf entry equal to the
 * recorded request (atomically, refusing a concurrent edit); the state entry is put back
 * when zram.conf cannot be written. Returns 1 when zram.conf changed, 0 when it did not
 * need to (not swapctl's device, or a --no-persist one).
 */
int sc_zram_owned_spec(const struct sc_ctx *c, int id, struct sc_zram_spec *ret,
	bool *ret_in_config, struct sc_err *err);
int sc_zram_set_priority(const struct sc_ctx *c, int id, int priority, struct sc_err *err);

/* Everything the planners look at, read once. */
struct sc_zram_observed {
	uint64_t mem_total;
	bool control_present; /* /sys/class/zram-control exists (zram loaded) */
	int writeback; /* devices have backing_dev (CONFIG_ZRAM_WRITEBACK): 1, 0, -1 unknown */
	int recompress; /* devices have recomp_algorithm (CONFIG_ZRAM_MULTI_COMP): 1, 0, -1 */
	char **offered; /* comp_algorithm choices of an existing device, NULL if none */
	char *current; /* the kernel's default algorithm (bracketed on an uninitialised device) */
	struct sc_zram_dev *devs;
	size_t n_devs;
	struct sc_swaps swaps;
	struct sc_zram_ids state;
	struct sc_zram_config config;
	struct sc_file_id config_id;
};

int sc_zram_observed_read(const struct sc_ctx *c, struct sc_zram_observed *ret, struct sc_err *err);
void sc_zram_observed_done(struct sc_zram_observed *w);
/* zramN is an active swap area ("/dev/zramN" in /proc/swaps). */
bool sc_zram_observed_active(const struct sc_zram_observed *w, int id);

/* The action kinds of zram plans are in plan.h (enum sc_act, SC_ZRAM_*). */

struct sc_zram_add_req {
	struct sc_zram_spec spec;
	bool persist;
};

/*
 * zram add: nothing when an active swapctl device with the same spec exists (and, with
 * persist, zram.conf lists it); else hot_add, algorithm, params, mem_limit, disksize,
 * header, swapon, then the config entry. ret_device: the existing device, or -1.
 * A request whose min_ram/max_ram exclude this machine only gets its config entry.
 */
int sc_zram_plan_add(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_add_req *req, struct sc_plan *plan, int *ret_device,
	struct sc_err *err);

/*
 * zram remove: ids (named devices; a device swapctl did not create is only accepted when it
 * is active swap, and is then swapped off and reset but not hot_removed) or all (every
 * device in the state file, and every zram.conf entry).
 */
int sc_zram_plan_remove(const struct sc_ctx *c, const struct sc_zram_observed *w, const int *ids,
	size_t n_ids, bool all, struct sc_plan *plan, struct sc_err *err);

/*
 * What decides at boot whether zram devices are made at all (zram-boot.c), read once:
 *  - cmdline: the kernel command line's word on it, "swapctl.zram=0" (or systemd.zram=0,
 *    zram-generator's switch) turns zram off for this boot, "swapctl.zram=1" turns the
 *    container and memory rules off; swapctl.zram wins over systemd.zram, the last of
 *    each counts, and nothing after a bare "--" (arguments for init) is read;
 *  - container: running in a container, as systemd-detect-virt --container finds it: a
 *    container's kernel is the host's, so a zram device made there is the host's, outside
 *    the container's memory limits.
 */
enum sc_zram_cmdline {
	SC_ZRAM_CMDLINE_NONE,
	SC_ZRAM_CMDLINE_OFF,
	SC_ZRAM_CMDLINE_ON,
};

struct sc_zram_boot_env {
	enum sc_zram_cmdline cmdline;
	char cmdline_word[64]; /* the word that decided, "swapctl.zram=0" */
	char container[64]; /* the container manager ("docker", "lxc"), "" when none */
	char container_source[64]; /* where it was found ("/.dockerenv") */
};

/* The decision of a /proc/cmdline text (ret_word may be NULL). */
enum sc_zram_cmdline sc_zram_cmdline_parse(const char *cmdline, char ret_word[static 64]);
/*
 * <sysroot>/proc/cmdline, then, as systemd's detect_container(): /proc/vz without /proc/bc
 * (OpenVZ), /run/systemd/container, /run/host/container-manager, container= in PID 1's
 * environment, /run/.containerenv (podman), /.dockerenv (docker). Files that cannot be read
 * count as absent. Returns 0 or -ENOMEM.
 */
int sc_zram_boot_env_read(const struct sc_ctx *c, struct sc_zram_boot_env *ret);

/*
 * Whether the entry is for a machine with mem_total bytes of MemTotal: true, or false and
 * why (a sentence naming the bound) in why.
 */
bool sc_zram_spec_fits(const struct sc_zram_spec *s, uint64_t mem_total, char *why, size_t len);

/* An entry of zram.conf that `swapctl boot` did not create a device for, and why. */
struct sc_zram_skip {
	char *entry; /* the entry as zram.conf has it */
	const char *rule; /* "cmdline", "container", "min_ram" or "max_ram" */
	char reason[256];
};

struct sc_zram_skips {
	struct sc_zram_skip *v;
	size_t n;
};

void sc_zram_skips_free(struct sc_zram_skips *s);

/*
 * boot: tear down swapctl devices that are no longer active swap (left by a crash or a
 * manual swapoff), then create a device for every zram.conf entry that has no active
 * swapctl device with the same spec. Idempotent. Nothing at all when env turns zram off
 * (the command line, or a container unless force or swapctl.zram=1); entries whose memory
 * bounds exclude this machine are skipped (unless force or swapctl.zram=1). Every entry
 * not created for one of those reasons is in skips.
 */
int sc_zram_plan_boot(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_boot_env *env, bool force, struct sc_plan *plan,
	struct sc_zram_skips *skips, struct sc_err *err);

/*
 * The swapoff safety gate (gate.h) over every device the plan swaps off, all together.
 * 0 when allowed; a refusal is -EPERM with err filled (SC_EXIT_REFUSED), unless force: then
 * 0 with *ret_overridden set and err still holding the refusal, for the caller to show as a
 * warning (pass an err of its own). ret_report (may be NULL) receives the gate's figures;
 * free them with sc_gate_report_free(). Nothing to swap off: 0, and the report stays empty.
 */
int sc_zram_gate(const struct sc_ctx *c, const struct sc_plan *plan, bool force,
	bool *ret_overridden, struct sc_gate_report *ret_report, struct sc_err *err);

/*
 * Apply a plan made by the planners above. Device groups are independent: a device that
 * cannot be torn down keeps its state and zram.conf entries while the other teardowns still
 * run; a failed creation is rolled back, and with keep_going (boot) the rest still run,
 * otherwise nothing more is created. Returns 0, or the first failure (-errno, err filled).
 */
int sc_zram_apply(const struct sc_ctx *c, struct sc_zram_observed *w, struct sc_plan *plan,
	bool keep_going, struct sc_err *err);

/*
 * Writeback (zram-writeback.c). A backing device for zram add or boot: a block device that is
 * not zram, not mounted, not an active swap area and not held by device-mapper or md.
 * 0; a missing or wrong device is SC_EXIT_USAGE, one in use SC_EXIT_REFUSED.
 */
int sc_zram_backing_check(const struct sc_ctx *c, const char *path, struct sc_err *err);

/*
 * zram writeback [DEVICE...] [--idle AGE] [--huge]: for each named device (each must be
 * swapctl's, set up, with a backing device; else refused) or, with none named, every
 * swapctl device that has one:
 *  - idle_age seconds (or SC_ZRAM_IDLE_ALL): mark-idle the pages not accessed for that long
 *    (all), then write back the idle ones (huge: those both huge and idle);
 *  - huge alone: write back the incompressible pages;
 *  - neither: write back the pages marked idle by the previous run and not accessed since,
 *    then mark every page idle for the next run (a periodic timer's mode; no access times
 *    needed).
 * Actions: mark-idle (idle "all" or idle_seconds), writeback (mode; after apply
 * written_bytes from bd_stat, limit_reached when writeback_limit is used up, which is not
 * a failure). One device's failure does not keep the others from running.
 */
#define SC_ZRAM_IDLE_NONE (-1)
#define SC_ZRAM_IDLE_ALL  (-2)

struct sc_zram_writeback_req {
	const int *ids;
	size_t n_ids;
	int64_t idle_age; /* seconds, SC_ZRAM_IDLE_ALL or SC_ZRAM_IDLE_NONE */
	bool huge;
	/*
	 * zram recompress instead: the same selection of pages, recompressed with the device's
	 * secondary algorithm (algorithm: that one, NULL: the kernel's choice) instead of written
	 * back; devices need recomp_algorithm (CONFIG_ZRAM_MULTI_COMP) and one configured
	 * (zram add --recompress-algorithm), not a backing device. Actions: recompress (mode,
	 * algorithm; after apply saved_bytes from mm_stat) in place of writeback.
	 */
	bool recompress;
	const char *algorithm;
};

int sc_zram_plan_writeback(const struct sc_ctx *c, const struct sc_zram_observed *w,
	const struct sc_zram_writeback_req *req, struct sc_plan *plan, struct sc_err *err);
int sc_zram_apply_writeback(const struct sc_ctx *c, struct sc_plan *plan, struct sc_err *err);
