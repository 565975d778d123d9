/*
 * The swapoff safety gate (SPEC §7). Every command that retires a swap area (remove, rotate,
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
 *     memory.usage_in_bytes) fit under its headroom (limit - usage), unless the other active
 *     areas have free space for them. The kernel does not say which area holds a cgroup's
 *     pages, so the victims are assumed to hold all of them.
 * Inputs are read under the context's sysroot (/proc/swaps, /proc/meminfo,
 * /proc/sys/vm/overcommit_memory, /sys/fs/cgroup/...), so all of it runs on fixture trees.
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

#include "ctx.h"
#include "error.h"

struct sc_gate_cgroup {
	char *path; /* relative to the cgroup mount, e.g. "/system.slice/db.service" */
	uint64_t limit;
	uint64_t usage;
	uint64_t swap; /* swapped-out bytes */
	bool fits;
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
};

/* victims: paths as /proc/swaps shows them. */
int sc_gate_check(const struct sc_ctx *c, const char *const *victims, size_t n_victims,
	struct sc_gate_report *ret, struct sc_err *err);
void sc_gate_report_free(struct sc_gate_report *r);
