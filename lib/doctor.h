/*
 * doctor: the risks that lead to OOM kills and broken swap, as findings with a
 * stable id, a severity, a message and a fix.
 *
 * Calling order:
 *   1. the caller observes the box into state->obs: sc_observe(ctx, SC_DOCTOR_OBSERVE,
 *      &state->obs) (observe.h; it lives in fstab/, which lib/ cannot use): the swap areas,
 *      the fstab swap lines, memory, zswap, the live vm.* values, the rotation journal and
 *      swapctl's inactive swapfiles, the same observation status shows;
 *   2. sc_doctor_gather() reads doctor's own extras under the context's roots: zoneinfo,
 *      vmstat, the kernel log (/dev/kmsg, when readable), the kernel's sysctl environment,
 *      swapctl's drop-in and the boot order of sysctl files, other swap managers' files,
 *      and inspects every swapfile that is active or named in fstab (stat, statfs, inode
 *      flags, statx attributes: through c->sys so tests can fake them); it computes the
 *      drift (drift.h) of the observation;
 *   3. sc_doctor_check() turns the state into findings: pure, no I/O. The findings about
 *      fstab lines missing, inactive or duplicated, swap not persisted, a pending rotation
 *      and orphaned swapfiles are the drift records, so doctor and status always agree.
 * Everything is read-only. Paths from /proc/swaps and fstab are looked up under ctx->root
 * (the running system has root ""), inside it (sc_ctx_open()). For an offline root (an image,
 * ctx->offline) only the image is looked at: its fstab and the files it names, its sysctl
 * files and swapctl's drop-in, the rotation journal and the other swap managers installed in
 * it; the running kernel's swap areas, memory, zones, vm.* values, zswap and kernel log are
 * not read, and the checks that need them find nothing.
 *
 * sc_doctor_observed_done() frees the state including the observation; sc_findings_free() the
 * findings. Functions return 0 or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "drift.h"
#include "error.h"
#include "hibernate.h"
#include "observe.h"
#include "procfs.h"
#include "sysctl.h"
#include "zswap.h"

enum sc_severity {
	SC_SEV_INFO,
	SC_SEV_WARNING,
	SC_SEV_ERROR,
};

const char *sc_severity_name(enum sc_severity s);

struct sc_finding {
	const char *id; /* stable, kebab-case, documented in swapctl(8) */
	enum sc_severity severity;
	char *message;
	char *fix;
};

struct sc_findings {
	struct sc_finding *items;
	size_t n;
};

void sc_findings_free(struct sc_findings *f);
/* True when any finding is a warning or an error (doctor's exit status 4). */
bool sc_findings_problems(const struct sc_findings *f);

/* One swapfile or swap device doctor looked at (active, named in fstab, or both). */
struct sc_doctor_area {
	char *path; /* as the system sees it */
	bool active; /* listed in /proc/swaps */
	enum sc_swap_type type; /* from /proc/swaps, or from stat for fstab-only entries */
	int priority;
	ssize_t fstab; /* index of the first fstab line (obs.entries) naming it, -1 when none */
	bool resolved; /* the fstab source could be turned into a path (UUID= via /dev/disk) */
	bool exists;
	bool is_file; /* a regular file (not a block device) */
	mode_t mode;
	uid_t uid;
	bool has_acl; /* system.posix_acl_access is set */
	bool btrfs;
	bool flags_known;
	bool nocow;
	bool compressed;
	bool encrypted; /* STATX_ATTR_ENCRYPTED */
	dev_t dev; /* identity, for matching fstab to /proc/swaps */
	ino_t ino;
	dev_t rdev;
	const char *owner; /* another swap manager that owns this area, or NULL */
};

/* Another program that creates or activates swap on this machine. */
struct sc_doctor_manager {
	const char *name; /* "zram-generator", "zram-tools", "dphys-swapfile", ... */
	char *evidence; /* the file that shows it, with a line for cloud-init */
	bool active; /* configured to act at boot (not just installed or inert) */
};

/* One OOM kill from the kernel log. */
struct sc_doctor_oom {
	char *task;
	long pid;
	bool memcg; /* killed by a memory cgroup's limit, not for lack of memory overall */
	char *memcg_path; /* oom_memcg= of the "oom-kill:" line, or NULL */
	/* That cgroup's own swap settings, when it still exists: */
	int cg_swappiness; /* v1 memory.swappiness, -1 when unknown */
	bool cg_no_swap; /* v2 memory.swap.max 0, or v1 memsw limit equal to the memory limit */
};

/* What doctor observes (sc_observe()'s what). */
#define SC_DOCTOR_OBSERVE                                                                          \
	(SC_OBS_SWAPS | SC_OBS_FSTAB | SC_OBS_TAGS | SC_OBS_MEMINFO | SC_OBS_ZSWAP |               \
		SC_OBS_SYSCTL | SC_OBS_JOURNAL | SC_OBS_SWAPFILES)

struct sc_doctor_observed {
	/* filled by the caller before sc_doctor_gather(): */
	struct sc_observation obs;
	char *fstab_path; /* the fstab as the booted system names it, for the messages */
	/* the hibernation resume setup, as swapctl hibernate observes it (hib_ok: it was) */
	struct sc_hib_observed hib;
	bool hib_ok;
	/* filled by sc_doctor_gather(): */
	bool offline;
	bool mem_ok; /* obs.mem was read */
	struct sc_sysctl_observed sysctl; /* env and swapctl's drop-in (live values: obs) */
	bool sysctl_ok;
	struct sc_sysctl_boot boot;
	bool boot_ok;
	struct sc_zoneinfo zones;
	bool zones_ok;
	uint64_t oom_kills; /* /proc/vmstat oom_kill since boot */
	bool oom_counter_ok;
	bool kmsg_ok; /* the kernel log was readable */
	struct sc_doctor_oom *ooms; /* the last few kills found in the log */
	size_t n_ooms;
	struct sc_drift drift; /* of obs */
	struct sc_doctor_area *areas;
	size_t n_areas;
	ssize_t *line_area; /* per obs.entries: index into areas, -1 when unresolvable */
	struct sc_doctor_manager *managers;
	size_t n_managers;
};

int sc_doctor_gather(const struct sc_ctx *c, struct sc_doctor_observed *s, struct sc_err *err);
void sc_doctor_observed_done(struct sc_doctor_observed *s);

/* The kernel log part, exposed for tests: records as read from /dev/kmsg. */
int sc_doctor_parse_kmsg(const char *text, struct sc_doctor_observed *s);

int sc_doctor_check(const struct sc_doctor_observed *s, struct sc_findings *ret);
