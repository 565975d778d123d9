/*
 * The machine facts the vm.* rules depend on (struct sc_sysctl_env): kernel version, RAM,
 * zones, transparent hugepages, whether zram or zswap is in use; and the min_free_kbytes
 * figures derived from them (the kernel's formula, the THP raise, swapctl's own value).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "sysctl-internal.h"
#include "sysctl.h"
#include "util.h"
#include "zswap.h"

int sc_kver_parse(const char *s, struct sc_kver *ret)
{
	char *end;
	long major, minor;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	major = strtol(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	minor = strtol(end + 1, &end, 10);
	if (major > 1000 || minor > 1000)
		return -EINVAL;
	ret->major = (int)major;
	ret->minor = (int)minor;
	return 0;
}

int sc_kver_read(const struct sc_ctx *c, struct sc_kver *ret)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/proc/sys/kernel/osrelease");
	_cleanup_free_ char *s = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_read_line(path, &s);
	if (r < 0)
		return r;
	return sc_kver_parse(s, ret);
}

bool sc_kver_ge(const struct sc_kver *a, int major, int minor)
{
	if (a->major == 0 && a->minor == 0)
		return true;
	return a->major > major || (a->major == major && a->minor >= minor);
}

char *sc_sysctl_kver_str(const struct sc_sysctl_env *e, char buf[static 32])
{
	if (e->kver.major == 0 && e->kver.minor == 0)
		snprintf(buf, 32, "this kernel");
	else
		snprintf(buf, 32, "Linux %d.%d", e->kver.major, e->kver.minor);
	return buf;
}

static bool root_file_exists(const struct sc_ctx *c, const char *abs)
{
	_cleanup_free_ char *p = sc_ctx_root_path(c, abs);
	struct stat st;

	return p && sc_ctx_stat(c, p, true, &st) == 0;
}

static void read_thp(const struct sc_ctx *c, struct sc_sysctl_env *e)
{
	_cleanup_free_ char *p = sc_ctx_sys_path(c, "/sys/kernel/mm/transparent_hugepage/enabled");
	_cleanup_free_ char *q =
		sc_ctx_sys_path(c, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
	_cleanup_free_ char *s = NULL;
	uint64_t bytes;

	if (!p || !q || sc_read_line(p, &s) < 0)
		return;
	/* "always [madvise] never": khugepaged runs unless [never] is selected. */
	e->thp_enabled = strstr(s, "[never]") == NULL;
	if (sc_read_u64(q, &bytes) == 0 && bytes >= 1024)
		e->pageblock_kb = bytes / 1024;
	else
		e->pageblock_kb = e->page_kb * 512; /* HPAGE_PMD_NR with 4 KiB pages */
}

/* /dev/zramN is removed by an earlier step of the same apply (ctx.h). */
static bool zram_leaving(const struct sc_ctx *c, const char *path)
{
	int64_t id;

	if (!sc_startswith(path, "/dev/zram") ||
		sc_parse_int(path + strlen("/dev/zram"), 0, INT32_MAX, &id) < 0)
		return false;
	for (size_t i = 0; i < c->n_zram_leaving; i++)
		if (c->zram_leaving[i] == id)
			return true;
	return false;
}

static bool fast_swap_in_use(const struct sc_ctx *c)
{
	struct sc_swaps swaps = {0};
	struct sc_zswap zs;
	bool found = false;

	if (c->fast_swap_planned)
		return true;
	if (c->offline)
		/* The image's own zram configuration decides, not the build host's swap. */
		return root_file_exists(c, "/etc/swapctl/zram.conf") ||
			root_file_exists(c, "/etc/systemd/zram-generator.conf") ||
			root_file_exists(c, "/usr/lib/systemd/zram-generator.conf");
	if (sc_swaps_read(c, &swaps) == 0) {
		for (size_t i = 0; i < swaps.n; i++)
			if (swaps.items[i].type == SC_SWAP_ZRAM &&
				!zram_leaving(c, swaps.items[i].path))
				found = true;
		sc_swaps_free(&swaps);
	}
	if (!found && sc_zswap_read(c, &zs) == 0 && zs.present && zs.enabled)
		found = true;
	return found;
}

int sc_sysctl_env_read(const struct sc_ctx *c, struct sc_sysctl_env *ret)
{
	struct sc_meminfo mi;
	struct sc_zoneinfo zi = {0};
	int64_t v;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->offline = c->offline;
	ret->page_kb = c->page_size / 1024 ? c->page_size / 1024 : 4;
	if (sc_kver_read(c, &ret->kver) < 0)
		ret->kver = (struct sc_kver){0, 0};
	r = sc_meminfo_read(c, &mi);
	if (r < 0)
		return r;
	ret->mem_total_kb = mi.total / 1024;
	ret->swap_total_kb = mi.swap_total / 1024;
	ret->committed_kb = mi.committed_as / 1024;
	ret->lowmem_kb = ret->mem_total_kb;
	if (sc_zoneinfo_read(c, &zi) == 0) {
		uint64_t pages = 0;
		for (size_t i = 0; i < zi.n; i++) {
			if (!sc_zone_is_lowmem(&zi.zones[i]))
				continue;
			pages += zi.zones[i].managed;
			if (zi.zones[i].present > 0)
				ret->lowmem_zones++;
		}
		if (pages > 0)
			ret->lowmem_kb = pages * ret->page_kb;
		sc_zoneinfo_free(&zi);
	}
	if (sc_sysctl_read_live(c, "overcommit_kbytes", &v) == 0 && v > 0)
		ret->overcommit_kbytes = v;
	read_thp(c, ret);
	ret->fast_swap = fast_swap_in_use(c);
	return 0;
}

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0, bit = UINT64_C(1) << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else
			r >>= 1;
		bit >>= 2;
	}
	return r;
}

int64_t sc_sysctl_min_free_formula(const struct sc_sysctl_env *e)
{
	uint64_t v = isqrt(e->lowmem_kb * 16);

	return (int64_t)SC_MAX(UINT64_C(128), SC_MIN(v, UINT64_C(262144)));
}

int64_t sc_sysctl_min_free_thp(const struct sc_sysctl_env *e)
{
	uint64_t rec;

	if (!e->thp_enabled || e->lowmem_zones == 0)
		return 0;
	/* Two free pageblocks per zone, plus MIGRATE_PCPTYPES^2 for fallbacks. */
	rec = e->pageblock_kb * e->lowmem_zones * (2 + 3 * 3);
	return (int64_t)SC_MIN(rec, e->lowmem_kb / 20);
}

int64_t sc_sysctl_min_free_own(const struct sc_sysctl_env *e)
{
	return SC_MAX(sc_sysctl_min_free_formula(e), sc_sysctl_min_free_thp(e));
}

int64_t sc_sysctl_min_free_max(const struct sc_sysctl_env *e)
{
	return SC_MAX((int64_t)(e->lowmem_kb / 20), sc_sysctl_min_free_own(e));
}

int64_t sc_sysctl_min_free_profile(const struct sc_sysctl_env *e)
{
	int64_t v = (int64_t)SC_MIN(e->lowmem_kb / 100, UINT64_C(262144));

	return SC_MIN(SC_MAX(v, sc_sysctl_min_free_own(e)), sc_sysctl_min_free_max(e));
}
