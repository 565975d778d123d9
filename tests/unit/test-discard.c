/* The discard spelling table: every spelling converts both ways, and nothing else is taken. */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "discard.h"

static const enum sc_discard all[] = {
	SC_DISCARD_NONE, SC_DISCARD_BOTH, SC_DISCARD_ONCE, SC_DISCARD_PAGES};

static void test_names_round_trip(void **state)
{
	static const char *const names[] = {"none", "both", "once", "pages"};

	for (size_t i = 0; i < 4; i++) {
		enum sc_discard d = SC_DISCARD_NONE;

		assert_string_equal(sc_discard_name(all[i]), names[i]);
		assert_int_equal(sc_discard_from_name(names[i], &d), 0);
		assert_int_equal(d, all[i]);
	}
	for (const char *const *p = (const char *const[]){"", "Both", "discard", "once ", NULL}; *p;
		p++) {
		enum sc_discard d;
		assert_int_equal(sc_discard_from_name(*p, &d), -EINVAL);
	}
	assert_int_equal(sc_discard_from_name(NULL, &(enum sc_discard){0}), -EINVAL);
}

static void test_fstab_round_trip(void **state)
{
	assert_null(sc_discard_fstab(SC_DISCARD_NONE));
	assert_string_equal(sc_discard_fstab(SC_DISCARD_BOTH), "");
	assert_string_equal(sc_discard_fstab(SC_DISCARD_ONCE), "once");
	assert_string_equal(sc_discard_fstab(SC_DISCARD_PAGES), "pages");
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(sc_discard_from_fstab(sc_discard_fstab(all[i])), all[i]);
	/* util-linux swapon reads an unknown discard= value as plain discard. */
	assert_int_equal(sc_discard_from_fstab("bogus"), SC_DISCARD_BOTH);
	assert_int_equal(sc_discard_from_fstab("both"), SC_DISCARD_BOTH);
}

static void test_options(void **state)
{
	enum sc_discard d = SC_DISCARD_NONE;

	assert_int_equal(sc_discard_from_option(NULL, &d), 0);
	assert_int_equal(d, SC_DISCARD_BOTH);
	assert_int_equal(sc_discard_from_option("once", &d), 0);
	assert_int_equal(d, SC_DISCARD_ONCE);
	assert_int_equal(sc_discard_from_option("pages", &d), 0);
	assert_int_equal(d, SC_DISCARD_PAGES);
	for (const char *const *p = (const char *const[]){"", "both", "none", "ONCE", NULL}; *p;
		p++)
		assert_int_equal(sc_discard_from_option(*p, &d), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_fstab_round_trip),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
