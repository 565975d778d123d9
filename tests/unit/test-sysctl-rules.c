/*
 * The pure parts of the vm.* module: strict value parsing, per-kernel ranges, swapctl's
 * refusals (usage error vs. refusal vs. --force), min_free_kbytes formulas, profiles, the
 * drop-in format, and the /proc/zoneinfo parser they rely on.
 */
#include "fixture.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"
#include "sysctl.h"

static struct sc_sysctl_env env_618(void)
{
	/* This VM: 24 GiB, 4.2 GiB of it managed in DMA/DMA32/Normal, THP=madvise. */
	return (struct sc_sysctl_env){
		.kver = {6, 18},
		.mem_total_kb = 24684092,
		.lowmem_kb = 4417748,
		.lowmem_zones = 3,
		.thp_enabled = true,
		.pageblock_kb = 2048,
		.page_kb = 4,
		.committed_kb = 69540,
	};
}

static void test_kver(void **state)
{
	struct sc_kver v;

	assert_int_equal(sc_kver_parse("6.18.44-fc-v657", &v), 0);
	assert_int_equal(v.major, 6);
	assert_int_equal(v.minor, 18);
	assert_int_equal(sc_kver_parse("5.4.0-150-generic\n", &v), 0);
	assert_int_equal(v.minor, 4);
	assert_int_equal(sc_kver_parse("6", &v), -EINVAL);
	assert_int_equal(sc_kver_parse("x6.1", &v), -EINVAL);
	assert_int_equal(sc_kver_parse("", &v), -EINVAL);
	assert_true(sc_kver_ge(&(struct sc_kver){5, 8}, 5, 8));
	assert_false(sc_kver_ge(&(struct sc_kver){5, 7}, 5, 8));
	assert_true(sc_kver_ge(&(struct sc_kver){6, 0}, 5, 17));
	assert_true(sc_kver_ge(&(struct sc_kver){0, 0}, 9, 9)); /* unknown counts as new */
}

static void test_key_index(void **state)
{
	assert_int_equal(sc_sysctl_key_index("vm.swappiness"), SC_VM_SWAPPINESS);
	assert_int_equal(sc_sysctl_key_index("vm/page-cluster"), SC_VM_PAGE_CLUSTER);
	assert_int_equal(sc_sysctl_key_index("swappiness"), -ENOENT);
	assert_int_equal(sc_sysctl_key_index("vm.dirty_ratio"), -ENOENT);
	assert_int_equal(sc_sysctl_key_index("kernel.swappiness"), -ENOENT);
	assert_int_equal(sc_sysctl_key_index("vm.swappiness "), -ENOENT);
}

static void test_parse_value(void **state)
{
	/* What the kernel would misread must be refused as a usage error. */
	static const char *bad[] = {"010", "0x10", " 60", "60 ", "60 junk", "+30", "3e1", "", "6 0",
		"60\n", "--1", "-0", "1.5", "2147483648", "-2147483649"};
	struct sc_err err = {0};
	int64_t v;

	assert_int_equal(sc_sysctl_parse_value(SC_VM_SWAPPINESS, "60", &v, &err), 0);
	assert_int_equal(v, 60);
	assert_int_equal(sc_sysctl_parse_value(SC_VM_SWAPPINESS, "0", &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sc_sysctl_parse_value(SC_VM_OVERCOMMIT_RATIO, "-1", &v, &err), 0);
	assert_int_equal(v, -1);
	assert_int_equal(sc_sysctl_parse_value(SC_VM_MIN_FREE_KBYTES, "2147483647", &v, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sc_err_clear(&err);
		if (sc_sysctl_parse_value(SC_VM_SWAPPINESS, bad[i], &v, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(err.kind, SC_EXIT_USAGE);
	}
}

static void test_min_free_formulas(void **state)
{
	struct sc_sysctl_env e = env_618();

	/* int_sqrt(4417748 * 16) = 8407 */
	assert_int_equal(sc_sysctl_min_free_formula(&e), 8407);
	/* 3 zones x 512 pages x 11 x 4 KiB, as khugepaged logged on this VM */
	assert_int_equal(sc_sysctl_min_free_thp(&e), 67584);
	assert_int_equal(sc_sysctl_min_free_own(&e), 67584);
	assert_int_equal(sc_sysctl_min_free_max(&e), 4417748 / 20);
	/* 1% of lowmem (44177) is below the kernel's own value: the larger wins */
	assert_int_equal(sc_sysctl_min_free_profile(&e), 67584);

	e.thp_enabled = false;
	assert_int_equal(sc_sysctl_min_free_thp(&e), 0);
	assert_int_equal(sc_sysctl_min_free_own(&e), 8407);
	assert_int_equal(sc_sysctl_min_free_profile(&e), 44177);

	/* Clamps: 128 .. 262144 for the formula, 256 MiB for the profile */
	e.lowmem_kb = 1000;
	assert_int_equal(sc_sysctl_min_free_formula(&e), 128);
	e.lowmem_kb = UINT64_C(1) << 40;
	assert_int_equal(sc_sysctl_min_free_formula(&e), 262144);
	assert_int_equal(sc_sysctl_min_free_profile(&e), 262144);

	/* khugepaged never reserves more than 5% of lowmem */
	e = env_618();
	e.lowmem_kb = 1000000;
	assert_int_equal(sc_sysctl_min_free_thp(&e), 50000);
}

static void test_ranges_per_kernel(void **state)
{
	struct sc_sysctl_env e = env_618();
	int64_t min, max;

	sc_sysctl_range(&e, SC_VM_SWAPPINESS, &min, &max);
	assert_int_equal(max, 200);
	sc_sysctl_range(&e, SC_VM_WATERMARK_SCALE_FACTOR, &min, &max);
	assert_int_equal(min, 1);
	assert_int_equal(max, 3000);
	e.kver = (struct sc_kver){5, 7};
	sc_sysctl_range(&e, SC_VM_SWAPPINESS, &min, &max);
	assert_int_equal(max, 100);
	e.kver = (struct sc_kver){5, 16};
	sc_sysctl_range(&e, SC_VM_WATERMARK_SCALE_FACTOR, &min, &max);
	assert_int_equal(max, 1000);
	sc_sysctl_range(&e, SC_VM_PAGE_CLUSTER, &min, &max);
	assert_int_equal(min, 0);
	assert_int_equal(max, 31);
}

enum verdict { OK = 0, USAGE = SC_EXIT_USAGE, REFUSED = SC_EXIT_REFUSED };

static void test_validate_table(void **state)
{
	static const struct {
		size_t key;
		int64_t v;
		int kver_major, kver_minor;
		bool fast;
		bool force;
		enum verdict want;
	} t[] = {
		{SC_VM_SWAPPINESS, 60, 6, 18, false, false, OK},
		{SC_VM_SWAPPINESS, 1, 6, 18, false, false, OK},
		{SC_VM_SWAPPINESS, 0, 6, 18, false, false, REFUSED},
		{SC_VM_SWAPPINESS, 0, 6, 18, false, true, OK},
		{SC_VM_SWAPPINESS, 180, 6, 18, false, false, REFUSED},
		{SC_VM_SWAPPINESS, 180, 6, 18, false, true, OK},
		{SC_VM_SWAPPINESS, 180, 6, 18, true, false, OK},
		{SC_VM_SWAPPINESS, 200, 6, 18, true, false, OK},
		{SC_VM_SWAPPINESS, 201, 6, 18, true, true, USAGE},
		{SC_VM_SWAPPINESS, 150, 5, 4, true, true, USAGE},
		{SC_VM_SWAPPINESS, 100, 5, 4, false, false, OK},
		{SC_VM_SWAPPINESS, -1, 6, 18, false, true, USAGE},
		{SC_VM_OVERCOMMIT_MEMORY, 0, 6, 18, false, false, OK},
		{SC_VM_OVERCOMMIT_MEMORY, 2, 6, 18, false, false, OK},
		{SC_VM_OVERCOMMIT_MEMORY, 3, 6, 18, false, true, USAGE},
		{SC_VM_OVERCOMMIT_RATIO, 0, 6, 18, false, false, OK},
		{SC_VM_OVERCOMMIT_RATIO, 150, 6, 18, false, false, OK},
		{SC_VM_OVERCOMMIT_RATIO, -1, 6, 18, false, true, USAGE},
		{SC_VM_WATERMARK_SCALE_FACTOR, 125, 6, 18, false, false, OK},
		{SC_VM_WATERMARK_SCALE_FACTOR, 0, 6, 18, false, true, USAGE},
		{SC_VM_WATERMARK_SCALE_FACTOR, 3000, 6, 18, false, false, OK},
		{SC_VM_WATERMARK_SCALE_FACTOR, 3001, 6, 18, false, true, USAGE},
		{SC_VM_WATERMARK_SCALE_FACTOR, 2000, 5, 15, false, true, USAGE},
		{SC_VM_WATERMARK_SCALE_FACTOR, 1000, 5, 15, false, false, OK},
		{SC_VM_WATERMARK_BOOST_FACTOR, 0, 6, 18, false, false, OK},
		{SC_VM_VFS_CACHE_PRESSURE, 0, 6, 18, false, false, REFUSED},
		{SC_VM_VFS_CACHE_PRESSURE, 0, 6, 18, false, true, OK},
		{SC_VM_VFS_CACHE_PRESSURE, 1, 6, 18, false, false, OK},
		{SC_VM_DIRTYTIME_EXPIRE_SECONDS, 0, 6, 18, false, true, REFUSED},
		{SC_VM_DIRTYTIME_EXPIRE_SECONDS, 1, 6, 18, false, false, OK},
		{SC_VM_PAGE_CLUSTER, 0, 6, 18, false, false, OK},
		{SC_VM_PAGE_CLUSTER, 31, 6, 18, false, false, OK},
		{SC_VM_PAGE_CLUSTER, 32, 6, 18, false, true, USAGE},
		/* min_free_kbytes: formula 8407, soft cap 220887, hard cap a quarter (1104437) */
		{SC_VM_MIN_FREE_KBYTES, 8407, 6, 18, false, false, OK},
		{SC_VM_MIN_FREE_KBYTES, 8406, 6, 18, false, false, REFUSED},
		{SC_VM_MIN_FREE_KBYTES, 8406, 6, 18, false, true, OK},
		{SC_VM_MIN_FREE_KBYTES, 1024, 6, 18, false, true, OK},
		{SC_VM_MIN_FREE_KBYTES, 1023, 6, 18, false, true, REFUSED},
		{SC_VM_MIN_FREE_KBYTES, 0, 6, 18, false, true, REFUSED},
		{SC_VM_MIN_FREE_KBYTES, 220887, 6, 18, false, false, OK},
		{SC_VM_MIN_FREE_KBYTES, 220888, 6, 18, false, false, REFUSED},
		{SC_VM_MIN_FREE_KBYTES, 220888, 6, 18, false, true, OK},
		{SC_VM_MIN_FREE_KBYTES, 1104437, 6, 18, false, true, OK},
		{SC_VM_MIN_FREE_KBYTES, 1104438, 6, 18, false, true, REFUSED},
		{SC_VM_MIN_FREE_KBYTES, 1048576, 6, 18, false, false, REFUSED},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sc_sysctl_env e = env_618();
		struct sc_err err = {0};
		int r;

		e.kver = (struct sc_kver){t[i].kver_major, t[i].kver_minor};
		e.fast_swap = t[i].fast;
		r = sc_sysctl_validate(&e, t[i].key, t[i].v, t[i].force, &err);
		if ((r == 0 ? OK : (enum verdict)err.kind) != t[i].want)
			fail_msg("row %zu: vm.%s=%lld force=%d: r=%d kind=%d (%s), want %d", i,
				sc_sysctl_keys[t[i].key].name, (long long)t[i].v, t[i].force, r,
				err.kind, err.msg, t[i].want);
		/* A refusal that --force lifts must say so, and one it cannot must not. */
		if (r < 0 && t[i].want == REFUSED) {
			struct sc_err e2 = {0};
			bool lifts = sc_sysctl_validate(&e, t[i].key, t[i].v, true, &e2) == 0;
			assert_int_equal(strstr(err.hint, "--force overrides") != NULL, lifts);
		}
	}
}

static void test_validate_overcommit(void **state)
{
	struct sc_sysctl_env e = env_618();
	struct sc_sysctl_values v = {0};
	struct sc_err err = {0};

	v.set[SC_VM_OVERCOMMIT_MEMORY] = true;
	v.v[SC_VM_OVERCOMMIT_MEMORY] = 2;
	v.set[SC_VM_OVERCOMMIT_RATIO] = true;
	v.v[SC_VM_OVERCOMMIT_RATIO] = 50;
	assert_int_equal(sc_sysctl_validate_values(&e, &v, false, &err), 0);
	/* CommitLimit = swap + RAM x ratio; 0% of RAM and no swap < Committed_AS */
	v.v[SC_VM_OVERCOMMIT_RATIO] = 0;
	assert_true(sc_sysctl_validate_values(&e, &v, false, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "CommitLimit"));
	assert_int_equal(sc_sysctl_validate_values(&e, &v, true, &err), 0);
	/* Swap counts towards the limit. */
	e.swap_total_kb = 1 << 20;
	assert_int_equal(sc_sysctl_validate_values(&e, &v, false, &err), 0);
	/* Heuristic overcommit ignores the ratio. */
	e.swap_total_kb = 0;
	v.v[SC_VM_OVERCOMMIT_MEMORY] = 0;
	assert_int_equal(sc_sysctl_validate_values(&e, &v, false, &err), 0);
	/* overcommit_kbytes replaces the ratio. */
	v.v[SC_VM_OVERCOMMIT_MEMORY] = 2;
	e.overcommit_kbytes = 1 << 20;
	assert_int_equal(sc_sysctl_validate_values(&e, &v, false, &err), 0);
}

static void test_profiles(void **state)
{
	struct sc_sysctl_env e = env_618();
	struct sc_sysctl_values v;

	assert_int_equal(sc_sysctl_profile_values("nope", &e, &v), -ENOENT);

	assert_int_equal(sc_sysctl_profile_values("default", &e, &v), 0);
	for (size_t k = 0; k < SC_VM_N; k++) {
		assert_true(v.set[k]);
		if (k != SC_VM_MIN_FREE_KBYTES)
			assert_int_equal(v.v[k], sc_sysctl_keys[k].kernel_default);
	}
	assert_int_equal(v.v[SC_VM_MIN_FREE_KBYTES], 67584);

	assert_int_equal(sc_sysctl_profile_values("zram", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 180);
	assert_int_equal(v.v[SC_VM_PAGE_CLUSTER], 0);
	assert_int_equal(v.v[SC_VM_WATERMARK_BOOST_FACTOR], 0);
	assert_int_equal(v.v[SC_VM_WATERMARK_SCALE_FACTOR], 125);

	assert_int_equal(sc_sysctl_profile_values("server", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 30);
	assert_int_equal(v.v[SC_VM_PAGE_CLUSTER], 3);
	assert_int_equal(sc_sysctl_profile_values("database", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 10);
	assert_int_equal(sc_sysctl_profile_values("desktop", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 60);

	/* Every profile passes swapctl's own rules on the machine it was computed for. */
	for (int fast = 0; fast < 2; fast++)
		for (size_t p = 0; p < sc_sysctl_n_profiles; p++) {
			struct sc_err err = {0};
			e.fast_swap = fast;
			assert_int_equal(
				sc_sysctl_profile_values(sc_sysctl_profiles[p].name, &e, &v), 0);
			for (size_t k = 0; k < SC_VM_N; k++)
				if (p != 1 || fast) /* zram without zram is refused */
					if (sc_sysctl_validate(&e, k, v.v[k], false, &err) < 0)
						fail_msg("%s: %s", sc_sysctl_profiles[p].name,
							err.msg);
		}

	/* With zram the reclaim values follow it; the database keeps swappiness 10. */
	e.fast_swap = true;
	assert_int_equal(sc_sysctl_profile_values("server", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 180);
	assert_int_equal(v.v[SC_VM_PAGE_CLUSTER], 0);
	assert_int_equal(sc_sysctl_profile_values("database", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 10);
	assert_int_equal(v.v[SC_VM_PAGE_CLUSTER], 0);
	assert_int_equal(sc_sysctl_profile_values("default", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 60);

	/* Kernels before 5.8 cap swappiness at 100. */
	e.kver = (struct sc_kver){5, 4};
	assert_int_equal(sc_sysctl_profile_values("zram", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_SWAPPINESS], 100);

	/* A big server: 1% of 64 GiB capped at 256 MiB. */
	e = env_618();
	e.lowmem_kb = UINT64_C(64) << 20;
	assert_int_equal(sc_sysctl_profile_values("server", &e, &v), 0);
	assert_int_equal(v.v[SC_VM_MIN_FREE_KBYTES], 262144);
}

static void test_dropin_round_trip(void **state)
{
	struct sc_sysctl_values v = {0}, none = {0};
	struct sc_sysctl_dropin d = {0};
	struct sc_err err = {0};
	char *text;

	v.set[SC_VM_SWAPPINESS] = true;
	v.v[SC_VM_SWAPPINESS] = 30;
	v.set[SC_VM_PAGE_CLUSTER] = true;
	v.v[SC_VM_PAGE_CLUSTER] = 0;
	assert_int_equal(sc_sysctl_dropin_render("server", &v, &text), 0);
	assert_non_null(strstr(text, "# profile: server\n"));
	assert_non_null(strstr(text, "vm.swappiness = 30\nvm.page-cluster = 0\n"));
	assert_int_equal(sc_sysctl_dropin_parse("f", text, &d, &err), 0);
	assert_string_equal(d.profile, "server");
	assert_memory_equal(&d.values, &v, sizeof(v));
	assert_null(d.foreign_key);
	sc_sysctl_dropin_done(&d);
	free(text);

	assert_int_equal(sc_sysctl_dropin_render(NULL, &none, &text), 0);
	assert_null(strstr(text, "profile"));
	assert_null(strstr(text, "vm.swappiness ="));
	free(text);
}

static void test_dropin_parse_errors(void **state)
{
	struct sc_sysctl_dropin d = {0};
	struct sc_err err = {0};

	assert_int_equal(sc_sysctl_dropin_parse("/x/90-swapctl.conf",
				 "# c\n\nvm/swappiness=20\n-vm.page-cluster = 1\n"
				 "kernel.panic = 10\nvm.swappiness = 25\n",
				 &d, &err),
		0);
	assert_int_equal(d.values.v[SC_VM_SWAPPINESS], 25); /* the later line wins */
	assert_int_equal(d.line[SC_VM_SWAPPINESS], 6);
	assert_int_equal(d.values.v[SC_VM_PAGE_CLUSTER], 1);
	assert_string_equal(d.foreign_key, "kernel.panic");
	assert_int_equal(d.foreign_line, 5);
	sc_sysctl_dropin_done(&d);

	assert_true(sc_sysctl_dropin_parse("/x/90-swapctl.conf",
			    "vm.swappiness = 1\n"
			    "vm.swappiness = 010\n",
			    &d, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/x/90-swapctl.conf line 2: "));
	sc_sysctl_dropin_done(&d);
	sc_err_clear(&err);
	assert_true(sc_sysctl_dropin_parse("f", "vm.swappiness\n", &d, &err) < 0);
	sc_sysctl_dropin_done(&d);
}

static void test_normalize_key(void **state)
{
	char a[] = "vm/page-cluster", b[] = "vm.swappiness", c[] = "net/ipv4/conf/eth0.1/rp_filter";

	sc_sysctl_normalize_key(a);
	sc_sysctl_normalize_key(b);
	sc_sysctl_normalize_key(c);
	assert_string_equal(a, "vm.page-cluster");
	assert_string_equal(b, "vm.swappiness");
	assert_string_equal(c, "net.ipv4.conf.eth0/1.rp_filter");
}

static void test_zoneinfo(void **state)
{
	static const char text[] = "Node 0, zone      DMA\n"
				   "  per-node stats\n"
				   "      nr_inactive_anon 1811\n"
				   "  pages free     3840\n"
				   "        boost    0\n"
				   "        min      58\n"
				   "        low      72\n"
				   "        high     86\n"
				   "        spanned  4095\n"
				   "        present  3998\n"
				   "        managed  3840\n"
				   "  pagesets\n"
				   "              high:     3132\n"
				   "Node 0, zone   Normal\n"
				   "  pages free     100\n"
				   "        min      5012\n"
				   "        low      6265\n"
				   "        high     7518\n"
				   "        present  5505024\n"
				   "        managed  327680\n"
				   "      nr_free_pages 100\n"
				   "Node 1, zone  Movable\n"
				   "  pages free     0\n"
				   "        min      32\n";
	struct sc_zoneinfo z;

	assert_int_equal(sc_zoneinfo_parse(text, &z), 0);
	assert_int_equal(z.n, 3);
	assert_string_equal(z.zones[0].name, "DMA");
	assert_int_equal(z.zones[0].free, 3840);
	assert_int_equal(z.zones[0].min, 58);
	assert_int_equal(z.zones[0].low, 72);
	assert_int_equal(z.zones[0].high, 86);
	assert_int_equal(z.zones[0].present, 3998);
	assert_int_equal(z.zones[0].managed, 3840);
	assert_int_equal(z.zones[1].free, 100);
	assert_int_equal(z.zones[1].low, 6265);
	assert_true(sc_zone_is_lowmem(&z.zones[1]));
	assert_int_equal(z.zones[2].node, 1);
	assert_false(sc_zone_is_lowmem(&z.zones[2]));
	sc_zoneinfo_free(&z);
	assert_int_equal(sc_zoneinfo_parse("garbage\n", &z), -EINVAL);
}

static void test_vmstat(void **state)
{
	uint64_t v;

	assert_int_equal(sc_vmstat_parse("nr_free_pages 5\noom_kill 3\n", "oom_kill", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(sc_vmstat_parse("oom_kill_x 3\n", "oom_kill", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kver),
		cmocka_unit_test(test_key_index),
		cmocka_unit_test(test_parse_value),
		cmocka_unit_test(test_min_free_formulas),
		cmocka_unit_test(test_ranges_per_kernel),
		cmocka_unit_test(test_validate_table),
		cmocka_unit_test(test_validate_overcommit),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_dropin_round_trip),
		cmocka_unit_test(test_dropin_parse_errors),
		cmocka_unit_test(test_normalize_key),
		cmocka_unit_test(test_zoneinfo),
		cmocka_unit_test(test_vmstat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
