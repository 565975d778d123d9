/* zram requests, size policy, algorithm choice, zram.conf and the runtime state file. */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "zram.h"

#define GiB (UINT64_C(1) << 30)
#define MiB (UINT64_C(1) << 20)

static void test_size_spec(void **state)
{
	static const struct {
		const char *in;
		int r;
		enum sc_zram_size_kind kind;
		uint64_t size;
	} t[] = {
		{"auto", 0, SC_ZRAM_SIZE_AUTO, 0},
		{"4G", 0, SC_ZRAM_SIZE_BYTES, 4 * GiB},
		{"1.5G", 0, SC_ZRAM_SIZE_BYTES, 3 * GiB / 2},
		{"50%", 0, SC_ZRAM_SIZE_PERCENT, 50},
		{"1%", 0, SC_ZRAM_SIZE_PERCENT, 1},
		{"200%", 0, SC_ZRAM_SIZE_PERCENT, 200},
		{"201%", -ERANGE, 0, 0},
		{"0%", -ERANGE, 0, 0},
		{"0", -ERANGE, 0, 0},
		{"050%", -EINVAL, 0, 0},
		{"%", -EINVAL, 0, 0},
		{"-5%", -EINVAL, 0, 0},
		{"1.5%", -EINVAL, 0, 0},
		{"Auto", -EINVAL, 0, 0},
		{"0x10G", -EINVAL, 0, 0},
		{" 4G", -EINVAL, 0, 0},
		{"", -EINVAL, 0, 0},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_zram_spec s;
		int r;

		sc_zram_spec_init(&s);
		r = sc_zram_parse_size_spec(t[i].in, &s);
		if (r != t[i].r)
			fail_msg("'%s': r=%d want %d", t[i].in, r, t[i].r);
		if (r == 0 && (s.size_kind != t[i].kind || s.size != t[i].size))
			fail_msg("'%s': kind %d size %llu", t[i].in, s.size_kind,
				(unsigned long long)s.size);
	}
}

static void test_params(void **state)
{
	char out[SC_ZRAM_PARAMS_MAX + 1];

	assert_int_equal(sc_zram_parse_params("level=3", out), 0);
	assert_string_equal(out, "level=3");
	assert_int_equal(sc_zram_parse_params("dict=/etc/d level=-5", out), 0);
	assert_string_equal(out, "level=-5 dict=/etc/d");
	assert_int_equal(sc_zram_parse_params("level=1,dict=/x", out), 0);
	assert_string_equal(out, "level=1 dict=/x");
	/* The kernel silently accepts unknown keys: swapctl refuses them. */
	assert_int_equal(sc_zram_parse_params("foo=bar", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("level", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("level=", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("level=x", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("level=07", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("level=1 level=2", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("dict=relative", out), -EINVAL);
	assert_int_equal(sc_zram_parse_params("algo=zstd", out), -EINVAL);
}

static void test_spec_round_trip(void **state)
{
	static const char *const lines[] = {
		"size=auto algorithm=auto priority=100 mem_limit=0",
		"size=50% algorithm=lz4 priority=5 mem_limit=1073741824",
		"size=4294967296 algorithm=zstd priority=-1 mem_limit=0 params=level=1,dict=/d",
		"size=auto algorithm=auto priority=100 mem_limit=0 min_ram=2147483648",
		"size=25% algorithm=auto priority=100 mem_limit=0 min_ram=1 max_ram=8589934592",
	};

	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		struct sc_zram_spec s, s2;
		_cleanup_free_ char *out = NULL;

		assert_int_equal(sc_zram_spec_parse(lines[i], &s), 0);
		assert_int_equal(sc_zram_spec_format(&s, &out), 0);
		assert_string_equal(out, lines[i]);
		assert_int_equal(sc_zram_spec_parse(out, &s2), 0);
		assert_true(sc_zram_spec_equal(&s, &s2));
	}
}

static void test_spec_defaults_and_errors(void **state)
{
	struct sc_zram_spec s, d;

	sc_zram_spec_init(&d);
	assert_int_equal(sc_zram_spec_parse("", &s), 0);
	assert_true(sc_zram_spec_equal(&s, &d));
	assert_int_equal(s.priority, 100);
	assert_int_equal(sc_zram_spec_parse("size=2G", &s), 0);
	assert_int_equal(s.size, 2 * GiB);
	assert_int_equal(s.priority, 100);

	assert_int_equal(sc_zram_spec_parse("size=2G size=3G", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("colour=blue", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("size", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("priority=32768", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("priority=-2", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("algorithm=lz4;rm", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("mem_limit=lots", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("params=foo=1", &s), -EINVAL);
	/* memory bounds: sizes, at most one of each, and some machine has to fit */
	assert_int_equal(sc_zram_spec_parse("min_ram=2G max_ram=2G", &s), 0);
	assert_int_equal(s.min_ram, 2 * GiB);
	assert_int_equal(s.max_ram, 2 * GiB);
	d = s;
	d.max_ram = 0;
	assert_false(sc_zram_spec_equal(&s, &d));
	assert_int_equal(sc_zram_spec_parse("min_ram=3G max_ram=2G", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("min_ram=2G min_ram=3G", &s), -EINVAL);
	assert_int_equal(sc_zram_spec_parse("max_ram=much", &s), -EINVAL);
}

static void test_disksize_policy(void **state)
{
	struct sc_zram_spec s;
	struct sc_err err = {0};
	uint64_t v = 0;

	sc_zram_spec_init(&s);
	/* auto = min(MemTotal / 2, 8 GiB), whole pages */
	assert_int_equal(sc_zram_disksize(&s, 24 * GiB, 4096, &v, &err), 0);
	assert_int_equal(v, 8 * GiB);
	assert_int_equal(sc_zram_disksize(&s, 4 * GiB, 4096, &v, &err), 0);
	assert_int_equal(v, 2 * GiB);
	assert_int_equal(sc_zram_disksize(&s, 1000000007, 4096, &v, &err), 0);
	assert_int_equal(v, 500000003 / 4096 * 4096);

	assert_int_equal(sc_zram_parse_size_spec("25%", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 24 * GiB, 4096, &v, &err), 0);
	assert_int_equal(v, 6 * GiB);
	assert_int_equal(sc_zram_parse_size_spec("200%", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 3 * GiB + 4095, 4096, &v, &err), 0);
	assert_int_equal(v, 6 * GiB + 4096);

	assert_int_equal(sc_zram_parse_size_spec("1000001", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 24 * GiB, 4096, &v, &err), 0);
	assert_int_equal(v, 1000001 / 4096 * 4096);

	/* More than 2 x RAM: refused, exactly 2 x RAM is fine. */
	assert_int_equal(sc_zram_parse_size_spec("8G", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 4 * GiB, 4096, &v, &err), 0);
	assert_int_equal(sc_zram_parse_size_spec("8589938688", &s), 0); /* 8 GiB + 1 page */
	assert_int_equal(sc_zram_disksize(&s, 4 * GiB, 4096, &v, &err), -EPERM);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);

	/* Below 10 pages. */
	sc_err_clear(&err);
	assert_int_equal(sc_zram_parse_size_spec("40959", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 4 * GiB, 4096, &v, &err), -ERANGE);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	sc_err_clear(&err);
	assert_int_equal(sc_zram_parse_size_spec("1%", &s), 0);
	assert_int_equal(sc_zram_disksize(&s, 1 * MiB, 4096, &v, &err), -ERANGE);
}

static void test_choose_algorithm(void **state)
{
	char *this_kernel[] = {"lzo-rle", "lzo", "lz4", NULL};
	char *with_zstd[] = {"lzo", "lzo-rle", "lz4", "lz4hc", "zstd", "deflate", "842", NULL};
	char *only_odd[] = {"deflate", "842", NULL};
	char *rle_only[] = {"lzo", "lzo-rle", NULL};
	struct sc_err err = {0};
	const char *a = NULL;

	assert_int_equal(sc_zram_choose_algorithm(this_kernel, "lzo-rle", "", &a, &err), 0);
	assert_string_equal(a, "lz4");
	assert_int_equal(sc_zram_choose_algorithm(with_zstd, "lzo-rle", NULL, &a, &err), 0);
	assert_string_equal(a, "zstd");
	assert_int_equal(sc_zram_choose_algorithm(rle_only, "lzo", "", &a, &err), 0);
	assert_string_equal(a, "lzo-rle");
	assert_int_equal(sc_zram_choose_algorithm(only_odd, "842", "", &a, &err), 0);
	assert_string_equal(a, "842");
	assert_int_equal(sc_zram_choose_algorithm(this_kernel, "lzo-rle", "lzo", &a, &err), 0);
	assert_string_equal(a, "lzo");

	assert_int_equal(
		sc_zram_choose_algorithm(this_kernel, "lzo-rle", "zstd", &a, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "'zstd'"));
	assert_non_null(strstr(err.msg, "lzo-rle, lzo, lz4"));
}

static void test_config_parse_render(void **state)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "   # indented comment\n"
				   "size=50% algorithm=lz4\n"
				   "size=auto priority=7 mem_limit=1G\n";
	struct sc_zram_config cfg = {0}, cfg2 = {0};
	struct sc_zram_spec s;
	struct sc_err err = {0};
	_cleanup_free_ char *out = NULL, *out2 = NULL;

	assert_int_equal(sc_zram_config_parse(text, &cfg, &err), 0);
	assert_int_equal(cfg.n, 2);
	assert_int_equal(cfg.entries[0].size_kind, SC_ZRAM_SIZE_PERCENT);
	assert_string_equal(cfg.entries[0].algorithm, "lz4");
	assert_int_equal(cfg.entries[0].priority, 100);
	assert_int_equal(cfg.entries[1].mem_limit, GiB);
	assert_int_equal(cfg.entries[1].priority, 7);

	assert_int_equal(sc_zram_config_render(&cfg, &out), 0);
	assert_non_null(strstr(out,
		"\nsize=50% algorithm=lz4 priority=100 mem_limit=0\n"
		"size=auto algorithm=auto priority=7 mem_limit=1073741824\n"));
	assert_int_equal(sc_zram_config_parse(out, &cfg2, &err), 0);
	assert_int_equal(sc_zram_config_render(&cfg2, &out2), 0);
	assert_string_equal(out, out2);

	/* Multiset edits: count, add, remove one at a time. */
	s = cfg.entries[0];
	assert_int_equal(sc_zram_config_count(&cfg, &s), 1);
	assert_int_equal(sc_zram_config_add(&cfg, &s), 0);
	assert_int_equal(sc_zram_config_count(&cfg, &s), 2);
	assert_int_equal(sc_zram_config_remove(&cfg, &s), 1);
	assert_int_equal(sc_zram_config_remove(&cfg, &s), 1);
	assert_int_equal(sc_zram_config_remove(&cfg, &s), 0);
	assert_int_equal(cfg.n, 1);
	assert_int_equal(cfg.entries[0].priority, 7);

	sc_zram_config_free(&cfg);
	sc_zram_config_free(&cfg2);
}

static void test_config_errors(void **state)
{
	struct sc_zram_config cfg = {0};
	struct sc_err err = {0};

	assert_int_equal(sc_zram_config_parse("size=1G\nsize=2G bogus=1\n", &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(cfg.n, 0);
	sc_err_clear(&err);
	assert_int_equal(sc_zram_config_parse("size=1G # inline\n", &cfg, &err), -EINVAL);
}

static void test_state_parse(void **state)
{
	static const char text[] =
		"# header\n"
		"zram1 diskseq=19 size=auto algorithm=auto priority=100 mem_limit=0\n"
		"zram2 diskseq=x size=auto\n" /* bad: dropped */
		"zramX diskseq=3 size=auto\n" /* bad: dropped */
		"zram4 size=auto\n" /* no diskseq: dropped */
		"zram3 diskseq=0 size=50% algorithm=lzo\n";
	struct sc_zram_ids st = {0}, st2 = {0};
	_cleanup_free_ char *out = NULL;

	assert_int_equal(sc_zram_ids_parse(text, &st), 0);
	assert_int_equal(st.n, 2);
	assert_int_equal(st.devs[0].id, 1);
	assert_int_equal(st.devs[0].diskseq, 19);
	assert_int_equal(st.devs[1].id, 3);
	assert_string_equal(st.devs[1].spec.algorithm, "lzo");
	assert_non_null(sc_zram_ids_find(&st, 3));
	assert_null(sc_zram_ids_find(&st, 2));

	assert_int_equal(sc_zram_ids_render(&st, &out), 0);
	assert_int_equal(sc_zram_ids_parse(out, &st2), 0);
	assert_int_equal(st2.n, 2);
	assert_true(sc_zram_spec_equal(&st.devs[1].spec, &st2.devs[1].spec));
	sc_zram_ids_free(&st);
	sc_zram_ids_free(&st2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_spec),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_spec_round_trip),
		cmocka_unit_test(test_spec_defaults_and_errors),
		cmocka_unit_test(test_disksize_policy),
		cmocka_unit_test(test_choose_algorithm),
		cmocka_unit_test(test_config_parse_render),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_state_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
