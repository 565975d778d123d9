/*
 * fstab edits: untouched bytes stay identical, matching is by canonical source and never by
 * prefix, new lines follow their neighbours, escaping, idempotence, the diff and the actions,
 * and property tests over random mutations of the corpus.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fstab-corpus.h"
#include "fstab.h"
#include "internal.h"
#include "macro.h"
#include "plan.h"

static struct sc_fstab *parse_len(const char *text, size_t len)
{
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};

	if (sc_fstab_parse(text, len, &f, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
	/* File paths never need device resolution; keep the tests independent of the machine. */
	sc_fstab_set_resolver(f, NULL, NULL);
	return f;
}

static struct sc_fstab *parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static char *render(const struct sc_fstab *f, size_t *ret_len)
{
	char *out;
	size_t len;

	assert_int_equal(sc_fstab_render(f, &out, &len), 0);
	if (ret_len)
		*ret_len = len;
	return out;
}

static void assert_text(const struct sc_fstab *f, const char *want)
{
	size_t len;
	char *out = render(f, &len);

	if (len != strlen(want) || memcmp(out, want, len) != 0)
		fail_msg("rendered:\n%s\nwanted:\n%s", out, want);
	free(out);
}

static void assert_valid(const struct sc_fstab *f)
{
	struct sc_err err = {0};

	if (sc_fstab_validate_all(f, &err) != 0)
		fail_msg("validation: %s", err.msg);
}

static const struct sc_swap_spec managed = {
	.path = "/swap/swapfile", .priority = 10, .managed = true, .nofail = true};

static int set(struct sc_fstab *f, const struct sc_swap_spec *s)
{
	struct sc_err err = {0};
	int r = sc_fstab_set_swap(f, s, &err);

	if (r < 0)
		fail_msg("set %s: %s", s->path, err.msg);
	return r;
}

/* The new line format, in a file without entries: single spaces. */
static void test_add_format(void **state)
{
	struct sc_swap_spec s = managed;
	struct sc_fstab *f = parse("");

	assert_int_equal(set(f, &s), 1);
	assert_text(f, "/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);

	s = (struct sc_swap_spec){.path = "/a", .priority = -1, .discard = ""};
	f = parse("# only a comment\n");
	assert_int_equal(set(f, &s), 1);
	assert_text(f, "# only a comment\n/a none swap defaults,discard 0 0\n");
	sc_fstab_free(f);

	s = (struct sc_swap_spec){.path = "/b", .priority = 0, .discard = "pages", .managed = true};
	f = parse("");
	assert_int_equal(set(f, &s), 1);
	assert_text(f, "/b none swap defaults,pri=0,discard=pages,x-swapctl 0 0\n");
	sc_fstab_free(f);

	s = (struct sc_swap_spec){
		.path = "/c", .priority = 32767, .discard = "once", .nofail = true};
	f = parse("");
	assert_int_equal(set(f, &s), 1);
	assert_text(f, "/c none swap defaults,pri=32767,discard=once,nofail 0 0\n");
	sc_fstab_free(f);
}

static void test_add_idempotent(void **state)
{
	static const char text[] = "/dev/vda1 / ext4 defaults 0 1\n";
	struct sc_fstab *f = parse(text);
	char *once;

	assert_int_equal(set(f, &managed), 1);
	once = render(f, NULL);
	assert_int_equal(set(f, &managed), 0);
	assert_text(f, once);
	free(once);
	sc_fstab_free(f);
}

/*
 * Appending changes no byte of the original; a missing final newline is the one exception: the
 * old last line gets one and the new last line goes without, as the file did.
 */
static void test_add_keeps_every_byte(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers);

	for (size_t i = 0; i < n; i++) {
		struct sc_fstab *f = parse_len(c[i].data, c[i].len);
		struct sc_swap_spec s = managed;
		bool had_nl = c[i].len == 0 || c[i].data[c[i].len - 1] == '\n';
		size_t len;
		char *out;

		s.path = "/swapctl/test/new-swapfile";
		assert_int_equal(set(f, &s), 1);
		out = render(f, &len);
		assert_true(len > c[i].len);
		if (memcmp(out, c[i].data, c[i].len) != 0)
			fail_msg("%s: original bytes changed", c[i].path);
		if (!had_nl)
			assert_int_equal(out[c[i].len], '\n');
		assert_non_null(strstr(out + c[i].len, "/swapctl/test/new-swapfile"));
		if (had_nl != (out[len - 1] == '\n'))
			fail_msg("%s: the file's final newline changed", c[i].path);
		if (memchr(out + c[i].len + !had_nl, '\n', len - c[i].len - !had_nl - had_nl))
			fail_msg("%s: more than one line appended", c[i].path);
		{
			struct sc_err err = {0};

			if (sc_fstab_validate(f, &err) != 0)
				fail_msg("%s: %s", c[i].path, err.msg);
		}
		free(out);
		sc_fstab_free(f);
	}
	sc_test_fstab_corpus_free(c, n);
}

/* Add then remove restores the original bytes exactly, in one session. */
static void test_add_remove_restores(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers);

	for (size_t i = 0; i < n; i++) {
		struct sc_fstab *f = parse_len(c[i].data, c[i].len);
		struct sc_swap_spec s = managed;
		size_t len;
		char *out;

		s.path = "/swapctl/test/new-swapfile";
		assert_int_equal(set(f, &s), 1);
		assert_true(sc_fstab_modified(f));
		assert_int_equal(sc_fstab_remove_swap(f, s.path), 1);
		assert_false(sc_fstab_modified(f));
		out = render(f, &len);
		if (len != c[i].len || memcmp(out, c[i].data, len) != 0)
			fail_msg("%s: add+remove did not restore the bytes", c[i].path);
		free(out);
		sc_fstab_free(f);
	}
	sc_test_fstab_corpus_free(c, n);
}

/* The file written, read again by another run: a remove there gives back the original bytes. */
static void assert_add_then_remove_restores(const char *data, size_t len, const char *what)
{
	struct sc_fstab *f = parse_len(data, len), *g;
	struct sc_swap_spec s = managed;
	size_t olen;
	char *out;

	s.path = "/swapctl/test/new-swapfile";
	assert_int_equal(set(f, &s), 1);
	assert_valid(f);
	out = render(f, &olen);
	g = parse_len(out, olen);
	free(out);
	assert_int_equal(sc_fstab_remove_swap(g, s.path), 1);
	assert_valid(g);
	out = render(g, &olen);
	if (olen != len || memcmp(out, data, len) != 0)
		fail_msg("%s: add, then remove in another run, did not restore the bytes", what);
	free(out);
	sc_fstab_free(g);
	sc_fstab_free(f);
}

static void test_add_remove_restores_across_runs(void **state)
{
	static const char *const t[] = {
		"",
		"/dev/vda1 / ext4 defaults 0 1",
		"/dev/vda1 / ext4 defaults 0 1\n",
		"# only a comment",
		"/dev/vda1 / ext4 defaults 0 1\r",
		"/dev/vda1 / ext4 defaults 0 1\r\n/dev/vda2 /srv ext4 defaults 0 2",
		"/dev/vda1 / ext4 defaults 0 1\n   ",
		"/swap/a none swap sw 0 0",
	};
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers);

	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		assert_add_then_remove_restores(t[i], strlen(t[i]), t[i]);
	for (size_t i = 0; i < n; i++)
		assert_add_then_remove_restores(c[i].data, c[i].len, c[i].path);
	sc_test_fstab_corpus_free(c, n);
}

/* Two appends and their removals, in either order and across runs, give the bytes back. */
static void test_no_final_newline_two_appends(void **state)
{
	static const char text[] = "/dev/vda1 / ext4 defaults 0 1";
	struct sc_swap_spec a = {.path = "/a", .priority = -1}, b = {.path = "/b", .priority = -1};
	struct sc_fstab *f = parse(text), *g;
	size_t len;
	char *out;

	assert_int_equal(set(f, &a), 1);
	assert_int_equal(set(f, &b), 1);
	assert_text(f,
		"/dev/vda1 / ext4 defaults 0 1\n/a none swap defaults 0 0\n"
		"/b none swap defaults 0 0");
	assert_valid(f);
	out = render(f, &len);
	g = parse_len(out, len);
	free(out);
	assert_int_equal(sc_fstab_remove_swap(g, "/b"), 1);
	assert_text(g, "/dev/vda1 / ext4 defaults 0 1\n/a none swap defaults 0 0");
	assert_valid(g);
	assert_int_equal(set(g, &(struct sc_swap_spec){.path = "/a", .priority = 5}), 1);
	assert_text(g, "/dev/vda1 / ext4 defaults 0 1\n/a none swap defaults,pri=5 0 0");
	assert_valid(g);
	assert_int_equal(sc_fstab_remove_swap(g, "/a"), 1);
	assert_text(g, text);
	assert_valid(g);
	sc_fstab_free(g);

	/* The first appended line removed first; then the second. */
	assert_int_equal(sc_fstab_remove_swap(f, "/a"), 1);
	assert_text(f, "/dev/vda1 / ext4 defaults 0 1\n/b none swap defaults 0 0");
	assert_int_equal(sc_fstab_remove_swap(f, "/b"), 1);
	assert_text(f, text);
	assert_false(sc_fstab_modified(f));
	sc_fstab_free(f);
}

/*
 * A source that libmount and glibc getmntent read differently matches the path either reads:
 * "\\" is two backslashes to libmount and one to glibc, \101 is "A" to libmount and four
 * characters to glibc. An add for either path updates that line (no second line for the other
 * reader to see), and writes it so that both read the path asked for.
 */
static void test_glibc_reading_matches(void **state)
{
	static const char two[] = "/swap/my\\040swap\\\\file none swap sw 0 0\n";
	struct sc_fstab_entry e;
	struct sc_fstab *f;
	struct sc_err err = {0};

	f = parse(two);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/my swap\\file", &e), 1); /* glibc */
	assert_string_equal(e.source, "/swap/my swap\\file");
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/my swap\\\\file", &e), 1); /* libmount */
	assert_string_equal(e.source, "/swap/my swap\\\\file");
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/my swap", NULL), 0);
	assert_int_equal(
		set(f, &(struct sc_swap_spec){.path = "/swap/my swap\\file", .priority = -1}), 1);
	assert_text(f, "/swap/my\\040swap\\134file none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);

	f = parse(two);
	assert_int_equal(
		set(f, &(struct sc_swap_spec){.path = "/swap/my swap\\\\file", .priority = 3}), 1);
	assert_text(f, "/swap/my\\040swap\\134\\134file none swap sw,pri=3 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);

	/* Both lines, as an add without this matching left them: one remove takes both. */
	f = parse("/swap/my\\040swap\\\\file none swap sw 0 0\n"
		  "# between\n"
		  "/swap/my\\040swap\\134file none swap defaults,x-swapctl 0 0\n");
	assert_int_equal(sc_fstab_remove_swap(f, "/swap/my swap\\file"), 1);
	assert_text(f, "# between\n");
	assert_valid(f);
	sc_fstab_free(f);

	/* An add on that file keeps the first line (the one systemd uses) and drops the other. */
	f = parse("/swap/my\\040swap\\\\file none swap sw 0 0\n"
		  "/swap/my\\040swap\\134file none swap defaults,x-swapctl 0 0\n");
	assert_int_equal(
		set(f, &(struct sc_swap_spec){.path = "/swap/my swap\\file", .priority = -1}), 1);
	assert_text(f, "/swap/my\\040swap\\134file none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);

	/* Octal escapes glibc does not decode. */
	f = parse("/swap/\\101x none swap sw 0 0\n");
	assert_int_equal(sc_fstab_find_swap(f, "/swap/Ax", NULL), 1);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/\\101x", &e), 1);
	assert_string_equal(e.source, "/swap/\\101x");
	sc_fstab_entry_done(&e);
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swap/\\101x", .priority = -1}), 1);
	assert_text(f, "/swap/\\134101x none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
	f = parse("/swap/\\101x none swap sw 0 0\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swap/Ax", .priority = -1}), 1);
	assert_text(f, "/swap/Ax none swap sw 0 0\n");
	assert_valid(f);
	assert_int_equal(sc_fstab_remove_swap(f, "/swap/Ax"), 1);
	assert_text(f, "");
	sc_fstab_free(f);
	f = parse("/swap/\\101x none swap sw 0 0\n");
	assert_int_equal(sc_fstab_remove_swap(f, "/swap/\\101x"), 1);
	assert_text(f, "");
	sc_fstab_free(f);

	/* A rejected line glibc reads as the path blocks an add just the same. */
	f = parse("/swap/my\\040swap\\\\file none swap sw zero 0\n");
	assert_int_equal(
		sc_fstab_set_swap(f,
			&(struct sc_swap_spec){.path = "/swap/my swap\\file", .priority = -1},
			&err),
		-EINVAL);
	assert_false(sc_fstab_modified(f));
	sc_fstab_free(f);
}

/*
 * freq or passno past what strtol() holds, with anything after it, is a line libmount rejects:
 * not an entry, never edited, and an add for its source is refused rather than duplicating it.
 */
static void test_numeric_overflow_line_not_edited(void **state)
{
	static const char text[] = "/swapfile none swap sw 0 99999999999999999999 extra\n";
	struct sc_swap_spec s = managed;
	struct sc_fstab *f = parse(text);
	struct sc_err err = {0};

	s.path = "/swapfile";
	assert_int_equal(sc_fstab_find_swap(f, "/swapfile", NULL), 0);
	assert_int_equal(sc_fstab_set_swap(f, &s, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(sc_fstab_remove_swap(f, "/swapfile"), 0);
	assert_false(sc_fstab_modified(f));
	assert_text(f, text);
	sc_fstab_free(f);

	/* The same number with nothing after it is an entry to libmount, and is edited. */
	f = parse("/swapfile none swap sw 0 99999999999999999999\n");
	assert_int_equal(sc_fstab_find_swap(f, "/swapfile", NULL), 1);
	assert_int_equal(set(f, &s), 1);
	assert_text(f, "/swapfile none swap sw,pri=10,x-swapctl,nofail 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_prefix_never_matches(void **state)
{
	static const char text[] = "/var/swap none swap sw 0 0\n"
				   "/var/swapdata none swap sw 0 0\n"
				   "/var/swap.d/x none swap sw 0 0\n"
				   "/var/swa none swap sw 0 0\n";
	struct sc_fstab *f = parse(text);

	assert_int_equal(sc_fstab_remove_swap(f, "/var/swap"), 1);
	assert_text(f,
		"/var/swapdata none swap sw 0 0\n"
		"/var/swap.d/x none swap sw 0 0\n"
		"/var/swa none swap sw 0 0\n");
	assert_int_equal(sc_fstab_remove_swap(f, "/var/swap"), 0);
	assert_int_equal(sc_fstab_remove_swap(f, "/var/sw"), 0);
	assert_int_equal(sc_fstab_remove_swap(f, "/var"), 0);
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_remove_keeps_comments(void **state)
{
	struct sc_fstab *f = parse("# data disk below, do not remove\n"
				   "/dev/sdb1 /data ext4 defaults 0 2\n"
				   "# the swapfile\n"
				   "/swapfile none swap sw 0 0\n"
				   "# after it\n");

	assert_int_equal(sc_fstab_remove_swap(f, "//swapfile/"), 1);
	assert_text(f,
		"# data disk below, do not remove\n"
		"/dev/sdb1 /data ext4 defaults 0 2\n"
		"# the swapfile\n"
		"# after it\n");
	assert_valid(f);
	sc_fstab_free(f);
}

/* A commented-out entry and a mount of the same path are not swap entries. */
static void test_only_swap_entries_match(void **state)
{
	static const char text[] = "#/swapfile none swap sw 0 0\n"
				   "/swapfile /mnt/loop auto loop 0 0\n";
	struct sc_fstab *f = parse(text);
	size_t len;
	char *out;

	assert_int_equal(sc_fstab_remove_swap(f, "/swapfile"), 0);
	assert_text(f, text);
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swapfile", .priority = -1}), 1);
	out = render(f, &len);
	assert_memory_equal(out, text, strlen(text));
	assert_string_equal(out + strlen(text), "/swapfile none swap defaults 0 0\n");
	free(out);
	assert_valid(f);
	sc_fstab_free(f);
}

/* A swap line libmount rejects is never edited, and no second line is added beside it. */
static void test_rejected_line_blocks_set(void **state)
{
	static const char text[] = "# c\n/swapfile none swap sw # broken\n";
	struct sc_fstab *f = parse(text);
	struct sc_swap_spec s = {.path = "/swapfile", .priority = 3};
	struct sc_err err = {0};

	assert_int_equal(sc_fstab_set_swap(f, &s, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.msg, "cannot parse"));
	assert_false(sc_fstab_modified(f));
	assert_int_equal(sc_fstab_remove_swap(f, "/swapfile"), 0);
	assert_text(f, text);
	/* Another path is fine. */
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/other", .priority = -1}), 1);
	sc_fstab_free(f);
}

static void test_update_in_place_keeps_user_options(void **state)
{
	struct sc_fstab *f = parse("/dev/vda1 / ext4 defaults 0 1\n"
				   "/swapfile none swap sw,pri=5,x-systemd.device-timeout=10s 0 0\n"
				   "/dev/vdb1 /b ext4 defaults 0 2\n");
	struct sc_swap_spec s = {.path = "/swapfile",
		.priority = 20,
		.discard = "once",
		.managed = true,
		.nofail = true};

	assert_int_equal(set(f, &s), 1);
	assert_text(f,
		"/dev/vda1 / ext4 defaults 0 1\n"
		"/swapfile none swap "
		"sw,pri=20,x-systemd.device-timeout=10s,discard=once,x-swapctl,nofail 0 0\n"
		"/dev/vdb1 /b ext4 defaults 0 2\n");
	assert_valid(f);
	assert_int_equal(set(f, &s), 0);

	/* Dropping what swapctl owns: priority, discard, nofail. */
	s = (struct sc_swap_spec){.path = "/swapfile", .priority = -1, .managed = true};
	assert_int_equal(set(f, &s), 1);
	assert_text(f,
		"/dev/vda1 / ext4 defaults 0 1\n"
		"/swapfile none swap sw,x-systemd.device-timeout=10s,x-swapctl 0 0\n"
		"/dev/vdb1 /b ext4 defaults 0 2\n");
	assert_valid(f);
	sc_fstab_free(f);
}

/* The user's source spelling, target and separators survive an update. */
static void test_update_keeps_layout(void **state)
{
	struct sc_fstab *f = parse("UUID=0e4bd8a2-91c1-4a0a-b1d5-6b7a3f1e9c20 none            "
				   "swap    sw              0       0\n"
				   "/var//swap\tswap\tswap\tdefaults\t0\t0\n");
	struct sc_swap_spec s = {
		.path = "UUID=0E4BD8A2-91C1-4A0A-B1D5-6B7A3F1E9C20", .priority = 3};

	assert_int_equal(set(f, &s), 1);
	s = (struct sc_swap_spec){.path = "/var/swap", .priority = -1, .nofail = true};
	assert_int_equal(set(f, &s), 1);
	assert_text(f,
		"UUID=0e4bd8a2-91c1-4a0a-b1d5-6b7a3f1e9c20 none            "
		"swap    sw,pri=3        0       0\n"
		"/var//swap\tswap\tswap\tdefaults,nofail\t0\t0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_update_longer_options_realigns(void **state)
{
	struct sc_fstab *f = parse("/swapfile  none  swap  sw  0  0\n");
	struct sc_swap_spec s = {.path = "/swapfile", .priority = 1234, .managed = true};

	assert_int_equal(set(f, &s), 1);
	/* Padded separators: the line keeps its field widths where the fields fit. */
	assert_text(f, "/swapfile  none  swap  sw,pri=1234,x-swapctl 0  0\n");
	sc_fstab_free(f);

	f = parse("/s   none   swap   pri=100    0 0\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = 1}), 1);
	assert_text(f, "/s   none   swap   defaults,pri=1 0 0\n");
	sc_fstab_free(f);

	f = parse("/s   none   swap   defaults,pri=1    0 0\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = 100}), 1);
	assert_text(f, "/s   none   swap   defaults,pri=100  0 0\n");
	sc_fstab_free(f);
}

/* A line that already says it is left alone, even with blanks or text after field six. */
static void test_unchanged_line_untouched(void **state)
{
	static const char text[] =
		"/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0   # mine\n";
	struct sc_fstab *f = parse(text);
	struct sc_swap_spec s = {
		.path = "/swapfile", .priority = 10, .managed = true, .nofail = true};

	assert_int_equal(set(f, &s), 0);
	assert_false(sc_fstab_modified(f));
	assert_text(f, text);
	sc_fstab_free(f);
}

/* ... but a change to a line carrying an inline comment is refused, not silently lossy. */
static void test_inline_comment_refused(void **state)
{
	static const char text[] = "# x\n/swapfile none swap sw 0 0 # keep me\n";
	struct sc_fstab *f = parse(text);
	struct sc_swap_spec s = {.path = "/swapfile", .priority = 10, .managed = true};
	struct sc_err err = {0};

	assert_int_equal(sc_fstab_set_swap(f, &s, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.hint, "comment"));
	assert_text(f, text);
	assert_false(sc_fstab_modified(f));
	/* Removing the entry is fine: the whole line goes. */
	assert_int_equal(sc_fstab_remove_swap(f, "/swapfile"), 1);
	assert_text(f, "# x\n");
	sc_fstab_free(f);
}

static void test_crlf_line_rewritten_with_lf(void **state)
{
	struct sc_fstab *f =
		parse("/dev/vda1 / ext4 defaults 0 1\r\n/swapfile none swap sw 0 0\r\n");

	/* Same options, but readers disagree on a CRLF line (glibc keeps the CR): rewrite. */
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swapfile", .priority = -1}), 1);
	assert_text(f, "/dev/vda1 / ext4 defaults 0 1\r\n/swapfile none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_short_line_completed(void **state)
{
	struct sc_fstab *f = parse("/swapfile none swap\n/other none swap sw\n");

	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swapfile", .priority = 1}), 1);
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/other", .priority = -1}), 1);
	assert_text(f, "/swapfile none swap defaults,pri=1 0 0\n/other none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_odd_escape_normalised(void **state)
{
	/* libmount (swapon -a) reads /srv/cAd; glibc reads a literal \101. */
	struct sc_fstab *f = parse("/srv/c\\101d none swap sw 0 0\n");

	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/srv/cAd", .priority = 2}), 1);
	assert_text(f, "/srv/cAd none swap sw,pri=2 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_escaping(void **state)
{
	struct sc_fstab *f = parse("");
	struct sc_swap_spec s = {.path = "/srv/a b\tc\nd\\e#f", .priority = -1};
	struct sc_fstab_entry e;

	assert_int_equal(set(f, &s), 1);
	assert_text(f, "/srv/a\\040b\\011c\\012d\\134e#f none swap defaults 0 0\n");
	assert_valid(f);
	assert_int_equal(sc_fstab_find_swap(f, s.path, &e), 1);
	assert_string_equal(e.source, s.path);
	assert_false(e.odd_escape);
	sc_fstab_entry_done(&e);
	/* The escaped spelling is not the path. */
	assert_int_equal(sc_fstab_find_swap(f, "/srv/a\\040b\\011c\\012d\\134e#f", NULL), 0);
	sc_fstab_free(f);
}

static void test_escaping_refused(void **state)
{
	static const char *const bad[] = {
		"/srv/bell\a", "/srv/cr\rx", "/srv/del\x7f", "/srv/esc\x1b"};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct sc_fstab *f = parse("# keep\n");
		struct sc_err err = {0};
		struct sc_swap_spec s = {.path = bad[i], .priority = -1};

		assert_int_equal(sc_fstab_set_swap(f, &s, &err), -EINVAL);
		assert_int_equal(err.kind, SC_EXIT_USAGE);
		assert_non_null(strstr(err.msg, "control character"));
		assert_false(sc_fstab_modified(f));
		sc_fstab_free(f);
	}
}

static void test_bad_specs_refused(void **state)
{
	static const struct sc_swap_spec bad[] = {
		{.path = "relative/swap", .priority = -1},
		{.path = "", .priority = -1},
		{.path = "#/swap", .priority = -1},
		{.path = "/swap", .priority = -2},
		{.path = "/swap", .priority = 32768},
		{.path = "/swap", .priority = -1, .discard = "always"},
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct sc_fstab *f = parse("");
		struct sc_err err = {0};

		assert_int_equal(sc_fstab_set_swap(f, &bad[i], &err), -EINVAL);
		assert_int_equal(err.kind, SC_EXIT_USAGE);
		assert_false(sc_fstab_modified(f));
		sc_fstab_free(f);
	}
}

static void test_too_long_line_refused(void **state)
{
	char path[4100];
	struct sc_fstab *f = parse("");
	struct sc_err err = {0};
	struct sc_swap_spec s = {.path = path, .priority = -1};

	path[0] = '/';
	memset(path + 1, 'a', sizeof(path) - 2);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(sc_fstab_set_swap(f, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "getmntent"));
	assert_false(sc_fstab_modified(f));
	sc_fstab_free(f);
}

static void test_no_final_newline(void **state)
{
	struct sc_fstab *f = parse("/dev/vda1 / ext4 defaults 0 1");

	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_text(f, "/dev/vda1 / ext4 defaults 0 1\n/s none swap defaults 0 0");
	assert_valid(f);
	sc_fstab_free(f);
}

/* Alignment: spaces padded to the neighbour's columns, tabs, indentation, single blanks. */
static void test_alignment(void **state)
{
	struct sc_fstab *f;

	f = parse("# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
		  "UUID=A1B2-C3D4  /boot/efi       vfat    umask=0077      0       1\n"
		  "/dev/sr0        /media/cdrom0   udf,iso9660 user,noauto     0       0\n");
	assert_int_equal(set(f, &managed), 1);
	assert_text(f,
		"# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
		"UUID=A1B2-C3D4  /boot/efi       vfat    umask=0077      0       1\n"
		"/dev/sr0        /media/cdrom0   udf,iso9660 user,noauto     0       0\n"
		"/swap/swapfile  none            swap    "
		"defaults,pri=10,x-swapctl,nofail 0       0\n");
	sc_fstab_free(f);

	f = parse("LABEL=root\t/\text4\tdefaults\t0\t1\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swap/file", .priority = -1}), 1);
	assert_text(f,
		"LABEL=root\t/\text4\tdefaults\t0\t1\n"
		"/swap/file\tnone\tswap\tdefaults\t0\t0\n");
	sc_fstab_free(f);

	f = parse("/dev/sda1\t\t/\t\text4\tdefaults\t0 1\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_text(f,
		"/dev/sda1\t\t/\t\text4\tdefaults\t0 1\n"
		"/s\t\t\tnone\t\tswap\tdefaults\t0 0\n");
	sc_fstab_free(f);

	f = parse("  /dev/sda1 / ext4 defaults 0 1\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_text(f, "  /dev/sda1 / ext4 defaults 0 1\n  /s none swap defaults 0 0\n");
	sc_fstab_free(f);

	/* printf-style widths survive a field that overflowed its width (Debian's installer). */
	f = parse("UUID=0e4bd8a2-91c1-4a0a-b1d5-6b7a3f1e9c20 none            swap    sw       "
		  "       0       0\n");
	assert_int_equal(set(f, &managed), 1);
	assert_text(f,
		"UUID=0e4bd8a2-91c1-4a0a-b1d5-6b7a3f1e9c20 none            swap    sw       "
		"       0       0\n"
		"/swap/swapfile none            swap    defaults,pri=10,x-swapctl,nofail 0 "
		"      0\n");
	sc_fstab_free(f);

	/* Single spaces in a file that does not align: no padding to accidental columns. */
	f = parse("UUID=5f0a1c3e-8a3b-4b5e-9f7c-2d1e0b6a7c44 / ext4 errors=remount-ro 0 1\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_text(f,
		"UUID=5f0a1c3e-8a3b-4b5e-9f7c-2d1e0b6a7c44 / ext4 errors=remount-ro 0 1\n"
		"/s none swap defaults 0 0\n");
	sc_fstab_free(f);
}

static void test_duplicates_collapsed(void **state)
{
	struct sc_fstab *f = parse("/swapfile none swap sw 0 0\n"
				   "# between\n"
				   "//swapfile none swap noauto 0 0\n"
				   "/swapfile/ none swap sw,pri=1 0 0\n");

	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/swapfile", .priority = 4}), 1);
	assert_text(f, "/swapfile none swap sw,pri=4 0 0\n# between\n");
	assert_valid(f);
	sc_fstab_free(f);

	/* Already right, but duplicated: still a change. */
	f = parse("/s none swap defaults 0 0\n/s none swap defaults 0 0\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_text(f, "/s none swap defaults 0 0\n");
	sc_fstab_free(f);
}

static void test_replace(void **state)
{
	struct sc_fstab *f = parse("# swap\n"
				   "/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n"
				   "/dev/vda1 / ext4 defaults 0 1\n");
	struct sc_swap_spec s = {
		.path = "/swap/swapfile.1", .priority = 10, .managed = true, .nofail = true};
	struct sc_err err = {0};

	assert_int_equal(sc_fstab_replace_swap(f, "/swap/nothing", &s, &err), 0);
	assert_false(sc_fstab_modified(f));
	assert_int_equal(sc_fstab_replace_swap(f, "/swap/swapfile", &s, &err), 1);
	assert_text(f,
		"# swap\n"
		"/swap/swapfile.1 none swap defaults,pri=10,x-swapctl,nofail 0 0\n"
		"/dev/vda1 / ext4 defaults 0 1\n");
	assert_valid(f);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/swapfile", NULL), 0);
	sc_fstab_free(f);

	/* A stale entry for the new name (a crash half-way through a rotation) is absorbed. */
	f = parse("/swap/a none swap defaults,x-swapctl 0 0\n/swap/b none swap defaults,x-swapctl "
		  "0 0\n");
	s = (struct sc_swap_spec){.path = "/swap/b", .priority = 5, .managed = true};
	assert_int_equal(sc_fstab_replace_swap(f, "/swap/a", &s, &err), 1);
	assert_text(f, "/swap/b none swap defaults,pri=5,x-swapctl 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

/* A fake resolver: UUID=abc and LABEL=fast are /dev/vdb2; nothing else is known. */
static int fake_resolve(const char *source, char **ret, void *userdata)
{
	int *calls = userdata;

	(*calls)++;
	*ret = NULL;
	if (!strcmp(source, "UUID=abc") || !strcmp(source, "LABEL=fast") ||
		!strcmp(source, "/dev/vdb2") || !strcmp(source, "/dev/disk/by-uuid/abc"))
		*ret = strdup("/dev/vdb2");
	return 0;
}

static void test_device_resolution(void **state)
{
	struct sc_fstab *f = parse("/swap/x none swap sw 0 0\n"
				   "UUID=abc none swap sw 0 0\n"
				   "/dev/vdc1 none swap sw 0 0\n");
	struct sc_fstab_entry e;
	int calls = 0;

	sc_fstab_set_resolver(f, fake_resolve, &calls);
	assert_int_equal(sc_fstab_find_swap(f, "/dev/vdb2", &e), 1);
	assert_int_equal(e.line, 2);
	sc_fstab_entry_done(&e);
	assert_int_equal(sc_fstab_find_swap(f, "/dev/disk/by-uuid/abc", NULL), 1);
	assert_int_equal(sc_fstab_find_swap(f, "LABEL=fast", NULL), 1);
	assert_int_equal(sc_fstab_find_swap(f, "LABEL=slow", NULL), 0);
	calls = 0;
	/* A file path never involves the resolver. */
	assert_int_equal(sc_fstab_find_swap(f, "/swap/x", NULL), 1);
	assert_int_equal(sc_fstab_find_swap(f, "/swap/y", NULL), 0);
	assert_int_equal(calls, 0);

	/* set on the device name updates the UUID line and keeps its spelling. */
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/dev/vdb2", .priority = 7}), 1);
	assert_text(f,
		"/swap/x none swap sw 0 0\n"
		"UUID=abc none swap sw,pri=7 0 0\n"
		"/dev/vdc1 none swap sw 0 0\n");
	assert_valid(f);
	assert_int_equal(sc_fstab_remove_swap(f, "LABEL=fast"), 1);
	assert_text(f, "/swap/x none swap sw 0 0\n/dev/vdc1 none swap sw 0 0\n");
	assert_valid(f);
	sc_fstab_free(f);
}

static void test_diff(void **state)
{
	struct sc_fstab *f = parse("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n"
				   "/swapfile none swap sw 0 0\n"
				   "15\n16\n17\n18\n19\n20\n21\n22\n23\n24\n25\n26\n27");
	char *d;

	assert_int_equal(sc_fstab_diff(f, "/etc/fstab", &d), 0);
	assert_string_equal(d, "");
	free(d);

	assert_int_equal(sc_fstab_remove_swap(f, "/swapfile"), 1);
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_int_equal(sc_fstab_diff(f, "/etc/fstab", &d), 0);
	assert_string_equal(d,
		"--- a/etc/fstab\n"
		"+++ b/etc/fstab\n"
		"@@ -12,7 +12,6 @@\n"
		" 12\n"
		" 13\n"
		" 14\n"
		"-/swapfile none swap sw 0 0\n"
		" 15\n"
		" 16\n"
		" 17\n"
		"@@ -25,4 +24,5 @@\n"
		" 24\n"
		" 25\n"
		" 26\n"
		"-27\n"
		"\\ No newline at end of file\n"
		"+27\n"
		"+/s none swap defaults 0 0\n"
		"\\ No newline at end of file\n");
	free(d);
	sc_fstab_free(f);

	/* Changes close together share a hunk; an update is a - and a + line. */
	f = parse("a\nb\n/x none swap sw 0 0\nc\n/y none swap sw 0 0\nd\ne\nf\ng\nh\n");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/x", .priority = 1}), 1);
	assert_int_equal(sc_fstab_remove_swap(f, "/y"), 1);
	assert_int_equal(sc_fstab_diff(f, NULL, &d), 0);
	assert_string_equal(d,
		"--- a/fstab\n"
		"+++ b/fstab\n"
		"@@ -1,8 +1,7 @@\n"
		" a\n"
		" b\n"
		"-/x none swap sw 0 0\n"
		"+/x none swap sw,pri=1 0 0\n"
		" c\n"
		"-/y none swap sw 0 0\n"
		" d\n"
		" e\n"
		" f\n");
	free(d);
	sc_fstab_free(f);

	/* Into an empty file. */
	f = parse("");
	assert_int_equal(set(f, &(struct sc_swap_spec){.path = "/s", .priority = -1}), 1);
	assert_int_equal(sc_fstab_diff(f, "fstab", &d), 0);
	assert_string_equal(
		d, "--- a/fstab\n+++ b/fstab\n@@ -0,0 +1 @@\n+/s none swap defaults 0 0\n");
	free(d);
	sc_fstab_free(f);
}

/* patch(1) applies the diff to the original and produces the rendered text. */
static void test_diff_applies(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n;
	char *dir;

	if (system("patch --version >/dev/null 2>&1") != 0) {
		print_message("patch(1) not installed, skipping\n");
		skip();
	}
	n = sc_test_fstab_corpus(&c, &peers);
	dir = sc_test_mkdtemp();
	for (size_t i = 0; i < n; i++) {
		struct sc_fstab *f = parse_len(c[i].data, c[i].len);
		char *d, *out, *got, *cmd, *path, *dpath;
		size_t len, glen;
		FILE *fp;

		set(f, &managed);
		sc_fstab_remove_swap(f, "/swap/old");
		sc_fstab_remove_swap(f, "/swapfile");
		assert_int_equal(sc_fstab_diff(f, "fstab", &d), 0);
		out = render(f, &len);
		assert_true(asprintf(&path, "%s/fstab", dir) > 0);
		assert_true(asprintf(&dpath, "%s/diff", dir) > 0);
		fp = fopen(path, "w");
		assert_int_equal(fwrite(c[i].data, 1, c[i].len, fp), c[i].len);
		assert_int_equal(fclose(fp), 0);
		fp = fopen(dpath, "w");
		fputs(d, fp);
		assert_int_equal(fclose(fp), 0);
		assert_true(asprintf(&cmd, "patch -s --binary %s %s", path, dpath) > 0);
		if (system(cmd) != 0)
			fail_msg("%s: patch failed on:\n%s", c[i].path, d);
		got = sc_test_read_len(path, &glen);
		if (glen != len || memcmp(got, out, len) != 0)
			fail_msg("%s: patched file differs from the render", c[i].path);
		free(got);
		free(cmd);
		free(path);
		free(dpath);
		free(out);
		free(d);
		sc_fstab_free(f);
	}
	sc_test_rmtree(dir);
	free(dir);
	sc_test_fstab_corpus_free(c, n);
}

/* ---- property tests: random mutations of the corpus ---- */

static uint64_t rng_state = 0x5eed5eedcafef00dULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static const char *const pieces[] = {" ", "\t", "\n", "\r\n", "\r", "#", "\\", "\\040", "\\101",
	"\\\\", "0", "1", "-", "+", "x", "swap", "none", "/swapctl/p", "/swapctl/p/",
	" none swap sw 0 0\n", "/var/swap none swap sw 0 0\n", ",", "=", "\"", "pri=5", "é",
	"UUID=abc", "\v", "defaults"};

static char *mutate(const char *data, size_t len, size_t *ret_len)
{
	size_t cap = len * 2 + 256, n = len, rounds = 1 + rnd() % 8;
	char *b = malloc(cap);

	assert_non_null(b);
	memcpy(b, data, len);
	for (size_t k = 0; k < rounds; k++) {
		size_t at = n ? rnd() % (n + 1) : 0;

		switch (rnd() % 4) {
		case 0: /* insert a piece */
		case 1: {
			const char *p = pieces[rnd() % ELEMENTSOF(pieces)];
			size_t pl = strlen(p);

			if (n + pl >= cap)
				break;
			memmove(b + at + pl, b + at, n - at);
			memcpy(b + at, p, pl);
			n += pl;
			break;
		}
		case 2: { /* delete a range */
			size_t dl = n - at ? rnd() % SC_MIN(n - at, (size_t)24) + 1 : 0;

			memmove(b + at, b + at + dl, n - at - dl);
			n -= dl;
			break;
		}
		default: /* duplicate a range */
			if (n - at > 0) {
				size_t dl = rnd() % SC_MIN(n - at, (size_t)80) + 1;

				if (n + dl >= cap)
					break;
				memmove(b + at + dl, b + at, n - at);
				n += dl;
			}
		}
	}
	b[n] = '\0'; /* for strstr(); n < cap always */
	*ret_len = n;
	return b;
}

static void test_property_random_mutations(void **state)
{
	struct sc_corpus_file *c;
	bool peers;
	size_t n = sc_test_fstab_corpus(&c, &peers), runs = 0;

	for (size_t iter = 0; iter < 120; iter++)
		for (size_t i = 0; i < n; i++) {
			struct sc_fstab *f;
			struct sc_swap_spec s = managed;
			struct sc_err err = {0};
			size_t len, olen;
			char *x = mutate(c[i].data, c[i].len, &len), *out;
			int r;

			s.path = "/swapctl/p";
			f = parse_len(x, len);
			/* render(parse(x)) == x, and libmount reads it as this module does. */
			out = render(f, &olen);
			if (olen != len || memcmp(out, x, len) != 0)
				fail_msg("%s (iteration %zu): round trip failed", c[i].path, iter);
			free(out);
			if (sc_fstab_validate_all(f, &err) != 0)
				fail_msg("%s (iteration %zu): %s\n--- document:\n%.*s", c[i].path,
					iter, err.msg, (int)len, x);

			/* add, then remove: the result is valid; without prior entries, x again. */
			r = sc_fstab_set_swap(f, &s, &err);
			if (r < 0) {
				/* Only an entry with trailing text or a rejected line may refuse. */
				assert_int_equal(r, -EINVAL);
				if (!strstr(err.msg, "text after its fields") &&
					!strstr(err.msg, "cannot parse"))
					fail_msg("%s", err.msg);
				sc_fstab_free(f);
				free(x);
				continue;
			}
			if (sc_fstab_validate_all(f, &err) != 0)
				fail_msg("%s (iteration %zu) after add: %s", c[i].path, iter,
					err.msg);
			assert_int_equal(sc_fstab_find_swap(f, s.path, NULL), 1);
			if (r == 1 && !strstr(x, "/swapctl/p")) {
				/* Appended: every original byte is still there, in front. */
				out = render(f, &olen);
				assert_true(olen > len);
				assert_memory_equal(out, x, len);
				free(out);
			}
			sc_fstab_remove_swap(f, s.path);
			if (sc_fstab_validate_all(f, &err) != 0)
				fail_msg("%s (iteration %zu) after remove: %s", c[i].path, iter,
					err.msg);
			assert_int_equal(sc_fstab_find_swap(f, s.path, NULL), 0);
			if (!strstr(x, "/swapctl/p")) {
				out = render(f, &olen);
				if (olen != len || memcmp(out, x, len) != 0)
					fail_msg("%s (iteration %zu): add+remove changed bytes",
						c[i].path, iter);
				free(out);
			}
			runs++;
			sc_fstab_free(f);
			free(x);
		}
	print_message("%zu mutated documents edited\n", runs);
	sc_test_fstab_corpus_free(c, n);
}

/* Edits on a 10,000-entry file: only the target line changes. */
static void test_big_edit(void **state)
{
	static const char line[] = "/srv/swap/file05000 none swap defaults,pri=0 0 0\n";
	size_t len, olen, off;
	char *text = sc_test_big_fstab(10000, &len), *out, *at, *want;
	struct sc_fstab *f = parse_len(text, len);
	struct sc_swap_spec s = {.path = "/srv/swap/file05000", .priority = 77};

	at = strstr(text, line);
	assert_non_null(at);
	off = (size_t)(at - text);
	assert_true(asprintf(&want, "%.*s/srv/swap/file05000 none swap defaults,pri=77 0 0\n%s",
			    (int)off, text, at + strlen(line)) > 0);
	assert_int_equal(set(f, &s), 1);
	out = render(f, &olen);
	assert_int_equal(olen, strlen(want));
	assert_memory_equal(out, want, olen);
	assert_valid(f);
	free(out);
	free(want);
	sc_fstab_free(f);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_format),
		cmocka_unit_test(test_add_idempotent),
		cmocka_unit_test(test_add_keeps_every_byte),
		cmocka_unit_test(test_add_remove_restores),
		cmocka_unit_test(test_add_remove_restores_across_runs),
		cmocka_unit_test(test_no_final_newline_two_appends),
		cmocka_unit_test(test_glibc_reading_matches),
		cmocka_unit_test(test_numeric_overflow_line_not_edited),
		cmocka_unit_test(test_prefix_never_matches),
		cmocka_unit_test(test_remove_keeps_comments),
		cmocka_unit_test(test_only_swap_entries_match),
		cmocka_unit_test(test_rejected_line_blocks_set),
		cmocka_unit_test(test_update_in_place_keeps_user_options),
		cmocka_unit_test(test_update_keeps_layout),
		cmocka_unit_test(test_update_longer_options_realigns),
		cmocka_unit_test(test_unchanged_line_untouched),
		cmocka_unit_test(test_inline_comment_refused),
		cmocka_unit_test(test_crlf_line_rewritten_with_lf),
		cmocka_unit_test(test_short_line_completed),
		cmocka_unit_test(test_odd_escape_normalised),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_escaping_refused),
		cmocka_unit_test(test_bad_specs_refused),
		cmocka_unit_test(test_too_long_line_refused),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_duplicates_collapsed),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_device_resolution),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_applies),
		cmocka_unit_test(test_property_random_mutations),
		cmocka_unit_test(test_big_edit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
