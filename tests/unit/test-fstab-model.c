/*
 * The fstab line model: every corpus file round-trips byte for byte; lines are classified as
 * libmount classifies them (checked against libmount itself); the reader-disagreement flags.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fstab-corpus.h"
#include "fstab.h"
#include "internal.h"
#include "macro.h"

/* The running system: no root, paths used as given. */
static const struct sc_ctx host_ctx = {.sys = &sc_sys_real, .root = "", .sysroot = ""};

static struct sc_fstab *parse(const char *text)
{
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};

	if (sc_fstab_parse(text, strlen(text), &f, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
	return f;
}

static void assert_renders(const struct sc_fstab *f, const char *data, size_t len, const char *what)
{
	char *out;
	size_t olen;

	assert_int_equal(sc_fstab_render(f, &out, &olen), 0);
	if (olen != len || memcmp(out, data, len) != 0)
		fail_msg("%s: render differs from input (%zu vs %zu bytes)", what, olen, len);
	free(out);
}

static void test_corpus_round_trip(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers);

	for (size_t i = 0; i < n; i++) {
		struct sc_fstab *f = NULL;
		struct sc_err err = {0};

		if (sc_fstab_parse(c[i].data, c[i].len, &f, &err) != 0)
			fail_msg("%s: %s", c[i].path, err.msg);
		assert_false(sc_fstab_modified(f));
		assert_renders(f, c[i].data, c[i].len, c[i].path);
		sc_fstab_free(f);
	}
	print_message("round-tripped %zu files%s\n", n, peers ? " (with the peer corpus)" : "");
	sc_test_fstab_corpus_free(c, n);
}

/* Validation of an unedited document compares every line with libmount's reading. */
static void test_corpus_agrees_with_libmount(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers);

	for (size_t i = 0; i < n; i++) {
		struct sc_fstab *f = NULL;
		struct sc_err err = {0};

		assert_int_equal(sc_fstab_parse(c[i].data, c[i].len, &f, &err), 0);
		if (sc_fstab_validate_all(f, &err) != 0)
			fail_msg("%s: %s", c[i].path, err.msg);
		sc_fstab_free(f);
	}
	sc_test_fstab_corpus_free(c, n);
}

static void test_load_file_round_trip(void **state)
{
	char *dir = sc_test_mkdtemp(), *path, *out, *again;
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	size_t len, olen;

	assert_true(asprintf(&path, "%s/fstab", dir) > 0);
	again = sc_test_read_len(SC_FIXTURE_DIR "/fstab/crlf.fstab", &len);
	sc_test_write(dir, "fstab", again);
	assert_int_equal(sc_fstab_load(&host_ctx, path, &f, &err), 0);
	assert_false(sc_fstab_is_new(f));
	assert_string_equal(sc_fstab_path(f), path);
	assert_int_equal(sc_fstab_render(f, &out, &olen), 0);
	assert_int_equal(olen, len);
	assert_memory_equal(out, again, len);
	free(out);
	free(again);
	sc_fstab_free(f);
	free(path);
	sc_test_rmtree(dir);
	free(dir);
}

static void test_load_missing_is_new(void **state)
{
	char *dir = sc_test_mkdtemp(), *path, *out;
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	size_t olen;

	assert_true(asprintf(&path, "%s/nope/fstab", dir) > 0);
	assert_int_equal(sc_fstab_load(&host_ctx, path, &f, &err), 0);
	assert_true(sc_fstab_is_new(f));
	assert_int_equal(sc_fstab_render(f, &out, &olen), 0);
	assert_int_equal(olen, 0);
	free(out);
	sc_fstab_free(f);
	free(path);
	sc_test_rmtree(dir);
	free(dir);
}

static void test_nul_refused(void **state)
{
	static const char text[] =
		"# ok\n/dev/sda1 / ext4 defaults 0 1\n/swap\0file none swap sw 0 0\n";
	char *dir = sc_test_mkdtemp(), *path;
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	FILE *fp;

	assert_int_equal(sc_fstab_parse(text, sizeof(text) - 1, &f, &err), -EINVAL);
	assert_null(f);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "line 3"));
	assert_non_null(strstr(err.msg, "NUL"));

	/* The same through a file. */
	assert_true(asprintf(&path, "%s/fstab", dir) > 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp), sizeof(text) - 1);
	assert_int_equal(fclose(fp), 0);
	sc_err_clear(&err);
	assert_int_equal(sc_fstab_load(&host_ctx, path, &f, &err), -EINVAL);
	assert_non_null(strstr(err.msg, path));
	free(path);
	sc_test_rmtree(dir);
	free(dir);
}

static void test_directory_is_an_error(void **state)
{
	char *dir = sc_test_mkdtemp();
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};

	assert_true(sc_fstab_load(&host_ctx, dir, &f, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "cannot read"));
	sc_test_rmtree(dir);
	free(dir);
}

struct flag_case {
	const char *line;
	bool listed; /* appears in sc_fstab_list_swap */
	bool unparsable, crlf, inline_comment, short_fields, odd_escape;
};

static void test_swap_line_flags(void **state)
{
	static const struct flag_case t[] = {
		{"/swapfile none swap sw 0 0\n", true, false, false, false, false, false},
		{"/swapfile none swap sw 0 0\r\n", true, false, true, false, false, false},
		{"/swapfile none swap sw 0 0 # mine\n", true, false, false, true, false, false},
		{"/swapfile none swap sw # mine\n", true, true, false, true, true, false},
		{"/swapfile none swap\n", true, false, false, false, true, false},
		{"/swapfile none swap sw\n", true, false, false, false, true, false},
		{"/srv/c\\101d none swap sw 0 0\n", true, false, false, false, false, true},
		{"/srv/b\\\\s none swap sw 0 0\n", true, false, false, false, false, true},
		{"/srv/sp\\040ace none swap sw 0 0\n", true, false, false, false, false, false},
		{"/srv/x none swap sw zero 0\n", true, true, false, false, false, false},
		/* strtol() overflows and more follows: libmount rejects it */
		{"/swapfile none swap sw 0 99999999999999999999 extra\n", true, true, false, true,
			false, false},
		{"/swapfile none swap sw 99999999999999999999 0\n", true, true, false, false, false,
			false},
		{"/swapfile none swap sw 0 99999999999999999999\n", true, false, false, false,
			false, false},
		{"/swapfile none\n", false, false, false, false, false, false},
		{"#/swapfile none swap sw 0 0\n", false, false, false, false, false, false},
		{"/dev/sda1 / ext4 defaults 0 1\n", false, false, false, false, false, false},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_fstab *f = parse(t[i].line);
		struct sc_fstab_entry *e;
		size_t n;

		assert_int_equal(sc_fstab_list_swap(f, &e, &n), 0);
		if (n != (t[i].listed ? 1u : 0u))
			fail_msg("%s: listed %zu", t[i].line, n);
		if (n) {
			if (e[0].unparsable != t[i].unparsable || e[0].crlf != t[i].crlf ||
				e[0].inline_comment != t[i].inline_comment ||
				e[0].short_fields != t[i].short_fields ||
				e[0].odd_escape != t[i].odd_escape)
				fail_msg("%s: flags u%d c%d i%d s%d o%d", t[i].line,
					e[0].unparsable, e[0].crlf, e[0].inline_comment,
					e[0].short_fields, e[0].odd_escape);
			assert_true(e[0].is_swap);
			assert_int_equal(e[0].line, 1);
		}
		sc_fstab_entries_free(e, n);
		sc_fstab_free(f);
	}
}

static void test_entry_fields(void **state)
{
	struct sc_fstab *f =
		parse("# c\n"
		      "/dev/sda1 / ext4 defaults 0 1\n"
		      "/srv/sp\\040ace\\011tab none swap pri=7,discard=once,x-swapctl 0 0\n"
		      "LABEL=fast swap swap discard,nofail,noauto,pri=99999 0 0\n"
		      "/a none swap pri=-1,discard=pages,x-swapctl=1 0 0\n"
		      "/b none swap pri=3,pri=4 0 0\n");
	struct sc_fstab_entry *e;
	size_t n;

	assert_int_equal(sc_fstab_list_swap(f, &e, &n), 0);
	assert_int_equal(n, 4);

	assert_int_equal(e[0].line, 3);
	assert_string_equal(e[0].source, "/srv/sp ace\ttab");
	assert_string_equal(e[0].target, "none");
	assert_string_equal(e[0].fstype, "swap");
	assert_string_equal(e[0].options, "pri=7,discard=once,x-swapctl");
	assert_true(e[0].managed);
	assert_true(e[0].has_priority);
	assert_int_equal(e[0].priority, 7);
	assert_string_equal(e[0].discard, "once");
	assert_false(e[0].nofail);

	assert_string_equal(e[1].source, "LABEL=fast");
	assert_string_equal(e[1].target, "swap");
	assert_false(e[1].managed);
	assert_false(e[1].has_priority); /* out of range: not a priority swapon would use */
	assert_string_equal(e[1].discard, "");
	assert_true(e[1].nofail);
	assert_true(e[1].noauto);

	assert_true(e[2].managed); /* x-swapctl=... carries the marker too */
	assert_true(e[2].has_priority);
	assert_int_equal(e[2].priority, -1);
	assert_string_equal(e[2].discard, "pages");

	assert_int_equal(e[3].priority, 3); /* the first one, as libmount's option lookup */
	sc_fstab_entries_free(e, n);
	sc_fstab_free(f);
}

static void test_find_swap_canonical(void **state)
{
	struct sc_fstab *f = parse("/var/swap none swap sw 0 0\n"
				   "/var/swapdata none swap sw 0 0\n"
				   "/srv/my\\040swap none swap sw 0 0\n"
				   "/mnt/x /mnt/y ext4 defaults 0 0\n");
	struct sc_fstab_entry e;

	assert_int_equal(sc_fstab_find_swap(f, "/var/swap", &e), 1);
	assert_int_equal(e.line, 1);
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "//var/./swap/", &e), 1);
	assert_int_equal(e.line, 1);
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/var/swapdata", &e), 1);
	assert_int_equal(e.line, 2);
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/srv/my swap", &e), 1);
	assert_int_equal(e.line, 3);
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/var/swa", NULL), 0);
	assert_int_equal(sc_fstab_find_swap(f, "/var", NULL), 0);
	assert_int_equal(sc_fstab_find_swap(f, "/mnt/x", NULL), 0); /* not a swap entry */
	assert_int_equal(sc_fstab_find_swap(f, "/srv/my\\040swap", NULL), 0); /* unescaped */
	sc_fstab_free(f);
}

static void test_canonical(void **state)
{
	static const char *const t[][2] = {
		{"/a//b/./c/", "/a/b/c"},
		{"/", "/"},
		{"//", "/"},
		{"/./", "/"},
		{"/a/../b", "/a/../b"},
		{"/a/.b/..c", "/a/.b/..c"},
		{"UUID=ABCDEF-12", "UUID=abcdef-12"},
		{"UUID=\"abc\"", "UUID=abc"},
		{"PARTUUID=6F3C2A10-01", "PARTUUID=6f3c2a10-01"},
		{"LABEL=Swap", "LABEL=Swap"},
		{"LABEL='My Swap'", "LABEL=My Swap"},
		{"none", "none"},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		char *c;

		assert_int_equal(sc_fstab_canonical(t[i][0], &c), 0);
		if (strcmp(c, t[i][1]) != 0)
			fail_msg("%s -> %s, want %s", t[i][0], c, t[i][1]);
		free(c);
	}
}

static void test_big_round_trip(void **state)
{
	size_t len, n;
	char *text = sc_test_big_fstab(10000, &len);
	struct sc_fstab *f = NULL;
	struct sc_fstab_entry *e;
	struct sc_err err = {0};

	assert_int_equal(sc_fstab_parse(text, len, &f, &err), 0);
	assert_renders(f, text, len, "10000 entries");
	assert_int_equal(sc_fstab_list_swap(f, &e, &n), 0);
	assert_int_equal(n, 2500);
	sc_fstab_entries_free(e, n);
	if (sc_fstab_validate_all(f, &err) != 0)
		fail_msg("%s", err.msg);
	sc_fstab_free(f);
	free(text);
}

/* Every line shape, one at a time: libmount must agree with the classification. */
static void test_line_shapes_agree_with_libmount(void **state)
{
	static const char *const t[] = {
		"a b c\n",
		"a b\n",
		"a\n",
		"a b c d\n",
		"a b c d 1\n",
		"a b c d 1 2\n",
		"a b c d 1 2 3 4\n",
		"a b c d x\n",
		"a b c d 1 y\n",
		"a b c d +1 -2\n",
		"a b c d 1x 2\n",
		"a b c d - 2\n",
		"a b c d 1 \r2\n",
		"a b c d\r\n",
		"\ta\tb\tc\n",
		" # c\n",
		"#\n",
		"\r\n",
		" \t \r\n",
		"a b c d 1 2\r",
		"a\\040b c d\n",
		"a b c \\\n",
		"a b c d \\061 0\n",
		"\\#x b c\n",
		"a b c\r\r\n",
		"10 20 swap defaults 0 0\n",
		"Filename\tType\n",
		"a\vb c d\n",
		"a b c d\v1 2\n",
		"a b c d 99999999999 0\n",
		/* strtol() overflow: an error only when more text follows the number */
		"a b c d 0 99999999999999999999 extra\n",
		"a b c d 99999999999999999999 0\n",
		"a b c d 0 99999999999999999999\n",
		"a b c d 0 99999999999999999999 \n",
		"a b c d 0 99999999999999999999\t\r\n",
		"a b c d 99999999999999999999\n",
		"a b c d 99999999999999999999 \n",
		"a b c d 0 -99999999999999999999 x\n",
		"a b c d 0 9223372036854775807 x\n",
		"a b c d 0 9223372036854775808 x\n",
		"a b c d 0 +9223372036854775808 x\n",
		"a b c d 0 -9223372036854775808 x\n",
		"a b c d 0 -9223372036854775809 x\n",
		"a b c d 0 0000000000000000000000000009223372036854775807 x\n",
		"a b c d 0 0000000000000000000000000009223372036854775808 x\n",
		"a b c d 0 12345678901234567890123456789012345678901234567890 x\n",
		"a b c d \v99999999999999999999 0\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_fstab *f = parse(t[i]);
		struct sc_err err = {0};

		if (sc_fstab_validate_all(f, &err) != 0)
			fail_msg("'%s': %s", t[i], err.msg);
		sc_fstab_free(f);
	}
}

/* A line over 4095 bytes before its LF is one glibc getmntent reads cut short. */
static void test_too_long_flag(void **state)
{
	for (size_t content = 4094; content <= 4097; content++) {
		static const char head[] = "/s none swap ", tail[] = " 0 0";
		size_t opts = content - strlen(head) - strlen(tail);
		char *line = malloc(content + 2);
		struct sc_fstab_entry *e;
		struct sc_fstab *f;
		size_t n;

		memcpy(line, head, strlen(head));
		memset(line + strlen(head), 'o', opts);
		memcpy(line + strlen(head) + opts, tail, strlen(tail));
		strcpy(line + content, "\n");
		f = parse(line);
		assert_int_equal(sc_fstab_list_swap(f, &e, &n), 0);
		assert_int_equal(n, 1);
		if (e[0].too_long != (content > 4095))
			fail_msg("a line of %zu bytes: too_long %d", content, e[0].too_long);
		sc_fstab_entries_free(e, n);
		sc_fstab_free(f);
		free(line);
	}
}

/* This machine's own fstab, read only: it round-trips and libmount agrees with the model. */
static void test_system_fstab_read_only(void **state)
{
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	size_t len;
	char *data;

	if (access("/etc/fstab", R_OK) != 0) {
		print_message("/etc/fstab not readable, skipping\n");
		skip();
	}
	data = sc_test_read_len("/etc/fstab", &len);
	if (sc_fstab_load(&host_ctx, "/etc/fstab", &f, &err) != 0)
		fail_msg("%s", err.msg);
	assert_renders(f, data, len, "/etc/fstab");
	if (sc_fstab_validate_all(f, &err) != 0)
		fail_msg("%s", err.msg);
	sc_fstab_free(f);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_round_trip),
		cmocka_unit_test(test_corpus_agrees_with_libmount),
		cmocka_unit_test(test_load_file_round_trip),
		cmocka_unit_test(test_load_missing_is_new),
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_directory_is_an_error),
		cmocka_unit_test(test_swap_line_flags),
		cmocka_unit_test(test_entry_fields),
		cmocka_unit_test(test_find_swap_canonical),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_big_round_trip),
		cmocka_unit_test(test_line_shapes_agree_with_libmount),
		cmocka_unit_test(test_too_long_flag),
		cmocka_unit_test(test_system_fstab_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
