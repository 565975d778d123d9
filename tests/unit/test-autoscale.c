/* Dynamic swap: the pure decision, the PSI reader, the directory normaliser. */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "autoscale.h"
#include "macro.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define SEC UINT64_C(1000000000)

static struct sc_autoscale_config cfg(uint64_t max, uint64_t step)
{
	struct sc_autoscale_config c;

	sc_autoscale_config_init(&c);
	c.max = max;
	c.step = step;
	c.dir = "/swap";
	return c;
}

static struct sc_autoscale_file file(unsigned n, uint64_t size, uint64_t used)
{
	static char names[8][32];
	struct sc_autoscale_file f = {
		.n = n, .size = size, .used = used, .active = true, .ours = true};

	snprintf(names[n % 8], sizeof(names[0]), "/swap/dynamic.%u", n);
	f.path = names[n % 8];
	return f;
}

static void decide(const struct sc_autoscale_config *c, const struct sc_autoscale_observed *o,
	bool pressure, uint64_t quiet_for, struct sc_autoscale_decision *d)
{
	struct sc_autoscale_history h = {.now = 10000 * SEC, .pressure = pressure};

	h.last_grow = h.now - quiet_for;
	sc_autoscale_decide(c, o, &h, d);
}

static void test_grow(void **state)
{
	struct sc_autoscale_config c = cfg(4 * GiB, GiB);
	struct sc_autoscale_file f[] = {file(1, GiB, 900 * MiB), file(3, GiB, GiB)};
	struct sc_autoscale_observed o = {.mem_total = 8 * GiB};
	struct sc_autoscale_decision d;

	(void)state;
	/* No swap at all: nothing unless something presses for it. */
	decide(&c, &o, false, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "steady");
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	assert_string_equal(d.why, "pressure");
	assert_string_equal(d.path, "/swap/dynamic.1");
	assert_int_equal(d.size, GiB);

	/* Less than a quarter free: grow, after the highest N there is. */
	o.swap_total = 4 * GiB;
	o.swap_free = GiB - 1;
	o.files = f;
	o.n_files = 2;
	decide(&c, &o, false, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	assert_string_equal(d.why, "swap-low");
	assert_string_equal(d.path, "/swap/dynamic.4");
	/* A quarter free: no growth without pressure; with it, up to half free. */
	o.swap_free = GiB;
	decide(&c, &o, false, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	o.swap_free = 2 * GiB;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "enough-swap");

	/* The cap counts the active dynamic files: 2 GiB + 1 GiB <= 3 GiB, not <= 2.5 GiB. */
	o.swap_free = 100 * MiB;
	c.max = 3 * GiB;
	decide(&c, &o, false, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	c.max = 2 * GiB + 512 * MiB;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "at-max");
	/* An inactive or foreign file does not count. */
	f[1].active = false;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	f[1].active = true;

	/* No slot left for another area. */
	c.max = 0; /* MemTotal: 8 GiB */
	o.n_areas = 28;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "no-slot");
}

static void test_retire(void **state)
{
	struct sc_autoscale_config c = cfg(8 * GiB, GiB);
	struct sc_autoscale_file f[] = {file(1, GiB, 10 * MiB), file(2, GiB, 0)};
	struct sc_autoscale_observed o = {
		.mem_total = 8 * GiB, .swap_total = 4 * GiB, .swap_free = 3 * GiB};
	struct sc_autoscale_decision d;

	(void)state;
	o.files = f;
	o.n_files = 2;
	/* Quiet long enough, and 2 GiB of 3 GiB stays free: the least-used file goes. */
	decide(&c, &o, false, 600 * SEC, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_RETIRE);
	assert_string_equal(d.path, "/swap/dynamic.2");
	assert_string_equal(d.why, "quiet");
	/* Not quiet long enough. */
	decide(&c, &o, false, 599 * SEC, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "recent");
	/* Without it less than half would be free: kept (the gap to 25% stops flapping). */
	o.swap_free = 2 * GiB;
	decide(&c, &o, false, 3600 * SEC, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "needed");
	/* A file that is not ours is never chosen. */
	o.swap_free = 3 * GiB;
	f[0].ours = f[1].ours = false;
	decide(&c, &o, false, 3600 * SEC, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
}

static void test_default_step(void **state)
{
	struct sc_autoscale_config c = cfg(0, 0);
	struct sc_autoscale_observed o = {.mem_total = 16 * GiB};
	struct sc_autoscale_decision d;

	(void)state;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.size, GiB); /* max/4 = 4 GiB, capped at 1 GiB */
	o.mem_total = 512 * MiB;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.size, 128 * MiB);
	o.mem_total = 128 * MiB;
	decide(&c, &o, true, 0, &d);
	assert_int_equal(d.size, 64 * MiB); /* at least 64 MiB ... */
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW); /* ... which fits a 128 MiB cap */
}

static void test_next_wait(void **state)
{
	struct sc_autoscale_config c = cfg(0, 0);
	struct sc_autoscale_history h = {.now = 100 * SEC};
	struct sc_autoscale_observed o = {.swap_total = GiB, .swap_free = GiB};

	(void)state;
	sc_autoscale_note(&h, &o);
	assert_false(h.filling);
	assert_int_equal(sc_autoscale_next_wait_ms(&c, &h), 5000);
	o.swap_free -= MiB; /* a MiB is noise */
	h.now += 5 * SEC;
	sc_autoscale_note(&h, &o);
	assert_false(h.filling);
	o.swap_free -= 2 * MiB;
	h.now += 5 * SEC;
	sc_autoscale_note(&h, &o);
	assert_true(h.filling);
	assert_int_equal(sc_autoscale_next_wait_ms(&c, &h), 1000);
	h.now += SEC;
	sc_autoscale_note(&h, &o); /* steady again */
	assert_false(h.filling);
	h.pressure = true;
	assert_int_equal(sc_autoscale_next_wait_ms(&c, &h), 1000);
	c.interval_s = 1;
	h.pressure = false;
	assert_int_equal(sc_autoscale_next_wait_ms(&c, &h), 1000);
}

/* The fill rate: swap in use over a second at least; an area added is not swap emptying. */
static void test_fill_rate(void **state)
{
	struct sc_autoscale_history h = {.now = 100 * SEC};
	struct sc_autoscale_observed o = {.swap_total = 32 * MiB, .swap_free = 32 * MiB};

	(void)state;
	sc_autoscale_note(&h, &o);
	assert_int_equal(h.fill_rate, 0);
	h.now += 2 * SEC;
	o.swap_free -= 16 * MiB;
	sc_autoscale_note(&h, &o);
	assert_int_equal(h.fill_rate, 8 * MiB);
	assert_true(h.filling);
	/* A look within the second changes nothing. */
	h.now += SEC / 10;
	o.swap_free -= 4 * MiB;
	sc_autoscale_note(&h, &o);
	assert_int_equal(h.fill_rate, 8 * MiB);
	assert_int_equal(h.swap_used, 16 * MiB);
	/* An area of 64 MiB added while 4 MiB more went out: 4 MiB in 1 s, not emptying. */
	h.now += 9 * SEC / 10;
	o.swap_total += 64 * MiB;
	o.swap_free += 64 * MiB;
	sc_autoscale_note(&h, &o);
	assert_int_equal(h.fill_rate, 4 * MiB);
	/* Emptying: no rate. */
	h.now += SEC;
	o.swap_free += 8 * MiB;
	sc_autoscale_note(&h, &o);
	assert_int_equal(h.fill_rate, 0);
	assert_false(h.filling);
}

/*
 * A small area filling fast is grown while more than grow_below percent of it is free: at the
 * rate it fills it would be full before the next look and the lead a step needs.
 */
static void test_grow_filling(void **state)
{
	struct sc_autoscale_config c = cfg(256 * MiB, 64 * MiB);
	struct sc_autoscale_observed o = {
		.mem_total = 8 * GiB, .swap_total = 32 * MiB, .swap_free = 16 * MiB};
	struct sc_autoscale_history h = {.now = 100 * SEC, .last_grow = 1};
	struct sc_autoscale_decision d;

	(void)state;
	/* 50% free, filling at 8 MiB/s: full in 2 s, under the 1 s look + 3 s lead. */
	h.fill_rate = 8 * MiB;
	h.filling = true;
	sc_autoscale_decide(&c, &o, &h, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	assert_string_equal(d.why, "filling");
	assert_string_equal(d.path, "/swap/dynamic.1");
	assert_non_null(strstr(d.reason, "8 MiB/s"));
	assert_non_null(strstr(d.reason, "full in 2 s"));
	/* At 2 MiB/s it lasts 8 s: nothing yet. */
	h.fill_rate = 2 * MiB;
	sc_autoscale_decide(&c, &o, &h, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	/* Not filling, an idle interval of 5 s: the lead is 8 s, 16 MiB lasts 8 s at 2 MiB/s. */
	h.filling = false;
	sc_autoscale_decide(&c, &o, &h, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	o.swap_free = 16 * MiB - 1;
	sc_autoscale_decide(&c, &o, &h, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_GROW);
	assert_string_equal(d.why, "filling");
	/* The cap holds for it as for the others. */
	c.max = 32 * MiB;
	sc_autoscale_decide(&c, &o, &h, &d);
	assert_int_equal(d.verdict, SC_AUTOSCALE_NONE);
	assert_string_equal(d.why, "at-max");
}

static void test_psi(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(
		sc_autoscale_parse_psi("some avg10=12.34 avg60=1.00 avg300=0.00 "
				       "total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
			&v),
		0);
	assert_true(v > 12.33 && v < 12.35);
	assert_int_equal(sc_autoscale_parse_psi("full avg10=1.00\nsome avg10=0.50 x\n", &v), 0);
	assert_true(v > 0.49 && v < 0.51);
	assert_int_equal(sc_autoscale_parse_psi("xsome avg10=1.00\n", &v), -EINVAL);
	assert_int_equal(sc_autoscale_parse_psi("some avg10=abc\n", &v), -EINVAL);
	assert_int_equal(sc_autoscale_parse_psi("some avg10=101.00\n", &v), -EINVAL);
	assert_int_equal(sc_autoscale_parse_psi("", &v), -EINVAL);
}

static void test_normalize_dir(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{"/", "/"},
		{"///", "/"},
		{"/swap/", "/swap"},
		{"/var//swap/./d/", "/var/swap/d"},
		{"/a/b/../c", "/a/c"},
		{"swap", NULL},
		{"", NULL},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		char *got = NULL;
		int r = sc_autoscale_normalize_dir(t[i].in, &got);

		if (t[i].out ? r != 0 || strcmp(got, t[i].out) != 0 : r != -EINVAL)
			fail_msg("'%s': r=%d '%s'", t[i].in, r, got ? got : "");
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_retire),
		cmocka_unit_test(test_default_step),
		cmocka_unit_test(test_next_wait),
		cmocka_unit_test(test_fill_rate),
		cmocka_unit_test(test_grow_filling),
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_normalize_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
