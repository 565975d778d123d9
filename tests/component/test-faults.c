/*
 * Fault injection: add, remove and rotate with each system-layer call failed in turn.
 *
 * The real command functions (sc_cmd_add, sc_cmd_remove, sc_cmd_rotate, with --json) run
 * against a fake system layer that numbers every call and fails call k, with EIO and then
 * with ENOSPC, for every k up to the number of calls a fault-free run makes. The fake lets
 * file operations really happen and plays the kernel's part for swap: swapon and swapoff
 * keep a fixture /proc/swaps, an active swapfile cannot be unlinked or renamed (EPERM),
 * statfs says ext4 and FIEMAP reports one written extent.
 *
 * After each failed run the tree must be in the command's complete old state or its
 * complete new state -- fstab's bytes, the files in the swap directory and next to fstab,
 * the active areas -- and the exit status 0 only for the new state. The states a command
 * documents as "not rolled back" are accepted only with the error that says so:
 *  - add: the new state, exit 1 and "committed": true, when only the fsync of fstab's
 *    directory failed after the rename (every reader already sees the new fstab);
 *  - remove: the area off but fstab and file unchanged (the fstab write failed after the
 *    swapoff); the area off and out of fstab but the file left, named by "leftover"; the new
 *    state with exit 1 and "committed": true when only the directory fsync after the unlink
 *    failed;
 *  - rotate: fstab naming the replacement, which is active, with the rotation journal left
 *    for the next run (exit 1).
 * Then a fault-free run of the same command must reach the new state with exit 0.
 *
 * The same commands are also run with SIGTERM raised during each call in turn (the signal
 * policy: no step cut short, the process then ends by the signal).
 *
 * Swapfiles must sit in a root-owned directory chain and be owned by root: the test runs in
 * a user namespace in which the caller is uid 0, chrooted into its fixture tree (the host's
 * /proc bound in, for /proc/self/fd), so it needs no privileges. It skips where user
 * namespaces are not available.
 */
#include "fixture.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/fiemap.h>
#include <linux/fs.h>

#include <json-c/json.h>

#include "cli.h"
#include "fstab.h"
#include "macro.h"
#include "procfs.h"
#include "rotate.h"
#include "signals.h"
#include "util.h"

#define MAGIC_EXT4   0xEF53
#define SYSROOT	     "/sysroot"
#define FSTAB	     "/etc/fstab"
#define SWAPDIR	     "/swap"
#define SWAPFILE     "/swap/swapfile"
#define MAX_CALLS    4096
#define FSTAB_BEFORE "# static file system information\n/dev/sda1 / ext4 errors=remount-ro 0 1\n"

/* ---- the fake system layer ---- */

static struct {
	struct sc_sys sys;
	int calls, fail_at, fail_err;
	int signal_at; /* call that raises SIGTERM as it runs (0: none) */
	const char *names[MAX_CALLS + 1]; /* names[k]: the k-th call of the last run */
	uint8_t rnd;
} F;

static bool step(const char *name)
{
	F.calls++;
	if (F.calls <= MAX_CALLS)
		F.names[F.calls] = name;
	if (F.signal_at && F.calls == F.signal_at)
		raise(SIGTERM);
	return F.fail_at && F.calls == F.fail_at;
}

#define STEP(name)                                                                                 \
	do {                                                                                       \
		if (step(name))                                                                    \
			return -F.fail_err;                                                        \
	} while (0)

static void swaps_read(struct sc_swaps *s)
{
	char *text = sc_test_read(SYSROOT "/proc/swaps");

	assert_int_equal(sc_swaps_parse(text, s), 0);
	free(text);
}

static void swaps_write(const struct sc_swaps *s)
{
	FILE *f = fopen(SYSROOT "/proc/swaps", "we");

	assert_non_null(f);
	fprintf(f, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%-40s%s\t%llu\t%llu\t%d\n", s->items[i].path, "file",
			(unsigned long long)s->items[i].size_bytes / 1024,
			(unsigned long long)s->items[i].used_bytes / 1024, s->items[i].priority);
	assert_int_equal(fclose(f), 0);
}

/* A path the product hands over (also /proc/self/fd/N) as the file's own path. */
static int resolve(const char *path, char *out, size_t size)
{
	if (sc_startswith(path, "/proc/self/fd/")) {
		ssize_t n = readlink(path, out, size - 1);
		if (n < 0)
			return -errno;
		out[n] = '\0';
		return 0;
	}
	return realpath(path, out) ? 0 : -errno;
}

static int dir_path(int dirfd, const char *name, char *out, size_t size)
{
	char fdp[64], d[PATH_MAX];
	ssize_t n;

	if (name[0] == '/' || dirfd == AT_FDCWD) {
		snprintf(out, size, "%s", name);
		return 0;
	}
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", dirfd);
	n = readlink(fdp, d, sizeof(d) - 1);
	if (n < 0)
		return -errno;
	d[n] = '\0';
	snprintf(out, size, "%s%s%s", d, strcmp(d, "/") ? "/" : "", name);
	return 0;
}

static bool is_active(const char *path)
{
	struct sc_swaps s = {0};
	bool r;

	swaps_read(&s);
	r = sc_swaps_find(&s, path) != NULL;
	sc_swaps_free(&s);
	return r;
}

static int fake_swapon(const char *path, int flags)
{
	char real[PATH_MAX];
	struct sc_swaps s = {0};
	struct sc_swap *items;
	struct stat st;

	STEP("swapon");
	if (resolve(path, real, sizeof(real)) < 0 || stat(real, &st) < 0)
		return -ENOENT;
	swaps_read(&s);
	if (sc_swaps_find(&s, real)) {
		sc_swaps_free(&s);
		return -EBUSY;
	}
	items = realloc(s.items, (s.n + 1) * sizeof(*items));
	assert_non_null(items);
	s.items = items;
	s.items[s.n++] = (struct sc_swap){
		.path = strdup(real),
		.type = SC_SWAP_FILE,
		.size_bytes = (uint64_t)st.st_size - 4096,
		.priority = (flags & SWAP_FLAG_PREFER) ? (flags & SWAP_FLAG_PRIO_MASK) : -2,
	};
	swaps_write(&s);
	sc_swaps_free(&s);
	return 0;
}

static int fake_swapoff(const char *path, struct sc_swapoff_result *ret)
{
	char real[PATH_MAX];
	struct sc_swaps s = {0};
	size_t k;

	STEP("swapoff");
	ret->error = 0;
	ret->signal = 0;
	if (resolve(path, real, sizeof(real)) < 0)
		snprintf(real, sizeof(real), "%s", path);
	swaps_read(&s);
	for (k = 0; k < s.n; k++)
		if (strcmp(s.items[k].path, real) == 0)
			break;
	if (k == s.n) {
		sc_swaps_free(&s);
		ret->error = -EINVAL;
		return 0;
	}
	free(s.items[k].path);
	memmove(&s.items[k], &s.items[k + 1], (s.n - k - 1) * sizeof(s.items[0]));
	s.n--;
	swaps_write(&s);
	sc_swaps_free(&s);
	return 0;
}

static int fake_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	STEP("openat");
	return sc_sys_real.openat(dirfd, path, flags, mode);
}

static int fake_mkdirat(int dirfd, const char *path, mode_t mode)
{
	STEP("mkdirat");
	return sc_sys_real.mkdirat(dirfd, path, mode);
}

/* The kernel refuses to unlink or rename an active swapfile (IS_SWAPFILE: EPERM). */
static bool active_at(int dirfd, const char *name)
{
	char p[PATH_MAX + NAME_MAX + 2];

	return dir_path(dirfd, name, p, sizeof(p)) == 0 && is_active(p);
}

static int fake_unlinkat(int dirfd, const char *path, int flags)
{
	STEP("unlinkat");
	if (active_at(dirfd, path))
		return -EPERM;
	return sc_sys_real.unlinkat(dirfd, path, flags);
}

static int fake_renameat(int od, const char *op, int nd, const char *np)
{
	STEP("renameat");
	if (active_at(od, op) || active_at(nd, np))
		return -EPERM;
	return sc_sys_real.renameat(od, op, nd, np);
}

static int fake_linkat(int od, const char *op, int nd, const char *np, int flags)
{
	STEP("linkat");
	return sc_sys_real.linkat(od, op, nd, np, flags);
}

static int fake_symlinkat(const char *target, int dirfd, const char *path)
{
	STEP("symlinkat");
	return sc_sys_real.symlinkat(target, dirfd, path);
}

static int fake_fallocate(int fd, int mode, off_t off, off_t len)
{
	STEP("fallocate");
	return sc_sys_real.fallocate(fd, mode, off, len);
}

static int fake_ftruncate(int fd, off_t len)
{
	STEP("ftruncate");
	return sc_sys_real.ftruncate(fd, len);
}

static int fake_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	STEP("pwrite");
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static int fake_fsync(int fd)
{
	STEP("fsync");
	return sc_sys_real.fsync(fd);
}

static int fake_syncfs(int fd)
{
	STEP("syncfs");
	return sc_sys_real.syncfs(fd);
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	STEP("ioctl");
	if (req == FS_IOC_GETFLAGS) {
		*(int *)arg = 0;
		return 0;
	}
	if (req == FS_IOC_SETFLAGS)
		return 0;
	if (req == FS_IOC_FIEMAP) {
		struct fiemap *fm = arg;
		struct stat st;

		assert_int_equal(fstat(fd, &st), 0);
		fm->fm_mapped_extents = 0;
		if (fm->fm_start >= (uint64_t)st.st_size || fm->fm_extent_count == 0)
			return 0;
		fm->fm_mapped_extents = 1;
		memset(&fm->fm_extents[0], 0, sizeof(fm->fm_extents[0]));
		fm->fm_extents[0].fe_length = (uint64_t)st.st_size;
		fm->fm_extents[0].fe_flags = FIEMAP_EXTENT_LAST;
		return 0;
	}
	return -ENOTTY;
}

static int fake_fchmod(int fd, mode_t mode)
{
	STEP("fchmod");
	return sc_sys_real.fchmod(fd, mode);
}

static int fake_fchown(int fd, uid_t uid, gid_t gid)
{
	STEP("fchown");
	return sc_sys_real.fchown(fd, uid, gid);
}

static int fake_fstatfs(int fd, struct statfs *buf)
{
	int r;

	STEP("fstatfs");
	r = sc_sys_real.fstatfs(fd, buf);
	if (r < 0)
		return r;
	buf->f_type = MAGIC_EXT4;
	buf->f_bsize = 4096;
	buf->f_blocks = (64ull << 30) / 4096;
	buf->f_bfree = buf->f_bavail = (32ull << 30) / 4096;
	buf->f_flags &= ~(typeof(buf->f_flags))ST_RDONLY;
	return 0;
}

static int fake_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	STEP("statx");
	return sc_sys_real.statx(dirfd, path, flags, mask, buf);
}

static int fake_flock(int fd, int op)
{
	STEP("flock");
	return sc_sys_real.flock(fd, op);
}

static int fake_write_attr(const char *path, const char *value)
{
	STEP("write_attr");
	return sc_sys_real.write_attr(path, value);
}

static int fake_read_attr(const char *path, char *buf, size_t len)
{
	STEP("read_attr");
	return sc_sys_real.read_attr(path, buf, len);
}

static int fake_run(char *const argv[])
{
	STEP("run");
	return 0; /* no helper program runs inside the fixture */
}

static int fake_getrandom(void *buf, size_t len)
{
	STEP("getrandom");
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = F.rnd++;
	return 0;
}

static void fake_init(void)
{
	F.sys = sc_sys_real;
	F.sys.swapon = fake_swapon;
	F.sys.swapoff = fake_swapoff;
	F.sys.openat = fake_openat;
	F.sys.mkdirat = fake_mkdirat;
	F.sys.unlinkat = fake_unlinkat;
	F.sys.renameat = fake_renameat;
	F.sys.linkat = fake_linkat;
	F.sys.symlinkat = fake_symlinkat;
	F.sys.fallocate = fake_fallocate;
	F.sys.ftruncate = fake_ftruncate;
	F.sys.pwrite_all = fake_pwrite_all;
	F.sys.fsync = fake_fsync;
	F.sys.syncfs = fake_syncfs;
	F.sys.ioctl = fake_ioctl;
	F.sys.fchmod = fake_fchmod;
	F.sys.fchown = fake_fchown;
	F.sys.fstatfs = fake_fstatfs;
	F.sys.statx = fake_statx;
	F.sys.flock = fake_flock;
	F.sys.write_attr = fake_write_attr;
	F.sys.read_attr = fake_read_attr;
	F.sys.run = fake_run;
	F.sys.getrandom = fake_getrandom;
}

/* ---- the fixture tree (the chroot's /) ---- */

static const char meminfo[] = "MemTotal:       24683520 kB\nMemFree:        24000000 kB\n"
			      "MemAvailable:   23000000 kB\nCommitLimit:    12341760 kB\n"
			      "Committed_AS:   1000000 kB\n";

static void tree_reset(void)
{
	sc_test_rmtree(SWAPDIR);
	sc_test_rmtree("/etc");
	sc_test_rmtree(SYSROOT);
	sc_test_write("/", "etc/fstab", FSTAB_BEFORE);
	sc_test_write("/", "sysroot/proc/meminfo", meminfo);
	sc_test_write("/", "sysroot/proc/self/status", "Name:\ttest\nCapEff:\t000001ffffffffff\n");
	sc_test_write("/", "sysroot/proc/sys/vm/overcommit_memory", "0\n");
	sc_test_write("/", "sysroot/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	sc_test_write("/", "sysroot/sys/fs/cgroup/unified/cgroup.controllers", "\n");
	sc_test_write("/", "sysroot/sys/block/.keep", "");
	assert_int_equal(mkdir(SYSROOT "/run", 0755), 0);
	F.rnd = 0;
}

/* One command run: its exit status and what --json said about the error. */
struct result {
	int ret;
	bool has_json, has_error, committed;
	char leftover[PATH_MAX]; /* the first "leftover" file, or "" */
	char msg[1024], hint[512];
};

static void read_json(struct result *res)
{
	struct json_object *o = json_object_from_file("/out.json"), *e, *v;

	if (!o)
		return;
	res->has_json = true;
	if (json_object_object_get_ex(o, "error", &e)) {
		res->has_error = true;
		if (json_object_object_get_ex(e, "message", &v))
			snprintf(res->msg, sizeof(res->msg), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(e, "hint", &v))
			snprintf(res->hint, sizeof(res->hint), "%s", json_object_get_string(v));
		if (json_object_object_get_ex(e, "committed", &v))
			res->committed = json_object_get_boolean(v);
		if (json_object_object_get_ex(e, "leftover", &v) && json_object_array_length(v) > 0)
			snprintf(res->leftover, sizeof(res->leftover), "%s",
				json_object_get_string(json_object_array_get_idx(v, 0)));
	}
	json_object_put(o);
}

/* Run a command with --json, stdout and stderr into files; fail call fail_at (0: none). */
static struct result run_cmd(char **argv, int argc, int fail_at, int fail_err)
{
	static const struct {
		const char *name;
		int (*fn)(struct sc_cli *, int, char **);
	} cmds[] = {{"add", sc_cmd_add}, {"remove", sc_cmd_remove}, {"rotate", sc_cmd_rotate},
		{"status", sc_cmd_status}, {"doctor", sc_cmd_doctor}};
	struct sc_cli cli = {
		.command = argv[0],
		.usage = "",
		.json = true,
		.quiet = true,
		.lock_timeout_ms = 100,
	};
	struct result res = {0};
	int out, err, saved_out, saved_err;
	size_t i;

	for (i = 0; i < ELEMENTSOF(cmds); i++)
		if (!strcmp(cmds[i].name, argv[0]))
			break;
	assert_true(i < ELEMENTSOF(cmds));
	assert_int_equal(sc_ctx_init(&cli.ctx, &F.sys, NULL, SYSROOT, FSTAB, NULL), 0);

	fflush(stdout);
	fflush(stderr);
	out = open("/out.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err = open("/err.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	saved_out = dup(1);
	saved_err = dup(2);
	assert_true(out >= 0 && err >= 0 && saved_out >= 0 && saved_err >= 0);
	dup2(out, 1);
	dup2(err, 2);

	F.calls = 0;
	F.fail_at = fail_at;
	F.fail_err = fail_err;
	optind = 0;
	res.ret = cmds[i].fn(&cli, argc, argv);
	sc_signals_end(); /* as sc_main() does: the command's signal hold ends */
	F.fail_at = 0;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(out);
	close(err);
	close(saved_out);
	close(saved_err);
	sc_ctx_done(&cli.ctx);
	read_json(&res);
	return res;
}

/* ---- states ---- */

/* Everything a command may change, as text: equal text, equal state. */
static char *list_dir(const char *dir, const char *skip1, const char *skip2)
{
	struct dirent **names;
	char *s = strdup("");
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		free(s);
		return strdup("(none)");
	}
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name;
		char p[PATH_MAX + NAME_MAX + 2], *t;
		struct stat st;

		if (strcmp(d, ".") && strcmp(d, "..") && !sc_streq(d, skip1) &&
			!sc_streq(d, skip2)) {
			snprintf(p, sizeof(p), "%s/%s", dir, d);
			assert_int_equal(lstat(p, &st), 0);
			assert_true(asprintf(&t, "%s%s %04o %lld\n", s, d, st.st_mode & 07777,
					    (long long)st.st_size) > 0);
			free(s);
			s = t;
		}
		free(names[i]);
	}
	free(names);
	return s;
}

struct state {
	char *fstab, *swapdir, *etc, *swaps;
};

static void state_take(struct state *s)
{
	struct sc_swaps w = {0};
	char *t;

	s->fstab = sc_test_read(FSTAB);
	s->swapdir = list_dir(SWAPDIR, NULL, NULL);
	/* fstab's bytes are compared as such; its backup is its previous version */
	s->etc = list_dir("/etc", "fstab", "fstab" SC_FSTAB_BACKUP_SUFFIX);
	s->swaps = strdup("");
	swaps_read(&w);
	for (size_t i = 0; i < w.n; i++) {
		assert_true(asprintf(&t, "%s%s %d %llu\n", s->swaps, w.items[i].path,
				    w.items[i].priority,
				    (unsigned long long)w.items[i].size_bytes) > 0);
		free(s->swaps);
		s->swaps = t;
	}
	sc_swaps_free(&w);
}

static void state_done(struct state *s)
{
	free(s->fstab);
	free(s->swapdir);
	free(s->etc);
	free(s->swaps);
	memset(s, 0, sizeof(*s));
}

static bool state_eq(const struct state *a, const struct state *b)
{
	return !strcmp(a->fstab, b->fstab) && !strcmp(a->swapdir, b->swapdir) &&
		!strcmp(a->etc, b->etc) && !strcmp(a->swaps, b->swaps);
}

static void state_print(const char *what, const struct state *s)
{
	print_message("--- %s\nfstab:\n%sswap dir:\n%s/etc:\n%sactive:\n%s", what, s->fstab,
		s->swapdir, s->etc, s->swaps);
}

static bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool fstab_names(const char *path)
{
	char *text = sc_test_read(FSTAB), *line, *save = NULL;
	bool found = false;

	for (line = strtok_r(text, "\n", &save); line && !found;
		line = strtok_r(NULL, "\n", &save)) {
		char src[PATH_MAX];
		found = sscanf(line, "%4095s", src) == 1 && !strcmp(src, path);
	}
	free(text);
	return found;
}

/* ---- the drivers ---- */

enum cmd { CMD_ADD, CMD_REMOVE, CMD_ROTATE };

static char *add_argv[] = {"add", "1M", NULL};
static char *remove_argv[] = {"remove", SWAPFILE, NULL};
static char *rotate_argv[] = {"rotate", NULL};

static struct result run_command(enum cmd c, int fail_at, int fail_err)
{
	switch (c) {
	case CMD_ADD:
		return run_cmd(add_argv, 2, fail_at, fail_err);
	case CMD_REMOVE:
		return run_cmd(remove_argv, 2, fail_at, fail_err);
	default:
		return run_cmd(rotate_argv, 1, fail_at, fail_err);
	}
}

/* The state before the command: a fresh tree, and for remove and rotate a managed swapfile. */
static void prepare(enum cmd c)
{
	tree_reset();
	if (c != CMD_ADD) {
		struct result r = run_cmd(add_argv, 2, 0, 0);
		if (r.ret != 0)
			fail_msg("preparing: add exit %d: %s", r.ret, r.msg);
	}
}

/*
 * A state the command documents as left on purpose (see the top of the file), with the
 * error that must say so; NULL when the state is not one of them.
 */
static const char *documented(enum cmd c, const struct state *now, const struct state *old,
	const struct state *new, const struct result *res)
{
	struct stat st;
	char journal[PATH_MAX];

	switch (c) {
	case CMD_ADD:
		if (state_eq(now, new) && res->ret == SC_EXIT_FAILURE && res->committed &&
			strstr(res->msg,
				SWAPFILE ": in place and named in " FSTAB " (created and "
					 "active), but the new " FSTAB " may not survive a crash"))
			return "committed, not durable";
		return NULL;
	case CMD_REMOVE:
		if (res->ret != SC_EXIT_FAILURE || !res->has_error)
			return NULL;
		if (state_eq(now, new) && res->committed)
			return "removed, not durable";
		if (strcmp(now->swaps, new->swaps) || strcmp(now->etc, old->etc) ||
			strcmp(now->swapdir, old->swapdir))
			return NULL;
		if (!strcmp(now->fstab, old->fstab) &&
			strstr(res->hint,
				SWAPFILE " is swapped off, but its fstab entry and its "
					 "file are kept"))
			return "off, still in fstab";
		if (!strcmp(now->fstab, new->fstab) && !strcmp(res->leftover, SWAPFILE) &&
			strstr(res->msg, "could not be deleted"))
			return "off, out of fstab, file left (named)";
		return NULL;
	default:
		/* fstab names the replacement, which is active; the journal is left */
		snprintf(journal, sizeof(journal), "%s%s", FSTAB, SC_ROTATE_JOURNAL_SUFFIX);
		if (res->ret == SC_EXIT_OK || strcmp(now->fstab, new->fstab) ||
			stat(journal, &st) < 0)
			return NULL;
		return strstr(now->swaps, "/swap/swapfile.") ? "rotation pending" : NULL;
	}
}

static void fault_each_call(enum cmd c, const char *name)
{
	static const int errs[] = {EIO, ENOSPC};
	struct state old, new;
	struct result res;
	int n, n_old = 0, n_new = 0, n_doc = 0;

	/* The complete old and new states, and how many calls a fault-free run makes. */
	prepare(c);
	state_take(&old);
	res = run_command(c, 0, 0);
	if (res.ret != 0)
		fail_msg("%s without faults: exit %d: %s", name, res.ret, res.msg);
	n = F.calls;
	assert_true(n > 5 && n < MAX_CALLS);
	state_take(&new);
	assert_false(state_eq(&old, &new));

	for (size_t e = 0; e < ELEMENTSOF(errs); e++)
		for (int k = 1; k <= n; k++) {
			const char *call, *doc = NULL;
			struct state now;

			prepare(c);
			res = run_command(c, k, errs[e]);
			call = F.names[k];
			state_take(&now);
			if (state_eq(&now, &old)) {
				n_old++;
				if (res.ret == SC_EXIT_OK)
					fail_msg("%s, call %d (%s) fails with %s: old state, "
						 "exit 0",
						name, k, call, strerror(errs[e]));
			} else if (state_eq(&now, &new) && res.ret == SC_EXIT_OK) {
				n_new++; /* the failure did not matter (a read it can do without) */
			} else if ((doc = documented(c, &now, &old, &new, &res))) {
				n_doc++;
				print_message("%s, call %d (%s) fails with %s: %s\n", name, k, call,
					strerror(errs[e]), doc);
			} else {
				state_print("old", &old);
				state_print("new", &new);
				state_print("after the failure", &now);
				fail_msg("%s, call %d (%s) fails with %s: exit %d, a third state "
					 "(%s)",
					name, k, call, strerror(errs[e]), res.ret, res.msg);
			}
			/* (Without an object of its own, main's fallback would print one.) */
			if (res.ret != SC_EXIT_OK && res.has_json && !res.has_error)
				fail_msg("%s, call %d (%s) fails with %s: exit %d, JSON without an "
					 "error",
					name, k, call, strerror(errs[e]), res.ret);
			if (res.committed && !doc)
				fail_msg("%s, call %d (%s): \"committed\" for a state that is not",
					name, k, call);
			state_done(&now);

			/* The next run completes what is left. */
			res = run_command(c, 0, 0);
			if (res.ret != 0)
				fail_msg("%s, after call %d (%s) failed with %s: the next run "
					 "exits %d: %s",
					name, k, call, strerror(errs[e]), res.ret, res.msg);
			state_take(&now);
			if (c != CMD_ROTATE && !state_eq(&now, &new)) {
				state_print("new", &new);
				state_print("after the next run", &now);
				fail_msg("%s, after call %d (%s) failed with %s: the next run "
					 "does not reach the new state",
					name, k, call, strerror(errs[e]));
			}
			if (c == CMD_ROTATE) {
				/* one active replacement, fstab naming it, nothing else left */
				struct sc_swaps w = {0};
				swaps_read(&w);
				assert_int_equal(w.n, 1);
				assert_true(fstab_names(w.items[0].path));
				assert_false(file_exists(SWAPFILE));
				assert_string_equal(now.etc, new.etc);
				sc_swaps_free(&w);
			}
			state_done(&now);
		}
	print_message("%s: %d calls, each failed with EIO and ENOSPC: %d times the old state, %d "
		      "the new one, %d a documented one\n",
		name, n, n_old, n_new, n_doc);
	state_done(&old);
	state_done(&new);
}

static void test_add(void **state)
{
	fault_each_call(CMD_ADD, "add");
}

static void test_remove(void **state)
{
	fault_each_call(CMD_REMOVE, "remove");
}

static void test_rotate(void **state)
{
	fault_each_call(CMD_ROTATE, "rotate");
}

/*
 * The command run as swapctl runs it (sc_main, with --json), in a child, with SIGTERM raised
 * during call k. Returns the child's wait status; the JSON it printed is in *res.
 */
static int run_signalled(enum cmd c, int k, struct result *res)
{
	char *argv[8] = {"swapctl", "--json", "-q", "--fstab", FSTAB};
	int argc = 5, status;
	pid_t pid;

	switch (c) {
	case CMD_ADD:
		argv[argc++] = add_argv[0];
		argv[argc++] = add_argv[1];
		break;
	case CMD_REMOVE:
		argv[argc++] = remove_argv[0];
		argv[argc++] = remove_argv[1];
		break;
	default:
		argv[argc++] = rotate_argv[0];
		break;
	}
	unlink("/out.json");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open("/out.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int err = open("/err.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(99);
		signal(SIGTERM, SIG_DFL);
		struct sc_env env = {.sysroot = SYSROOT, .lock_timeout_ms = "100"};

		F.calls = 0;
		F.signal_at = k;
		_exit(sc_main(argc, argv, &F.sys, &env));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	memset(res, 0, sizeof(*res));
	read_json(res);
	return status;
}

/*
 * SIGTERM during each system-layer call in turn: the step under way and its rollback are
 * never cut short. The process ends by SIGTERM (the usual status) once the command reached a
 * safe point, and leaves the complete old or new state -- for rotate also a rotation stopped
 * at a step boundary with its journal, which the next run finishes. A changed state was
 * reported (the JSON object) before the process ended.
 */
static void signal_each_call(enum cmd c, const char *name)
{
	struct state old, new;
	struct result res;
	static const char *names[MAX_CALLS + 1];
	int n, n_old = 0, n_new = 0, n_stopped = 0;
	char journal[PATH_MAX];

	snprintf(journal, sizeof(journal), "%s%s", FSTAB, SC_ROTATE_JOURNAL_SUFFIX);
	prepare(c);
	state_take(&old);
	res = run_command(c, 0, 0);
	assert_int_equal(res.ret, 0);
	n = F.calls;
	memcpy(names, F.names, sizeof(names));
	state_take(&new);

	for (int k = 1; k <= n; k++) {
		const char *call = names[k];
		struct state now;
		int status;

		prepare(c);
		status = run_signalled(c, k, &res);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
			fail_msg("%s, SIGTERM during call %d (%s): wait status %#x, not killed by "
				 "SIGTERM (%s)",
				name, k, call, status, res.msg);
		state_take(&now);
		if (state_eq(&now, &old))
			n_old++;
		else if (state_eq(&now, &new))
			n_new++;
		else if (c == CMD_ROTATE && file_exists(journal) &&
			strstr(res.msg, "interrupted by signal 15"))
			n_stopped++;
		else {
			state_print("old", &old);
			state_print("new", &new);
			state_print("after the signal", &now);
			fail_msg("%s, SIGTERM during call %d (%s): a half-done state", name, k,
				call);
		}
		if (!state_eq(&now, &old) && !res.has_json) {
			char *e = sc_test_read("/err.txt");
			state_print("after the signal", &now);
			print_message("stderr: %s\n", e);
			free(e);
			fail_msg("%s, SIGTERM during call %d (%s): changed, but nothing reported",
				name, k, call);
		}
		state_done(&now);

		/* The next run completes what is left. */
		res = run_command(c, 0, 0);
		if (res.ret != 0)
			fail_msg("%s, after SIGTERM during call %d (%s): the next run exits %d: %s",
				name, k, call, res.ret, res.msg);
		state_take(&now);
		if (c != CMD_ROTATE && !state_eq(&now, &new))
			fail_msg("%s, after SIGTERM during call %d (%s): the next run does not "
				 "reach the new state",
				name, k, call);
		if (c == CMD_ROTATE) {
			struct sc_swaps w = {0};
			swaps_read(&w);
			assert_int_equal(w.n, 1);
			assert_true(fstab_names(w.items[0].path));
			assert_false(file_exists(SWAPFILE));
			assert_false(file_exists(journal));
			sc_swaps_free(&w);
		}
		state_done(&now);
	}
	print_message("%s: SIGTERM during each of %d calls: %d times the old state, %d the new "
		      "one, %d a rotation stopped at a step boundary\n",
		name, n, n_old, n_new, n_stopped);
	state_done(&old);
	state_done(&new);
}

static void test_signal_add(void **state)
{
	signal_each_call(CMD_ADD, "add");
}

static void test_signal_remove(void **state)
{
	signal_each_call(CMD_REMOVE, "remove");
}

static void test_signal_rotate(void **state)
{
	signal_each_call(CMD_ROTATE, "rotate");
}

/* The members of JSON array key of /out.json whose member field is value. */
static int json_count(const char *key, const char *field, const char *value)
{
	struct json_object *o = json_object_from_file("/out.json"), *a, *e, *v;
	int n = 0;

	assert_non_null(o);
	if (json_object_object_get_ex(o, key, &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			e = json_object_array_get_idx(a, i);
			n += json_object_object_get_ex(e, field, &v) &&
				!strcmp(json_object_get_string(v), value);
		}
	json_object_put(o);
	return n;
}

static int orphans_reported(void)
{
	static char *status_argv[] = {"status", NULL}, *doctor_argv[] = {"doctor", NULL};
	struct result r;
	int drift, findings;

	r = run_cmd(status_argv, 1, 0, 0);
	assert_int_equal(r.ret, 0);
	drift = json_count("drift", "kind", "orphaned");
	if (drift)
		assert_int_equal(json_count("drift", "target", SWAPFILE), 1);
	r = run_cmd(doctor_argv, 1, 0, 0);
	assert_true(r.ret == SC_EXIT_OK || r.ret == SC_EXIT_PROBLEMS);
	findings = json_count("findings", "id", "orphaned-swapfile");
	assert_int_equal(drift, findings);
	return drift;
}

/* A file remove could not delete: named in the error, then by status and doctor. */
static void test_leftover_reported(void **state)
{
	struct result res;
	char *err;
	int k = 0;

	prepare(CMD_REMOVE);
	assert_int_equal(orphans_reported(), 0); /* active and in fstab */
	res = run_command(CMD_REMOVE, 0, 0);
	assert_int_equal(res.ret, 0);
	for (int i = 1; i <= F.calls; i++)
		if (!strcmp(F.names[i], "unlinkat"))
			k = i; /* the last one removes the swapfile */
	assert_true(k > 0);

	prepare(CMD_REMOVE);
	res = run_command(CMD_REMOVE, k, EIO);
	assert_int_equal(res.ret, SC_EXIT_FAILURE);
	assert_string_equal(res.leftover, SWAPFILE);
	assert_false(res.committed);
	assert_true(file_exists(SWAPFILE));
	assert_false(fstab_names(SWAPFILE));
	assert_false(is_active(SWAPFILE));
	err = sc_test_read("/err.txt");
	if (!strstr(err,
		    SWAPFILE ": not active and no longer in " FSTAB
			     ", but the file could not be deleted") ||
		!strstr(err, "swapctl remove " SWAPFILE))
		fail_msg("the error does not say what is left: %s", err);
	free(err);
	assert_int_equal(orphans_reported(), 1);

	/* What the error and the finding say to do. */
	res = run_command(CMD_REMOVE, 0, 0);
	assert_int_equal(res.ret, 0);
	assert_false(file_exists(SWAPFILE));
	assert_int_equal(orphans_reported(), 0);
}

/* Only inactive files fstab does not name are orphans. */
static void test_orphan_rule(void **state)
{
	static char *no_persist[] = {"add", "1M", "--no-persist", NULL};
	static char *no_enable[] = {"add", "1M", "--no-enable", NULL};
	struct result res;

	tree_reset();
	res = run_cmd(no_persist, 3, 0, 0);
	assert_int_equal(res.ret, 0);
	assert_int_equal(orphans_reported(), 0); /* active, not in fstab */

	tree_reset();
	res = run_cmd(no_enable, 3, 0, 0);
	assert_int_equal(res.ret, 0);
	assert_int_equal(orphans_reported(), 0); /* in fstab, not active */
	/* The crash case: an older fstab without the entry comes back. */
	sc_test_write("/", "etc/fstab", FSTAB_BEFORE);
	assert_int_equal(orphans_reported(), 1);
	/* Temporary names (a creation in progress) and files without a swap header are not. */
	assert_int_equal(rename(SWAPFILE, SWAPDIR "/.swapfile.tmp"), 0);
	sc_test_write("/", "swap/notes", "not a swap area\n");
	assert_int_equal(orphans_reported(), 0);
	assert_int_equal(rename(SWAPDIR "/.swapfile.tmp", SWAPFILE), 0);
	assert_int_equal(orphans_reported(), 1);
	/* What the add documentation says to do then: the same add names it again. */
	res = run_cmd(add_argv, 2, 0, 0);
	assert_int_equal(res.ret, 0);
	assert_true(fstab_names(SWAPFILE));
	assert_int_equal(orphans_reported(), 0);
}

static int run_all(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_leftover_reported),
		cmocka_unit_test(test_orphan_rule),
		cmocka_unit_test(test_signal_add),
		cmocka_unit_test(test_signal_remove),
		cmocka_unit_test(test_signal_rotate),
	};

	fake_init();
	unsetenv("SWAPCTL_FAULT_AFTER");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ---- a user namespace in which the caller is root, chrooted into the fixture ---- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* In the child: 0, or a reason to skip. */
static const char *enter(const char *tree)
{
	char map[64], proc[PATH_MAX];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return "cannot create a user namespace";
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return "cannot map the user id";
	if (write_file("/proc/self/setgroups", "deny\n") < 0 && errno != ENOENT)
		return "cannot deny setgroups";
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return "cannot map the group id";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return "cannot make the mounts private";
	snprintf(proc, sizeof(proc), "%s/proc", tree);
	if (mkdir(proc, 0555) < 0 || mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) < 0)
		return "cannot bind /proc into the fixture";
	if (chroot(tree) < 0 || chdir("/") < 0)
		return "cannot chroot into the fixture";
	return NULL;
}

int main(void)
{
	char *tree = sc_test_mkdtemp();
	int status, pipefd[2];
	char reason[128] = "";
	pid_t pid;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *why;

		close(pipefd[0]);
		umask(022);
		why = enter(tree);
		if (why) {
			(void)!write(pipefd[1], why, strlen(why));
			_exit(77);
		}
		close(pipefd[1]);
		exit(run_all()); /* exit(), not _exit(): LeakSanitizer checks at exit */
	}
	close(pipefd[1]);
	(void)!read(pipefd[0], reason, sizeof(reason) - 1);
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	sc_test_rmtree(tree);
	free(tree);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("SKIP: %s\n", reason);
		return 77;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
