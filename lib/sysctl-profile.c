/*
 * The named profiles (default, zram, server, database, desktop) and the values each sets on
 * a machine. Uses sysctl-env.c for the machine-dependent min_free_kbytes and sysctl-rules.c
 * for this kernel's ranges.
 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "sysctl.h"
#include "util.h"

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
