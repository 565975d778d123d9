/* Escaping and path helpers shared by fstab/, status and doctor. */
#include "fixture.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "util.h"

static void test_normalize(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{"/", "/"},
		{"//", "/"},
		{"/swap//./swapfile", "/swap/swapfile"},
		{"/swap/swapfile/", "/swap/swapfile"},
		{"/etc/sysctl.d/../sysctl.conf", "/etc/sysctl.conf"},
		{"/../..", "/"},
		{"/a/./b/../c", "/a/c"},
		{"/a/.hidden/..x", "/a/.hidden/..x"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[64];
		strcpy(buf, t[i].in);
		sc_path_normalize(buf);
		if (strcmp(buf, t[i].out))
			fail_msg("%s -> %s, want %s", t[i].in, buf, t[i].out);
	}
}

static void test_mangle(void **state)
{
	char *s;

	assert_int_equal(sc_mangle("/srv/a b\tc\nd\\e", &s), 0);
	assert_string_equal(s, "/srv/a\\040b\\011c\\012d\\134e");
	free(s);
	assert_int_equal(sc_mangle("/srv/bell\a", &s), -EINVAL);
	assert_int_equal(sc_mangle("/srv/del\x7f", &s), -EINVAL);
	assert_int_equal(sc_mangle("/srv/#hash/ü", &s), 0);
	assert_string_equal(s, "/srv/#hash/ü");
	free(s);
}

static void test_unmangle(void **state)
{
	const char *in = "/srv/a\\040b\\101\\1\\12x\\";
	char *s;

	/* libmount and the kernel decode any \ooo triple; short or broken ones stay. */
	assert_int_equal(sc_unmangle(in, strlen(in), &s), 0);
	assert_string_equal(s, "/srv/a bA\\1\\12x\\");
	free(s);
}

static void test_fstab_tag_link(void **state)
{
	static const struct {
		const char *source, *link;
		int r;
	} cases[] = {
		{"UUID=0b7e-11", "/dev/disk/by-uuid/0b7e-11", 1},
		{"LABEL=swap", "/dev/disk/by-label/swap", 1},
		{"PARTUUID=ab-01", "/dev/disk/by-partuuid/ab-01", 1},
		{"PARTLABEL=sw", "/dev/disk/by-partlabel/sw", 1},
		{"/dev/sda2", NULL, 0},
		{"uuid=x", NULL, 0},
		{"ID=x", NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		char *link = (char *)"unset";

		assert_int_equal(sc_fstab_tag_link(cases[i].source, &link), cases[i].r);
		if (cases[i].link)
			assert_string_equal(link, cases[i].link);
		else
			assert_null(link);
		free(link);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_mangle),
		cmocka_unit_test(test_unmangle),
		cmocka_unit_test(test_fstab_tag_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
