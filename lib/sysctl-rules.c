/*
 * Ranges and validation of vm.* values: parsing (strict decimal), this kernel's range (a usage
 * error outside it), then swapctl's rules for accepted-but-dangerous values and combinations
 * (refusals, some overridden by --force). Uses sysctl-env.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>

#include "macro.h"
#include "parse.h"
#include "sysctl-internal.h"
#include "sysctl.h"

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
			min, max, sc_sysctl_kver_str(e, kb));
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
