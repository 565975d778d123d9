/*
 * algorithm_params on the fake zram (tests/helpers/zram-fake.h): checked against the chosen
 * algorithm before anything is written, written with algo= naming it, the dictionary
 * checked where the kernel will read it, and the algorithm read back after the writes.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "zram.h"
#include "zram-fake.h"

static char *dict_path(void)
{
	char *p;

	assert_true(asprintf(&p, "%s/etc/zram.dict", zf.root) > 0);
	return p;
}

static void test_level_and_dict_written_with_algo(void **state)
{
	_cleanup_free_ char *dict = dict_path(), *params = NULL, *want_params = NULL;
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	zf_put("etc/zram.dict", "a dictionary of sorts");
	assert_true(asprintf(&params, "level=3,dict=%s", dict) > 0);
	assert_true(asprintf(&want_params,
			    "write /sys/block/zram1/algorithm_params algo=lz4 level=3 dict=%s",
			    dict) > 0);
	{
		const char *const want[] = {
			"read /sys/class/zram-control/hot_add",
			"write /sys/block/zram1/comp_algorithm lz4",
			want_params,
			"write /sys/block/zram1/disksize 1073741824",
			"pwrite /dev/zram1 4096@0",
			"swapon /dev/zram1 100",
		};

		assert_int_equal(
			zf_run_add("1G", NULL, 100, 0, params, true, &plan, &dev, &err), 0);
		zf_assert_kernel_log(0, want, ELEMENTSOF(want));
	}
	assert_non_null(strstr(zf.dev[1].params, "level=3 dict="));
	sc_plan_free(&plan);
}

/* The kernel would take these and ignore them: refused before any kernel call. */
static void test_refused_at_planning(void **state)
{
	static const struct {
		const char *alg, *params, *msg;
	} t[] = {
		{"lzo", "level=1", "lzo has no compression levels"},
		{"lzo-rle", "dict=/etc/zram.dict", "lzo-rle takes no dictionary"},
		{"lz4", "level=0", "level=0 is outside lz4's levels (1 to 65537)"},
		{NULL, "level=-1", "outside lz4's levels"}, /* auto is lz4 on this kernel */
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_plan plan = {0};
		struct sc_err err = {0};
		int dev;

		assert_true(zf_run_add("1G", t[i].alg, 100, 0, t[i].params, true, &plan, &dev,
				    &err) < 0);
		assert_int_equal(err.kind, SC_EXIT_USAGE);
		if (!strstr(err.msg, t[i].msg))
			fail_msg("%s %s: '%s'", t[i].alg, t[i].params, err.msg);
		assert_int_equal(zf.n_log, 0);
		sc_plan_free(&plan);
	}
}

/* No device to ask beforehand: the new device's choice is checked, and it is rolled back. */
static void test_refused_once_the_algorithm_is_known(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	zf.dev[0].exists = false;
	zf_render(0);
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, "level=70", true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	/* lz4 takes 70; lzo, asked for by name, takes no level at all */
	assert_int_equal(zf_run_remove((int[]){0}, 1, false, &plan, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(
		zf_run_add("1G", "lzo", 100, 0, "level=70", true, &plan, &dev, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lzo has no compression levels"));
	assert_string_equal(zf_last_kernel_call(), "write /sys/class/zram-control/hot_remove 0");
	assert_false(zf.dev[0].exists);
	sc_plan_free(&plan);
}

/* boot: a dictionary gone since the entry was written fails that entry, not the others. */
static void test_boot_missing_dict(void **state)
{
	_cleanup_free_ char *dict = dict_path(), *conf = NULL;
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	assert_true(asprintf(&conf, "size=1G params=dict=%s\nsize=2G\n", dict) > 0);
	zf_put("etc/swapctl/zram.conf", conf);
	assert_int_equal(zf_run_boot(&plan, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "zram.dict: No such file or directory"));
	for (size_t i = 0; i < zf.n_log; i++)
		assert_null(strstr(zf.log[i], "algorithm_params"));
	assert_true(zf.dev[1].swapped);
	assert_int_equal(zf.dev[1].disksize, 2 * (UINT64_C(1) << 30));
	assert_false(zf.dev[2].exists);
	sc_plan_free(&plan);
	zf_assert_zram0_untouched();
}

/*
 * A kernel that takes the algorithm without using it: algo= makes it refuse the parameters,
 * and without parameters the read-back after disksize catches it.
 */
static void test_algorithm_read_back(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	zf.alg_write_ignored = true;
	assert_int_equal(
		zf_run_add("1G", "lz4", 100, 0, "level=2", true, &plan, &dev, &err), -EINVAL);
	assert_non_null(strstr(err.hint, "the kernel refused the parameters for lz4"));
	assert_false(zf.dev[1].exists);
	sc_plan_free(&plan);
	memset(&err, 0, sizeof(err));
	assert_int_equal(zf_run_add("1G", "lz4", 100, 0, NULL, true, &plan, &dev, &err), -EIO);
	assert_non_null(strstr(err.msg, "comp_algorithm is lzo-rle after writing lz4"));
	assert_false(zf.dev[1].exists);
	assert_string_equal(zf_last_kernel_call(), "write /sys/class/zram-control/hot_remove 1");
	sc_plan_free(&plan);
}

static void test_params_check(void **state)
{
	struct sc_err err = {0};

	assert_int_equal(sc_zram_params_check("zstd", "level=-131072 dict=/d", &err), 0);
	assert_int_equal(sc_zram_params_check("zstd", "level=22", &err), 0);
	assert_int_equal(sc_zram_params_check("zstd", "level=23", &err), -ERANGE);
	assert_int_equal(sc_zram_params_check("lz4hc", "level=12", &err), 0);
	assert_int_equal(sc_zram_params_check("lz4hc", "level=13", &err), -ERANGE);
	assert_int_equal(sc_zram_params_check("deflate", "level=9", &err), 0);
	assert_int_equal(sc_zram_params_check("deflate", "level=0", &err), 0);
	assert_int_equal(sc_zram_params_check("deflate", "dict=/d", &err), -EINVAL);
	assert_int_equal(sc_zram_params_check("842", "level=1", &err), -EINVAL);
	assert_int_equal(sc_zram_params_check("lzo", "", &err), 0);
	/* not known (yet): only sc_zram_parse_params()'s checks */
	assert_int_equal(sc_zram_params_check("auto", "level=99", &err), 0);
	assert_int_equal(sc_zram_params_check("newalg", "level=99 dict=/d", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_level_and_dict_written_with_algo, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_refused_at_planning, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_once_the_algorithm_is_known, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_boot_missing_dict, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_algorithm_read_back, zf_setup, zf_teardown),
		cmocka_unit_test(test_params_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
