/*
 * zram writeback on the fake zram (tests/helpers/zram-fake.h) with CONFIG_ZRAM_WRITEBACK:
 * the backing device and the limit are set before disksize and checked first (a block
 * device, not zram, not mounted, not active swap), a kernel without writeback is refused,
 * and `zram writeback` marks and writes the pages it should, mapping the kernel's errors;
 * with CONFIG_ZRAM_MULTI_COMP, `zram recompress` the same way.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "macro.h"
#include "zram.h"
#include "zram-fake.h"

static char *loop_path;

static int setup(void **state)
{
	zf_setup(state);
	zf.writeback = true;
	zf_render(0);
	/* the backing device: a file of the fixture the fake reports as block device 7:7 */
	zf_put("dev/loop7", "");
	assert_true(asprintf(&loop_path, "%s/dev/loop7", zf.root) > 0);
	zf.blockdev = loop_path;
	zf.blockdev_rdev = makedev(7, 7);
	zf_put("proc/self/mountinfo", "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n");
	return 0;
}

static int teardown(void **state)
{
	free(loop_path);
	loop_path = NULL;
	return zf_teardown(state);
}

static int add(const char *backing, uint64_t limit, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_add_req req = {.persist = true};
	int r, dev;

	sc_zram_spec_init(&req.spec);
	assert_int_equal(sc_zram_parse_size_spec("1G", &req.spec), 0);
	snprintf(req.spec.backing_dev, sizeof(req.spec.backing_dev), "%s", backing);
	req.spec.writeback_limit = limit;
	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	r = sc_zram_plan_add(&zf.ctx, &w, &req, plan, &dev, err);
	if (r == 0)
		r = sc_zram_apply(&zf.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

static int writeback(
	const int *ids, size_t n, int64_t idle, bool huge, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_writeback_req req = {.ids = ids, .n_ids = n, .idle_age = idle, .huge = huge};
	int r;

	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	r = sc_zram_plan_writeback(&zf.ctx, &w, &req, plan, err);
	if (r == 0)
		r = sc_zram_apply_writeback(&zf.ctx, plan, err);
	sc_zram_observed_done(&w);
	return r;
}

static void test_add_order_and_config(void **state)
{
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lz4",
		"write /sys/block/zram1/backing_dev /dev/loop7",
		"write /sys/block/zram1/writeback_limit_enable 1",
		"write /sys/block/zram1/writeback_limit 256",
		"write /sys/block/zram1/disksize 1073741824",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 100",
	};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;

	assert_int_equal(add("/dev/loop7", 1 << 20, &plan, &err), 0);
	zf_assert_kernel_log(0, want, ELEMENTSOF(want));
	assert_string_equal(zf.dev[1].backing, "/dev/loop7");
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf,
		"size=1073741824 algorithm=auto priority=100 mem_limit=0 "
		"backing_dev=/dev/loop7 writeback_limit=1048576\n"));
	sc_plan_free(&plan);

	/* boot recreates it from that entry: the same writes */
	zf_assert_zram0_untouched();
}

static void test_boot_recreates_backing(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	zf_put("etc/swapctl/zram.conf", "size=1G backing_dev=/dev/loop7 writeback_limit=8192\n");
	assert_int_equal(zf_run_boot(&plan, &err), 0);
	assert_true(zf.dev[1].swapped);
	assert_string_equal(zf.dev[1].backing, "/dev/loop7");
	assert_true(zf.dev[1].wb_limit_enable);
	assert_int_equal(zf.dev[1].wb_limit, 2);
	sc_plan_free(&plan);
}

/* boot waits a bounded time for a backing device udev has not linked yet, then goes on */
static void test_boot_missing_backing(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	zf_put("etc/swapctl/zram.conf", "size=1G backing_dev=/dev/disk/by-partlabel/wb\nsize=2G\n");
	assert_int_equal(zf_run_boot(&plan, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/dev/disk/by-partlabel/wb: No such file"));
	assert_int_equal(zf.sleeps, 100); /* 10 s in steps of 100 ms */
	assert_true(zf.dev[1].swapped);
	assert_int_equal(zf.dev[1].disksize, 2 * (UINT64_C(1) << 30));
	assert_false(zf.dev[2].exists);
	sc_plan_free(&plan);
}

static void test_backing_refusals(void **state)
{
	static const struct {
		const char *path, *mountinfo, *swaps;
		int kind;
		const char *msg;
	} t[] = {
		{"/dev/nosuch", NULL, NULL, SC_EXIT_USAGE, "/dev/nosuch: No such file"},
		{"/etc/swapctl", NULL, NULL, SC_EXIT_USAGE, "is not a block device"},
		{"/dev/loop7", "29 22 7:7 / /srv rw - ext4 /dev/loop7 rw\n", NULL, SC_EXIT_REFUSED,
			"is mounted on /srv"},
		{"/dev/loop7", NULL,
			"Filename Type Size Used Priority\n/dev/loop7 partition 1020 0 -2\n",
			SC_EXIT_REFUSED, "is an active swap area (/dev/loop7)"},
	};

	zf_put("etc/swapctl/.keep", "");
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_plan plan = {0};
		struct sc_err err = {0};

		teardown(state);
		setup(state);
		zf_put("etc/swapctl/.keep", "");
		if (t[i].mountinfo)
			zf_put("proc/self/mountinfo", t[i].mountinfo);
		if (t[i].swaps)
			zf_put("proc/swaps", t[i].swaps);
		assert_true(add(t[i].path, 0, &plan, &err) < 0);
		assert_int_equal(err.kind, t[i].kind);
		if (!strstr(err.msg, t[i].msg))
			fail_msg("%s: '%s', want '%s'", t[i].path, err.msg, t[i].msg);
		/* found after hot_add (the check runs where the kernel is asked): rolled back */
		assert_false(zf.dev[1].exists);
		sc_plan_free(&plan);
	}
	/* a zram device as its own backing store */
	{
		struct sc_err err = {0};

		zf_put("sys/dev/block/7:7/comp_algorithm", "[lzo-rle] lz4\n");
		assert_int_equal(sc_zram_backing_check(&zf.ctx, "/dev/loop7", &err), -EINVAL);
		assert_non_null(strstr(err.msg, "is a zram device"));
		zf_rewrite_swaps(); /* the last case's swap area */
		zf_put("sys/dev/block/7:8/holders/dm-3", "");
		zf.blockdev_rdev = makedev(7, 8);
		memset(&err, 0, sizeof(err));
		assert_int_equal(sc_zram_backing_check(&zf.ctx, "/dev/loop7", &err), -EBUSY);
		assert_non_null(strstr(err.msg, "is held by dm-3"));
	}
}

static void test_kernel_without_writeback(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	zf.writeback = false;
	teardown(state);
	zf_setup(state);
	assert_int_equal(add("/dev/loop7", 0, &plan, &err), -EOPNOTSUPP);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "no writeback"));
	assert_int_equal(zf.n_log, 0); /* zram0 told, before anything was made */
	sc_plan_free(&plan);
}

static void test_writeback_modes(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	size_t mark;

	assert_int_equal(add("/dev/loop7", 0, &plan, &err), 0);
	sc_plan_free(&plan);
	zf.dev[1].pages = 100;
	zf.dev[1].huge = 10;

	/* the timer's mode: nothing marked yet, so nothing written; then all marked */
	mark = zf.n_log;
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_NONE, false, &plan, &err), 0);
	{
		static const char *const want[] = {
			"write /sys/block/zram1/writeback idle",
			"write /sys/block/zram1/idle all",
		};
		zf_assert_kernel_log(mark, want, ELEMENTSOF(want));
	}
	assert_true(plan.actions[0].u.zram.has_written);
	assert_int_equal(plan.actions[0].u.zram.written, 0);
	assert_int_equal(zf.dev[1].idle, 100);
	sc_plan_free(&plan);
	/* the next run writes back what nobody touched since */
	zf.dev[1].idle = 60;
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_NONE, false, &plan, &err), 0);
	assert_int_equal(plan.actions[0].u.zram.written, 60 * 4096);
	assert_int_equal(zf.dev[1].bd_writes, 60);
	sc_plan_free(&plan);

	/* --idle 3h --huge: mark by age, then huge_idle */
	mark = zf.n_log;
	assert_int_equal(writeback((int[]){1}, 1, 3 * 3600, true, &plan, &err), 0);
	{
		static const char *const want[] = {
			"write /sys/block/zram1/idle 10800",
			"write /sys/block/zram1/writeback huge_idle",
		};
		zf_assert_kernel_log(mark, want, ELEMENTSOF(want));
	}
	sc_plan_free(&plan);
	/* --huge alone; --idle all */
	mark = zf.n_log;
	assert_int_equal(writeback((int[]){1}, 1, SC_ZRAM_IDLE_NONE, true, &plan, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(writeback((int[]){1}, 1, SC_ZRAM_IDLE_ALL, false, &plan, &err), 0);
	{
		static const char *const want[] = {
			"write /sys/block/zram1/writeback huge",
			"write /sys/block/zram1/idle all",
			"write /sys/block/zram1/writeback idle",
		};
		zf_assert_kernel_log(mark, want, ELEMENTSOF(want));
	}
	assert_int_equal(zf.dev[1].pages, 0);
	sc_plan_free(&plan);

	/* access times not tracked: the age is refused by the kernel, said so */
	zf.no_idle_age = true;
	assert_int_equal(writeback((int[]){1}, 1, 60, false, &plan, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "cannot mark pages idle ('60')"));
	assert_non_null(strstr(err.hint, "--idle all"));
	sc_plan_free(&plan);
	zf_assert_zram0_untouched();
}

static void test_writeback_limit_and_errors(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	assert_int_equal(add("/dev/loop7", 5 * 4096, &plan, &err), 0);
	sc_plan_free(&plan);
	zf.dev[1].pages = zf.dev[1].idle = 8;
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_ALL, false, &plan, &err), 0);
	assert_int_equal(zf.dev[1].bd_writes, 5);
	sc_plan_free(&plan);
	/* the budget is used up: reported, not a failure */
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_ALL, false, &plan, &err), 0);
	assert_true(plan.actions[1].u.zram.limit_reached);
	sc_plan_free(&plan);

	zf.fail_prefix = "write /sys/block/zram1/writeback";
	zf.fail_errno = ENOSPC;
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_ALL, false, &plan, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "the backing device is full"));
	sc_plan_free(&plan);
	memset(&err, 0, sizeof(err));
	zf.fail_prefix = "write /sys/block/zram1/writeback";
	zf.fail_errno = EAGAIN;
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_ALL, false, &plan, &err), -EAGAIN);
	assert_non_null(strstr(err.msg, "another writeback of this device is running"));
	sc_plan_free(&plan);
}

static void test_writeback_refusals(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	int dev;

	/* zram0 is not swapctl's; zram1 has no backing device; zram9 does not exist */
	assert_int_equal(writeback((int[]){0}, 1, SC_ZRAM_IDLE_NONE, false, &plan, &err), -EPERM);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	memset(&err, 0, sizeof(err));
	assert_int_equal(zf_run_add("1G", NULL, 100, 0, NULL, true, &plan, &dev, &err), 0);
	sc_plan_free(&plan);
	assert_int_equal(writeback((int[]){1}, 1, SC_ZRAM_IDLE_NONE, false, &plan, &err), -ENODEV);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "has no backing device"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(writeback((int[]){9}, 1, SC_ZRAM_IDLE_NONE, false, &plan, &err), -ENODEV);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	/* none named: the devices without a backing device are not asked */
	assert_int_equal(writeback(NULL, 0, SC_ZRAM_IDLE_NONE, false, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	sc_plan_free(&plan);
	zf_assert_zram0_untouched();
}

static int add_recomp(const char *alg, struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_add_req req = {.persist = true};
	int r, dev;

	sc_zram_spec_init(&req.spec);
	assert_int_equal(sc_zram_parse_size_spec("1G", &req.spec), 0);
	snprintf(req.spec.recomp_algorithm, sizeof(req.spec.recomp_algorithm), "%s", alg);
	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	r = sc_zram_plan_add(&zf.ctx, &w, &req, plan, &dev, err);
	if (r == 0)
		r = sc_zram_apply(&zf.ctx, &w, plan, false, err);
	sc_zram_observed_done(&w);
	return r;
}

static int recompress(const int *ids, size_t n, int64_t idle, bool huge, const char *alg,
	struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zram_observed w;
	struct sc_zram_writeback_req req = {.ids = ids,
		.n_ids = n,
		.idle_age = idle,
		.huge = huge,
		.recompress = true,
		.algorithm = alg};
	int r;

	assert_int_equal(sc_zram_observed_read(&zf.ctx, &w, err), 0);
	r = sc_zram_plan_writeback(&zf.ctx, &w, &req, plan, err);
	if (r == 0)
		r = sc_zram_apply_writeback(&zf.ctx, plan, err);
	sc_zram_observed_done(&w);
	return r;
}

static void test_recompress(void **state)
{
	static const char *const want[] = {
		"read /sys/class/zram-control/hot_add",
		"write /sys/block/zram1/comp_algorithm lz4",
		"write /sys/block/zram1/recomp_algorithm algo=lzo priority=1",
		"write /sys/block/zram1/disksize 1073741824",
		"pwrite /dev/zram1 4096@0",
		"swapon /dev/zram1 100",
	};
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;
	size_t mark;

	zf.recompress = true;
	zf_render(0);
	assert_int_equal(add_recomp("lzo", &plan, &err), 0);
	zf_assert_kernel_log(0, want, ELEMENTSOF(want));
	conf = zf_read_rel("etc/swapctl/zram.conf");
	assert_non_null(strstr(conf, " recomp_algorithm=lzo\n"));
	sc_plan_free(&plan);
	zf.dev[1].compr = 1000;

	/* the same page selection as writeback, recompress in its place */
	mark = zf.n_log;
	assert_int_equal(recompress(NULL, 0, 3600, true, "lzo", &plan, &err), 0);
	{
		static const char *const w2[] = {
			"write /sys/block/zram1/idle 3600",
			"write /sys/block/zram1/recompress type=huge_idle algo=lzo",
		};
		zf_assert_kernel_log(mark, w2, ELEMENTSOF(w2));
	}
	assert_true(plan.actions[1].u.zram.has_saved);
	assert_int_equal(plan.actions[1].u.zram.saved, 500);
	sc_plan_free(&plan);
	mark = zf.n_log;
	assert_int_equal(recompress((int[]){1}, 1, SC_ZRAM_IDLE_NONE, false, NULL, &plan, &err), 0);
	{
		static const char *const w3[] = {
			"write /sys/block/zram1/recompress type=idle",
			"write /sys/block/zram1/idle all",
		};
		zf_assert_kernel_log(mark, w3, ELEMENTSOF(w3));
	}
	sc_plan_free(&plan);

	/* not one of its algorithms; the primary as secondary; zram0 is not swapctl's */
	assert_int_equal(
		recompress((int[]){1}, 1, SC_ZRAM_IDLE_ALL, false, "lz4", &plan, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	memset(&err, 0, sizeof(err));
	assert_int_equal(add_recomp("lz4", &plan, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is the primary one"));
	sc_plan_free(&plan);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
		recompress((int[]){0}, 1, SC_ZRAM_IDLE_ALL, false, NULL, &plan, &err), -EPERM);
	zf_assert_zram0_untouched();
}

static void test_recompress_unsupported(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	/* this fixture's kernel has no recomp_algorithm: refused, whether devices are named */
	assert_int_equal(
		recompress(NULL, 0, SC_ZRAM_IDLE_NONE, false, NULL, &plan, &err), -EOPNOTSUPP);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "no zram recompression"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(add_recomp("lzo", &plan, &err), -EOPNOTSUPP);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_int_equal(zf.n_log, 0);
	sc_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_order_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_recreates_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_missing_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backing_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_without_writeback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_limit_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recompress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recompress_unsupported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
