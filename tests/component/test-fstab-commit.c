/*
 * Committing an fstab: through a recording, failing fake of the system layer. Every syscall
 * of the commit fails in turn (the original stays intact, no temp file remains); a full disk;
 * a signal during the write; another editor (-ESTALE); symlinks, modes, owners, backups; the
 * validation refusing broken results; concurrent swapctl processes under the lock; and the
 * result as findmnt, libmount and getmntent read it.
 */
#include "fixture.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmount.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fstab-corpus.h"
#include "fstab.h"
#include "internal.h"
#include "lock.h"
#include "macro.h"
#include "util.h"

/* The running system: no root, paths used as given. */
static const struct sc_ctx host_ctx = {.sys = &sc_sys_real, .root = "", .sysroot = ""};

/* ---- the fake system layer ---- */

static struct {
	int calls;
	int fail_at; /* 0: never */
	const char *fail_name; /* or: the first call of this name */
	int fail_errno;
	bool short_write; /* the failing pwrite_all writes half first */
	bool zero_random; /* getrandom returns zeros: predictable temp names */
	char log[64][16];
	void (*on_fsync)(int n); /* called before the n-th fsync */
	int fsyncs;
	/* owners as fchown set them, by inode: faked, so the test runs unprivileged */
	struct {
		dev_t dev;
		ino_t ino;
		uid_t uid;
		gid_t gid;
	} owners[8];
	int n_owners;
} fk;

static void fk_set_owner(const struct stat *st, uid_t uid, gid_t gid)
{
	int i;

	for (i = 0; i < fk.n_owners; i++)
		if (fk.owners[i].dev == st->st_dev && fk.owners[i].ino == st->st_ino)
			break;
	if (i == fk.n_owners) {
		assert_true(fk.n_owners < 8);
		fk.n_owners++;
	}
	fk.owners[i].dev = st->st_dev;
	fk.owners[i].ino = st->st_ino;
	fk.owners[i].uid = uid;
	fk.owners[i].gid = gid;
}

static int fk_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r = sc_sys_real.fstatat(dirfd, path, st, flags);

	for (int i = 0; r == 0 && i < fk.n_owners; i++)
		if (fk.owners[i].dev == st->st_dev && fk.owners[i].ino == st->st_ino) {
			st->st_uid = fk.owners[i].uid;
			st->st_gid = fk.owners[i].gid;
		}
	return r;
}

static bool fail_now(const char *name)
{
	int n = ++fk.calls;

	if (n <= 64)
		snprintf(fk.log[n - 1], sizeof(fk.log[0]), "%s", name);
	if (fk.fail_name && !strcmp(fk.fail_name, name)) {
		fk.fail_name = NULL;
		fk.fail_at = n;
	}
	return n == fk.fail_at;
}

static int fk_getrandom(void *buf, size_t len)
{
	if (fail_now("getrandom"))
		return -fk.fail_errno;
	if (fk.zero_random) {
		memset(buf, 0, len);
		return (int)len;
	}
	return sc_sys_real.getrandom(buf, len);
}

static int fk_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return fail_now("openat") ? -fk.fail_errno : sc_sys_real.openat(dirfd, path, flags, mode);
}

static int fk_fchown(int fd, uid_t uid, gid_t gid)
{
	struct stat st;

	if (fail_now("fchown"))
		return -fk.fail_errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	fk_set_owner(&st, uid, gid);
	return 0;
}

static int fk_fchmod(int fd, mode_t mode)
{
	return fail_now("fchmod") ? -fk.fail_errno : sc_sys_real.fchmod(fd, mode);
}

static int fk_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	if (fail_now("pwrite_all")) {
		if (fk.short_write && len > 1)
			assert_int_equal(sc_sys_real.pwrite_all(fd, buf, len / 2, off), 0);
		return -fk.fail_errno;
	}
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static int fk_fsync(int fd)
{
	if (fk.on_fsync)
		fk.on_fsync(++fk.fsyncs);
	return fail_now("fsync") ? -fk.fail_errno : sc_sys_real.fsync(fd);
}

static int fk_unlinkat(int dirfd, const char *path, int flags)
{
	return fail_now("unlinkat") ? -fk.fail_errno : sc_sys_real.unlinkat(dirfd, path, flags);
}

static int fk_linkat(int od, const char *op, int nd, const char *np, int flags)
{
	return fail_now("linkat") ? -fk.fail_errno : sc_sys_real.linkat(od, op, nd, np, flags);
}

static int fk_renameat(int od, const char *op, int nd, const char *np)
{
	return fail_now("renameat") ? -fk.fail_errno : sc_sys_real.renameat(od, op, nd, np);
}

static struct sc_sys fake_sys(void)
{
	struct sc_sys s = sc_sys_real;

	s.getrandom = fk_getrandom;
	s.openat = fk_openat;
	s.fchown = fk_fchown;
	s.fstatat = fk_fstatat;
	s.fchmod = fk_fchmod;
	s.pwrite_all = fk_pwrite_all;
	s.fsync = fk_fsync;
	s.unlinkat = fk_unlinkat;
	s.linkat = fk_linkat;
	s.renameat = fk_renameat;
	return s;
}

static void fk_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.fail_errno = EIO;
}

static int fk_index(const char *name, int nth)
{
	for (int i = 0; i < SC_MIN(fk.calls, 64); i++)
		if (!strcmp(fk.log[i], name) && nth-- == 0)
			return i;
	return -1;
}

/* ---- helpers ---- */

static const char base[] =
	"# /etc/fstab: static file system information.\n"
	"UUID=5f0a1c3e-8a3b-4b5e-9f7c-2d1e0b6a7c44 / ext4 errors=remount-ro 0 1\n"
	"# swap was on /dev/vda5 during installation\n"
	"/var/swap none swap sw 0 0\n";

static const struct sc_swap_spec spec = {
	.path = "/swap/swapfile", .priority = 10, .managed = true, .nofail = true};

static char *path_in(const char *dir, const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void assert_content(const char *path, const char *want, size_t len)
{
	size_t got_len;
	char *got = sc_test_read_len(path, &got_len);

	if (got_len != len || memcmp(got, want, len) != 0)
		fail_msg("%s:\n%s\nwanted:\n%.*s", path, got, (int)len, want);
	free(got);
}

/* Nothing but the named files in dir (no temp file left behind). */
static void assert_dir_holds(const char *dir, const char *const *names, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d))) {
		bool known = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");

		for (size_t i = 0; i < n; i++)
			known = known || !strcmp(de->d_name, names[i]);
		if (!known)
			fail_msg("%s: unexpected file %s", dir, de->d_name);
	}
	closedir(d);
}

static bool has_temp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)))
		found = found || strstr(de->d_name, ".swapctl-") != NULL;
	closedir(d);
	return found;
}

struct env {
	char *dir, *fstab;
	struct sc_sys sys;
	struct sc_ctx c;
};

static void env_init(struct env *e, const char *content, mode_t mode)
{
	fk_reset();
	e->dir = sc_test_mkdtemp();
	e->fstab = path_in(e->dir, "fstab");
	if (content)
		write_file(e->fstab, content, strlen(content), mode);
	e->sys = fake_sys();
	assert_int_equal(sc_ctx_init(&e->c, &e->sys, NULL, e->dir, e->fstab, NULL), 0);
}

static void env_done(struct env *e)
{
	sc_ctx_done(&e->c);
	sc_test_rmtree(e->dir);
	free(e->dir);
	free(e->fstab);
}

static struct sc_fstab *load(const char *path)
{
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};

	if (sc_fstab_load(&host_ctx, path, &f, &err) != 0)
		fail_msg("load: %s", err.msg);
	sc_fstab_set_resolver(f, NULL, NULL);
	return f;
}

static void edit(struct sc_fstab *f, const struct sc_swap_spec *s)
{
	struct sc_err err = {0};

	if (sc_fstab_set_swap(f, s, &err) < 0)
		fail_msg("set: %s", err.msg);
}

static char *render(const struct sc_fstab *f, size_t *len)
{
	char *t;

	assert_int_equal(sc_fstab_render(f, &t, len), 0);
	return t;
}

/* ---- tests ---- */

static void test_commit_writes_keeps_mode_owner_backup(void **state)
{
	static const char *const names[] = {"fstab", "fstab.swapctl~"};
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	struct stat st;
	char *text, *backup;
	size_t len;

	env_init(&e, base, 0600);
	assert_int_equal(stat(e.fstab, &st), 0);
	fk_set_owner(&st, 1234, 5678);
	f = load(e.fstab);
	edit(f, &spec);
	text = render(f, &len);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);

	assert_content(e.fstab, text, len);
	assert_int_equal(fk_fstatat(AT_FDCWD, e.fstab, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600); /* libmount's writer forces 0644 */
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	backup = path_in(e.dir, "fstab.swapctl~");
	assert_content(backup, base, strlen(base));
	assert_dir_holds(e.dir, names, 2);

	/* The order that makes it crash-safe: data synced before the rename, directory after. */
	assert_true(fk_index("pwrite_all", 0) < fk_index("fsync", 0));
	assert_true(fk_index("fsync", 0) < fk_index("linkat", 0));
	assert_true(fk_index("linkat", 0) < fk_index("renameat", 0));
	assert_true(fk_index("renameat", 0) < fk_index("fsync", 1));
	assert_int_equal(fk_index("renameat", 1), -1);

	/* The document now describes the new file: edit and commit again. */
	assert_false(sc_fstab_modified(f));
	assert_int_equal(sc_fstab_remove_swap(f, spec.path), 1);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	assert_content(e.fstab, base, strlen(base));
	assert_content(backup, text, len);
	assert_dir_holds(e.dir, names, 2);

	free(backup);
	free(text);
	sc_fstab_free(f);
	env_done(&e);
}

static void test_commit_unmodified_writes_nothing(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	struct sc_swap_spec s = {.path = "/var/swap", .priority = -1};

	env_init(&e, base, 0644);
	f = load(e.fstab);
	/* "sw" already says it: nothing to change. */
	assert_int_equal(sc_fstab_set_swap(f, &s, &err), 0);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	assert_int_equal(fk.calls, 0);
	assert_false(has_temp(e.dir));
	sc_fstab_free(f);
	env_done(&e);
}

static void test_commit_new_file(void **state)
{
	static const char *const names[] = {"fstab"};
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	struct stat st;

	env_init(&e, NULL, 0);
	f = load(e.fstab);
	assert_true(sc_fstab_is_new(f));
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	assert_int_equal(stat(e.fstab, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_content(e.fstab, "/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n",
		strlen("/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n"));
	assert_dir_holds(e.dir, names, 1);
	sc_fstab_free(f);
	env_done(&e);
}

/*
 * add, then remove in a later run (a fresh load), gives back the bytes of a file lacking a
 * final newline; the file in between reads to libmount and getmntent as the swap entry.
 */
static void test_add_remove_restores_file_without_newline(void **state)
{
	static const char *const names[] = {"fstab", "fstab.swapctl~"};
	static const char text[] = "# image\nUUID=0b7e0a52 / ext4 defaults 0 1";
	struct libmnt_table *tb = mnt_new_table();
	struct sc_err err = {0};
	struct libmnt_fs *fs;
	struct sc_fstab *f;
	struct mntent *m;
	struct env e;
	FILE *fp;

	env_init(&e, text, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);

	assert_int_equal(mnt_table_parse_fstab(tb, e.fstab), 0);
	assert_int_equal(mnt_table_get_nents(tb), 2);
	assert_int_equal(mnt_table_last_fs(tb, &fs), 0);
	assert_string_equal(mnt_fs_get_source(fs), "/swap/swapfile");
	assert_int_equal(mnt_fs_get_passno(fs), 0);
	fp = setmntent(e.fstab, "r");
	assert_non_null(getmntent(fp));
	m = getmntent(fp);
	assert_non_null(m);
	assert_string_equal(m->mnt_fsname, "/swap/swapfile");
	assert_string_equal(m->mnt_opts, "defaults,pri=10,x-swapctl,nofail");
	assert_null(getmntent(fp));
	endmntent(fp);
	mnt_unref_table(tb);

	f = load(e.fstab);
	assert_int_equal(sc_fstab_remove_swap(f, spec.path), 1);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);
	assert_content(e.fstab, text, strlen(text));
	assert_dir_holds(e.dir, names, 2);
	env_done(&e);
}

/* An fstab add created: remove leaves it empty, the version it replaced as the backup. */
static void test_add_remove_new_file(void **state)
{
	static const char *const names[] = {"fstab", "fstab.swapctl~"};
	static const char line[] =
		"/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n";
	struct sc_err err = {0};
	struct sc_fstab *f;
	char *backup;
	struct env e;

	env_init(&e, NULL, 0);
	f = load(e.fstab);
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);
	f = load(e.fstab);
	assert_int_equal(sc_fstab_remove_swap(f, spec.path), 1);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);
	assert_content(e.fstab, "", 0);
	backup = path_in(e.dir, "fstab.swapctl~");
	assert_content(backup, line, strlen(line));
	assert_dir_holds(e.dir, names, 2);
	/* add on the empty file writes what add on the missing one did */
	f = load(e.fstab);
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);
	assert_content(e.fstab, line, strlen(line));
	free(backup);
	env_done(&e);
}

/* The line glibc reads as the path asked for is updated: each reader then sees one entry. */
static void test_add_over_glibc_reading(void **state)
{
	struct sc_swap_spec s = spec;
	struct libmnt_table *tb = mnt_new_table();
	struct sc_err err = {0};
	struct libmnt_fs *fs;
	struct sc_fstab *f;
	struct mntent *m;
	struct env e;
	FILE *fp;

	env_init(&e, "/swap/my\\040swap\\\\file none swap sw 0 0\n", 0644);
	s.path = "/swap/my swap\\file";
	f = load(e.fstab);
	edit(f, &s);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	sc_fstab_free(f);
	assert_int_equal(mnt_table_parse_fstab(tb, e.fstab), 0);
	assert_int_equal(mnt_table_get_nents(tb), 1);
	assert_int_equal(mnt_table_first_fs(tb, &fs), 0);
	assert_string_equal(mnt_fs_get_source(fs), s.path);
	mnt_unref_table(tb);
	fp = setmntent(e.fstab, "r");
	m = getmntent(fp);
	assert_non_null(m);
	assert_string_equal(m->mnt_fsname, s.path);
	assert_null(getmntent(fp));
	endmntent(fp);
	env_done(&e);
}

static void test_commit_dry_run(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};

	env_init(&e, base, 0644);
	e.c.dry_run = true;
	f = load(e.fstab);
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);
	assert_int_equal(fk.calls, 0);
	assert_content(e.fstab, base, strlen(base));
	assert_true(sc_fstab_modified(f));
	sc_fstab_free(f);
	env_done(&e);
}

static void test_commit_symlink_target_replaced(void **state)
{
	static const char *const etc_names[] = {"fstab"};
	static const char *const real_names[] = {"fstab.real", "fstab.real.swapctl~"};
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	char *etc, *real, *link, *target, *text, buf[256];
	struct stat st;
	size_t len;
	ssize_t n;

	env_init(&e, NULL, 0);
	etc = path_in(e.dir, "etc");
	real = path_in(e.dir, "real");
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(real, 0755), 0);
	link = path_in(etc, "fstab");
	target = path_in(real, "fstab.real");
	write_file(target, base, strlen(base), 0640);
	assert_int_equal(symlink("../real/fstab.real", link), 0);

	f = load(link);
	edit(f, &spec);
	text = render(f, &len);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), 0);

	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	n = readlink(link, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "../real/fstab.real");
	assert_content(target, text, len);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_dir_holds(etc, etc_names, 1);
	assert_dir_holds(real, real_names, 2);

	free(text);
	free(etc);
	free(real);
	free(link);
	free(target);
	sc_fstab_free(f);
	env_done(&e);
}

static void test_commit_stale(void **state)
{
	static const char other[] =
		"# edited by another program\n/dev/vdb1 /data ext4 defaults 0 2\n";
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	char *msg;

	env_init(&e, base, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	write_file(e.fstab, other, strlen(other), 0644);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -ESTALE);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_true(
		asprintf(&msg,
			"%s: changed by another program since it was read; run the command again",
			e.fstab) > 0);
	assert_string_equal(err.msg, msg);
	free(msg);
	assert_content(e.fstab, other, strlen(other));
	assert_false(has_temp(e.dir));
	sc_fstab_free(f);
	env_done(&e);
}

static const char *window_path;

/* Another editor writes the file while swapctl's temp file is being synced. */
static void edit_in_window(int n)
{
	if (n == 1)
		write_file(window_path, "# theirs\n", 9, 0644);
}

static void test_commit_stale_in_window(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};

	env_init(&e, base, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	window_path = e.fstab;
	fk.on_fsync = edit_in_window;
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -ESTALE);
	assert_content(e.fstab, "# theirs\n", 9);
	assert_int_equal(fk_index("renameat", 0), -1);
	assert_false(has_temp(e.dir));
	sc_fstab_free(f);
	env_done(&e);
}

/* Same inode, size and mtime, other bytes: the content hash notices. */
static void test_commit_stale_same_size_and_mtime(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	struct stat st;
	char *other = strdup(base);
	struct timespec ts[2];
	int fd;

	env_init(&e, base, 0644);
	assert_int_equal(stat(e.fstab, &st), 0);
	f = load(e.fstab);
	edit(f, &spec);
	other[strlen(other) - 2] = '1'; /* "sw 0 0" -> "sw 0 1" */
	fd = open(e.fstab, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, other, strlen(other), 0), (ssize_t)strlen(other));
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(futimens(fd, ts), 0);
	close(fd);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -ESTALE);
	assert_content(e.fstab, other, strlen(other));
	free(other);
	sc_fstab_free(f);
	env_done(&e);
}

/* Fail each system call of the commit in turn. */
static void test_commit_fails_each_syscall(void **state)
{
	int k;

	for (k = 1;; k++) {
		struct env e;
		struct sc_fstab *f;
		struct sc_err err = {0};
		char *text, *backup;
		size_t len;
		int r;

		env_init(&e, base, 0644);
		f = load(e.fstab);
		edit(f, &spec);
		text = render(f, &len);
		fk.fail_at = k;
		r = sc_fstab_commit(&e.c, f, &err);
		if (fk.calls < k) {
			/* Every call has been failed once; this run had no failure. */
			assert_int_equal(r, 0);
			assert_content(e.fstab, text, len);
			free(text);
			sc_fstab_free(f);
			env_done(&e);
			break;
		}
		assert_int_equal(r, -EIO);
		assert_true(err.msg[0] != '\0');
		if (fk_index("renameat", 0) >= 0 && fk_index("renameat", 0) < k - 1) {
			/* Only the directory fsync comes after the rename: the new text is in. */
			assert_string_equal(fk.log[k - 1], "fsync");
			assert_non_null(strstr(err.msg, "syncing its directory"));
			assert_content(e.fstab, text, len);
		} else {
			assert_content(e.fstab, base, strlen(base));
			assert_non_null(strstr(err.msg, "cannot write"));
			assert_non_null(strstr(err.hint, "not changed"));
		}
		if (has_temp(e.dir))
			fail_msg("failing call %d (%s) left a temp file", k, fk.log[k - 1]);
		backup = path_in(e.dir, "fstab.swapctl~");
		if (access(backup, F_OK) == 0)
			assert_content(backup, base, strlen(base));
		free(backup);
		free(text);
		sc_fstab_free(f);
		env_done(&e);
	}
	print_message("failed each of %d calls in turn\n", k - 1);
	assert_true(k > 8);
}

static void test_commit_full_disk(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};

	env_init(&e, base, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	fk.fail_name = "pwrite_all";
	fk.fail_errno = ENOSPC;
	fk.short_write = true;
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -ENOSPC);
	assert_string_equal(fk.log[fk.fail_at - 1], "pwrite_all");
	assert_content(e.fstab, base, strlen(base));
	assert_non_null(strstr(err.msg, strerror(ENOSPC)));
	assert_non_null(strstr(err.hint, "free space"));
	assert_false(has_temp(e.dir));
	assert_int_equal(fk_index("renameat", 0), -1);
	sc_fstab_free(f);
	env_done(&e);
}

/* A file squatting on the temp name is neither used nor removed. */
static void test_commit_temp_name_taken(void **state)
{
	static const char *const names[] = {"fstab", ".fstab.swapctl-000000000000"};
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	char *squat;

	env_init(&e, base, 0644);
	squat = path_in(e.dir, ".fstab.swapctl-000000000000");
	write_file(squat, "not yours\n", 10, 0600);
	fk.zero_random = true;
	f = load(e.fstab);
	edit(f, &spec);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -EEXIST);
	assert_content(squat, "not yours\n", 10);
	assert_content(e.fstab, base, strlen(base));
	assert_int_equal(fk_index("unlinkat", 0), -1);
	assert_dir_holds(e.dir, names, 2);
	free(squat);
	sc_fstab_free(f);
	env_done(&e);
}

static void raise_term(int n)
{
	if (n == 1)
		raise(SIGTERM);
}

/* SIGTERM while the temp file exists: it is held off, and no temp file survives the kill. */
static void test_commit_signal(void **state)
{
	struct env e;
	struct sc_fstab *f;
	char *text;
	size_t len, got_len;
	int status;
	pid_t pid;

	env_init(&e, base, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	text = render(f, &len);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sc_err err = {0};

		signal(SIGTERM, SIG_DFL);
		fk.on_fsync = raise_term;
		sc_fstab_commit(&e.c, f, &err);
		_exit(0); /* not reached: the held-off SIGTERM ends the process */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_false(has_temp(e.dir));
	{
		char *got = sc_test_read_len(e.fstab, &got_len);

		/* Either version, whole; never a torn one. */
		assert_true((got_len == len && !memcmp(got, text, len)) ||
			(got_len == strlen(base) && !memcmp(got, base, got_len)));
		free(got);
	}
	free(text);
	sc_fstab_free(f);
	env_done(&e);
}

/* The validation is not a formality: results the edits did not promise are refused. */
static void test_commit_refuses_unpromised_changes(void **state)
{
	struct env e;
	struct sc_fstab *f;
	struct sc_err err = {0};
	char *bad;

	/* An untouched line changed behind the editor's back. */
	env_init(&e, base, 0644);
	f = load(e.fstab);
	edit(f, &spec);
	bad = strdup("# /etc/fstab: static file system information!\n");
	f->lines[0].own = bad;
	f->lines[0].text = bad;
	f->lines[0].len = strlen(bad);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(fk.calls, 0);
	assert_content(e.fstab, base, strlen(base));
	sc_fstab_free(f);

	/* A line dropped. */
	f = load(e.fstab);
	edit(f, &spec);
	memmove(&f->lines[1], &f->lines[2], (f->n - 2) * sizeof(f->lines[0]));
	f->n--;
	sc_err_clear(&err);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "removed line"));
	sc_fstab_free(f);

	/* A written line that libmount would reject. */
	f = load(e.fstab);
	edit(f, &spec);
	bad = strdup("/swap/swapfile none swap defaults zero 0\n");
	free(f->lines[f->n - 1].own);
	f->lines[f->n - 1].own = bad;
	f->lines[f->n - 1].text = bad;
	f->lines[f->n - 1].len = strlen(bad);
	sc_line_classify(&f->lines[f->n - 1]);
	sc_err_clear(&err);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "line 5"));
	sc_fstab_free(f);

	/* Two lines for one source. */
	f = load(e.fstab);
	edit(f, &spec);
	assert_true(f->n < f->cap);
	f->lines[f->n] = f->lines[f->n - 1];
	f->lines[f->n].own = strdup(f->lines[f->n - 1].text);
	f->lines[f->n].text = f->lines[f->n].own;
	f->n++;
	sc_err_clear(&err);
	assert_int_equal(sc_fstab_commit(&e.c, f, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "duplicated"));
	sc_fstab_free(f);

	assert_int_equal(fk.calls, 0);
	assert_content(e.fstab, base, strlen(base));
	env_done(&e);
}

/* Several swapctl processes, each under the lock: load, add its entry, commit. All land. */
static void test_concurrent_processes(void **state)
{
	enum { N = 8 };
	struct env e;
	struct sc_fstab *f;
	pid_t pids[N];
	char *run;
	size_t len;
	char *got;

	env_init(&e, base, 0644);
	run = path_in(e.dir, "run");
	assert_int_equal(mkdir(run, 0755), 0);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			struct sc_ctx c;
			struct sc_err err = {0};
			struct sc_fstab *mine = NULL;
			char path[64];
			struct sc_swap_spec s = {.path = path, .priority = i, .managed = true};
			int fd = -1, r;

			snprintf(path, sizeof(path), "/swap/concurrent-%d", i);
			if (sc_ctx_init(&c, &sc_sys_real, NULL, e.dir, e.fstab, NULL) < 0)
				_exit(10);
			if (sc_lock_acquire(&c, 60000, &fd, &err) < 0)
				_exit(11);
			r = sc_fstab_load(&c, c.fstab, &mine, &err);
			if (r >= 0)
				r = sc_fstab_set_swap(mine, &s, &err);
			if (r >= 0)
				r = sc_fstab_commit(&c, mine, &err);
			sc_lock_release(&c, fd);
			sc_fstab_free(mine);
			sc_ctx_done(&c);
			if (r < 0)
				fprintf(stderr, "child %d: %s\n", i, err.msg);
			_exit(r < 0 ? 12 : 0);
		}
	}
	for (int i = 0; i < N; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	f = load(e.fstab);
	for (int i = 0; i < N; i++) {
		char path[64];
		struct sc_fstab_entry en;

		snprintf(path, sizeof(path), "/swap/concurrent-%d", i);
		assert_int_equal(sc_fstab_find_swap(f, path, &en), 1);
		assert_int_equal(en.priority, i);
		sc_fstab_entry_done(&en);
	}
	got = sc_test_read_len(e.fstab, &len);
	assert_int_equal(len,
		strlen(base) +
			N *
				strlen("/swap/concurrent-0 none swap "
				       "defaults,pri=0,x-swapctl 0 0\n"));
	assert_memory_equal(got, base, strlen(base));
	assert_false(has_temp(e.dir));
	free(got);
	free(run);
	sc_fstab_free(f);
	env_done(&e);
}

static const struct sc_swap_spec written[] = {
	{.path = "/swap/plain", .priority = -1},
	{.path = "/swap/with space", .priority = 5, .managed = true, .nofail = true},
	{.path = "/swap/tab\there", .priority = 0, .discard = ""},
	{.path = "/swap/new\nline", .priority = 32767, .discard = "once", .managed = true},
	{.path = "/swap/back\\slash", .priority = -1, .discard = "pages", .nofail = true},
	{.path = "/swap/hash#mark", .priority = 1, .managed = true},
	{.path = "/swap/naïve ünïcode", .priority = 2, .managed = true, .nofail = true},
	{.path = "/swap/\\040literal", .priority = 3},
};

/* Write lines for tricky paths through a commit, then read the file as the readers do. */
static void write_tricky(struct env *e)
{
	struct sc_fstab *f = load(e->fstab);
	struct sc_err err = {0};

	for (size_t i = 0; i < ELEMENTSOF(written); i++)
		edit(f, &written[i]);
	if (sc_fstab_commit(&e->c, f, &err) != 0)
		fail_msg("commit: %s", err.msg);
	sc_fstab_free(f);
}

/* Every line swapctl writes reads the same to libmount and to glibc getmntent(3). */
static void test_written_lines_read_alike(void **state)
{
	struct env e;
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	struct mntent *m;
	size_t seen = 0;
	FILE *fp;

	env_init(&e, "# tricky paths\n", 0644);
	write_tricky(&e);
	/* As swapon -a reads it: fstab format forced, every line. */
	assert_int_equal(mnt_table_parse_fstab(tb, e.fstab), 0);
	fp = setmntent(e.fstab, "r");
	assert_non_null(fp);
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		m = getmntent(fp);
		assert_non_null(m);
		assert_string_equal(m->mnt_fsname, mnt_fs_get_source(fs));
		assert_string_equal(m->mnt_fsname, written[seen].path);
		assert_string_equal(m->mnt_dir, mnt_fs_get_target(fs));
		assert_string_equal(m->mnt_type, mnt_fs_get_fstype(fs));
		assert_string_equal(m->mnt_type, "swap");
		assert_string_equal(m->mnt_opts, mnt_fs_get_options(fs));
		assert_int_equal(m->mnt_freq, mnt_fs_get_freq(fs));
		assert_int_equal(m->mnt_passno, mnt_fs_get_passno(fs));
		seen++;
	}
	assert_null(getmntent(fp));
	endmntent(fp);
	assert_int_equal(seen, ELEMENTSOF(written));
	mnt_free_iter(it);
	mnt_unref_table(tb);
	env_done(&e);
}

/* The result passes findmnt --verify: no parse error, no [E] line. */
static void test_findmnt_verify(void **state)
{
	struct env e;
	char *cmd, line[4096];
	bool summary = false;
	size_t lines = 0;
	FILE *p;

	if (system("findmnt --version >/dev/null 2>&1") != 0) {
		print_message("findmnt not installed, skipping\n");
		skip();
	}
	env_init(&e, "# swapctl wrote the rest\n", 0644);
	write_tricky(&e);
	assert_true(asprintf(&cmd, "findmnt --verify --verbose --tab-file '%s' 2>&1", e.fstab) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		lines++;
		if (strstr(line, "[E]") || strstr(line, "parse error at"))
			fail_msg("findmnt --verify: %s", line);
		if (strstr(line, "parse errors,")) {
			summary = true;
			if (!sc_startswith(line, "0 parse errors, 0 errors"))
				fail_msg("findmnt --verify: %s", line);
		}
	}
	pclose(p);
	assert_true(summary);
	/* It did verify something: a summary and one block per entry. */
	assert_true(lines > ELEMENTSOF(written));
	free(cmd);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_writes_keeps_mode_owner_backup),
		cmocka_unit_test(test_commit_unmodified_writes_nothing),
		cmocka_unit_test(test_commit_new_file),
		cmocka_unit_test(test_add_remove_restores_file_without_newline),
		cmocka_unit_test(test_add_remove_new_file),
		cmocka_unit_test(test_add_over_glibc_reading),
		cmocka_unit_test(test_commit_dry_run),
		cmocka_unit_test(test_commit_symlink_target_replaced),
		cmocka_unit_test(test_commit_stale),
		cmocka_unit_test(test_commit_stale_in_window),
		cmocka_unit_test(test_commit_stale_same_size_and_mtime),
		cmocka_unit_test(test_commit_fails_each_syscall),
		cmocka_unit_test(test_commit_full_disk),
		cmocka_unit_test(test_commit_temp_name_taken),
		cmocka_unit_test(test_commit_signal),
		cmocka_unit_test(test_commit_refuses_unpromised_changes),
		cmocka_unit_test(test_concurrent_processes),
		cmocka_unit_test(test_written_lines_read_alike),
		cmocka_unit_test(test_findmnt_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
