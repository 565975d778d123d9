/* vm.* companions. See sysctl.h; KERNEL-FACTS §1.8, FAILURE-MODES F-40..F-44. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "sysctl.h"
#include "util.h"
#include "zswap.h"

/*
 * Defaults and ranges: Documentation/admin-guide/sysctl/vm.rst and the handlers in
 * mm/ and fs/ (all are proc_dointvec_minmax or proc_dointvec), verified on 6.18.
 * overcommit_ratio: the kernel takes any int; a negative ratio is nonsense, so swapctl
 * refuses it. page-cluster: capped at 31 since 6.1; swapctl applies the cap everywhere.
 */
const struct sc_sysctl_key sc_sysctl_keys[] = {
	{"swappiness", 60, 0, 200},
	{"min_free_kbytes", -1, 0, INT_MAX},
	{"overcommit_memory", 0, 0, 2},
	{"overcommit_ratio", 50, 0, INT_MAX},
	{"watermark_scale_factor", 10, 1, 3000},
	{"watermark_boost_factor", 15000, 0, INT_MAX},
	{"vfs_cache_pressure", 100, 0, INT_MAX},
	{"dirtytime_expire_seconds", 43200, 0, INT_MAX},
	{"page-cluster", 3, 0, 31},
};
const size_t sc_sysctl_n_keys = ELEMENTSOF(sc_sysctl_keys);

_Static_assert(ELEMENTSOF(sc_sysctl_keys) == SC_VM_N, "key table and index enum disagree");

int sc_sysctl_read_live(const struct sc_ctx *c, const char *name, int64_t *ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;

	if (asprintf(&rel, "/proc/sys/vm/%s", name) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	return sc_read_i64(path, ret);
}

int sc_sysctl_key_index(const char *name)
{
	if (!name || (strncmp(name, "vm.", 3) != 0 && strncmp(name, "vm/", 3) != 0))
		return -ENOENT;
	for (size_t i = 0; i < SC_VM_N; i++)
		if (strcmp(name + 3, sc_sysctl_keys[i].name) == 0)
			return (int)i;
	return -ENOENT;
}

/* ---- kernel version ---- */

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

/* ---- machine facts ---- */

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

static bool fast_swap_in_use(const struct sc_ctx *c)
{
	struct sc_swaps swaps = {0};
	struct sc_zswap zs;
	bool found = false;

	if (c->offline)
		/* The image's own zram configuration decides, not the build host's swap. */
		return root_file_exists(c, "/etc/swapctl/zram.conf") ||
			root_file_exists(c, "/etc/systemd/zram-generator.conf") ||
			root_file_exists(c, "/usr/lib/systemd/zram-generator.conf");
	if (sc_swaps_read(c, &swaps) == 0) {
		for (size_t i = 0; i < swaps.n; i++)
			if (swaps.items[i].type == SC_SWAP_ZRAM)
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

/* ---- min_free_kbytes ---- */

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

/* ---- ranges and validation ---- */

void sc_sysctl_range(const struct sc_sysctl_env *e, size_t key, int64_t *ret_min, int64_t *ret_max)
{
	*ret_min = sc_sysctl_keys[key].min;
	*ret_max = sc_sysctl_keys[key].max;
	/* c843966c556d (5.8) raised the swappiness maximum from 100 to 200. */
	if (key == SC_VM_SWAPPINESS && !sc_kver_ge(&e->kver, 5, 8))
		*ret_max = 100;
	/* 39c65a94cd96 (5.17) raised the watermark_scale_factor maximum from 1000 to 3000. */
	if (key == SC_VM_WATERMARK_SCALE_FACTOR && !sc_kver_ge(&e->kver, 5, 17))
		*ret_max = 1000;
}

int sc_sysctl_parse_value(size_t key, const char *s, int64_t *ret, struct sc_err *err)
{
	int r = sc_parse_int(s, INT_MIN, INT_MAX, ret);

	if (r == -ERANGE)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"vm.%s=%s: out of range: the kernel stores a 32-bit int",
			sc_sysctl_keys[key].name, s);
	if (r < 0) {
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL, "vm.%s=%s: not a plain decimal number",
			sc_sysctl_keys[key].name, s);
		sc_err_hint(err,
			"write digits only, without leading zeros, signs, hex or spaces: the "
			"kernel would read \"010\" as 8 and \"0x10\" as 16");
		return r;
	}
	return 0;
}

static char *kver_str(const struct sc_sysctl_env *e, char buf[static 32])
{
	if (e->kver.major == 0 && e->kver.minor == 0)
		snprintf(buf, 32, "this kernel");
	else
		snprintf(buf, 32, "Linux %d.%d", e->kver.major, e->kver.minor);
	return buf;
}

int sc_sysctl_validate(
	const struct sc_sysctl_env *e, size_t key, int64_t v, bool force, struct sc_err *err)
{
	const char *name = sc_sysctl_keys[key].name;
	int64_t min, max;
	char kb[32];
	int r;

	sc_sysctl_range(e, key, &min, &max);
	if (v < min || v > max) {
		r = sc_err_set(err, SC_EXIT_USAGE, ERANGE,
			"vm.%s=%" PRId64 ": out of range %" PRId64 "..%" PRId64 " on %s", name, v,
			min, max, kver_str(e, kb));
		if (key == SC_VM_SWAPPINESS && max == 100)
			sc_err_hint(err, "values above 100 need Linux 5.8 or later");
		else if (key == SC_VM_WATERMARK_SCALE_FACTOR && max == 1000)
			sc_err_hint(err, "values above 1000 need Linux 5.17 or later");
		else if (key == SC_VM_OVERCOMMIT_RATIO)
			sc_err_hint(err,
				"the kernel takes negative ratios too, but they only shrink "
				"CommitLimit below the swap size");
		return r;
	}

	switch (key) {
	case SC_VM_SWAPPINESS:
		if (v == 0 && !force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.swappiness=0: refused: since Linux 3.5 reclaim does not swap "
				"until free and file pages are nearly exhausted, and reclaim under "
				"a cgroup memory limit never swaps, so processes are OOM-killed "
				"while swap is still free");
			sc_err_hint(err,
				"use vm.swappiness=1 for the least swapping that still swaps; "
				"--force overrides");
			return r;
		}
		if (v > 100 && !e->fast_swap && !force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.swappiness=%" PRId64 ": refused: values above 100 make reclaim "
				"prefer swapping to dropping page cache, which only pays off when "
				"swap is compressed memory, and no zram swap is active and zswap "
				"is off",
				v);
			sc_err_hint(err,
				"create zram swap first (swapctl zram add) or enable zswap; "
				"--force overrides");
			return r;
		}
		break;
	case SC_VM_MIN_FREE_KBYTES: {
		int64_t formula = sc_sysctl_min_free_formula(e);
		int64_t floor = SC_MIN(INT64_C(1024), formula);
		int64_t soft = sc_sysctl_min_free_max(e);
		int64_t hard = SC_MAX(soft, (int64_t)(e->lowmem_kb / 4));

		if (v < floor) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.min_free_kbytes=%" PRId64 ": refused: below %" PRId64
				" kB the page allocator's emergency reserve is too small to work "
				"(vm.rst: \"subtly broken, prone to deadlock\")",
				v, floor);
			sc_err_hint(err, "the kernel's own value here is %" PRId64,
				sc_sysctl_min_free_own(e));
			return r;
		}
		if (v < formula && !force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.min_free_kbytes=%" PRId64 ": refused: below the kernel's own "
				"default %" PRId64 " (4 x sqrt of %" PRIu64 " kB lowmem), which "
				"shrinks the reserve atomic allocations and reclaim depend on",
				v, formula, e->lowmem_kb);
			sc_err_hint(err, "--force overrides");
			return r;
		}
		if (v > hard) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.min_free_kbytes=%" PRId64
				": refused: more than a quarter of the %" PRIu64
				" kB lowmem would be held back; a reserve this large OOMs the "
				"machine at once (vm.rst)",
				v, e->lowmem_kb);
			sc_err_hint(err,
				"it is a reserve, not a limit on allocations; swapctl accepts up "
				"to %" PRId64 " (5%% of lowmem)",
				soft);
			return r;
		}
		if (v > soft && !force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.min_free_kbytes=%" PRId64
				": refused: above 5%% of lowmem (%" PRId64
				" kB, the cap khugepaged itself observes); the watermarks derived "
				"from it would keep that much memory idle and make OOM kills "
				"likely",
				v, soft);
			sc_err_hint(err,
				"it is a reserve, not a limit on allocations; --force overrides");
			return r;
		}
		break;
	}
	case SC_VM_VFS_CACHE_PRESSURE:
		if (v == 0 && !force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.vfs_cache_pressure=0: refused: dentries and inodes would never "
				"be reclaimed, which \"can easily lead to out-of-memory "
				"conditions\" (vm.rst)");
			sc_err_hint(err,
				"use a value of 1 or more (100 is the default); --force overrides");
			return r;
		}
		break;
	case SC_VM_DIRTYTIME_EXPIRE_SECONDS:
		if (v == 0) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"vm.dirtytime_expire_seconds=0: refused: on kernels without commit "
				"543467d6fe97 the lazytime writeback work re-queues itself with no "
				"delay and pins a kworker at 100%% CPU");
			sc_err_hint(err, "use a positive interval (43200 is the default)");
			return r;
		}
		break;
	}
	return 0;
}

static int64_t want_or_live(const struct sc_sysctl_values *v, size_t key, int64_t fallback)
{
	return v->set[key] ? v->v[key] : fallback;
}

int sc_sysctl_validate_values(const struct sc_sysctl_env *e, const struct sc_sysctl_values *v,
	bool force, struct sc_err *err)
{
	int64_t mode, ratio;
	uint64_t limit;
	char b1[32], b2[32];
	int r;

	if (!v->set[SC_VM_OVERCOMMIT_MEMORY] && !v->set[SC_VM_OVERCOMMIT_RATIO])
		return 0;
	mode = want_or_live(v, SC_VM_OVERCOMMIT_MEMORY, -1);
	if (mode != 2 || e->mem_total_kb == 0)
		return 0;
	ratio = want_or_live(v, SC_VM_OVERCOMMIT_RATIO, 50);
	/* mm/util.c vm_commit_limit(): overcommit_kbytes, when set, replaces the ratio. */
	limit = e->swap_total_kb +
		(e->overcommit_kbytes > 0 ? (uint64_t)e->overcommit_kbytes
					  : e->mem_total_kb * (uint64_t)ratio / 100);
	if (limit < e->committed_kb && !force) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"vm.overcommit_memory=2: refused: strict accounting would set CommitLimit "
			"to %s, below the %s already committed (Committed_AS), so every new "
			"allocation and fork would fail with ENOMEM",
			sc_format_bytes(limit * 1024, b1),
			sc_format_bytes(e->committed_kb * 1024, b2));
		sc_err_hint(err, "raise vm.overcommit_ratio or add swap first; --force overrides");
		return r;
	}
	return 0;
}

/* ---- profiles ---- */

/* Markers in the profile table: the kernel default, or a value computed from memory. */
#define P_DEFAULT	  INT64_MIN
#define P_MINFREE_OWN	  (INT64_MIN + 1)
#define P_MINFREE_PROFILE (INT64_MIN + 2)

enum { PROF_DEFAULT, PROF_ZRAM, PROF_SERVER, PROF_DATABASE, PROF_DESKTOP };

const struct sc_sysctl_profile sc_sysctl_profiles[] = {
	{"default", "the kernel's defaults (vm.rst), min_free_kbytes as the kernel computes it"},
	{"zram",
		"swap on compressed memory: swappiness 180, page-cluster 0, no watermark boost, "
		"watermark_scale_factor 125 (ArchWiki zram, Pop!_OS)"},
	{"server", "swappiness 30 (tuned virtual-guest), a 1% reserve (min_free_kbytes)"},
	{"database", "swappiness 10 (Red Hat tuned throughput-performance), a 1% reserve"},
	{"desktop", "the kernel's reclaim defaults; the zram values when zram or zswap is used"},
};
const size_t sc_sysctl_n_profiles = ELEMENTSOF(sc_sysctl_profiles);

/* Columns follow the key table: swappiness, min_free_kbytes, overcommit_memory,
 * overcommit_ratio, watermark_scale_factor, watermark_boost_factor, vfs_cache_pressure,
 * dirtytime_expire_seconds, page-cluster. */
static const int64_t profile_table[][SC_VM_N] = {
	[PROF_DEFAULT] = {P_DEFAULT, P_MINFREE_OWN, P_DEFAULT, P_DEFAULT, P_DEFAULT, P_DEFAULT,
		P_DEFAULT, P_DEFAULT, P_DEFAULT},
	[PROF_ZRAM] = {180, P_MINFREE_OWN, P_DEFAULT, P_DEFAULT, 125, 0, P_DEFAULT, P_DEFAULT, 0},
	[PROF_SERVER] = {30, P_MINFREE_PROFILE, P_DEFAULT, P_DEFAULT, P_DEFAULT, P_DEFAULT,
		P_DEFAULT, P_DEFAULT, P_DEFAULT},
	[PROF_DATABASE] = {10, P_MINFREE_PROFILE, P_DEFAULT, P_DEFAULT, P_DEFAULT, P_DEFAULT,
		P_DEFAULT, P_DEFAULT, P_DEFAULT},
	[PROF_DESKTOP] = {P_DEFAULT, P_MINFREE_OWN, P_DEFAULT, P_DEFAULT, P_DEFAULT, P_DEFAULT,
		P_DEFAULT, P_DEFAULT, P_DEFAULT},
};

_Static_assert(ELEMENTSOF(profile_table) == ELEMENTSOF(sc_sysctl_profiles), "profile table");

int sc_sysctl_profile_values(
	const char *name, const struct sc_sysctl_env *e, struct sc_sysctl_values *ret)
{
	size_t p;
	int64_t max, min;

	for (p = 0; p < sc_sysctl_n_profiles; p++)
		if (sc_streq(name, sc_sysctl_profiles[p].name))
			break;
	if (p == sc_sysctl_n_profiles)
		return -ENOENT;
	memset(ret, 0, sizeof(*ret));
	for (size_t k = 0; k < SC_VM_N; k++) {
		int64_t v = profile_table[p][k];

		if (v == P_DEFAULT)
			v = sc_sysctl_keys[k].kernel_default;
		else if (v == P_MINFREE_OWN)
			v = sc_sysctl_min_free_own(e);
		else if (v == P_MINFREE_PROFILE)
			v = sc_sysctl_min_free_profile(e);
		ret->set[k] = true;
		ret->v[k] = v;
	}
	/*
	 * With swap on compressed memory the reclaim values of the zram profile fit every
	 * profile: no seek to amortise with readahead, and swapping out is cheap. The database
	 * profile keeps its low swappiness (the database's own caches stay uncompressed).
	 */
	if (e->fast_swap && p != 0) {
		if (p != 3)
			ret->v[SC_VM_SWAPPINESS] = profile_table[1][SC_VM_SWAPPINESS];
		ret->v[SC_VM_PAGE_CLUSTER] = profile_table[1][SC_VM_PAGE_CLUSTER];
		ret->v[SC_VM_WATERMARK_BOOST_FACTOR] =
			profile_table[1][SC_VM_WATERMARK_BOOST_FACTOR];
		ret->v[SC_VM_WATERMARK_SCALE_FACTOR] =
			profile_table[1][SC_VM_WATERMARK_SCALE_FACTOR];
	}
	/* Older kernels cap swappiness at 100 and watermark_scale_factor at 1000. */
	for (size_t k = 0; k < SC_VM_N; k++) {
		sc_sysctl_range(e, k, &min, &max);
		ret->v[k] = SC_MAX(min, SC_MIN(ret->v[k], max));
	}
	return 0;
}

/* ---- the drop-in ---- */

void sc_sysctl_dropin_done(struct sc_sysctl_dropin *d)
{
	free(d->path);
	free(d->text);
	free(d->profile);
	free(d->foreign_key);
	free(d->problem);
	memset(d, 0, sizeof(*d));
}

/* Trim spaces and tabs at both ends, in place. */
static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

void sc_sysctl_normalize_key(char *key)
{
	/*
	 * systemd's sysctl_normalize(): "vm/swappiness" and "vm.swappiness" are the same key;
	 * when the first separator is '/', '/' and '.' swap roles.
	 */
	char *sep = strpbrk(key, "./");

	if (!sep || *sep == '.')
		return;
	for (char *p = key; *p; p++) {
		if (*p == '/')
			*p = '.';
		else if (*p == '.')
			*p = '/';
	}
}

int sc_sysctl_dropin_parse(
	const char *path, const char *text, struct sc_sysctl_dropin *ret, struct sc_err *err)
{
	_cleanup_free_ char *copy = strdup(text);
	unsigned lineno = 0;
	char *save = NULL, *line;
	int r;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would merge empty lines and miscount; walk the lines by hand. */
	for (line = copy; line; line = save) {
		char *nl = strchr(line, '\n'), *s, *eq, *key, *val;
		int64_t v;
		int k;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		s = strip(line);
		if (*s == '\0' || *s == ';')
			continue;
		if (*s == '#') {
			s = strip(s + 1);
			if (sc_startswith(s, "profile:") && !ret->profile) {
				ret->profile = strdup(strip(s + strlen("profile:")));
				if (!ret->profile)
					return -ENOMEM;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"%s line %u: \"%s\" is not KEY = VALUE", path, lineno, s);
		*eq = '\0';
		key = strip(s);
		val = strip(eq + 1);
		if (*key == '-')
			key = strip(key + 1);
		sc_sysctl_normalize_key(key);
		k = sc_sysctl_key_index(key);
		if (k < 0) {
			if (!ret->foreign_key) {
				ret->foreign_key = strdup(key);
				if (!ret->foreign_key)
					return -ENOMEM;
				ret->foreign_line = lineno;
			}
			continue;
		}
		r = sc_sysctl_parse_value((size_t)k, val, &v, err);
		if (r < 0) {
			/* Name the file and line in front of the value's own message. */
			if (err) {
				char prefix[512];
				size_t plen, mlen = strlen(err->msg);

				snprintf(prefix, sizeof(prefix), "%s line %u: ", path, lineno);
				plen = strlen(prefix);
				mlen = SC_MIN(mlen, sizeof(err->msg) - 1 - plen);
				memmove(err->msg + plen, err->msg, mlen);
				memcpy(err->msg, prefix, plen);
				err->msg[plen + mlen] = '\0';
			}
			return r;
		}
		ret->values.set[k] = true;
		ret->values.v[k] = v;
		ret->line[k] = lineno;
	}
	return 0;
}

int sc_sysctl_dropin_load(const struct sc_ctx *c, struct sc_sysctl_dropin *ret, struct sc_err *err)
{
	struct sc_err perr = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	if (asprintf(&ret->path, "%s/%s", c->sysctl_dir, SC_SYSCTL_DROPIN) < 0) {
		ret->path = NULL;
		return -ENOMEM;
	}
	r = sc_ctx_read(c, ret->path, 1 << 20, &ret->text, &ret->len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", ret->path, strerror(-r));
	ret->exists = true;
	r = sc_file_identity(c, ret->path, ret->text, ret->len, &ret->id);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", ret->path, strerror(-r));
	/* A malformed drop-in is reported when it matters (merging into it), not here. */
	r = sc_sysctl_dropin_parse(ret->path, ret->text, ret, &perr);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ret->problem = strdup(perr.msg);
		if (!ret->problem)
			return -ENOMEM;
		memset(&ret->values, 0, sizeof(ret->values));
	}
	return 0;
}

int sc_sysctl_dropin_render(const char *profile, const struct sc_sysctl_values *v, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("# vm.* companions of the swap layout, written by swapctl.\n# `swapctl sysctl apply` "
	      "replaces this file: change a value with\n# `swapctl sysctl apply --set "
	      "vm.KEY=VALUE`. Sources for every value: swapctl(8).\n",
		f);
	if (profile)
		fprintf(f, "# profile: %s\n", profile);
	for (size_t k = 0; k < SC_VM_N; k++)
		if (v->set[k])
			fprintf(f, "vm.%s = %" PRId64 "\n", sc_sysctl_keys[k].name, v->v[k]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

/* ---- state, plan, apply ---- */

int sc_sysctl_state_read(const struct sc_ctx *c, struct sc_sysctl_state *ret, struct sc_err *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = sc_sysctl_env_read(c, &ret->env);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "/proc/meminfo: cannot read: %s", strerror(-r));
	for (size_t k = 0; k < SC_VM_N; k++) {
		if (c->offline) {
			/* The image's kernel decides which keys exist; the host's does not. */
			ret->present[k] = true;
			ret->live[k] = -1;
			continue;
		}
		r = sc_sysctl_read_live(c, sc_sysctl_keys[k].name, &ret->live[k]);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r,
				"/proc/sys/vm/%s: cannot read: %s", sc_sysctl_keys[k].name,
				strerror(-r));
		ret->present[k] = true;
	}
	return sc_sysctl_dropin_load(c, &ret->dropin, err);
}

void sc_sysctl_state_done(struct sc_sysctl_state *s)
{
	sc_sysctl_dropin_done(&s->dropin);
}

void sc_sysctl_plan_done(struct sc_sysctl_plan *p)
{
	sc_plan_free(&p->plan);
	free(p->profile);
	free(p->dropin_text);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}

static int add_note(struct sc_sysctl_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int add_note(struct sc_sysctl_plan *p, const char *fmt, ...)
{
	char **n = realloc(p->notes, (p->n_notes + 1) * sizeof(*n));
	va_list ap;
	int r;

	if (!n)
		return -ENOMEM;
	p->notes = n;
	va_start(ap, fmt);
	r = vasprintf(&p->notes[p->n_notes], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	p->n_notes++;
	return 0;
}

static int add_live_action(struct sc_sysctl_plan *p, const struct sc_sysctl_state *s, size_t k)
{
	char target[96], key[64];
	struct sc_action *a;

	snprintf(target, sizeof(target), "/proc/sys/vm/%s", sc_sysctl_keys[k].name);
	snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[k].name);
	a = sc_plan_add(&p->plan, SC_SYSCTL_SET_LIVE, "set-live", target);
	if (!a || sc_action_set_str(a, "key", key) < 0 ||
		sc_action_set_int(a, "old", s->live[k]) < 0 ||
		sc_action_set_int(a, "new", p->want.v[k]) < 0)
		return -ENOMEM;
	return 0;
}

static int plan_dropin(struct sc_sysctl_plan *p, const struct sc_sysctl_state *s)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	bool any = false;
	int r;

	r = sc_sysctl_dropin_render(p->profile, &p->want, &p->dropin_text);
	if (r < 0)
		return r;
	if (d->exists && d->len == strlen(p->dropin_text) &&
		memcmp(d->text, p->dropin_text, d->len) == 0) {
		free(p->dropin_text);
		p->dropin_text = NULL;
		return 0;
	}
	for (size_t k = 0; k < SC_VM_N; k++) {
		char key[64];
		struct sc_action *a;

		if (d->values.set[k] == p->want.set[k] &&
			(!p->want.set[k] || d->values.v[k] == p->want.v[k]))
			continue;
		snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[k].name);
		a = sc_plan_add(&p->plan, SC_SYSCTL_WRITE_DROPIN, "write-dropin", d->path);
		if (!a || sc_action_set_str(a, "key", key) < 0)
			return -ENOMEM;
		if (d->values.set[k] && sc_action_set_int(a, "old", d->values.v[k]) < 0)
			return -ENOMEM;
		if (p->want.set[k] && sc_action_set_int(a, "new", p->want.v[k]) < 0)
			return -ENOMEM;
		any = true;
	}
	if (!any) {
		/* Only the header changes (another profile with the same values, or a fresh file). */
		struct sc_action *a =
			sc_plan_add(&p->plan, SC_SYSCTL_WRITE_DROPIN, "write-dropin", d->path);
		if (!a || (p->profile && sc_action_set_str(a, "profile", p->profile) < 0))
			return -ENOMEM;
	}
	return 0;
}

int sc_sysctl_plan(const struct sc_ctx *c, const struct sc_sysctl_state *s,
	const struct sc_sysctl_request *req, struct sc_sysctl_plan *ret, struct sc_err *err)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	bool from_profile[SC_VM_N] = {false};
	size_t order[SC_VM_N], n_set = 0;
	char kb[32];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (c->offline && req->no_persist)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"--no-persist with --root leaves nothing to do: an offline tree only gets "
			"the drop-in");

	if (req->profile) {
		r = sc_sysctl_profile_values(req->profile, &s->env, &ret->want);
		if (r == -ENOENT) {
			r = sc_err_set(
				err, SC_EXIT_USAGE, EINVAL, "unknown profile '%s'", req->profile);
			sc_err_hint(err, "profiles: default, zram, server, database, desktop");
			return r;
		}
		for (size_t k = 0; k < SC_VM_N; k++)
			from_profile[k] = ret->want.set[k];
		ret->profile = strdup(req->profile);
		if (!ret->profile)
			return -ENOMEM;
		if (d->exists && d->problem) {
			r = add_note(ret, "replacing the malformed drop-in (%s)", d->problem);
			if (r < 0)
				return r;
		}
	} else if (d->exists) {
		if (d->problem) {
			r = sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s", d->problem);
			sc_err_hint(err, "fix that line, or replace the file with --profile NAME");
			return r;
		}
		ret->want = d->values;
		if (d->profile) {
			ret->profile = strdup(d->profile);
			if (!ret->profile)
				return -ENOMEM;
		}
	}
	for (size_t k = 0; k < SC_VM_N; k++)
		if (req->set.set[k]) {
			ret->want.set[k] = true;
			ret->want.v[k] = req->set.v[k];
			from_profile[k] = false;
		}
	for (size_t k = 0; k < SC_VM_N; k++)
		n_set += ret->want.set[k];
	if (n_set == 0) {
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"nothing to apply: no --profile, no --set and no %s", d->path);
		sc_err_hint(err,
			"name a profile (--profile server) or a value (--set vm.swappiness=30)");
		return r;
	}

	if (c->offline && from_profile[SC_VM_MIN_FREE_KBYTES]) {
		/* Computed from this host's memory, which is not the image's. */
		ret->want.set[SC_VM_MIN_FREE_KBYTES] = false;
		r = add_note(ret,
			"vm.min_free_kbytes depends on the target machine's memory: left to the "
			"kernel in an offline tree");
		if (r < 0)
			return r;
	}
	for (size_t k = 0; k < SC_VM_N; k++) {
		if (!ret->want.set[k] || s->present[k])
			continue;
		if (req->set.set[k])
			return sc_err_set(err, SC_EXIT_USAGE, ENOENT, "vm.%s: not available on %s",
				sc_sysctl_keys[k].name, kver_str(&s->env, kb));
		ret->want.set[k] = false;
		r = add_note(ret, "vm.%s is not available on %s, skipping", sc_sysctl_keys[k].name,
			kver_str(&s->env, kb));
		if (r < 0)
			return r;
	}

	for (size_t k = 0; k < SC_VM_N; k++) {
		if (!ret->want.set[k])
			continue;
		r = sc_sysctl_validate(&s->env, k, ret->want.v[k], req->force, err);
		if (r < 0) {
			if (!req->profile && !req->set.set[k] && err)
				sc_err_hint(err,
					"the value comes from %s line %u; fix it with --set",
					d->path, d->line[k]);
			return r;
		}
	}
	r = sc_sysctl_validate_values(&s->env, &ret->want, req->force, err);
	if (r < 0)
		return r;
	if (ret->want.set[SC_VM_MIN_FREE_KBYTES] &&
		ret->want.v[SC_VM_MIN_FREE_KBYTES] < sc_sysctl_min_free_thp(&s->env)) {
		r = add_note(ret,
			"vm.min_free_kbytes=%" PRId64 " is below what khugepaged sets while "
			"transparent hugepages are enabled (%" PRId64 "): it will raise the value "
			"again whenever THP settings or memory change",
			ret->want.v[SC_VM_MIN_FREE_KBYTES], sc_sysctl_min_free_thp(&s->env));
		if (r < 0)
			return r;
	}

	if (!req->no_persist) {
		if (d->foreign_key && !req->force) {
			r = sc_err_set(err, SC_EXIT_REFUSED, 0,
				"%s line %u sets %s, which swapctl does not manage: rewriting its "
				"drop-in would drop that setting",
				d->path, d->foreign_line, d->foreign_key);
			sc_err_hint(err,
				"move that line to a file of its own in the sysctl directory; "
				"--force drops it");
			return r;
		}
		r = plan_dropin(ret, s);
		if (r < 0)
			return r;
	}

	if (!c->offline) {
		/*
		 * Table order, except that a switch to strict overcommit writes the ratio first:
		 * the other way round, mode 2 would briefly apply with the old ratio.
		 */
		for (size_t k = 0; k < SC_VM_N; k++)
			order[k] = k;
		if (ret->want.set[SC_VM_OVERCOMMIT_MEMORY] &&
			ret->want.v[SC_VM_OVERCOMMIT_MEMORY] == 2) {
			order[SC_VM_OVERCOMMIT_MEMORY] = SC_VM_OVERCOMMIT_RATIO;
			order[SC_VM_OVERCOMMIT_RATIO] = SC_VM_OVERCOMMIT_MEMORY;
		}
		for (size_t i = 0; i < SC_VM_N; i++) {
			size_t k = order[i];
			if (!ret->want.set[k] || s->live[k] == ret->want.v[k])
				continue;
			r = add_live_action(ret, s, k);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int write_live(const struct sc_ctx *c, size_t k, int64_t v, struct sc_err *err)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	const char *name = sc_sysctl_keys[k].name;
	char buf[32];
	int64_t back;
	int r;

	if (asprintf(&rel, "/proc/sys/vm/%s", name) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	/*
	 * Canonical decimal in one write() at offset 0 (write_attr): the kernel would parse
	 * "010" as octal, and with sysctl_writes_strict a second write at an offset is dropped.
	 */
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	r = c->sys->write_attr(path, buf);
	if (r == -EINVAL)
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
			"vm.%s: the kernel rejected %s (Invalid argument)", name, buf);
	if (r < 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -r, "vm.%s: cannot write %s: %s", name, rel,
			strerror(-r));
		if (r == -EACCES || r == -EPERM || r == -EROFS)
			sc_err_hint(err,
				"run as root, outside a container that mounts /proc/sys read-only");
		return r;
	}
	r = sc_sysctl_read_live(c, name, &back);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "vm.%s: cannot read back %s: %s", name,
			rel, strerror(-r));
	if (back != v)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"vm.%s: wrote %s but the kernel reports %" PRId64, name, buf, back);
	return 0;
}

static void append_msg(struct sc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append_msg(struct sc_err *err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!err)
		return;
	n = strlen(err->msg);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

int sc_sysctl_apply(const struct sc_ctx *c, const struct sc_sysctl_state *s,
	struct sc_sysctl_plan *p, struct sc_err *err)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	struct sc_atomic_opts opts = {.mode = 0644, .expect = &d->id};
	bool wrote_dropin = false, restore_failed = false;
	size_t i;
	int r = 0;

	if (p->dropin_text) {
		r = sc_config_mkdir(c, c->sysctl_dir, 0755);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create: %s",
				c->sysctl_dir, strerror(-r));
		r = sc_atomic_replace(c, d->path, p->dropin_text, strlen(p->dropin_text), &opts);
		if (r == -ESTALE) {
			r = sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
				"%s: changed by someone else while swapctl was working", d->path);
			sc_err_hint(err, "run the command again");
			return r;
		}
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", d->path,
				strerror(-r));
		wrote_dropin = true;
		for (i = 0; i < p->plan.n; i++)
			if (p->plan.actions[i].kind == SC_SYSCTL_WRITE_DROPIN)
				p->plan.actions[i].done = true;
	}

	for (i = 0; i < p->plan.n; i++) {
		struct sc_action *a = &p->plan.actions[i];
		int k;

		if (a->kind != SC_SYSCTL_SET_LIVE)
			continue;
		k = sc_sysctl_key_index(sc_action_get(a, "key")->str);
		r = write_live(c, (size_t)k, sc_action_get(a, "new")->num, err);
		if (r < 0)
			break;
		a->done = true;
	}
	if (r >= 0)
		return 0;

	/* Roll back: live values in reverse order, then the drop-in. */
	while (i-- > 0) {
		struct sc_action *a = &p->plan.actions[i];
		struct sc_err rerr = {0};
		int k, q;

		if (a->kind != SC_SYSCTL_SET_LIVE || !a->done)
			continue;
		k = sc_sysctl_key_index(sc_action_get(a, "key")->str);
		q = write_live(c, (size_t)k, sc_action_get(a, "old")->num, &rerr);
		if (q < 0) {
			append_msg(err, "; restoring %s to %" PRId64 " failed too: %s",
				sc_action_get(a, "key")->str, sc_action_get(a, "old")->num,
				rerr.msg);
			restore_failed = true;
			continue;
		}
		a->done = false;
	}
	if (wrote_dropin) {
		int q;
		struct sc_atomic_opts back = {.mode = 0644};

		if (d->exists)
			q = sc_atomic_replace(c, d->path, d->text, d->len, &back);
		else
			q = c->sys->unlinkat(AT_FDCWD, d->path, 0);
		if (q < 0) {
			append_msg(err, "; restoring %s failed too: %s", d->path, strerror(-q));
			restore_failed = true;
		} else
			for (size_t j = 0; j < p->plan.n; j++)
				if (p->plan.actions[j].kind == SC_SYSCTL_WRITE_DROPIN)
					p->plan.actions[j].done = false;
	}
	if (!restore_failed)
		append_msg(err, "; the previous values were restored");
	else if (err)
		sc_err_hint(err,
			"compare `swapctl sysctl show` with the values above and fix what is left "
			"by hand");
	return r;
}
