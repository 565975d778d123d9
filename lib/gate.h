/*
 * The swapoff safety gate (swapctl(8), make-before-break). Every command that retires a swap area (remove, rotate,
 * resize, priority, zram remove) asks it first. swapoff(2) reads every page of the area back
 * into RAM, charging each page to its memory cgroup and invoking that cgroup's OOM killer when
 * it does not fit: a swapoff that "only fails" with ENOMEM has already killed the workload.
 *
 * The gate allows retiring the victim areas only when all of these hold:
 *  1. used(victims) + margin <= MemAvailable + free(other active areas),
 *     margin = max(5% of MemTotal, 256 MiB);
 *  2. with vm.overcommit_memory=2: Committed_AS <= CommitLimit - size(victims);
 *  3. for every memory cgroup with a limit (v2 memory.max, v1 memory.limit_in_bytes), its
 *     swapped-out bytes (v2 memory.swap.current, v1 memory.memsw.usage_in_bytes -
 *     memory.usage_in_bytes) fit under its headroom (limit - usage), unless its reclaim can
 *     push pages to the other active areas for the whole swapoff:
 *     free(other areas) >= used(victims) + its usage (gate.c says why it is not its swap).
 *     The kernel does not say which area holds a cgroup's pages, so the victims are
 *     assumed to hold all of them.
 * Inputs are read under the context's sysroot (/proc/swaps, /proc/meminfo,
 * /proc/sys/vm/overcommit_memory, /sys/fs/cgroup/...), so all of it runs on fixture trees.
 *
 * Figures come from one reading of each file: the state can move between the gate and the
 * swapoff, which is why swapoff itself still runs isolated in a child (sys.h).
 *
 * Refinements (documented in swapctl(8)):
 *  - an area with nothing swapped out passes check 1 (nothing comes back into RAM);
 *  - a cgroup needs back at most what the victims hold: need = min(its swap, used(victims));
 *    without swap accounting (v1 memsw / v2 memory.swap.current absent) its swap is unknown
 *    and need = used(victims);
 *  - cgroups that count on the other areas share them: each one's usage is added to the
 *    room the next one needs (a cgroup below a promised one is covered by it); when the
 *    other areas could take used(victims) + MemTotal, no cgroup can fail and none is read;
 *  - a cgroup whose usage + swap is within its limit fits whatever part of its swap comes
 *    back, and is counted without reading all its files (sc_memcg_list_at_risk).
 *
 * sc_gate_check() returns 0 when allowed, -EPERM when refused (err filled with the figures,
 * the cgroup path where that is the reason, and what would make it safe; kind
 * SC_EXIT_REFUSED), other -errno when the state cannot be read. The report is filled either
 * way (for --json); free it with sc_gate_report_free().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "ctx.h"
#include "error.h"

/* The margin of check 1: max(5% of MemTotal, 256 MiB). */
#define SC_GATE_MARGIN_MIN     (UINT64_C(256) << 20)
#define SC_GATE_MARGIN_PERCENT 5

struct sc_gate_cgroup {
	char *path; /* relative to the cgroup mount, e.g. "/system.slice/db.service" */
	uint64_t limit;
	uint64_t usage;
	uint64_t swap; /* swapped-out bytes */
	bool fits;
	bool swap_known; /* false: no swap accounting, swap assumed = victims' used */
	uint64_t need; /* bytes the swapoff could charge back to it */
	/*
	 * Free space the other areas would need for its reclaim during the swapoff:
	 * used(victims) + its usage + that of the cgroups promised before it; 0 when its
	 * need fits its headroom.
	 */
	uint64_t reclaim_room;
};

struct sc_gate_report {
	uint64_t victim_used;
	uint64_t victim_size;
	uint64_t mem_available;
	uint64_t mem_total;
	uint64_t other_free; /* free space on active areas that stay */
	uint64_t margin;
	bool overcommit_strict;
	uint64_t committed_as;
	uint64_t commit_limit_after;
	size_t n_cgroups_checked;
	struct sc_gate_cgroup *blocking; /* the cgroups whose pages would not fit */
	size_t n_blocking;
	bool allowed;
	/* Which checks passed (all true when allowed). */
	bool memory_ok;
	bool commit_ok;
	bool cgroups_ok;
	enum sc_cgroup_version cgroup_version;
	/* No cgroup walk: nothing swapped out, or the other areas can take it and all of RAM. */
	bool cgroups_skipped;
	size_t n_victims_found; /* victims that are active */
};

/* victims: paths as /proc/swaps shows them. */
int sc_gate_check(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	struct sc_gate_report *ret, struct sc_err *err);
/*
 * The same, as if extra_free more bytes were free on areas that stay: the check a plan makes
 * before its replacement area exists (make-before-break), so that nothing is created when the
 * retirement would be refused anyway. The applier checks again once the replacement is active.
 */
int sc_gate_check_planned(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	uint64_t extra_free, struct sc_gate_report *ret, struct sc_err *err);
void sc_gate_report_free(struct sc_gate_report *r);

/*
 * Retire one area once the gate allowed it (or --force): the one swapoff path of swapctl
 * (remove, rotate, resize, priority, zram remove, and rolling back a fresh swapon).
 * path: the area as /proc/swaps lists it (a device node /dev/... is opened under the
 * sysroot). It is opened with O_NOFOLLOW and swapoff(2) is given /proc/self/fd/N, so a name
 * replaced by a symlink after the checks cannot retire another area (-ELOOP, SC_EXIT_REFUSED);
 * a swapfile already deleted is named by its path. swapoff(2) runs in a child (sys.h), so an
 * OOM kill of the swapoff task (it is the OOM killer's preferred victim,
 * set_current_oom_origin) or a signal cannot leave the caller half-way. On failure the kernel
 * re-inserts the area, still active and partly drained; /proc/swaps is read
 * again and err says what happened and how much is still swapped out on it:
 *   -ENOMEM: the pages did not fit (memory or a cgroup's limit); -EINTR: interrupted by a
 *   signal; -ECANCELED: the swapoff child was killed (SIGKILL: the OOM killer); other errors
 *   as swapoff(2) returned them. err is filled (SC_EXIT_FAILURE); the area stays active.
 * Returns 0 when the area is gone from /proc/swaps (also when it was not active: EINVAL from
 * a path that is not swap). Offline contexts (--root) return -EROFS.
 * ret_still_used (may be NULL) receives the bytes left on the area after a failure.
 */
int sc_gate_swapoff(
	const struct sc_ctx *c, const char *path, uint64_t *ret_still_used, struct sc_err *err);
