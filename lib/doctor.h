/*
 * doctor: the risks that lead to OOM kills and broken swap (SPEC §10), as findings with a
 * stable id, a severity, a message and a fix.
 *
 * Calling order:
 *   1. the caller puts the fstab swap lines into state->fstab (lib/ cannot use fstab/: the
 *      CLI converts fstab/'s entries, see cmd-doctor.c) and sets fstab_loaded;
 *   2. sc_doctor_gather() reads everything else under the context's roots: /proc/swaps,
 *      meminfo, zoneinfo, vmstat, the kernel log (/dev/kmsg, when readable), the vm.*
 *      values, swapctl's drop-in and the boot order of sysctl files, zswap, other
 *      swap managers' files, and inspects every swapfile that is active or named in fstab
 *      (stat, statfs, inode flags, statx attributes: through c->sys so tests can fake them);
 *   3. sc_doctor_check() turns the state into findings: pure, no I/O.
 * Everything is read-only. Paths from /proc/swaps and fstab are looked up under ctx->root
 * (the running system has root ""), inside it (sc_ctx_open()). For an offline root (an image,
 * ctx->offline) only the image is looked at: its fstab and the files it names, its sysctl
 * files and swapctl's drop-in, the rotation journal and the other swap managers installed in
 * it; the running kernel's swap areas, memory, zones, vm.* values, zswap and kernel log are
 * not read, and the checks that need them find nothing.
 *
 * sc_doctor_state_done() frees the state including the fstab lines; sc_findings_free() the
 * findings. Functions return 0 or -errno.
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

/* An fstab swap line as doctor needs it (from fstab/'s struct sc_fstab_entry). */
struct sc_doctor_fstab_line {
	size_t line;
	char *source; /* field 1, unescaped: a path, or UUID=, LABEL=, PARTUUID=, PARTLABEL= */
	char *device; /* the device node a tag resolves to (libblkid), or NULL */
	bool noauto;
	bool crlf;
	bool inline_comment;
	bool short_fields;
	bool odd_escape;
	bool unparsable; /* libmount rejects the line: swapon -a skips it */
	bool too_long; /* over 4095 bytes before its LF: glibc getmntent reads it cut short */
	size_t len; /* the line's bytes before its LF (when too_long) */
	ssize_t area; /* set by sc_doctor_gather(): index into areas, -1 when unresolvable */
};

/* One swapfile or swap device doctor looked at (active, named in fstab, or both). */
struct sc_doctor_area {
	char *path; /* as the system sees it */
	bool active; /* listed in /proc/swaps */
	enum sc_swap_type type; /* from /proc/swaps, or from stat for fstab-only entries */
	int priority;
	ssize_t fstab; /* index of the first fstab line naming it, -1 when none */
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

struct sc_doctor_state {
	bool offline;
	struct sc_swaps swaps;
	struct sc_meminfo mem;
	bool mem_ok;
	struct sc_sysctl_state sysctl; /* env, live values, swapctl's drop-in */
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
	struct sc_zswap zswap;
	/* a rotation journal next to the fstab (rotate.h): a rotation was interrupted */
	bool rotation_pending;
	char *rotation_journal;
	char *rotation_old, *rotation_new; /* NULL when the journal cannot be parsed */
	/* filled by the caller before sc_doctor_gather(): */
	char *fstab_path;
	bool fstab_loaded;
	struct sc_doctor_fstab_line *fstab;
	size_t n_fstab;
	/* filled by sc_doctor_gather(): */
	struct sc_doctor_area *areas;
	size_t n_areas;
	/*
	 * Swap areas in swapctl's swap directory that are not active, that no fstab line names
	 * and that no pending rotation is about (swapfile.h sc_swapfile_list_inactive), as
	 * the system sees them
	 */
	char **orphans;
	size_t n_orphans;
	struct sc_doctor_manager *managers;
	size_t n_managers;
};

/* Append one fstab line (copies source and device). */
int sc_doctor_add_fstab_line(struct sc_doctor_state *s, const struct sc_doctor_fstab_line *l);
int sc_doctor_gather(const struct sc_ctx *c, struct sc_doctor_state *s, struct sc_err *err);
void sc_doctor_state_done(struct sc_doctor_state *s);

/* The kernel log part, exposed for tests: records as read from /dev/kmsg. */
int sc_doctor_parse_kmsg(const char *text, struct sc_doctor_state *s);

int sc_doctor_check(const struct sc_doctor_state *s, struct sc_findings *ret);
