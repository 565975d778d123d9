/*
 * The swapoff safety gate on fixture trees: a table of /proc/swaps, /proc/meminfo,
 * overcommit and memory cgroup layouts (v1, v2, the hybrid layout of this VM), with the
 * verdict, the failing check and the refusal message each must give.
 */
#include "fixture.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "gate.h"
#include "macro.h"
#include "util.h"

#define K(x) ((uint64_t)(x))
#define M(x) ((uint64_t)(x)*1024)
#define G(x) ((uint64_t)(x)*1024 * 1024)

enum layout {
	L_NONE, /* no memory controller anywhere */
	L_V1, /* /sys/fs/cgroup/memory */
	L_V2, /* /sys/fs/cgroup unified with memory */
	L_HYBRID, /* this VM: v2 at /sys/fs/cgroup/unified without memory, v1 memory */
};

struct area {
	const char *path;
	uint64_t size_kib, used_kib;
};

#define NOACCT UINT64_MAX /* no swap accounting: memsw / memory.swap.current absent */

struct cg {
	const char *path; /* below the hierarchy's mount, e.g. "test" or "a.slice/b" */
	uint64_t limit_kib; /* 0: no limit */
	uint64_t usage_kib;
	uint64_t swap_kib; /* NOACCT: absent */
};

struct row {
	const char *name;
	enum layout layout;
	struct area areas[4];
	struct cg cgs[6];
	uint64_t total_kib, avail_kib, commit_limit_kib, committed_kib;
	int overcommit;
	const char *victims[3];
	int want_r;
	bool memory_ok, commit_ok, cgroups_ok;
	size_t n_checked;
	bool skipped; /* no cgroup walk: the other areas can take every victim page */
	const char *blocking; /* first blocking cgroup */
	const char *msg; /* exact refusal message, or NULL */
};

/* This VM: 24 GiB of RAM, 23 GiB available. */
#define BIG_BOX                                                                                    \
	.total_kib = G(24), .avail_kib = G(23), .commit_limit_kib = G(12), .committed_kib = G(1)

static const struct row rows[] = {
	{
		.name = "v1: a cgroup without a limit is not checked",
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"test", 0, M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 0,
	},
	{
		.name = "v1: swap fits under the cgroup's headroom",
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"test", M(512), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		/* The measured case: 64 MiB limit, 150 MiB swapped, 23 GiB free: OOM kill. */
		.name = "v1: swap does not fit, the only area",
		.layout = L_V1,
		.areas = {{"/swap/swapfile", M(200), M(150)}},
		.cgs = {{"test", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/swapfile"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
		.msg = "/swap/swapfile: swapoff would need 150 MiB back in memory cgroup /test "
		       "(limit 64 MiB, 60 MiB in use)",
	},
	{
		/* 246 MiB free >= 150 MiB used on the victim + the cgroup's 60 MiB. */
		.name = "v1: swap does not fit, but a second area has room",
		.layout = L_V1,
		.areas = {{"/swap/swapfile", M(200), M(150)}, {"/swap/other", M(256), M(10)}},
		.cgs = {{"test", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/swapfile"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		/*
		 * The kernel test's shape, measured to OOM-kill on 6.18: the second area can
		 * hold the victim's pages (80 <= 96 MiB) but not those and the cgroup's memory.
		 */
		.name = "v1: room for the victim's pages, not for the cgroup's memory too",
		.layout = L_V1,
		.areas = {{"/swap/swapfile.1", M(100), M(80)}, {"/swap/second", M(96), 0}},
		.cgs = {{"test", M(40), M(40), M(67)}},
		BIG_BOX,
		.victims = {"/swap/swapfile.1"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
		.msg = "/swap/swapfile.1: swapoff would need 67 MiB back in memory cgroup /test "
		       "(limit 40 MiB, 40 MiB in use); its reclaim needs 120 MiB free on the "
		       "other swap areas during the swapoff (used on the retired areas + its "
		       "memory), they have 96 MiB",
	},
	{
		.name = "v1: room for the victim's pages and the cgroup's memory, exactly",
		.layout = L_V1,
		.areas = {{"/swap/swapfile.1", M(100), M(80)}, {"/swap/second", M(130), M(10)}},
		.cgs = {{"test", M(40), M(40), M(67)}},
		BIG_BOX,
		.victims = {"/swap/swapfile.1"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		.name = "v1: room for the victim's pages and the cgroup's memory, one KiB short",
		.layout = L_V1,
		.areas = {{"/swap/swapfile.1", M(100), M(80)},
			{"/swap/second", M(130), M(10) + K(1)}},
		.cgs = {{"test", M(40), M(40), M(67)}},
		BIG_BOX,
		.victims = {"/swap/swapfile.1"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
	},
	{
		/*
		 * The cgroup's 100 MiB would fit in the 150 MiB free, but the victim also holds
		 * 200 MiB of an unlimited process: the kernel counts free(others) - used(victim)
		 * as its free swap during the swapoff, negative here, and reclaims no anonymous
		 * page at all until the unlimited process's pages are back.
		 */
		.name = "v1: the cgroup's swap fits the other areas, the victim's used does not",
		.layout = L_V1,
		.areas = {{"/swap/a", M(400), M(300)}, {"/swap/b", M(256), M(106)}},
		.cgs = {{"big", 0, G(1), M(200)}, {"test", M(64), M(60), M(100)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
	},
	{
		.name = "v1: the other areas could take the victim's pages and all of RAM",
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(150)}, {"/swap/b", G(25), 0}},
		.cgs = {{"test", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 0,
		.skipped = true,
	},
	{
		.name = "v1: a second area without enough room",
		.layout = L_V1,
		.areas = {{"/swap/swapfile", M(200), M(150)}, {"/swap/other", M(256), M(110)}},
		.cgs = {{"test", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/swapfile"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
	},
	{
		/* The cgroup's swap may lie on the other area: the victim holds at most 20 MiB. */
		.name = "v1: need is capped by what the victim holds",
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(20)}},
		.cgs = {{"test", M(64), M(40), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		.name = "v1: no swap accounting assumes the victim's pages are the cgroup's",
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"test", M(64), M(60), NOACCT}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/test",
		.msg = "/swap/a: swapoff would need up to 150 MiB back in memory cgroup /test "
		       "(limit 64 MiB, 60 MiB in use, its swap is not accounted)",
	},
	{
		.name = "hybrid (this VM): v2 without memory, v1 memory",
		.layout = L_HYBRID,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"user.slice", 0, M(900), M(0)}, {"user.slice/hog", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/user.slice/hog",
	},
	{
		.name = "v2: a cgroup with memory.max = max is not checked",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"system.slice", 0, M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 0,
	},
	{
		.name = "v2: nested cgroup whose swap does not fit",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"system.slice", 0, M(100), M(150)},
			{"system.slice/db.service", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/system.slice/db.service",
		.msg = "/swap/a: swapoff would need 150 MiB back in memory cgroup "
		       "/system.slice/db.service (limit 64 MiB, 60 MiB in use)",
	},
	{
		.name = "v2: swap fits",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"db", G(1), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		.name = "v2: does not fit, second area has room",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}, {"/dev/zram1", G(1), M(0)}},
		.cgs = {{"db", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 1,
	},
	{
		.name = "v2: second area holds the pages but not the cgroup's memory too",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}, {"/dev/zram1", M(200), M(0)}},
		.cgs = {{"db", M(64), M(60), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 1,
		.blocking = "/db",
	},
	{
		.name = "v2: two blocking cgroups are both reported",
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		.cgs = {{"x", M(64), M(60), M(100)}, {"y", M(32), M(30), M(40)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 2,
		.msg = "/swap/a: swapoff would need 100 MiB back in memory cgroup /x (limit 64 "
		       "MiB, 60 MiB in use) and 1 more cgroup",
	},
	{
		.name = "no memory controller: only the global checks",
		.layout = L_NONE,
		.areas = {{"/swap/a", M(200), M(150)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 0,
	},
	/* Check 1 and its margin = max(5% of MemTotal, 256 MiB). */
	{
		.name = "memory: small box, 256 MiB margin does not fit",
		.layout = L_NONE,
		.areas = {{"/swap/a", M(200), M(100)}},
		.total_kib = G(1),
		.avail_kib = M(300),
		.commit_limit_kib = G(1),
		.committed_kib = M(500),
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = false,
		.commit_ok = true,
		.cgroups_ok = true,
		.msg = "/swap/a: swapoff would need 100 MiB back in memory, but only 44 MiB can "
		       "take it (MemAvailable 300 MiB + 0 B free on other swap areas - margin "
		       "256 MiB)",
	},
	{
		.name = "memory: other areas' free space counts",
		.layout = L_NONE,
		.areas = {{"/swap/a", M(200), M(100)}, {"/swap/b", M(100), M(0)}},
		.total_kib = G(1),
		.avail_kib = M(300),
		.commit_limit_kib = G(1),
		.committed_kib = M(500),
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
	},
	{
		/* 5% of 32000 MiB = 1600 MiB, exactly at the boundary: allowed. */
		.name = "memory: 5% margin, exact boundary",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(4), G(2)}},
		.total_kib = M(32000),
		.avail_kib = G(2) + M(1600),
		.commit_limit_kib = G(20),
		.committed_kib = G(1),
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
	},
	{
		.name = "memory: 5% margin, one KiB short",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(4), G(2)}},
		.total_kib = M(32000),
		.avail_kib = G(2) + M(1600) - K(1),
		.commit_limit_kib = G(20),
		.committed_kib = G(1),
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = false,
		.commit_ok = true,
		.cgroups_ok = true,
	},
	{
		.name = "memory: an empty area comes back with nothing",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(4), 0}},
		.total_kib = G(1),
		.avail_kib = M(10),
		.commit_limit_kib = G(5),
		.committed_kib = G(1),
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.skipped = true,
	},
	{
		.name = "two victims: their used pages add up, neither counts as room",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(1), M(600)}, {"/swap/b", G(1), M(600)},
			{"/swap/c", M(100), 0}},
		.total_kib = G(4),
		.avail_kib = G(1),
		.commit_limit_kib = G(5),
		.committed_kib = G(1),
		.victims = {"/swap/a", "/swap/b"},
		.want_r = -EPERM,
		.memory_ok = false,
		.commit_ok = true,
		.cgroups_ok = true,
	},
	{
		.name = "a path with a space, escaped in /proc/swaps",
		.layout = L_NONE,
		.areas = {{"/swap/my file", M(200), M(10)}},
		BIG_BOX,
		.victims = {"/swap/my file"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
	},
	/* Check 2: strict overcommit. */
	{
		.name = "overcommit=2: Committed_AS above CommitLimit after removal",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(2), 0}},
		.total_kib = G(24),
		.avail_kib = G(23),
		.commit_limit_kib = G(10),
		.committed_kib = G(9),
		.overcommit = 2,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = false,
		.cgroups_ok = true,
		.skipped = true,
		.msg = "/swap/a: swapoff would leave Committed_AS 9 GiB above CommitLimit 8 GiB "
		       "(vm.overcommit_memory=2; the kernel would refuse with ENOMEM)",
	},
	{
		.name = "overcommit=2: exactly at the limit after removal",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(1), 0}},
		.total_kib = G(24),
		.avail_kib = G(23),
		.commit_limit_kib = G(10),
		.committed_kib = G(9),
		.overcommit = 2,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.skipped = true,
	},
	{
		.name = "overcommit=0: the commit limit is not enforced",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(2), 0}},
		.total_kib = G(24),
		.avail_kib = G(23),
		.commit_limit_kib = G(10),
		.committed_kib = G(9),
		.overcommit = 0,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.skipped = true,
	},
	{
		.name = "a victim that is not active",
		.layout = L_NONE,
		.areas = {{"/swap/a", G(2), 0}},
		BIG_BOX,
		.victims = {"/swap/zzz"},
		.want_r = -ENOENT,
	},
	{
		/*
		 * 400 MiB free on /swap/b: room for the 300 MiB used on /swap/a plus one
		 * cgroup's 60 MiB of memory, not plus both.
		 */
		.name = "v1: two cgroups cannot both count on the same free space",
		.layout = L_V1,
		.areas = {{"/swap/a", M(400), M(300)}, {"/swap/b", M(512), M(112)}},
		.cgs = {{"a", M(64), M(60), M(100)}, {"b", M(64), M(60), M(100)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = -EPERM,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = false,
		.n_checked = 2,
		.blocking = "/b",
		.msg = "/swap/a: swapoff would need 100 MiB back in memory cgroup /b "
		       "(limit 64 MiB, 60 MiB in use); its reclaim needs 420 MiB free on the "
		       "other swap areas during the swapoff (used on the retired areas + its "
		       "memory), they have 400 MiB",
	},
	{
		/* Hierarchical accounting: the child's pages are part of the parent's swap. */
		.name = "v1: a child of a cgroup promised the free space is covered by it",
		.layout = L_V1,
		.areas = {{"/swap/a", M(400), M(300)}, {"/swap/b", M(512), M(112)}},
		.cgs = {{"p", M(64), M(60), M(100)}, {"p/c", M(32), M(30), M(100)}},
		BIG_BOX,
		.victims = {"/swap/a"},
		.want_r = 0,
		.memory_ok = true,
		.commit_ok = true,
		.cgroups_ok = true,
		.n_checked = 2,
	},
};

static void write_fmt(const char *dir, const char *rel, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void write_fmt(const char *dir, const char *rel, const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	sc_test_write(dir, rel, s);
	free(s);
}

static void write_cg(const char *dir, enum layout l, const char *base, const struct cg *g)
{
	char rel[512];

#define F(name) (snprintf(rel, sizeof(rel), "%s/%s/%s", base, g->path, name), rel)
	if (l == L_V2) {
		if (g->limit_kib)
			write_fmt(dir, F("memory.max"), "%" PRIu64 "\n", g->limit_kib * 1024);
		else
			write_fmt(dir, F("memory.max"), "max\n");
		write_fmt(dir, F("memory.current"), "%" PRIu64 "\n", g->usage_kib * 1024);
		if (g->swap_kib != NOACCT)
			write_fmt(
				dir, F("memory.swap.current"), "%" PRIu64 "\n", g->swap_kib * 1024);
	} else {
		write_fmt(dir, F("memory.limit_in_bytes"), "%" PRIu64 "\n",
			g->limit_kib ? g->limit_kib * 1024 : UINT64_C(9223372036854771712));
		write_fmt(dir, F("memory.usage_in_bytes"), "%" PRIu64 "\n", g->usage_kib * 1024);
		if (g->swap_kib != NOACCT)
			write_fmt(dir, F("memory.memsw.usage_in_bytes"), "%" PRIu64 "\n",
				(g->usage_kib + g->swap_kib) * 1024);
	}
#undef F
}

static void write_tree(const char *dir, const struct row *t)
{
	char swaps[4096], *esc;
	size_t len;

	len = (size_t)snprintf(
		swaps, sizeof(swaps), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < ELEMENTSOF(t->areas) && t->areas[i].path; i++) {
		const struct area *a = &t->areas[i];
		assert_int_equal(sc_mangle(a->path, &esc), 0);
		len += (size_t)snprintf(swaps + len, sizeof(swaps) - len,
			"%-40s%s\t%" PRIu64 "\t\t%" PRIu64 "\t\t%d\n", esc,
			strncmp(a->path, "/dev/", 5) ? "file" : "partition", a->size_kib,
			a->used_kib, -2 - (int)i);
		free(esc);
	}
	sc_test_write(dir, "proc/swaps", swaps);
	write_fmt(dir, "proc/meminfo",
		"MemTotal:       %" PRIu64 " kB\nMemFree:        %" PRIu64 " kB\n"
		"MemAvailable:   %" PRIu64 " kB\nCommitLimit:    %" PRIu64 " kB\n"
		"Committed_AS:   %" PRIu64 " kB\n",
		t->total_kib, t->avail_kib, t->avail_kib, t->commit_limit_kib, t->committed_kib);
	write_fmt(dir, "proc/sys/vm/overcommit_memory", "%d\n", t->overcommit);

	switch (t->layout) {
	case L_NONE:
		sc_test_write(dir, "sys/fs/cgroup/unified/cgroup.controllers", "\n");
		break;
	case L_HYBRID:
		sc_test_write(dir, "sys/fs/cgroup/unified/cgroup.controllers", "\n");
		/* fall through */
	case L_V1:
		write_fmt(
			dir, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
		write_fmt(dir, "sys/fs/cgroup/memory/memory.usage_in_bytes", "%" PRIu64 "\n",
			G(2) * 1024);
		write_fmt(dir, "sys/fs/cgroup/memory/memory.memsw.usage_in_bytes", "%" PRIu64 "\n",
			G(3) * 1024);
		break;
	case L_V2:
		sc_test_write(dir, "sys/fs/cgroup/cgroup.controllers",
			"cpuset cpu io memory hugetlb pids rdma misc\n");
		sc_test_write(dir, "sys/fs/cgroup/memory.stat", "anon 0\n");
		break;
	}
	for (size_t i = 0; i < ELEMENTSOF(t->cgs) && t->cgs[i].path; i++)
		write_cg(dir, t->layout,
			t->layout == L_V2 ? "sys/fs/cgroup" : "sys/fs/cgroup/memory", &t->cgs[i]);
}

static void test_table(void **state)
{
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		const struct row *t = &rows[i];
		_cleanup_free_ char *dir = sc_test_mkdtemp();
		const char *victims[3];
		size_t nv = 0;
		struct sc_ctx c;
		struct sc_gate_report rep;
		struct sc_err err = {0};
		int r;

		write_tree(dir, t);
		assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
		c.page_size = 4096;
		while (nv < ELEMENTSOF(t->victims) && t->victims[nv])
			victims[nv] = t->victims[nv], nv++;
		r = sc_gate_check(&c, victims, nv, &rep, &err);
		if (r != t->want_r)
			fail_msg("%s: r=%d want %d (%s)", t->name, r, t->want_r, err.msg);
		if (r == -ENOENT)
			assert_int_equal(err.kind, SC_EXIT_FAILURE);
		if (r == 0 || r == -EPERM) {
			if (rep.memory_ok != t->memory_ok || rep.commit_ok != t->commit_ok ||
				rep.cgroups_ok != t->cgroups_ok)
				fail_msg("%s: checks memory=%d commit=%d cgroups=%d", t->name,
					rep.memory_ok, rep.commit_ok, rep.cgroups_ok);
			assert_int_equal(rep.allowed, r == 0);
			if (t->skipped != rep.cgroups_skipped)
				fail_msg("%s: cgroups_skipped=%d", t->name, rep.cgroups_skipped);
			if (t->n_checked != rep.n_cgroups_checked)
				fail_msg("%s: %zu cgroups checked, want %zu", t->name,
					rep.n_cgroups_checked, t->n_checked);
			assert_int_equal(rep.margin,
				SC_MAX(t->total_kib * 1024 / 100 * 5, UINT64_C(256) << 20));
		}
		if (r == -EPERM) {
			assert_int_equal(err.kind, SC_EXIT_REFUSED);
			assert_true(strstr(err.hint, "--force overrides") != NULL);
		}
		if (t->blocking) {
			assert_true(rep.n_blocking >= 1);
			if (strcmp(rep.blocking[0].path, t->blocking) != 0)
				fail_msg("%s: blocking %s want %s", t->name, rep.blocking[0].path,
					t->blocking);
			assert_false(rep.blocking[0].fits);
		}
		if (t->msg && strcmp(err.msg, t->msg) != 0)
			fail_msg("%s:\n got  %s\n want %s", t->name, err.msg, t->msg);
		sc_gate_report_free(&rep);
		sc_ctx_done(&c);
		sc_test_rmtree(dir);
	}
}

static const struct row *find_row(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(rows); i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	fail_msg("no row %s", name);
	return NULL;
}

/* The figures the report carries for --json, on the measured case with a second area. */
static void test_report_figures(void **state)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	const char *victims[] = {"/swap/swapfile"};
	struct sc_gate_report rep;
	struct sc_err err = {0};
	struct sc_ctx c;

	write_tree(dir, find_row("v1: a second area without enough room"));
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	assert_int_equal(sc_gate_check(&c, victims, 1, &rep, &err), -EPERM);
	assert_int_equal(rep.victim_used, 150 << 20);
	assert_int_equal(rep.victim_size, 200 << 20);
	assert_int_equal(rep.other_free, 146 << 20);
	assert_int_equal(rep.mem_available, UINT64_C(23) << 30);
	assert_int_equal(rep.mem_total, UINT64_C(24) << 30);
	assert_int_equal(rep.margin, (UINT64_C(24) << 30) / 100 * 5);
	assert_int_equal(rep.cgroup_version, SC_CGROUP_V1);
	assert_int_equal(rep.n_blocking, 1);
	assert_int_equal(rep.blocking[0].limit, 64 << 20);
	assert_int_equal(rep.blocking[0].usage, 60 << 20);
	assert_int_equal(rep.blocking[0].swap, 150 << 20);
	assert_int_equal(rep.blocking[0].need, 150 << 20);
	assert_int_equal(rep.blocking[0].reclaim_room, 210 << 20);
	assert_true(rep.blocking[0].swap_known);
	sc_gate_report_free(&rep);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

/* The plan-time check counts the replacement's space before it exists. */
static void test_planned(void **state)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	const char *victims[] = {"/swap/swapfile"};
	struct sc_gate_report rep;
	struct sc_err err = {0};
	struct sc_ctx c;

	/* 150 MiB used on the victim, 60 MiB in use in the cgroup */
	write_tree(dir, find_row("v1: swap does not fit, the only area"));
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	assert_int_equal(sc_gate_check_planned(&c, victims, 1, 100 << 20, &rep, &err), -EPERM);
	assert_int_equal(rep.other_free, 100 << 20);
	sc_gate_report_free(&rep);
	sc_err_clear(&err);
	/* A replacement that holds the victim's pages is not room for the cgroup's memory. */
	assert_int_equal(sc_gate_check_planned(&c, victims, 1, 200 << 20, &rep, &err), -EPERM);
	assert_int_equal(rep.n_blocking, 1);
	assert_int_equal(rep.blocking[0].reclaim_room, 210 << 20);
	sc_gate_report_free(&rep);
	sc_err_clear(&err);
	assert_int_equal(sc_gate_check_planned(&c, victims, 1, 210 << 20, &rep, &err), 0);
	assert_int_equal(rep.other_free, 210 << 20);
	assert_false(rep.cgroups_skipped);
	sc_gate_report_free(&rep);
	sc_err_clear(&err);
	assert_int_equal(sc_gate_check_planned(
				 &c, victims, 1, (150 << 20) + (UINT64_C(24) << 30), &rep, &err),
		0);
	assert_true(rep.cgroups_skipped);
	sc_gate_report_free(&rep);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

/* 200 limited cgroups, one of them (deep in the tree) blocks. */
static void test_many_cgroups(void **state)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	const char *victims[] = {"/swap/a"};
	struct row t = {
		.layout = L_V1,
		.areas = {{"/swap/a", M(200), M(150)}},
		BIG_BOX,
	};
	struct sc_gate_report rep;
	struct sc_err err = {0};
	struct sc_ctx c;

	write_tree(dir, &t);
	for (int i = 0; i < 10; i++) {
		char path[64];
		struct cg g = {path, 0, G(1), M(100)};

		snprintf(path, sizeof(path), "slice%d", i);
		write_cg(dir, L_V1, "sys/fs/cgroup/memory", &g);
	}
	for (int i = 0; i < 200; i++) {
		char path[64];
		struct cg g = {path, M(512), M(100), M(10)};

		snprintf(path, sizeof(path), "slice%d/svc%d", i / 20, i);
		if (i == 137) {
			g.limit_kib = M(120); /* 20 MiB headroom, 150 MiB on the victim */
			g.swap_kib = M(400);
		} else if (i == 138)
			g.swap_kib = NOACCT; /* headroom 412 MiB >= 150: fits anyway */
		write_cg(dir, L_V1, "sys/fs/cgroup/memory", &g);
	}
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	c.page_size = 4096;
	assert_int_equal(sc_gate_check(&c, victims, 1, &rep, &err), -EPERM);
	/* The ten slices have no limit of their own: walked, not checked. */
	assert_int_equal(rep.n_cgroups_checked, 200);
	assert_int_equal(rep.n_blocking, 1);
	assert_string_equal(rep.blocking[0].path, "/slice6/svc137");
	assert_int_equal(rep.blocking[0].need, 150 << 20);
	sc_gate_report_free(&rep);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

static void test_detect(void **state)
{
	static const struct {
		enum layout l;
		enum sc_cgroup_version v;
		const char *mount;
	} t[] = {
		{L_NONE, SC_CGROUP_NONE, NULL},
		{L_V1, SC_CGROUP_V1, "/sys/fs/cgroup/memory"},
		{L_V2, SC_CGROUP_V2, "/sys/fs/cgroup"},
		{L_HYBRID, SC_CGROUP_V1, "/sys/fs/cgroup/memory"},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *dir = sc_test_mkdtemp();
		struct row row = {.layout = t[i].l, BIG_BOX};
		enum sc_cgroup_version v;
		char *mount;
		struct sc_ctx c;

		write_tree(dir, &row);
		assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
		assert_int_equal(sc_memcg_detect(&c, &v, &mount), 0);
		assert_int_equal(v, t[i].v);
		if (t[i].mount)
			assert_string_equal(mount, t[i].mount);
		else
			assert_null(mount);
		free(mount);
		sc_ctx_done(&c);
		sc_test_rmtree(dir);
	}
	/* A v2 hierarchy mounted at the hybrid location with the memory controller. */
	{
		_cleanup_free_ char *dir = sc_test_mkdtemp();
		enum sc_cgroup_version v;
		char *mount;
		struct sc_ctx c;

		sc_test_write(dir, "sys/fs/cgroup/unified/cgroup.controllers", "cpu memory\n");
		assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
		assert_int_equal(sc_memcg_detect(&c, &v, &mount), 0);
		assert_int_equal(v, SC_CGROUP_V2);
		assert_string_equal(mount, "/sys/fs/cgroup/unified");
		free(mount);
		sc_ctx_done(&c);
		sc_test_rmtree(dir);
	}
	/* "memory_recursiveprot"-like words must not count as the controller. */
	{
		_cleanup_free_ char *dir = sc_test_mkdtemp();
		enum sc_cgroup_version v;
		char *mount;
		struct sc_ctx c;

		sc_test_write(dir, "sys/fs/cgroup/cgroup.controllers", "cpu memoryx io\n");
		assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
		assert_int_equal(sc_memcg_detect(&c, &v, &mount), 0);
		assert_int_equal(v, SC_CGROUP_NONE);
		sc_ctx_done(&c);
		sc_test_rmtree(dir);
	}
}

/* Malformed cgroup files are errors, not silently "no limit". */
static void test_malformed(void **state)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	const char *victims[] = {"/swap/a"};
	struct row t = {
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		BIG_BOX,
	};
	struct sc_gate_report rep;
	struct sc_err err = {0};
	struct sc_ctx c;

	write_tree(dir, &t);
	sc_test_write(dir, "sys/fs/cgroup/x/memory.max", "12abc\n");
	sc_test_write(dir, "sys/fs/cgroup/x/memory.current", "1\n");
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	assert_int_equal(sc_gate_check(&c, victims, 1, &rep, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_true(strstr(err.msg, "memory cgroups") != NULL);
	sc_gate_report_free(&rep);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

/* The largest size and use /proc/swaps can show: (2^63 - 1024) bytes. */
#define HUGE_KIB (UINT64_C(9223372036854775807) / 1024)

static void gate_on(const struct row *t, const char *const *victims, size_t n, uint64_t extra,
	int want_r, struct sc_gate_report *rep)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	struct sc_err err = {0};
	struct sc_ctx c;
	int r;

	write_tree(dir, t);
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	r = sc_gate_check_planned(&c, victims, n, extra, rep, &err);
	if (r != want_r)
		fail_msg("r=%d want %d (%s)", r, want_r, err.msg);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

/* Sums of huge figures saturate instead of wrapping to something small that would fit. */
static void test_huge_sums(void **state)
{
	struct sc_gate_report rep;

	/* Three victims whose used bytes add up to 2^64 + 2048. */
	struct row wrap_used = {
		.layout = L_NONE,
		.areas = {{"/swap/a", HUGE_KIB, HUGE_KIB}, {"/swap/b", HUGE_KIB, HUGE_KIB},
			{"/swap/c", 4, 4}},
		BIG_BOX,
	};
	const char *abc[] = {"/swap/a", "/swap/b", "/swap/c"};
	gate_on(&wrap_used, abc, 3, 0, -EPERM, &rep);
	assert_false(rep.memory_ok);
	assert_true(rep.victim_used == UINT64_MAX);
	assert_true(rep.victim_size == UINT64_MAX);
	sc_gate_report_free(&rep);

	/* 146 MiB free on the other area plus 2^64 - 1 planned: all of it, not 146 MiB - 1. */
	const char *swapfile[] = {"/swap/swapfile"};
	gate_on(find_row("v1: a second area without enough room"), swapfile, 1, UINT64_MAX, 0,
		&rep);
	assert_true(rep.other_free == UINT64_MAX);
	assert_true(rep.cgroups_skipped);
	sc_gate_report_free(&rep);

	/* MemAvailable (23 GiB) + free swap = 2^64 exactly: plenty of room, not none. */
	gate_on(find_row("v1: a second area without enough room"), swapfile, 1,
		(UINT64_MAX - G(23) * 1024 + 1) - M(146) * 1024, 0, &rep);
	assert_true(rep.other_free == UINT64_MAX - G(23) * 1024 + 1);
	assert_true(rep.memory_ok);
	sc_gate_report_free(&rep);

	/*
	 * Two cgroups counting on the other areas' free space: 2^63 - 1 KiB used on the victim,
	 * as much + 16 GiB free elsewhere. /a (8 GiB in use) is promised its room; /b would need
	 * used + 8 GiB + its 2^63 - 1 KiB, which must saturate, not wrap to about 8 GiB and "fit".
	 */
	struct row promised = {
		.layout = L_V2,
		.areas = {{"/swap/a", HUGE_KIB, HUGE_KIB}, {"/swap/c", HUGE_KIB, 0},
			{"/swap/d", G(16), 0}},
		.cgs = {{"a", 4, G(8), G(8)}, {"b", 4, HUGE_KIB, 4}},
		BIG_BOX,
	};
	const char *a[] = {"/swap/a"};
	gate_on(&promised, a, 1, 0, -EPERM, &rep);
	assert_false(rep.cgroups_skipped);
	assert_false(rep.cgroups_ok);
	assert_int_equal(rep.n_blocking, 1);
	assert_string_equal(rep.blocking[0].path, "/b");
	assert_true(rep.blocking[0].reclaim_room == UINT64_MAX);
	sc_gate_report_free(&rep);
}

/* usage + swap past 2^64 is above any limit: the cgroup is at risk, not "within its limit". */
static void test_at_risk_huge(void **state)
{
	_cleanup_free_ char *dir = sc_test_mkdtemp();
	struct row t = {
		.layout = L_V2,
		.areas = {{"/swap/a", M(200), M(150)}},
		/* limit 2^63 - 4096, usage 0xf000000000000000, swap 0x2000000000000000 */
		.cgs = {{"huge", (UINT64_C(1) << 53) - 4, UINT64_C(0xf000000000000000) / 1024,
				UINT64_C(0x2000000000000000) / 1024},
			{"fits", M(512), M(100), M(50)}},
		BIG_BOX,
	};
	struct sc_memcgs risk;
	struct sc_ctx c;

	write_tree(dir, &t);
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	assert_int_equal(sc_memcg_list_at_risk(&c, &risk), 0);
	assert_int_equal(risk.n_limited, 2);
	assert_int_equal(risk.n, 1);
	assert_string_equal(risk.items[0].path, "/huge");
	assert_true(risk.items[0].limit == (UINT64_C(1) << 63) - 4096);
	sc_memcgs_free(&risk);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
}

/* The full listing and the gate's at-risk listing agree on what is limited. */
static void test_list_limited(void **state)
{
	static const struct {
		enum layout l;
	} layouts[] = {{L_V1}, {L_V2}};

	for (size_t k = 0; k < ELEMENTSOF(layouts); k++) {
		_cleanup_free_ char *dir = sc_test_mkdtemp();
		struct row t = {
			.layout = layouts[k].l,
			.areas = {{"/swap/a", M(200), M(150)}},
			.cgs = {{"free", 0, M(10), M(10)}, {"roomy", M(512), M(100), M(50)},
				{"tight", M(64), M(60), M(50)}, {"noswap", M(64), M(63), 0},
				{"noacct", M(512), M(100), NOACCT},
				{"roomy/child", M(128), M(20), M(5)}},
			BIG_BOX,
		};
		struct sc_memcgs all, risk;
		struct sc_ctx c;

		write_tree(dir, &t);
		assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
		assert_int_equal(sc_memcg_list_limited(&c, &all), 0);
		assert_int_equal(sc_memcg_list_at_risk(&c, &risk), 0);
		assert_int_equal(all.n, 5);
		assert_int_equal(all.n_limited, 5);
		assert_int_equal(risk.n_limited, 5);
		assert_int_equal(all.n_walked, 7); /* root + 6 */
		for (size_t i = 0; i < all.n; i++) {
			const struct sc_memcg *m = &all.items[i];
			if (strcmp(m->path, "/tight") == 0) {
				assert_int_equal(m->limit, 64 << 20);
				assert_int_equal(m->usage, 60 << 20);
				assert_int_equal(m->swap, 50 << 20);
				assert_true(m->swap_known);
			} else if (strcmp(m->path, "/noacct") == 0)
				assert_false(m->swap_known);
			else if (strcmp(m->path, "/roomy/child") == 0)
				assert_int_equal(m->swap, 5 << 20);
		}
		/* Only the cgroups whose usage + swap exceeds the limit, or is unknown. */
		assert_int_equal(risk.n, 2);
		for (size_t i = 0; i < risk.n; i++)
			assert_true(strcmp(risk.items[i].path, "/tight") == 0 ||
				strcmp(risk.items[i].path, "/noacct") == 0);
		sc_memcgs_free(&all);
		sc_memcgs_free(&risk);
		sc_ctx_done(&c);
		sc_test_rmtree(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_report_figures),
		cmocka_unit_test(test_planned),
		cmocka_unit_test(test_many_cgroups),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_list_limited),
		cmocka_unit_test(test_huge_sums),
		cmocka_unit_test(test_at_risk_huge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
