/*
 * Memory cgroup readers, cgroup v1 and v2, under the context's sysroot (read-only).
 *
 * The swapoff safety gate (gate.h) needs, for every memory cgroup with a hard limit, the
 * limit, the charged usage and the bytes the cgroup has swapped out: swapoff(2) charges every
 * page it reads back to the cgroup that owned it and runs that cgroup's OOM killer when the
 * charge does not fit (docs/kernel-notes.md: swapoff).
 *
 * Which hierarchy carries the memory controller is detected from the files, not assumed:
 *   v2: <sysroot>/sys/fs/cgroup/cgroup.controllers (or .../unified/cgroup.controllers, the
 *       hybrid layout) lists "memory";
 *   v1: <sysroot>/sys/fs/cgroup/memory/memory.limit_in_bytes exists.
 * A controller is bound to exactly one hierarchy, so at most one of these matches on a real
 * system; v2 is preferred if a fixture offers both.
 *
 * Figures per cgroup (all hierarchical: a parent's usage includes its children's):
 *   v2: limit memory.max ("max" = none), usage memory.current, swap memory.swap.current
 *       (absent without swap accounting);
 *   v1: limit memory.limit_in_bytes (PAGE_COUNTER_MAX pages, 9223372036854771712 with 4 KiB
 *       pages, = none), usage memory.usage_in_bytes, swap memory.memsw.usage_in_bytes -
 *       memory.usage_in_bytes (memsw files exist only with swap accounting).
 *
 * sc_memcg_list_limited() walks the whole hierarchy (bounded depth) and returns only cgroups
 * with a limit, in walk order (parents before children); cgroups whose files vanish during the walk (removed concurrently) are
 * skipped. Returns 0 (also when there is no memory controller: version SC_CGROUP_NONE, no
 * items) or -errno. Free with sc_memcgs_free().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

enum sc_cgroup_version {
	SC_CGROUP_NONE,
	SC_CGROUP_V1,
	SC_CGROUP_V2,
};

struct sc_memcg {
	char *path; /* relative to the hierarchy's mount: "/" root, "/system.slice/x.service" */
	uint64_t limit; /* bytes */
	uint64_t usage; /* bytes charged (memory only, not swap) */
	uint64_t swap; /* bytes swapped out; valid only when swap_known */
	bool swap_known; /* false without swap accounting (v1 memsw / v2 swap.current absent) */
};

struct sc_memcgs {
	enum sc_cgroup_version version;
	char *mount; /* the hierarchy as the system sees it: "/sys/fs/cgroup/memory" */
	struct sc_memcg *items;
	size_t n;
	size_t n_walked; /* cgroups visited, limited or not */
	size_t n_limited; /* cgroups with a limit (>= n in sc_memcg_list_at_risk) */
};

/* Which hierarchy holds the memory controller; *ret_mount is malloc'd (NULL for NONE). */
int sc_memcg_detect(const struct sc_ctx *c, enum sc_cgroup_version *ret_version, char **ret_mount);
int sc_memcg_list_limited(const struct sc_ctx *c, struct sc_memcgs *ret);
/*
 * The gate's variant: only the limited cgroups whose usage + swap exceeds their limit, i.e.
 * those where some of the swapped-out bytes might not fit back; the others are counted in
 * n_limited without reading every file. Cgroups without swap accounting are always returned.
 */
int sc_memcg_list_at_risk(const struct sc_ctx *c, struct sc_memcgs *ret);
void sc_memcgs_free(struct sc_memcgs *m);
const char *sc_cgroup_version_name(enum sc_cgroup_version v);
