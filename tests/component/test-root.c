/*
 * --root confines every path to the tree: a fixture root whose etc/fstab, etc/sysctl.d,
 * etc/swapctl, swap directory and rotation journal are symlinks that would escape it, as an
 * absolute link ("/<outside>/...") and as a relative one ("../../../.." past the root). The
 * outside directory holds sentinel files: none may be read, changed or get a backup next to
 * it. Inside the root the same links mean <root>/<outside>/..., where the writes must land.
 */
#include "fixture.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "config.h"
#include "doctor.h"
#include "fstab.h"
#include "macro.h"
#include "rotate.h"
#include "swapfile.h"
#include "sysctl.h"
#include "util.h"

struct tree {
	char *tmp; /* holds both: */
	char *root; /* <tmp>/root, the --root */
	char *out; /* <tmp>/outside, on the host, with the sentinels */
	char *in; /* <root><out>: where the links lead inside the root */
	struct sc_ctx c;
};

static char *cat(const char *a, const char *b)
{
	char *p;

	assert_true(asprintf(&p, "%s%s", a, b) > 0);
	return p;
}

static void mkdirs(const char *path)
{
	char *p = strdup(path);

	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

/* Unprivileged, the caller counts as root (fixture.h), so every check runs as it would. */
static struct sc_sys as_root_sys;

static void tree_init(struct tree *t)
{
	t->tmp = sc_test_mkdtemp();
	t->root = cat(t->tmp, "/root");
	t->out = cat(t->tmp, "/outside");
	t->in = cat(t->root, t->out);
	mkdirs(t->out);
	mkdirs(t->in);
	sc_test_write(t->root, "etc/.keep", "");
	sc_test_write(t->tmp, "sys/.keep", "");
	{
		char *sys = cat(t->tmp, "/sys");
		assert_int_equal(sc_ctx_init(&t->c, &as_root_sys, t->root, sys, NULL, NULL), 0);
		free(sys);
	}
	assert_true(t->c.offline);
}

static void tree_done(struct tree *t)
{
	sc_ctx_done(&t->c);
	sc_test_rmtree(t->tmp);
	free(t->tmp);
	free(t->root);
	free(t->out);
	free(t->in);
}

/*
 * The link text that names <out>/rel: absolute, or relative from <root>/<link_dir> with more
 * ".." than the directory is deep, which on the host climbs to "/" and back down to <out>.
 */
static char *escape(const struct tree *t, bool absolute, const char *rel)
{
	char *p;

	if (absolute)
		assert_true(asprintf(&p, "%s/%s", t->out, rel) > 0);
	else
		assert_true(asprintf(&p, "../../../../../../../../../../../../../../../..%s/%s",
				    t->out, rel) > 0);
	return p;
}

static void link_at(const struct tree *t, const char *target, const char *rel)
{
	char *p = cat(t->root, rel);

	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static bool exists(const char *dir, const char *rel)
{
	char *p;
	bool r;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static void assert_file(const char *dir, const char *rel, const char *want)
{
	char *p, *text;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	text = sc_test_read(p);
	assert_string_equal(text, want);
	free(text);
	free(p);
}

static bool contains(const char *dir, const char *rel, const char *needle)
{
	char *p, *text;
	bool r;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	text = sc_test_read(p);
	r = strstr(text, needle) != NULL;
	free(text);
	free(p);
	return r;
}

static const char host_fstab[] = "/host.swap none swap sw 0 0\n";

/* The report: R/etc/fstab -> /x made `--root R add` write the host's /x and /x.swapctl~. */
static void fstab_link(bool absolute)
{
	struct sc_swap_spec spec = {.path = "/swap/f", .priority = 10, .managed = true};
	struct sc_fstab_entry *e = NULL;
	struct sc_err err = {0};
	struct sc_fstab *f = NULL;
	struct tree t;
	struct stat st;
	char *target, *text;
	size_t n = 0;

	tree_init(&t);
	sc_test_write(t.out, "fstab", host_fstab);
	target = escape(&t, absolute, "fstab");
	link_at(&t, target, "/etc/fstab");

	/* Not read: the image has no fstab yet (<root><out>/fstab does not exist). */
	if (sc_fstab_load(&t.c, t.c.fstab, &f, &err) != 0)
		fail_msg("load: %s", err.msg);
	assert_true(sc_fstab_is_new(f));
	assert_int_equal(sc_fstab_list_swap(f, &e, &n), 0);
	assert_int_equal(n, 0);
	sc_fstab_entries_free(e, n);

	assert_int_equal(sc_fstab_set_swap(f, &spec, &err), 1);
	if (sc_fstab_commit(&t.c, f, &err) != 0)
		fail_msg("commit: %s", err.msg);
	sc_fstab_free(f);

	/* Not written: the host's file, and no backup beside it. */
	assert_file(t.out, "fstab", host_fstab);
	assert_false(exists(t.out, "fstab" SC_FSTAB_BACKUP_SUFFIX));
	/* The link's target inside the root was, and the link is still a link. */
	assert_true(contains(t.in, "fstab", "/swap/f none swap"));
	text = cat(t.root, "/etc/fstab");
	assert_int_equal(lstat(text, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	free(text);

	/* Editing again replaces the target inside and keeps its backup inside. */
	assert_int_equal(sc_fstab_load(&t.c, t.c.fstab, &f, &err), 0);
	assert_int_equal(sc_fstab_remove_swap(f, "/swap/f"), 1);
	assert_int_equal(sc_fstab_commit(&t.c, f, &err), 0);
	sc_fstab_free(f);
	assert_true(exists(t.in, "fstab" SC_FSTAB_BACKUP_SUFFIX));
	assert_file(t.out, "fstab", host_fstab);
	assert_false(exists(t.out, "fstab" SC_FSTAB_BACKUP_SUFFIX));

	free(target);
	tree_done(&t);
}

static void test_fstab_absolute_link(void **state)
{
	fstab_link(true);
}

static void test_fstab_relative_link(void **state)
{
	fstab_link(false);
}

/* A link whose target's directory does not exist inside the root fails; the host is intact. */
static void test_fstab_dangling_inside(void **state)
{
	struct sc_swap_spec spec = {.path = "/swap/f", .priority = -1, .managed = true};
	struct sc_err err = {0};
	struct sc_fstab *f = NULL;
	struct tree t;
	char *target;

	tree_init(&t);
	sc_test_write(t.out, "sub/fstab", host_fstab);
	target = escape(&t, true, "sub/fstab");
	link_at(&t, target, "/etc/fstab");
	assert_int_equal(sc_fstab_load(&t.c, t.c.fstab, &f, &err), 0);
	assert_int_equal(sc_fstab_set_swap(f, &spec, &err), 1);
	assert_true(sc_fstab_commit(&t.c, f, &err) < 0);
	sc_fstab_free(f);
	assert_file(t.out, "sub/fstab", host_fstab);
	assert_false(exists(t.out, "sub/fstab" SC_FSTAB_BACKUP_SUFFIX));
	assert_false(exists(t.in, "sub"));
	free(target);
	tree_done(&t);
}

static void sysctl_links(bool absolute)
{
	struct sc_atomic_opts o = {.mode = 0644};
	struct sc_sysctl_dropin d;
	struct sc_sysctl_boot b;
	struct sc_err err = {0};
	struct tree t;
	char *target, *secret, *dir;

	tree_init(&t);
	sc_test_write(t.out, "sysctl.d/" SC_SYSCTL_DROPIN, "vm.swappiness = 77\n");
	sc_test_write(t.out, "sysctl.d/60-host.conf", "vm.swappiness = 0\n");
	sc_test_write(t.out, "secret.conf", "vm.page-cluster = 9\n");
	dir = cat(t.in, "/sysctl.d");
	mkdirs(dir);
	free(dir);
	target = escape(&t, absolute, "sysctl.d");
	link_at(&t, target, "/etc/sysctl.d");
	/* /usr/lib/sysctl.d/50-x.conf -> ../../../...<out>/secret.conf */
	secret = escape(&t, absolute, "secret.conf");
	sc_test_write(t.root, "usr/lib/sysctl.d/.keep", "");
	link_at(&t, secret, "/usr/lib/sysctl.d/50-x.conf");

	/* Not read: the host's drop-in, its other files, the secret. */
	assert_int_equal(sc_sysctl_dropin_load(&t.c, &d, &err), 0);
	assert_false(d.exists);
	assert_int_equal(sc_sysctl_boot_resolve(&t.c, &b), 0);
	assert_null(b.systemd[SC_VM_SWAPPINESS].file);
	assert_null(b.systemd[SC_VM_PAGE_CLUSTER].file);
	sc_sysctl_boot_done(&b);

	/* The same links inside the root are followed there. */
	sc_test_write(t.in, "secret.conf", "vm.page-cluster = 2\n");
	sc_test_write(t.in, "sysctl.d/60-image.conf", "vm.swappiness = 5\n");
	assert_int_equal(sc_sysctl_boot_resolve(&t.c, &b), 0);
	assert_string_equal(b.systemd[SC_VM_PAGE_CLUSTER].value, "2");
	assert_string_equal(b.systemd[SC_VM_SWAPPINESS].value, "5");
	sc_sysctl_boot_done(&b);

	/* Not written: the drop-in goes inside the root. */
	assert_int_equal(sc_atomic_replace(&t.c, d.path, "vm.swappiness = 10\n", 19, &o), 0);
	assert_file(t.out, "sysctl.d/" SC_SYSCTL_DROPIN, "vm.swappiness = 77\n");
	assert_file(t.in, "sysctl.d/" SC_SYSCTL_DROPIN, "vm.swappiness = 10\n");
	sc_sysctl_dropin_done(&d);

	free(secret);
	free(target);
	tree_done(&t);
}

static void test_sysctl_absolute_links(void **state)
{
	sysctl_links(true);
}

static void test_sysctl_relative_links(void **state)
{
	sysctl_links(false);
}

static int parse_copy(const char *text, void *ret, struct sc_err *err)
{
	*(char **)ret = strdup(text);
	return 0;
}

static void config_link(bool absolute)
{
	struct sc_file_id id;
	struct sc_err err = {0};
	char *text = NULL, *target, *dir;
	struct tree t;

	tree_init(&t);
	sc_test_write(t.out, "swapctl/zram.conf", "host\n");
	target = escape(&t, absolute, "swapctl");
	link_at(&t, target, "/etc/swapctl");

	/* The directory the link names does not exist inside: nothing is read or written. */
	assert_int_equal(sc_config_load(&t.c, "zram.conf", parse_copy, &text, &id, &err), 0);
	assert_null(text);
	assert_true(sc_config_write(&t.c, "zram.conf", "image\n", &id, &err) < 0);
	assert_file(t.out, "swapctl/zram.conf", "host\n");

	/* Once it does, the link is followed there. */
	dir = cat(t.in, "/swapctl");
	mkdirs(dir);
	free(dir);
	assert_int_equal(sc_config_write(&t.c, "zram.conf", "image\n", &id, &err), 0);
	assert_file(t.in, "swapctl/zram.conf", "image\n");
	assert_int_equal(sc_config_load(&t.c, "zram.conf", parse_copy, &text, &id, &err), 0);
	assert_string_equal(text, "image\n");
	free(text);
	assert_file(t.out, "swapctl/zram.conf", "host\n");

	free(target);
	tree_done(&t);
}

static void test_config_absolute_link(void **state)
{
	config_link(true);
}

static void test_config_relative_link(void **state)
{
	config_link(false);
}

/* The swap directory: swapctl never follows a link on the way to a swapfile. */
static void swapdir_link(bool absolute)
{
	struct sc_swapfile_opts o = {.size = 40 << 10, .reserve = 0};
	struct sc_err err = {0};
	char *target, *file, *dir, *sub;
	struct tree t;

	tree_init(&t);
	sc_test_write(t.out, "swap/.keep", "");
	target = escape(&t, absolute, "swap");
	link_at(&t, target, "/swap");
	file = cat(t.root, "/swap/f");
	dir = cat(t.root, "/swap");
	sub = cat(t.root, "/swap/sub");

	assert_true(sc_swapfile_create(&t.c, file, &o, &err) < 0);
	sc_err_clear(&err);
	assert_true(sc_swapfile_mkdir(&t.c, dir, NULL, &err) < 0);
	sc_err_clear(&err);
	assert_true(sc_swapfile_mkdir(&t.c, sub, NULL, &err) < 0);
	sc_err_clear(&err);
	assert_true(sc_swapfile_create(&t.c, file, &o, &err) < 0);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_false(exists(t.out, "swap/f"));
	assert_false(exists(t.out, "swap/sub"));
	assert_false(exists(t.in, "swap"));

	free(sub);
	free(dir);
	free(file);
	free(target);
	tree_done(&t);
}

static void test_swapdir_absolute_link(void **state)
{
	swapdir_link(true);
}

static void test_swapdir_relative_link(void **state)
{
	swapdir_link(false);
}

static void journal_link(bool absolute)
{
	static const char host_journal[] =
		"version=1\nold=/swap/a\nnew=/swap/b\nsize=1048576\npriority=10\n";
	struct sc_rotation rot = {
		.old_path = "/swap/swapfile",
		.new_path = "/swap/swapfile.1",
		.size = 1 << 20,
		.priority = 10,
		.persist = true,
	};
	struct sc_rotate_journal j = {0};
	struct tree t;
	char *target, *link;
	struct stat st;

	tree_init(&t);
	sc_test_write(t.out, "journal", host_journal);
	target = escape(&t, absolute, "journal");
	link_at(&t, target, "/etc/fstab" SC_ROTATE_JOURNAL_SUFFIX);

	/* Not read: the image has no journal of its own. */
	assert_int_equal(sc_rotate_journal_read(&t.c, &j), 0);
	sc_rotate_journal_done(&j);
	/* Not written: the journal lands inside the root. */
	assert_int_equal(sc_rotate_journal_write(&t.c, &rot), 0);
	assert_file(t.out, "journal", host_journal);
	assert_true(contains(t.in, "journal", "/swap/swapfile.1"));
	assert_int_equal(sc_rotate_journal_read(&t.c, &j), 1);
	assert_string_equal(j.new_path, "/swap/swapfile.1");
	sc_rotate_journal_done(&j);
	/* Removing it removes the image's link, never the host's file. */
	assert_int_equal(sc_rotate_journal_remove(&t.c), 0);
	link = cat(t.root, "/etc/fstab" SC_ROTATE_JOURNAL_SUFFIX);
	assert_int_equal(lstat(link, &st), -1);
	assert_file(t.out, "journal", host_journal);
	free(link);

	free(target);
	tree_done(&t);
}

static void test_journal_absolute_link(void **state)
{
	journal_link(true);
}

static void test_journal_relative_link(void **state)
{
	journal_link(false);
}

static bool has_finding(const struct sc_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return true;
	return false;
}

/* doctor --root looks at the image's swapfile, not the host file an image link names. */
static void doctor_link(bool absolute)
{
	struct sc_doctor_observed s = {0};
	struct sc_findings f = {0};
	struct sc_err err = {0};
	struct tree t;
	char *target, *host;

	tree_init(&t);
	sc_test_write(t.root, "etc/fstab", "/swapfile none swap sw 0 0\n");
	sc_test_write(t.out, "swapfile", "host");
	host = cat(t.out, "/swapfile");
	assert_int_equal(chmod(host, 0644), 0);
	target = escape(&t, absolute, "swapfile");
	link_at(&t, target, "/swapfile");
	/* dphys-swapfile's configuration, if read on the host, would claim /swapfile. */
	sc_test_write(t.out, "dphys", "CONF_SWAPFILE=/swapfile\n");
	free(target);
	target = escape(&t, absolute, "dphys");
	link_at(&t, target, "/etc/dphys-swapfile");

	s.fstab_path = strdup("/etc/fstab");
	assert_int_equal(sc_observe(&t.c, SC_DOCTOR_OBSERVE, &s.obs), 0);
	assert_true(s.obs.fstab_ok);
	assert_int_equal(sc_doctor_gather(&t.c, &s, &err), 0);
	assert_int_equal(sc_doctor_check(&s, &f), 0);
	/* Inside the root /swapfile leads to <root><out>/swapfile, which does not exist. */
	assert_true(has_finding(&f, "fstab-swap-missing"));
	assert_false(has_finding(&f, "swapfile-insecure"));
	sc_findings_free(&f);
	sc_doctor_observed_done(&s);

	free(host);
	free(target);
	tree_done(&t);
}

static void test_doctor_absolute_link(void **state)
{
	doctor_link(true);
}

static void test_doctor_relative_link(void **state)
{
	doctor_link(false);
}

/* The helpers themselves: ".." and absolute links stop at the root; without one, the host. */
static void test_ctx_helpers(void **state)
{
	struct sc_ctx host;
	struct tree t;
	char *p, *text = NULL, *target;
	struct stat st;
	int fd;

	tree_init(&t);
	sc_test_write(t.out, "file", "host");
	sc_test_write(t.in, "file", "image");
	assert_true(asprintf(&p, "%s/../../../../../../../..%s/file", t.root, t.out) > 0);
	assert_int_equal(sc_ctx_read(&t.c, p, 64, &text, NULL), 0);
	assert_string_equal(text, "image");
	free(text);
	free(p);
	target = escape(&t, true, "file");
	link_at(&t, target, "/abs");
	p = cat(t.root, "/abs");
	fd = sc_ctx_open(&t.c, p, O_RDONLY, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sc_ctx_read(&t.c, p, 64, &text, NULL), 0);
	assert_string_equal(text, "image");
	free(text);
	assert_int_equal(sc_ctx_stat(&t.c, p, false, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(sc_ctx_resolve(&t.c, p, &text), 0);
	free(p);
	p = cat(t.out, "/file");
	assert_string_equal(sc_ctx_boot_path(&t.c, text), p);
	free(text);
	free(p);
	p = cat(t.root, "/abs");

	/* No root: the same link is the host's, as before. */
	assert_int_equal(sc_ctx_init(&host, &sc_sys_real, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(sc_ctx_read(&host, p, 64, &text, NULL), 0);
	assert_string_equal(text, "host");
	free(text);
	sc_ctx_done(&host);
	free(p);
	free(target);
	tree_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fstab_absolute_link),
		cmocka_unit_test(test_fstab_relative_link),
		cmocka_unit_test(test_fstab_dangling_inside),
		cmocka_unit_test(test_sysctl_absolute_links),
		cmocka_unit_test(test_sysctl_relative_links),
		cmocka_unit_test(test_config_absolute_link),
		cmocka_unit_test(test_config_relative_link),
		cmocka_unit_test(test_swapdir_absolute_link),
		cmocka_unit_test(test_swapdir_relative_link),
		cmocka_unit_test(test_journal_absolute_link),
		cmocka_unit_test(test_journal_relative_link),
		cmocka_unit_test(test_doctor_absolute_link),
		cmocka_unit_test(test_doctor_relative_link),
		cmocka_unit_test(test_ctx_helpers),
	};

	as_root_sys = sc_sys_real;
	sc_test_sys_as_root(&as_root_sys);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
