/*
 * zswap enable/disable against a fake /sys/module/zswap/parameters that behaves like 6.18:
 * an unknown compressor is refused with ENOENT, enabled reads back Y/N, max_pool_percent
 * takes any number. Asserts the order of writes, read-back, restoring on failure, the
 * configuration file and the zswap-in-front-of-zram check.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "util.h"
#include "zswap.h"

static struct {
	char *root;
	char log[32][128];
	size_t n_log;
	const char *fail_prefix;
	int fail_errno;
	bool lie; /* the kernel reads back something else than was written */
	struct sc_sys sys;
	struct sc_ctx ctx;
} F;

static void put(const char *rel, const char *content)
{
	sc_test_write(F.root, rel, content);
}

static char *get(const char *rel)
{
	char *p, *s = NULL;

	assert_true(asprintf(&p, "%s/%s", F.root, rel) > 0);
	if (sc_read_file(p, 1 << 20, &s, NULL) < 0)
		s = NULL;
	free(p);
	return s;
}

static int fake_write_attr(const char *path, const char *value)
{
	const char *name = strrchr(path, '/') + 1;
	char rel[128], line[80];

	snprintf(F.log[F.n_log++], sizeof(F.log[0]), "%s=%s", name, value);
	if (F.fail_prefix && sc_startswith(F.log[F.n_log - 1], F.fail_prefix)) {
		F.fail_prefix = NULL;
		return -F.fail_errno;
	}
	if (strcmp(name, "compressor") == 0 && strcmp(value, "lzo") != 0 &&
		strcmp(value, "lzo-rle") != 0 && strcmp(value, "deflate") != 0)
		return -ENOENT;
	snprintf(rel, sizeof(rel), "sys/module/zswap/parameters/%s", name);
	if (strcmp(name, "enabled") == 0)
		snprintf(
			line, sizeof(line), "%s\n", value[0] == 'Y' || value[0] == '1' ? "Y" : "N");
	else
		snprintf(line, sizeof(line), "%s\n", F.lie ? "other" : value);
	put(rel, line);
	return 0;
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.root = sc_test_mkdtemp();
	put("sys/module/zswap/parameters/enabled", "N\n");
	put("sys/module/zswap/parameters/compressor", "lzo\n");
	put("sys/module/zswap/parameters/max_pool_percent", "20\n");
	put("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	put("proc/crypto",
		"name         : lzo-rle\ndriver       : lzo-rle-scomp\ntype         : "
		"scomp\n\nname         : deflate\ntype         : acomp\n\n"
		"name         : sha256\ntype         : shash\n\n"
		"name         : lzo\ntype         : scomp\n\nname         : lzo-rle\n"
		"driver       : lzo-rle-generic\ntype         : compression\n");
	put("etc/.keep", "");
	F.sys = sc_sys_real;
	F.sys.write_attr = fake_write_attr;
	assert_int_equal(sc_ctx_init(&F.ctx, &F.sys, NULL, F.root, NULL, NULL), 0);
	free(F.ctx.config_dir);
	assert_true(asprintf(&F.ctx.config_dir, "%s/etc/swapctl", F.root) > 0);
	return 0;
}

static int teardown(void **state)
{
	sc_ctx_done(&F.ctx);
	sc_test_rmtree(F.root);
	free(F.root);
	return 0;
}

static int run(int enabled, const char *compressor, int pool, bool persist, struct sc_plan *plan,
	struct sc_err *err)
{
	struct sc_zswap live;
	struct sc_zswap_settings want, cfg;
	struct sc_file_id id;
	int r;

	sc_zswap_settings_init(&want);
	want.enabled = enabled;
	if (compressor)
		snprintf(want.compressor, sizeof(want.compressor), "%s", compressor);
	want.max_pool_percent = pool;
	assert_int_equal(sc_zswap_read(&F.ctx, &live), 0);
	assert_int_equal(sc_zswap_config_load(&F.ctx, &cfg, &id, err), 0);
	r = sc_zswap_plan(&F.ctx, &live, &want, &cfg, persist, plan, err);
	if (r == 0)
		r = sc_zswap_apply(&F.ctx, plan, &id, err);
	return r;
}

static void test_enable_order_and_config(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL, *en = NULL, *comp = NULL;

	assert_int_equal(run(1, "deflate", 25, true, &plan, &err), 0);
	assert_int_equal(F.n_log, 3);
	/* the pool is configured before zswap starts using it */
	assert_string_equal(F.log[0], "compressor=deflate");
	assert_string_equal(F.log[1], "max_pool_percent=25");
	assert_string_equal(F.log[2], "enabled=Y");
	assert_true(sc_plan_changed(&plan));
	en = get("sys/module/zswap/parameters/enabled");
	assert_string_equal(en, "Y\n");
	comp = get("sys/module/zswap/parameters/compressor");
	assert_string_equal(comp, "deflate\n");
	conf = get("etc/swapctl/zswap.conf");
	assert_non_null(strstr(conf, "\nenabled=yes\ncompressor=deflate\nmax_pool_percent=25\n"));
	sc_plan_free(&plan);

	/* again: nothing to do */
	assert_int_equal(run(1, "deflate", 25, true, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	assert_int_equal(F.n_log, 3);
	sc_plan_free(&plan);
}

static void test_disable_first(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;

	put("sys/module/zswap/parameters/enabled", "Y\n");
	put("etc/swapctl/zswap.conf", "enabled=yes\ncompressor=lzo\n");
	assert_int_equal(run(0, NULL, 30, true, &plan, &err), 0);
	assert_int_equal(F.n_log, 2);
	assert_string_equal(F.log[0], "enabled=N");
	assert_string_equal(F.log[1], "max_pool_percent=30");
	/* the persisted settings are merged: the compressor stays */
	conf = get("etc/swapctl/zswap.conf");
	assert_non_null(strstr(conf, "\nenabled=no\ncompressor=lzo\nmax_pool_percent=30\n"));
	sc_plan_free(&plan);
}

static void test_unknown_compressor(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *en = NULL, *conf = NULL;

	assert_int_equal(run(1, "zstd", -1, true, &plan, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "'zstd'"));
	assert_non_null(strstr(err.msg, "offers: lzo-rle, deflate, lzo)"));
	en = get("sys/module/zswap/parameters/enabled");
	assert_string_equal(en, "N\n");
	conf = get("etc/swapctl/zswap.conf");
	assert_null(conf);
	assert_false(sc_plan_changed(&plan));
	sc_plan_free(&plan);
}

static void test_restore_on_failure(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *comp = NULL, *pool = NULL;

	F.fail_prefix = "enabled=Y";
	F.fail_errno = EIO;
	assert_int_equal(run(1, "deflate", 40, true, &plan, &err), -EIO);
	/* compressor and pool put back, newest first */
	assert_int_equal(F.n_log, 5);
	assert_string_equal(F.log[3], "max_pool_percent=20");
	assert_string_equal(F.log[4], "compressor=lzo");
	comp = get("sys/module/zswap/parameters/compressor");
	assert_string_equal(comp, "lzo\n");
	pool = get("sys/module/zswap/parameters/max_pool_percent");
	assert_string_equal(pool, "20\n");
	assert_false(sc_plan_changed(&plan));
	sc_plan_free(&plan);
}

static void test_read_back_checked(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	F.lie = true;
	assert_int_equal(run(-1, NULL, 33, false, &plan, &err), -EIO);
	assert_non_null(strstr(err.msg, "reads 'other'"));
	sc_plan_free(&plan);
}

static void test_validation(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	assert_int_equal(run(1, NULL, 0, true, &plan, &err), -ERANGE);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	sc_err_clear(&err);
	assert_int_equal(run(1, NULL, 101, true, &plan, &err), -ERANGE);
	sc_err_clear(&err);
	assert_int_equal(run(1, "../x", -1, true, &plan, &err), -EINVAL);
	assert_int_equal(F.n_log, 0);
	sc_plan_free(&plan);
}

static void test_no_persist(void **state)
{
	struct sc_plan plan = {0};
	struct sc_err err = {0};
	_cleanup_free_ char *conf = NULL;

	assert_int_equal(run(1, NULL, -1, false, &plan, &err), 0);
	assert_int_equal(F.n_log, 1);
	conf = get("etc/swapctl/zswap.conf");
	assert_null(conf);
	sc_plan_free(&plan);
}

static void test_settings_parse(void **state)
{
	struct sc_zswap_settings s;
	struct sc_err err = {0};
	_cleanup_free_ char *out = NULL;

	assert_int_equal(
		sc_zswap_settings_parse("# c\n\nmax_pool_percent=7\nenabled=no\n", &s, &err), 0);
	assert_int_equal(s.enabled, 0);
	assert_int_equal(s.max_pool_percent, 7);
	assert_string_equal(s.compressor, "");
	assert_int_equal(sc_zswap_settings_render(&s, &out), 0);
	assert_non_null(strstr(out, "\nenabled=no\nmax_pool_percent=7\n"));
	assert_int_equal(sc_zswap_settings_parse("enabled=maybe\n", &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(sc_zswap_settings_parse("max_pool_percent=0\n", &s, &err), -EINVAL);
	assert_int_equal(sc_zswap_settings_parse("enabled=yes\nenabled=no\n", &s, &err), -EINVAL);
	assert_int_equal(sc_zswap_settings_parse("zpool=zbud\n", &s, &err), -EINVAL);
}

static void test_in_front_of_zram(void **state)
{
	bool front = true;

	assert_int_equal(sc_zswap_in_front_of_zram(&F.ctx, &front), 0);
	assert_false(front);
	put("proc/swaps",
		"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		"/dev/zram1                              partition\t1048572\t\t0\t\t100\n");
	assert_int_equal(sc_zswap_in_front_of_zram(&F.ctx, &front), 0);
	assert_false(front); /* zswap is off */
	put("sys/module/zswap/parameters/enabled", "Y\n");
	assert_int_equal(sc_zswap_in_front_of_zram(&F.ctx, &front), 0);
	assert_true(front);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enable_order_and_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_compressor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_on_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_back_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_persist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_front_of_zram, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
