/*
 * zram add / remove / boot against the fake zram of tests/helpers/zram-fake.h, which behaves
 * like zram_drv.c (docs/kernel-notes.md: zram): hot_add hands out the lowest free id,
 * comp_algorithm and disksize answer EBUSY once the device is initialised, unknown algorithms
 * EINVAL, reset restores the default algorithm and mem_limit 0 and refuses while the device
 * is swapped on, hot_remove answers ENODEV for unknown ids, mem_limit is write-only. Tests
 * assert the exact order of writes and the rollback.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "header.h"
#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"
#include "zram-fake.h"

static void test_add_order_and_result(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *swaps = NULL, *conf = NULL, *ids = NULL, *devfile = NULL;
	int dev = -2;
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lz4",
		"write /sys/block/zram1/disksize 2147483648",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 100",
	};

	assert_int_equal(zf_run_add(NULL, NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	zf_assert_kernel_log(0, want, ELEMENTSOF(want));
	assert_int_equal(dev, -1);
	assert_true(sc_plan_changed(&plan));
	for (size_t i = 0; i < plan.n; i++) {
		assert_true(plan.actions[i].done);
		if (plan.actions[i].kind != SC_ZRAM_CONFIG_ADD)
			assert_string_equal(plan.actions[i].target, "/dev/zram1");
	}
	assert_string_equal(plan.actions[1].u.zram.algorithm, "lz4");

	/* auto on 4 GiB = 2 GiB, lz4 is the best this kernel offers, priority 100 */
	assert_true(zf.dev[1].init && zf.dev[1].swapped);
	assert_int_equal(zf.dev[1].disksize, 2 * GiB);
	assert_string_equal(zf.dev[1].alg, "lz4");
	swaps = zf_read_rel("proc/swaps");
	assert_non_null(strstr(swaps, "/dev/zram1 "));
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=auto algorithm=auto priority=100 mem_limit=0\n"));
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "\nzram1 diskseq=2 size=auto "));
	devfile = zf_read_rel("dev/zram1");
	{
		struct sc_header_info info;
		assert_int_equal(sc_header_validate(devfile, 4096, 4096, 2 * GiB, &info), 0);
		assert_int_equal(info.npages, 2 * GiB / 4096);
	}
	zf_assert_zram0_untouched();
	sc_plan_free(&plan);
}

static void test_add_twice_is_unchanged(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	size_t before;
	int dev = -2;

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	before = zf.n_log;
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_false(sc_plan_changed(&plan));
	assert_int_equal(dev, 1);
	assert_int_equal(zf.n_log, before);
	sc_plan_free(&plan);

	/* a different request is another device */
	assert_int_equal(zf_run_add("512M", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	assert_true(zf.dev[2].swapped);
	assert_int_equal(zf.dev[2].disksize, 512 * MiB);
	sc_plan_free(&plan);
	zf_assert_zram0_untouched();
}

static void test_add_no_persist_then_persist(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev;

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_null(conf);
	sc_plan_free(&plan);
	/* the same request with persistence only adds the entry */
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.actions[0].kind, SC_ZRAM_CONFIG_ADD);
	assert_true(plan.actions[0].done);
	assert_int_equal(dev, 1);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=1073741824 "));
	sc_plan_free(&plan);
}

static void test_add_full_order(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lz4",
		"write /sys/block/zram1/algorithm_params algo=lz4 level=2",
		"write /sys/block/zram1/mem_limit 268435456",
		"write /sys/block/zram1/disksize 1073741824",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 7",
	};

	assert_int_equal(
		zf_run_add("25%", "lz4", 7, 256 * MiB, "level=2", true, &plan, &dev, &err), 0);
	zf_assert_kernel_log(0, want, ELEMENTSOF(want));
	assert_int_equal(zf.dev[1].mem_limit, 256 * MiB);
	assert_string_equal(zf.dev[1].params, "level=2");
	sc_plan_free(&plan);
}

static void test_add_unsupported_algorithm(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	/* zram0 exists, so the offered list is known before creating anything */
	assert_int_equal(zf_run_add(NULL, "zstd", 100, 0, NULL, true, &plan, &dev, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "lzo-rle, lzo, lz4"));
	assert_int_equal(zf.n_log, 0);
	assert_int_equal(plan.n, 0);
	sc_plan_free(&plan);
}

static void test_add_unsupported_algorithm_late(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *ids = NULL;
	int dev;

	/* no device to ask beforehand: the new one is asked, then rolled back */
	zf.dev[0].exists = false;
	zf_render(0);
	assert_int_equal(zf_run_add(NULL, "zstd", 100, 0, NULL, true, &plan, &dev, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "offers: lzo-rle, lzo, lz4"));
	assert_false(zf.dev[0].exists);
	assert_string_equal(zf_last_kernel_call(), "write /sys/class/zram-control/hot_remove 0");
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram0 "));
	assert_false(sc_plan_changed(&plan));
	sc_plan_free(&plan);
}

/* Inject a failure at each step: everything is rolled back, the config untouched. */
static void test_add_rollback_each_step(void **state)
{
	static const struct {
		const char *step;
		int err;
	} t[] = {
		{"write /sys/block/zram1/comp_algorithm", EINVAL},
		{"write /sys/block/zram1/algorithm_params", EINVAL},
		{"write /sys/block/zram1/mem_limit", EINVAL},
		{"write /sys/block/zram1/disksize", ENOMEM}, {"pwrite /dev/zram1", EIO},
		{"swapon /dev/zram1", EINVAL},
		{"rename zram-ids", ENOSPC}, /* ownership cannot be recorded */
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_plan plan = {0};
		struct sc_err err = {0};
		_cleanup_free_ char *conf = NULL, *ids = NULL, *swaps = NULL;
		int dev, r;

		zf_teardown(state);
		zf_setup(state);
		zf_put("etc/swapctl/zram.conf", "# mine\nsize=3G\n");
		zf.fail_prefix = t[i].step;
		zf.fail_errno = t[i].err;
		r = zf_run_add(NULL, NULL, 100, 64 * MiB, "level=1", true, &plan, &dev, &err);
		if (r == 0)
			fail_msg("step %s: no failure", t[i].step);
		assert_null(zf.fail_prefix);
		assert_false(zf.dev[1].exists);
		assert_false(sc_plan_changed(&plan));
		conf = zf_read_rel("etc/swapctl/zram.conf");
		assert_string_equal(conf, "# mine\nsize=3G\n");
		ids = zf_read_rel("run/swapctl/zram-ids");
		assert_true(!ids || !strstr(ids, "zram1 "));
		swaps = zf_read_rel("proc/swaps");
		assert_null(strstr(swaps, "zram1"));
		assert_string_equal(
			zf_last_kernel_call(), "write /sys/class/zram-control/hot_remove 1");
		zf_assert_zram0_untouched();
		sc_plan_free(&plan);
	}
}

/* The configuration is written last; if that fails the new device goes again. */
static void test_add_rollback_when_config_fails(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev;
	size_t n;

	zf_put("etc/swapctl/zram.conf", "# mine\n");
	zf.fail_prefix = "rename zram.conf";
	zf.fail_errno = EIO;
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EIO);
	assert_non_null(strstr(err.msg, "zram.conf"));
	assert_false(zf.dev[1].exists);
	assert_false(sc_plan_changed(&plan));
	assert_string_equal(zf.log[zf.n_log - 1], "rename zram-ids");
	assert_true(
		sc_startswith(zf.log[zf.n_log - 2], "write /sys/class/zram-control/hot_remove 1"));
	assert_true(sc_startswith(zf.log[zf.n_log - 3], "write /sys/block/zram1/reset 1"));
	assert_true(sc_startswith(zf.log[zf.n_log - 4], "swapoff /dev/zram1"));
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_string_equal(conf, "# mine\n");
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram1 "));
	sc_plan_free(&plan);

	/* persisting a device that was already there: only the config fails, the device stays */
	memset(&err, 0, sizeof(err));
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	n = zf.n_log;
	zf.fail_prefix = "rename zram.conf";
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EIO);
	assert_int_equal(zf.n_log, n + 1);
	assert_true(zf.dev[1].swapped);
	sc_plan_free(&plan);
}

/*
 * priority /dev/zramN on a device swapctl created: its zram.conf entry and state entry take
 * the new priority, so boot finds the device for the entry and adds nothing; other
 * entries, foreign devices and a failed zram.conf write leave everything as it was.
 */
static void test_priority_updates_config(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct sc_zram_spec spec;
	char *conf, *ids;
	bool in_config;
	int dev = 1, unused;

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &unused, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(zf_run_add("2G", NULL, 100, 0, NULL, true, &plan, &unused, &err), 0);
	sc_plan_free(&plan);
	assert_true(zf.dev[dev].swapped && zf.dev[dev].disksize == 1 << 30);
	assert_int_equal(sc_zram_owned_spec(&zf.ctx, dev, &spec, &in_config, &err), 1);
	assert_true(in_config);
	assert_int_equal(spec.priority, 100);

	assert_int_equal(sc_zram_set_priority(&zf.ctx, dev, 7, &err), 1);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=1073741824 algorithm=auto priority=7 mem_limit=0\n"));
	assert_non_null(
		strstr(conf, "\nsize=2147483648 algorithm=auto priority=100 mem_limit=0\n"));
	free(conf);
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "size=1073741824 algorithm=auto priority=7 "));
	free(ids);
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_int_equal(plan.n, 0);
	sc_plan_free(&plan);
	assert_int_equal(sc_zram_set_priority(&zf.ctx, dev, 7, &err), 0);

	/* not swapctl's: nothing to record */
	assert_int_equal(sc_zram_owned_spec(&zf.ctx, 9, &spec, &in_config, &err), 0);
	assert_int_equal(sc_zram_set_priority(&zf.ctx, 9, 8, &err), 0);

	/* zram.conf cannot be replaced: the state entry goes back to 7 */
	conf = zf_read_rel("etc/swapctl/zram.conf");
	zf.fail_prefix = "rename zram.conf";
	zf.fail_errno = EIO;
	assert_int_equal(sc_zram_set_priority(&zf.ctx, dev, 8, &err), -EIO);
	assert_non_null(strstr(err.msg, "zram.conf"));
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "size=1073741824 algorithm=auto priority=7 "));
	free(ids);
	ids = zf_read_rel("etc/swapctl/zram.conf");
	assert_string_equal(ids, conf);
	free(ids);
	free(conf);
}

/* A knob the kernel lacks (algorithm_params before 6.12) is detected, not guessed. */
static void test_missing_algorithm_params(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	zf.no_params_file = true;
	assert_int_equal(
		zf_run_add("1G", NULL, 100, 0, "level=1", true, &plan, &dev, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "algorithm_params"));
	assert_false(zf.dev[1].exists);
	for (size_t i = 0; i < zf.n_log; i++)
		assert_null(strstr(zf.log[i], "algorithm_params"));
	sc_plan_free(&plan);
	/* without params the same kernel is fine */
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	assert_true(zf.dev[1].swapped);
	sc_plan_free(&plan);
}

static void test_hot_add_lowest_free_id(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	/* zram0 and zram2 exist (foreign): the kernel hands out 1, and the plan says so */
	zf_add_dev(true);
	zf_add_dev(true);
	zf.dev[1].exists = false;
	zf_render(1);
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	assert_string_equal(plan.actions[0].target, "/dev/zram1");
	assert_true(zf.dev[1].swapped);
	assert_false(zf.dev[2].init);
	sc_plan_free(&plan);
}

static void test_hot_add_initialised_is_left_alone(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	zf.hot_add_initialised = true;
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "already initialised"));
	/* not ours: neither configured nor reset nor removed */
	assert_true(zf.dev[1].exists && zf.dev[1].init);
	assert_int_equal(zf.n_log, 1);
	sc_plan_free(&plan);
}

static void test_remove(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev, id = 1;
	size_t from;
	static const char *const want[] = {
		"swapoff /dev/zram1",
		"write /sys/block/zram1/reset 1",
		"write /sys/block/zram1/reset 1",
		"write /sys/block/zram1/reset 1",
		"write /sys/class/zram-control/hot_remove 1",
	};

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	from = zf.n_log;
	zf.busy_left = 2; /* udev's probe holds it for a moment */
	assert_int_equal(zf_run_remove(&id, 1, false, &plan, &err), 0);
	zf_assert_kernel_log(from, want, ELEMENTSOF(want));
	assert_int_equal(zf.sleeps, 2);
	assert_false(zf.dev[1].exists);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "size=1073741824"));
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "zram1 "));
	assert_true(sc_plan_changed(&plan));
	zf_assert_zram0_untouched();
	sc_plan_free(&plan);
}

/* zram remove asks the swapoff safety gate (SPEC 7) about everything it swaps off. */
static void test_remove_gate(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0}, gerr = {0};
	struct sc_zram_observed w;
	bool overridden = true;
	int dev, id = 1;

	assert_int_equal(zf_run_add("8G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	/* 5 GiB swapped out, 3.8 GiB available: swapoff would OOM */
	zf.dev[1].used_kb = 5 * 1024 * 1024;
	zf_rewrite_swaps();
	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_remove(&zf.ctx, &w, &id, 1, false, &plan, &err), 0);
	assert_int_equal(sc_zram_gate(&zf.ctx, &plan, false, &overridden, NULL, &gerr), -EPERM);
	assert_int_equal(gerr.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(gerr.msg, "/dev/zram1"));
	assert_false(overridden);
	memset(&gerr, 0, sizeof(gerr));
	assert_int_equal(sc_zram_gate(&zf.ctx, &plan, true, &overridden, NULL, &gerr), 0);
	assert_true(overridden);
	assert_int_equal(gerr.kind, SC_EXIT_REFUSED);
	sc_plan_free(&plan);

	/* within what fits, the gate allows it */
	zf.dev[1].used_kb = 1024;
	zf_rewrite_swaps();
	sc_zram_observed_done(&w);
	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_remove(&zf.ctx, &w, &id, 1, false, &plan, &err), 0);
	memset(&gerr, 0, sizeof(gerr));
	assert_int_equal(sc_zram_gate(&zf.ctx, &plan, false, &overridden, NULL, &gerr), 0);
	assert_false(overridden);
	sc_zram_observed_done(&w);
	sc_plan_free(&plan);
}

static void test_remove_busy_gives_up(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev, id = 1;

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	zf.busy_left = 1000; /* held open for good: a real user */
	assert_int_equal(zf_run_remove(&id, 1, false, &plan, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "reset"));
	assert_int_equal(zf.sleeps, 9);
	/* the entry stays in zram.conf and zram-ids: a re-run finishes the job */
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=1073741824"));
	sc_plan_free(&plan);
	zf.busy_left = 0;
	assert_int_equal(zf_run_remove(&id, 1, false, &plan, &err), 0);
	assert_false(zf.dev[1].exists);
	free(conf);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "size=1073741824"));
	sc_plan_free(&plan);
}

static void test_remove_all_only_ours(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	int dev, foreign;

	/* a foreign, active zram swap and a config entry without a device */
	foreign = zf_add_dev(true);
	zf.dev[foreign].init = true;
	zf.dev[foreign].disksize = 64 * MiB;
	zf.dev[foreign].swapped = true;
	zf_render(foreign);
	zf_rewrite_swaps();
	zf_put("etc/swapctl/zram.conf", "size=5G\n");
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(zf_run_remove(NULL, 0, true, &plan, &err), 0);
	assert_false(zf.dev[2].exists);
	assert_true(zf.dev[foreign].swapped && zf.dev[foreign].exists);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "\nsize="));
	for (size_t i = 0; i < zf.n_log; i++)
		if (strstr(zf.log[i], "zram1") && !strstr(zf.log[i], "rename"))
			fail_msg("foreign zram1 touched: %s", zf.log[i]);
	zf_assert_zram0_untouched();
	sc_plan_free(&plan);
}

/*
 * zram remove --all over three devices of swapctl's (two in zram.conf, one --no-persist) and
 * an entry no device stands for, when the first device cannot go: the others and the entry
 * still do, the first keeps its zram-ids and zram.conf entries, and a re-run finishes.
 */
static void remove_all_past_failure(bool swapoff_fails)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *ids = NULL;
	int dev;

	zf_put("etc/swapctl/zram.conf", "size=5G\n");
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(zf_run_add("2G", NULL, 100, 0, NULL, false, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(zf_run_add("512M", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_true(zf.dev[1].swapped && zf.dev[2].swapped && zf.dev[3].swapped);

	if (swapoff_fails) {
		/* the swapoff child runs out of memory bringing the pages back */
		zf.fail_prefix = "swapoff /dev/zram1";
		zf.fail_errno = ENOMEM;
	} else {
		zf.dev[1].held = true; /* a program has the node open: reset answers EBUSY */
	}
	assert_int_equal(
		zf_run_remove(NULL, 0, true, &plan, &err), swapoff_fails ? -ENOMEM : -EBUSY);
	assert_non_null(strstr(err.msg, "/dev/zram1"));
	assert_true(sc_plan_changed(&plan));
	assert_true(zf.dev[1].exists);
	assert_int_equal(zf.dev[1].swapped, swapoff_fails);
	assert_false(zf.dev[2].exists || zf.dev[3].exists);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "\nsize=1073741824 "));
	assert_null(strstr(conf, "size=536870912"));
	assert_null(strstr(conf, "size=5368709120"));
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_non_null(strstr(ids, "\nzram1 "));
	assert_null(strstr(ids, "zram2 "));
	assert_null(strstr(ids, "zram3 "));
	sc_plan_free(&plan);

	/* once the device can go, the same command finishes the job */
	zf.dev[1].held = false;
	memset(&err, 0, sizeof(err));
	assert_int_equal(zf_run_remove(NULL, 0, true, &plan, &err), 0);
	assert_false(zf.dev[1].exists);
	free(conf);
	free(ids);
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_null(strstr(conf, "\nsize="));
	ids = zf_read_rel("run/swapctl/zram-ids");
	assert_null(strstr(ids, "\nzram"));
	zf_assert_zram0_untouched();
	sc_plan_free(&plan);
}

static void test_remove_all_past_busy_device(void **state)
{
	remove_all_past_failure(false);
}

static void test_remove_all_past_failed_swapoff(void **state)
{
	remove_all_past_failure(true);
}

/* Two devices that cannot go: the error names the first, its hint the second. */
static void test_remove_all_reports_each_failure(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(zf_run_add("2G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	zf.dev[1].held = zf.dev[2].held = true;
	assert_int_equal(zf_run_remove(NULL, 0, true, &plan, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "/dev/zram1: reset"));
	assert_non_null(strstr(err.hint, "something holds /dev/zram1 open"));
	assert_non_null(strstr(err.hint, "also /dev/zram2: reset"));
	assert_false(zf.dev[1].swapped || zf.dev[2].swapped);
	sc_plan_free(&plan);
}

static void test_remove_foreign_named(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int id = 0, foreign;

	/* an inactive foreign device is refused */
	assert_int_equal(zf_run_remove(&id, 1, false, &plan, &err), -EPERM);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_int_equal(zf.n_log, 0);
	sc_plan_free(&plan);

	/* a named, active foreign swap is swapped off and reset, never hot_removed */
	memset(&err, 0, sizeof(err));
	foreign = zf_add_dev(true);
	zf.dev[foreign].init = true;
	zf.dev[foreign].disksize = 64 * MiB;
	zf.dev[foreign].swapped = true;
	zf_render(foreign);
	zf_rewrite_swaps();
	assert_int_equal(zf_run_remove(&foreign, 1, false, &plan, &err), 0);
	assert_true(zf.dev[foreign].exists);
	assert_false(zf.dev[foreign].init || zf.dev[foreign].swapped);
	assert_int_equal(zf.n_log, 2);
	sc_plan_free(&plan);

	/* no such device */
	id = 6;
	assert_int_equal(zf_run_remove(&id, 1, false, &plan, &err), -ENODEV);
	sc_plan_free(&plan);
}

static void test_stale_state_is_not_trusted(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int foreign = zf_add_dev(true);

	/* zram-ids claims zram1, but the device now there has another diskseq */
	zf_put("run/swapctl/zram-ids", "zram1 diskseq=1234 size=auto\n");
	zf.dev[foreign].init = true;
	zf.dev[foreign].swapped = true;
	zf.dev[foreign].disksize = 64 * MiB;
	zf_render(foreign);
	zf_rewrite_swaps();
	assert_int_equal(zf_run_remove(NULL, 0, true, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_true(zf.dev[foreign].swapped);
	sc_plan_free(&plan);
}

static void test_boot_idempotent(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	size_t before;

	zf_put("etc/swapctl/zram.conf", "size=1G algorithm=lzo\nsize=25% priority=50\n");
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_true(zf.dev[1].swapped && zf.dev[2].swapped);
	assert_string_equal(zf.dev[1].alg, "lzo");
	assert_int_equal(zf.dev[1].disksize, GiB);
	assert_string_equal(zf.dev[2].alg, "lz4");
	assert_int_equal(zf.dev[2].disksize, GiB);
	sc_plan_free(&plan);

	before = zf.n_log;
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_int_equal(zf.n_log, before);
	assert_false(zf.dev[3].exists);
	sc_plan_free(&plan);

	/* a swapctl device that went inactive is replaced */
	zf.dev[1].swapped = false;
	zf_rewrite_swaps();
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_true(zf.dev[1].swapped && zf.dev[2].swapped);
	assert_false(zf.dev[3].exists);
	assert_string_equal(plan.actions[0].action, "reset");
	assert_string_equal(plan.actions[1].action, "hot-remove");
	assert_string_equal(plan.actions[2].action, "hot-add");
	sc_plan_free(&plan);
	zf_assert_zram0_untouched();
}

static void test_boot_keeps_going(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	/* the first entry cannot be created (disksize ENOMEM); the second still comes up */
	zf_put("etc/swapctl/zram.conf", "size=1G\nsize=2G\n");
	zf.fail_prefix = "write /sys/block/zram1/disksize";
	zf.fail_errno = ENOMEM;
	assert_int_equal(zf_run_boot(&plan, &err), -ENOMEM);
	assert_non_null(strstr(err.msg, "disksize"));
	/* zram1 was rolled back, so the second device got id 1 */
	assert_true(zf.dev[1].swapped);
	assert_int_equal(zf.dev[1].disksize, 2 * GiB);
	assert_false(zf.dev[2].exists);
	sc_plan_free(&plan);
}

static void test_boot_loads_module(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	char *p;

	zf.dev[0].exists = false;
	zf_render(0);
	assert_true(asprintf(&p, "%s/sys/class/zram-control", zf.root) > 0);
	sc_test_rmtree(p);
	free(p);
	zf_put("etc/swapctl/zram.conf", "size=1G\n");
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_string_equal(zf.log[0], "run modprobe zram");
	assert_string_equal(plan.actions[0].action, "load-module");
	/* the module's own zram0 is not ours: the new device is zram1 */
	assert_true(zf.dev[1].swapped);
	assert_false(zf.dev[0].init);
	sc_plan_free(&plan);
}

static void test_offline_root(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	struct sc_zram_observed w;
	struct sc_zram_add_req req = {.persist = true};
	_cleanup_free_ char *conf = NULL;
	int dev;

	zf.ctx.offline = true;
	sc_zram_spec_init(&req.spec);
	assert_int_equal(sc_zram_parse_size_spec("50%", &req.spec), 0);
	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, &err), 0);
	assert_int_equal(sc_zram_plan_add(&zf.ctx, &w, &req, &plan, &dev, &err), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.actions[0].kind, SC_ZRAM_CONFIG_ADD);
	assert_int_equal(sc_zram_apply(&zf.ctx, &w, &plan, false, &err), 0);
	assert_int_equal(zf.n_log, 1); /* the config rename, nothing in sysfs */
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, "size=50% "));
	sc_zram_observed_done(&w);
	sc_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_order_and_result, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_add_twice_is_unchanged, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_add_no_persist_then_persist, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_add_full_order, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_add_unsupported_algorithm, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_add_unsupported_algorithm_late, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_add_rollback_each_step, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_add_rollback_when_config_fails, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_priority_updates_config, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_missing_algorithm_params, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_hot_add_lowest_free_id, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_hot_add_initialised_is_left_alone, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_remove, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_remove_gate, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_remove_busy_gives_up, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_remove_all_only_ours, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_all_past_busy_device, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_all_past_failed_swapoff, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_all_reports_each_failure, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_remove_foreign_named, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(
			test_stale_state_is_not_trusted, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_boot_idempotent, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_boot_keeps_going, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_boot_loads_module, zf_setup, zf_teardown),
		cmocka_unit_test_setup_teardown(test_offline_root, zf_setup, zf_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
