/* Size and integer parsers: a table of valid and invalid inputs. */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "parse.h"

static void test_sizes_valid(void **state)
{
	static const struct {
		const char *in;
		uint64_t out;
	} t[] = {
		{"0", 0},
		{"1", 1},
		{"4096", 4096},
		{"1K", 1024},
		{"1k", 1024},
		{"1KiB", 1024},
		{"1Kib", 1024},
		{"1KB", 1000},
		{"1kb", 1000},
		{"16G", UINT64_C(16) << 30},
		{"16GiB", UINT64_C(16) << 30},
		{"16GB", UINT64_C(16000000000)},
		{"2M", 2 << 20},
		{"3T", UINT64_C(3) << 40},
		{"1P", UINT64_C(1) << 50},
		{"15E", UINT64_C(15) << 60},
		/* Fractions are exact: floor(x * unit), unlike util-linux 2.38 (#2213). */
		{"1.5G", UINT64_C(3) << 29},
		{"1.7G", UINT64_C(1825361100)}, /* floor(1.7 * 2^30) = 1825361100.8 */
		{"0.3G", UINT64_C(322122547)}, /* floor(0.3 * 2^30) = 322122547.2 */
		{"0.5K", 512},
		{"1.25MB", 1250000},
		/* Any number of fraction digits, still exact. */
		{"1.00000000000000000000G", UINT64_C(1) << 30},
		{"0.99999999999999999999999999K", 1023}, /* 1024 - 10^-26 * 1024, floor */
		{"0.00000000000000000001G", 0},
		{"1.7000000000000000000000000000000G", UINT64_C(1825361100)},
		{"0.123456789012345678901234567890EB", UINT64_C(123456789012345678)},
		{"3.14159265358979323846264338327950288T", UINT64_C(3454217652357)},
		/* The largest value below 16E: 2^64 - 0.0115..., floor */
		{"15.99999999999999999999999E", UINT64_MAX},
		/* 2^-60 exactly, 42 digits: one E-multiple of it is one byte ... */
		{"0.000000000000000000867361737988403547205962240695953369140625E", 1},
		/* ... and its last digit is what makes it reach one byte */
		{"0.00000000000000000086736173798840354720596224069595336914062E", 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t v = 0;
		int r = sc_parse_size(t[i].in, &v);
		if (r != 0 || v != t[i].out)
			fail_msg("%s: r=%d v=%llu want %llu", t[i].in, r, (unsigned long long)v,
				(unsigned long long)t[i].out);
	}
}

static void test_sizes_exact_tiny_fraction(void **state)
{
	uint64_t v = 42;

	/* 10^-19 * 2^60 = 0.1152921504606847 -> floor 0 */
	assert_int_equal(sc_parse_size("0.0000000000000000001E", &v), 0);
	assert_int_equal(v, 0);
	/* 0.9999999999999999999 * 2^60 = 2^60 - 0.115... -> 2^60 - 1 */
	assert_int_equal(sc_parse_size("0.9999999999999999999E", &v), 0);
	assert_int_equal(v, (UINT64_C(1) << 60) - 1);
}

static void test_sizes_long_fraction(void **state)
{
	char s[10005];
	uint64_t v = 42;

	/* 10000 fraction digits: "1.000...0G" and "0.999...9K" */
	s[0] = '1';
	s[1] = '.';
	memset(s + 2, '0', 10000);
	strcpy(s + 10002, "G");
	assert_int_equal(sc_parse_size(s, &v), 0);
	assert_int_equal(v, UINT64_C(1) << 30);
	s[0] = '0';
	memset(s + 2, '9', 10000);
	strcpy(s + 10002, "K");
	assert_int_equal(sc_parse_size(s, &v), 0);
	assert_int_equal(v, 1023);
	/* ... and without a unit it is still a fraction of a byte. */
	s[10002] = '\0';
	assert_int_equal(sc_parse_size(s, &v), -EINVAL);
}

static void test_sizes_invalid(void **state)
{
	static const char *bad[] = {
		"", " 1G", "1G ", "+1G", "-1G", "0x10G", "010G", "00", "1e3", "1.5", "1.G", ".5G",
		"1GG", "1Gi", "1GiBB", "1B", "G", "1Z", "1 G", "1.2.3G", "1,5G", "١G", "1\nG",
		"1.5e3G", "1.-5G", "1.+5G", "1. 5G", "1.5 G", "0x1.8G", "1.0x8G", "01.5G",
		"1.00000000000000000000GiBx", "1.000000000000000000001e1G",
		"1.00000000000000000000", /* a fraction of a byte, however many digits */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v;
		if (sc_parse_size(bad[i], &v) != -EINVAL)
			fail_msg("'%s' was accepted (or not -EINVAL)", bad[i]);
	}
}

static void test_sizes_overflow(void **state)
{
	uint64_t v;

	assert_int_equal(sc_parse_size("16E", &v), -ERANGE);
	assert_int_equal(sc_parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(sc_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(sc_parse_size("99999999999999999999999G", &v), -ERANGE);
	assert_int_equal(sc_parse_size("16.00000000000000000000000E", &v), -ERANGE);
	assert_int_equal(sc_parse_size("18446744073709551615.00000000000000000001K", &v), -ERANGE);
}

static void test_swap_size(void **state)
{
	uint64_t v;

	assert_int_equal(sc_parse_swap_size("40K", 4096, &v), 0);
	assert_int_equal(v, 40960);
	assert_int_equal(sc_parse_swap_size("40959", 4096, &v), -ERANGE); /* 9 pages */
	assert_int_equal(sc_parse_swap_size("0", 4096, &v), -ERANGE);
	assert_int_equal(sc_parse_swap_size("1.7G", 4096, &v), 0);
	assert_int_equal(v, UINT64_C(1825361100) / 4096 * 4096);
	assert_int_equal(sc_parse_swap_size("16T", 4096, &v), 0); /* exactly 2^32 pages */
	assert_int_equal(sc_parse_swap_size("17T", 4096, &v), -ERANGE);
	assert_int_equal(sc_parse_swap_size("64T", 16384, &v), 0);
	assert_int_equal(sc_parse_swap_size("junk", 4096, &v), -EINVAL);
}

static void test_ints(void **state)
{
	int64_t v;

	assert_int_equal(sc_parse_int("0", -1, 32767, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sc_parse_int("-1", -1, 32767, &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(sc_parse_int("32767", -1, 32767, &v), 0);
	assert_int_equal(sc_parse_int("32768", -1, 32767, &v), -ERANGE);
	assert_int_equal(sc_parse_int("-2", -1, 32767, &v), -ERANGE);
	assert_int_equal(sc_parse_int("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(sc_parse_int("010", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("+5", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int(" 5", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("5 ", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("-0", -5, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("", 0, 100, &v), -EINVAL);
	assert_int_equal(sc_parse_int("-9223372036854775808", INT64_MIN, 0, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(sc_parse_int("9223372036854775808", 0, INT64_MAX, &v), -ERANGE);
}

static void test_format(void **state)
{
	char b[32];

	assert_string_equal(sc_format_bytes(0, b), "0 B");
	assert_string_equal(sc_format_bytes(1023, b), "1023 B");
	assert_string_equal(sc_format_bytes(1024, b), "1 KiB");
	assert_string_equal(sc_format_bytes(UINT64_C(16) << 30, b), "16 GiB");
	assert_string_equal(sc_format_bytes(UINT64_C(3) << 29, b), "1.5 GiB");
	assert_string_equal(sc_format_bytes(UINT64_MAX, b), "15.9 EiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_valid),
		cmocka_unit_test(test_sizes_exact_tiny_fraction),
		cmocka_unit_test(test_sizes_long_fraction),
		cmocka_unit_test(test_sizes_invalid),
		cmocka_unit_test(test_sizes_overflow),
		cmocka_unit_test(test_swap_size),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
