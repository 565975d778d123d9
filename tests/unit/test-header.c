/*
 * The swap header encoder against util-linux mkswap's own output (tests/fixtures/mkswap, made
 * once with a fixed UUID: a label for 4, 16 and 64 KiB pages, labels of 15 and more bytes,
 * UTF-8 labels, 2^32 pages), and the validator on every rejection the kernel's
 * read_swap_header() makes.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"

static const uint8_t golden_uuid[16] = {0x4c, 0x08, 0xe1, 0xcd, 0x3c, 0x82, 0x46, 0xbf, 0xa5, 0x5b,
	0x0c, 0x32, 0x70, 0xd6, 0xdf, 0xeb};

/* gunzip a fixture into memory (gzip is an Essential package on Debian). */
static unsigned char *load_fixture(const char *name, size_t cap, size_t *ret_len)
{
	char cmd[512];
	unsigned char *buf;
	size_t len = 0, n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "gzip -dc '%s/mkswap/%s'", SC_FIXTURE_DIR, name);
	f = popen(cmd, "r");
	assert_non_null(f);
	buf = malloc(cap);
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0)
		len += n;
	assert_int_equal(pclose(f), 0);
	*ret_len = len;
	return buf;
}

static unsigned char *load_golden(size_t page_size, size_t *ret_len)
{
	char name[64];

	snprintf(name, sizeof(name), "LE-%zu.img.gz", page_size);
	return load_fixture(name, 16 * page_size, ret_len);
}

/* The first page of an area mkswap made: "NAME.hdr.gz". */
static unsigned char *load_header(const char *name, size_t page_size)
{
	char file[64];
	unsigned char *buf;
	size_t len;

	snprintf(file, sizeof(file), "%s.hdr.gz", name);
	buf = load_fixture(file, 2 * page_size, &len);
	assert_int_equal(len, page_size);
	return buf;
}

static void expect_golden(const char *name, size_t ps, uint64_t npages, const char *label)
{
	unsigned char *golden = load_header(name, ps), *page = malloc(ps);

	assert_non_null(page);
	assert_int_equal(sc_header_encode(page, ps, npages, golden_uuid, label, false), 0);
	if (memcmp(page, golden, ps) != 0)
		fail_msg("%s: header differs from mkswap's", name);
	free(page);
	free(golden);
}

/* "swp" and one character of each UTF-8 length: e-acute, two CJK characters, U+1F4BE. */
#define UTF8_LABEL "swp\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac\xf0\x9f\x92\xbe"

static void test_golden_labels(void **state)
{
	unsigned char *golden;
	struct sc_header_info info;

	/* The longest label mkswap keeps, in ASCII and in UTF-8. */
	assert_int_equal(strlen("0123456789abcde"), SC_HEADER_LABEL_MAX);
	expect_golden("label15-4096", 4096, 10, "0123456789abcde");
	assert_int_equal(strlen(UTF8_LABEL), SC_HEADER_LABEL_MAX);
	expect_golden("utf8-4096", 4096, 10, UTF8_LABEL);
	golden = load_header("utf8-4096", 4096);
	assert_int_equal(sc_header_validate(golden, 4096, 4096, 40960, &info), 0);
	assert_string_equal(info.label, UTF8_LABEL);
	free(golden);

	/* mkswap -L with 16 bytes keeps 15: swapctl refuses the 16 instead of cutting them. */
	expect_golden("label16-4096", 4096, 10, "0123456789abcde");
	unsigned char page[4096];
	assert_int_equal(sc_header_encode(page, 4096, 10, golden_uuid, "0123456789abcdef", false),
		-ENAMETOOLONG);

	/* Nine e-acute (18 bytes): mkswap cuts the eighth in half, leaving a lone 0xc3. */
	golden = load_header("utf8-cut-4096", 4096);
	assert_int_equal(golden[SC_HEADER_OFF_LABEL + 14], 0xc3);
	assert_int_equal(golden[SC_HEADER_OFF_LABEL + 15], 0);
	free(golden);
	assert_int_equal(
		sc_header_encode(page, 4096, 10, golden_uuid,
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
			false),
		-ENAMETOOLONG);
}

/* mkswap on sparse files of 2^32 pages (on xfs): the page count is capped at 2^32 - 1. */
static void test_golden_4g_pages(void **state)
{
	static const size_t sizes[] = {4096, 65536};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "pages4G-%zu", sizes[i]);
		expect_golden(name, sizes[i], UINT64_C(1) << 32, NULL);
		/* 2^32 - 1 pages: the same header. */
		expect_golden(name, sizes[i], (UINT64_C(1) << 32) - 1, NULL);
	}
}

static void test_golden(void **state)
{
	static const size_t sizes[] = {4096, 16384, 65536};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t ps = sizes[i], len;
		unsigned char *golden = load_golden(ps, &len), *page = malloc(ps);
		struct sc_header_info info;
		char uuid[SC_UUID_STR_LEN];

		assert_non_null(page);
		/* mkswap's image: one header page and nine zero pages. */
		assert_int_equal(len, 10 * ps);
		assert_int_equal(sc_header_encode(page, ps, 10, golden_uuid, "label", false), 0);
		if (memcmp(page, golden, ps) != 0)
			fail_msg("header for %zu-byte pages differs from mkswap's", ps);
		for (size_t off = ps; off < len; off++)
			if (golden[off])
				fail_msg("mkswap image has data after the header at %zu", off);

		/* And the validator reads mkswap's header back. */
		assert_int_equal(sc_header_validate(golden, len, ps, len, &info), 0);
		assert_false(info.big_endian);
		assert_int_equal(info.npages, 10);
		assert_string_equal(info.label, "label");
		sc_header_uuid_str(info.uuid, uuid);
		assert_string_equal(uuid, "4c08e1cd-3c82-46bf-a55b-0c3270d6dfeb");
		free(page);
		free(golden);
	}
}

static void test_big_endian(void **state)
{
	unsigned char page[8192];
	struct sc_header_info info;
	static const unsigned char want[12] = {0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0};

	assert_int_equal(sc_header_encode(page, sizeof(page), 10, golden_uuid, "label", true), 0);
	/* util-linux tests/ts/mkswap/BE-8192: 00000001 00000009 00000000 at 0x400, magic at the end */
	assert_memory_equal(page + 0x400, want, sizeof(want));
	assert_memory_equal(page + 0x40c, golden_uuid, 16);
	assert_memory_equal(page + sizeof(page) - 10, "SWAPSPACE2", 10);

	assert_int_equal(sc_header_validate(page, sizeof(page), sizeof(page), 10 * 8192, &info), 0);
	assert_true(info.big_endian);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.npages, 10);
	assert_string_equal(info.label, "label");

	/* The same header in native order differs only in the u32 fields. */
	unsigned char le[8192];
	assert_int_equal(sc_header_encode(le, sizeof(le), 10, golden_uuid, "label", false), 0);
	assert_memory_not_equal(le + 0x400, page + 0x400, 12);
	assert_memory_equal(le + 0x40c, page + 0x40c, sizeof(le) - 0x40c);
}

static void test_encode_limits(void **state)
{
	unsigned char page[4096];
	uint8_t u[16] = {0};

	assert_int_equal(sc_header_encode(page, 4096, 1, u, NULL, false), -EINVAL);
	assert_int_equal(sc_header_encode(page, 4096, 2, u, NULL, false), 0);
	assert_int_equal(sc_header_encode(page, 4096, UINT64_C(1) << 32, u, NULL, false), 0);
	/* last_page = 2^32 - 2, as mkswap writes it */
	assert_memory_equal(page + 1028, "\xfe\xff\xff\xff", 4);
	assert_int_equal(sc_header_encode(page, 4096, UINT64_C(1) << 32, u, NULL, true), 0);
	assert_memory_equal(page + 1028, "\xff\xff\xff\xfe", 4);
	assert_int_equal(sc_header_encode(page, 4096, (UINT64_C(1) << 32) - 2, u, NULL, false), 0);
	assert_memory_equal(page + 1028, "\xfd\xff\xff\xff", 4);
	assert_int_equal(
		sc_header_encode(page, 4096, (UINT64_C(1) << 32) + 1, u, NULL, false), -EINVAL);
	assert_int_equal(sc_header_encode(page, 3000, 10, u, NULL, false), -EINVAL);
	assert_int_equal(sc_header_encode(page, 6144, 10, u, NULL, false), -EINVAL);
	assert_int_equal(sc_header_encode(page, 4096, 10, u, "0123456789abcde", false), 0);
	assert_memory_equal(page + 1052, "0123456789abcde", 16);
	assert_int_equal(
		sc_header_encode(page, 4096, 10, u, "0123456789abcdef", false), -ENAMETOOLONG);
	assert_int_equal(
		sc_header_encode(page, 4096, 10, u, "0123456789abcdefg", false), -ENAMETOOLONG);

	/* A label that fills all 16 bytes (not mkswap's) still reads back whole. */
	struct sc_header_info info;
	memcpy(page + 1052, "0123456789abcdef", 16);
	assert_int_equal(sc_header_validate(page, 4096, 4096, 40960, &info), 0);
	assert_string_equal(info.label, "0123456789abcdef");
}

static void test_uuid_v4(void **state)
{
	uint8_t u[16];
	char s[SC_UUID_STR_LEN];

	memset(u, 0xff, sizeof(u));
	sc_header_uuid_v4(u);
	sc_header_uuid_str(u, s);
	assert_string_equal(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	memset(u, 0, sizeof(u));
	sc_header_uuid_v4(u);
	sc_header_uuid_str(u, s);
	assert_string_equal(s, "00000000-0000-4000-8000-000000000000");
}

static void expect_status(const unsigned char *page, size_t len, size_t ps, uint64_t file_size,
	enum sc_header_status want)
{
	struct sc_header_info info;
	char buf[128];

	assert_int_equal(sc_header_validate(page, len, ps, file_size, &info),
		want == SC_HEADER_OK ? 0 : -EINVAL);
	if (info.status != want)
		fail_msg("status %d (%s), want %d", info.status,
			sc_header_status_str(&info, buf, sizeof(buf)), want);
}

static void test_validate_rejections(void **state)
{
	static unsigned char page[65536];
	uint8_t u[16] = {1};

	/* All zeros: nothing there. */
	memset(page, 0, sizeof(page));
	expect_status(page, 4096, 4096, 40960, SC_HEADER_NO_SIGNATURE);

	/* A 16 KiB header on a 4 KiB kernel: "Unable to find swap-space signature". */
	assert_int_equal(sc_header_encode(page, 16384, 10, u, NULL, false), 0);
	expect_status(page, 16384, 4096, 163840, SC_HEADER_OTHER_PAGE_SIZE);
	struct sc_header_info info;
	sc_header_validate(page, 16384, 4096, 163840, &info);
	assert_int_equal(info.found_page_size, 16384);
	/* ... but only if the caller read enough to see it. */
	expect_status(page, 4096, 4096, 163840, SC_HEADER_NO_SIGNATURE);

	/* A 4 KiB header seen by a 64 KiB kernel. */
	assert_int_equal(sc_header_encode(page, 4096, 10, u, NULL, false), 0);
	expect_status(page, 65536, 65536, 65536 * 10, SC_HEADER_OTHER_PAGE_SIZE);

	/* v0 and hibernation signatures. */
	memset(page, 0, 4096);
	memcpy(page + 4086, "SWAP-SPACE", 10);
	expect_status(page, 4096, 4096, 40960, SC_HEADER_V0);
	memcpy(page + 4086, "S1SUSPEND\0", 10);
	expect_status(page, 4096, 4096, 40960, SC_HEADER_HIBERNATION);
	memcpy(page + 4086, "LINHIB0001", 10);
	expect_status(page, 4096, 4096, 40960, SC_HEADER_HIBERNATION);

	/* Version 2, or a garbled version. */
	assert_int_equal(sc_header_encode(page, 4096, 10, u, NULL, false), 0);
	page[1024] = 2;
	expect_status(page, 4096, 4096, 40960, SC_HEADER_BAD_VERSION);

	/* last_page 0: "Empty swap-file". */
	assert_int_equal(sc_header_encode(page, 4096, 10, u, NULL, false), 0);
	memset(page + 1028, 0, 4);
	expect_status(page, 4096, 4096, 40960, SC_HEADER_EMPTY);

	/* Longer than the file: "Swap area shorter than signature indicates". */
	assert_int_equal(sc_header_encode(page, 4096, 10, u, NULL, false), 0);
	expect_status(page, 4096, 4096, 9 * 4096, SC_HEADER_TOO_LONG);
	/* Shorter is fine (the kernel uses only that much). */
	expect_status(page, 4096, 4096, 11 * 4096 + 100, SC_HEADER_OK);

	/* Bad pages on a regular file: silent EINVAL in the kernel. */
	page[1032] = 1;
	expect_status(page, 4096, 4096, 40960, SC_HEADER_BAD_PAGES);

	/* Big endian bad pages are seen too. */
	assert_int_equal(sc_header_encode(page, 4096, 10, u, NULL, true), 0);
	page[1035] = 3;
	expect_status(page, 4096, 4096, 40960, SC_HEADER_BAD_PAGES);

	/* Too little data, or a page size the kernel cannot have. */
	assert_int_equal(sc_header_validate(page, 4095, 4096, 40960, &info), -EINVAL);
	assert_int_equal(sc_header_validate(page, 4096, 2048, 40960, &info), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_labels),
		cmocka_unit_test(test_golden_4g_pages),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_encode_limits),
		cmocka_unit_test(test_uuid_v4),
		cmocka_unit_test(test_validate_rejections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
