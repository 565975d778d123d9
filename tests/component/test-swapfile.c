/*
 * Swapfile creation, activation and rollback on a fake kernel boundary.
 *
 * The fake system layer lets real file operations happen in a temp directory (so O_TMPFILE,
 * linkat and fallocate really run) but emulates the kernel's side: statfs reports the
 * filesystem under test, FIEMAP and the btrfs ioctls answer from a script, swapon/swapoff
 * edit a fixture /proc/swaps. Every call is a numbered step; failing each step in turn proves
 * that an add either completes or leaves nothing behind.
 */
#include "fixture.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <unistd.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "swapfile.h"
#include "plan-fields.h"

#define MAGIC_EXT4  0xEF53
#define MAGIC_BTRFS 0x9123683E
#define MAGIC_TMPFS 0x01021994

static struct fake {
	char *tmp; /* sysroot: proc/swaps, proc/self/status */
	char *data; /* where swapfiles go */
	struct sc_sys sys;
	int calls, fail_at, fail_err;
	char trace[8192];
	unsigned long magic;
	uint64_t avail, total;
	int file_flags;
	bool unwritten, zeroed;
	bool no_tmpfile;
	bool acl; /* the new file shows an access ACL */
	uint64_t btrfs_profile;
	int swapon_einval, swapon_eperm;
	int swapons, swapoffs;
	uint64_t zero_bytes;
	uint8_t rnd;
	int staged, committed;
	/* An inode the fake reports with another owner (an unprivileged test cannot chown). */
	dev_t owned_dev;
	ino_t owned_ino;
	uid_t owned_uid;
} F;

static bool step(const char *name)
{
	size_t n = strlen(F.trace);

	F.calls++;
	snprintf(F.trace + n, sizeof(F.trace) - n, "%s ", name);
	return F.fail_at && F.calls == F.fail_at;
}

#define STEP(name)                                                                                 \
	do {                                                                                       \
		if (step(name))                                                                    \
			return -F.fail_err;                                                        \
	} while (0)

static char *swaps_path(void)
{
	static char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/proc/swaps", F.tmp);
	return p;
}

static void swaps_reset(int extra)
{
	FILE *f = fopen(swaps_path(), "w");

	assert_non_null(f);
	fputs("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", f);
	for (int i = 0; i < extra; i++)
		fprintf(f, "/nonexistent/area%d\tfile\t\t40\t\t0\t\t-%d\n", i, i + 2);
	fclose(f);
}

static int fake_swapon(const char *path, int flags)
{
	char real[PATH_MAX];
	struct stat st;
	FILE *f;

	STEP("swapon");
	F.swapons++;
	if (F.swapon_eperm)
		return -EPERM;
	if (F.swapon_einval > 0) {
		F.swapon_einval--;
		return -EINVAL;
	}
	if (!realpath(path, real) || stat(real, &st) < 0)
		return -ENOENT;
	f = fopen(swaps_path(), "a");
	assert_non_null(f);
	fprintf(f, "%s\tfile\t\t%lld\t\t0\t\t%d\n", real, (long long)st.st_size / 1024 - 4,
		flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -2);
	fclose(f);
	return 0;
}

static int fake_swapoff(const char *path, struct sc_swapoff_result *res)
{
	char real[PATH_MAX], *text, *out, *line, *save = NULL;
	FILE *f;
	bool found = false;

	STEP("swapoff");
	F.swapoffs++;
	res->error = 0;
	res->signal = 0;
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	text = sc_test_read(swaps_path());
	out = calloc(1, strlen(text) + 1);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(real);
		if (!strncmp(line, real, n) && line[n] == '\t') {
			found = true;
			continue;
		}
		strcat(out, line);
		strcat(out, "\n");
	}
	f = fopen(swaps_path(), "w");
	fputs(out, f);
	fclose(f);
	free(text);
	free(out);
	if (!found)
		res->error = -EINVAL;
	return 0;
}

static int fake_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	STEP("openat");
	if (F.no_tmpfile && (flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	return sc_sys_real.openat(dirfd, path, flags, mode);
}

static int fake_mkdirat(int dirfd, const char *path, mode_t mode)
{
	STEP("mkdirat");
	return sc_sys_real.mkdirat(dirfd, path, mode);
}

static int fake_unlinkat(int dirfd, const char *path, int flags)
{
	STEP("unlinkat");
	return sc_sys_real.unlinkat(dirfd, path, flags);
}

static int fake_linkat(int od, const char *op, int nd, const char *np, int flags)
{
	STEP("linkat");
	return sc_sys_real.linkat(od, op, nd, np, flags);
}

static int fake_fallocate(int fd, int mode, off_t off, off_t len)
{
	STEP("fallocate");
	return sc_sys_real.fallocate(fd, mode, off, len);
}

static int fake_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	STEP("pwrite");
	if (off > 0) {
		F.zero_bytes += len;
		F.zeroed = true;
	}
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static int fake_fsync(int fd)
{
	STEP("fsync");
	return sc_sys_real.fsync(fd);
}

static int fake_fchmod(int fd, mode_t mode)
{
	STEP("fchmod");
	return sc_sys_real.fchmod(fd, mode);
}

/* Unprivileged, the caller counts as root (fixture.h), so no test needs to skip. */
static int fake_fchown(int fd, uid_t uid, gid_t gid)
{
	STEP("fchown");
	return sc_test_fchown_as_root(fd, uid, gid);
}

static int fake_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r = sc_test_fstatat_as_root(dirfd, path, st, flags);

	if (r == 0 && F.owned_ino && st->st_dev == F.owned_dev && st->st_ino == F.owned_ino)
		st->st_uid = F.owned_uid;
	return r;
}

static int fake_fgetxattr(int fd, const char *name, void *value, size_t size)
{
	if (F.acl && !strcmp(name, "system.posix_acl_access"))
		return 28;
	return sc_sys_real.fgetxattr(fd, name, value, size);
}

static int fake_fstatfs(int fd, struct statfs *buf)
{
	int r;

	STEP("fstatfs");
	r = sc_sys_real.fstatfs(fd, buf);
	if (r < 0)
		return r;
	buf->f_type = (typeof(buf->f_type))F.magic;
	buf->f_bsize = 4096;
	buf->f_blocks = F.total / 4096;
	buf->f_bavail = F.avail / 4096;
	buf->f_flags &= ~ST_RDONLY;
	return 0;
}

static int fake_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	STEP("statx");
	return sc_sys_real.statx(dirfd, path, flags, mask, buf);
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	STEP("ioctl");
	if (req == FS_IOC_GETFLAGS) {
		*(int *)arg = F.file_flags;
		return 0;
	}
	if (req == FS_IOC_SETFLAGS) {
		int nf = *(int *)arg;
		/* btrfs check_fsflags(): compression settings and NOCOW exclude each other. */
		if (F.magic == MAGIC_BTRFS && (nf & FS_NOCOW_FL) &&
			((nf | F.file_flags) & (FS_COMPR_FL | FS_NOCOMP_FL)))
			return -EINVAL;
		F.file_flags = nf;
		return 0;
	}
	if (req == FS_IOC_FIEMAP) {
		struct fiemap *fm = arg;
		struct stat st;

		assert_int_equal(fstat(fd, &st), 0);
		fm->fm_mapped_extents = 0;
		if (fm->fm_start >= (uint64_t)st.st_size || fm->fm_extent_count == 0)
			return 0;
		fm->fm_mapped_extents = 1;
		memset(&fm->fm_extents[0], 0, sizeof(fm->fm_extents[0]));
		fm->fm_extents[0].fe_logical = 0;
		fm->fm_extents[0].fe_length = (uint64_t)st.st_size;
		fm->fm_extents[0].fe_flags = FIEMAP_EXTENT_LAST |
			(F.unwritten && !F.zeroed ? FIEMAP_EXTENT_UNWRITTEN : 0);
		return 0;
	}
	if (req == BTRFS_IOC_FS_INFO) {
		struct btrfs_ioctl_fs_info_args *fi = arg;
		fi->num_devices = 1;
		return 0;
	}
	if (req == BTRFS_IOC_SPACE_INFO) {
		struct btrfs_ioctl_space_args *sa = arg;
		sa->total_spaces = 2;
		if (sa->space_slots >= 2) {
			sa->spaces[0].flags = BTRFS_BLOCK_GROUP_DATA | F.btrfs_profile;
			sa->spaces[0].total_bytes = 1 << 30;
			sa->spaces[1].flags = BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_DUP;
			sa->spaces[1].total_bytes = 1 << 28;
		}
		return 0;
	}
	if (req == BTRFS_IOC_SUBVOL_CREATE) {
		struct btrfs_ioctl_vol_args *va = arg;
		return sc_sys_real.mkdirat(fd, va->name, 0755);
	}
	return -ENOTTY;
}

static int fake_getrandom(void *buf, size_t len)
{
	STEP("getrandom");
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = F.rnd++;
	return 0;
}

static int hook_stage(void *data, const struct sc_action *a, struct sc_err *err)
{
	if (step("fstab-stage"))
		return sc_err_set(err, SC_EXIT_FAILURE, F.fail_err, "fstab: stage failed");
	F.staged++;
	return 0;
}

static int hook_commit(void *data, struct sc_err *err)
{
	if (step("fstab-commit"))
		return sc_err_set(err, SC_EXIT_FAILURE, F.fail_err, "fstab: commit failed");
	F.committed++;
	return 0;
}

static const struct sc_swapfile_hooks hooks = {hook_stage, hook_commit, NULL};

static void fake_reset(void)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", F.data);
	assert_int_equal(system(cmd), 0);
	swaps_reset(0);
	F.calls = F.fail_at = 0;
	F.owned_ino = 0;
	F.fail_err = EIO;
	F.trace[0] = '\0';
	F.magic = MAGIC_EXT4;
	F.avail = 1ull << 30;
	F.total = 4ull << 30;
	F.file_flags = 0;
	F.unwritten = true;
	F.zeroed = false;
	F.no_tmpfile = false;
	F.acl = false;
	F.btrfs_profile = 0;
	F.swapon_einval = F.swapon_eperm = 0;
	F.swapons = F.swapoffs = 0;
	F.zero_bytes = 0;
	F.rnd = 0;
	F.staged = F.committed = 0;
}

static int setup(void **state)
{
	char p[PATH_MAX];

	F.tmp = sc_test_mkdtemp();
	sc_test_write(F.tmp, "proc/self/status", "Name:\ttest\nCapEff:\t000001ffffffffff\n");
	sc_test_write(F.tmp, "sys/block/.keep", "");
	snprintf(p, sizeof(p), "%s/data", F.tmp);
	F.data = strdup(p);
	assert_int_equal(mkdir(F.data, 0755), 0);
	F.sys = sc_sys_real;
	F.sys.swapon = fake_swapon;
	F.sys.swapoff = fake_swapoff;
	F.sys.openat = fake_openat;
	F.sys.mkdirat = fake_mkdirat;
	F.sys.unlinkat = fake_unlinkat;
	F.sys.linkat = fake_linkat;
	F.sys.fallocate = fake_fallocate;
	F.sys.pwrite_all = fake_pwrite_all;
	F.sys.fsync = fake_fsync;
	F.sys.fchmod = fake_fchmod;
	F.sys.fchown = fake_fchown;
	F.sys.fstatat = fake_fstatat;
	F.sys.geteuid = sc_test_geteuid_as_root;
	F.sys.getegid = sc_test_getegid_as_root;
	F.sys.fstatfs = fake_fstatfs;
	F.sys.fgetxattr = fake_fgetxattr;
	F.sys.statx = fake_statx;
	F.sys.ioctl = fake_ioctl;
	F.sys.getrandom = fake_getrandom;
	fake_reset();
	return 0;
}

static int teardown(void **state)
{
	sc_test_rmtree(F.tmp);
	free(F.tmp);
	free(F.data);
	return 0;
}

struct run {
	char path[PATH_MAX];
	struct sc_plan plan;
	struct sc_err err;
	int r;
};

/* What cmd-add does, minus fstab/ and output: inspect, plan, apply. */
static void run_add(struct run *out, const char *rel, uint64_t size, bool default_path)
{
	struct sc_ctx c;
	struct sc_swapfile_observed st;
	struct sc_swapfile_fstab fst = {0};
	struct sc_add_request req = {
		.size = size,
		.priority = -1,
		.enable = true,
		.persist = true,
		.reserve = UINT64_MAX,
		.fstab = "/etc/fstab",
		.default_path = default_path,
	};
	struct sc_add_host facts = {.mem_total = 1ull << 30, .capable = true, .page_size = 4096};

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s/%s", F.data, rel);
	req.path = req.boot_path = out->path;
	assert_int_equal(sc_ctx_init(&c, &F.sys, NULL, F.tmp, NULL, NULL), 0);
	c.page_size = 4096;
	out->r = sc_swapfile_inspect(&c, out->path, SC_INSPECT_FOR_ADD, &st, &out->err);
	if (out->r == 0)
		out->r = sc_swapfile_plan_add(&req, &st, &fst, &facts, &out->plan, &out->err);
	if (out->r == 0)
		out->r = sc_swapfile_apply_add(&c, &out->plan, &hooks, &out->err);
	sc_swapfile_observed_done(&st);
	sc_ctx_done(&c);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool swaps_lists(const char *path)
{
	char *text = sc_test_read(swaps_path());
	bool found = strstr(text, path) != NULL;

	free(text);
	return found;
}

static void assert_complete(const struct run *r)
{
	struct stat st;

	assert_int_equal(fake_fstatat(AT_FDCWD, r->path, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_nlink, 1);
	assert_true(swaps_lists(r->path));
	assert_true(F.committed == 1);
}

static void assert_nothing_left(const struct run *r, const char *what)
{
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", r->path);
	*strrchr(dir, '/') = '\0';
	if (stat(r->path, &st) == 0)
		fail_msg("%s: %s left behind", what, r->path);
	if (count_entries(F.data) != 0 && count_entries(dir) != 0)
		fail_msg("%s: files left in %s", what, dir);
	if (strcmp(dir, F.data) != 0 && stat(dir, &st) == 0)
		fail_msg("%s: directory %s left behind", what, dir);
	if (swaps_lists(r->path))
		fail_msg("%s: area left active", what);
	if (F.committed)
		fail_msg("%s: fstab written", what);
}

static void test_add_complete(void **state)
{
	struct run r;
	const struct sc_action *a;

	fake_reset();
	run_add(&r, "swapfile", 64 << 20, false);
	if (r.r < 0)
		fail_msg("add failed: %s", r.err.msg);
	assert_complete(&r);
	assert_int_equal(r.plan.n, 3);
	a = &r.plan.actions[0];
	assert_string_equal(a->action, "create");
	assert_int_equal(sc_test_field(a, "size_bytes")->num, 64 << 20);
	assert_true(a->done);
	/* UUID from the fake's counting random bytes, made version 4. */
	assert_string_equal(sc_test_field(a, "uuid")->str, "00010203-0405-4607-8809-0a0b0c0d0e0f");
	assert_string_equal(r.plan.actions[1].action, "swapon");
	assert_int_equal(sc_test_field(&r.plan.actions[1], "priority")->num, SC_SWAPFILE_PRIORITY);
	assert_string_equal(r.plan.actions[2].action, "fstab-add");
	assert_true(r.plan.actions[2].done);
	/* O_TMPFILE path: no fallback name was ever created. */
	assert_null(strstr(F.trace, "unlinkat"));
	assert_int_equal(F.zero_bytes, 0);
	sc_plan_free(&r.plan);

	/* The same request again: nothing to do. */
	{
		struct sc_ctx c;
		struct sc_swapfile_observed st;
		struct sc_swapfile_fstab fst = {.present = true,
			.managed = true,
			.has_priority = true,
			.priority = SC_SWAPFILE_PRIORITY};
		struct sc_add_request req = {.path = r.path,
			.boot_path = r.path,
			.size = 64 << 20,
			.priority = -1,
			.enable = true,
			.persist = true,
			.reserve = UINT64_MAX,
			.fstab = "/etc/fstab"};
		struct sc_add_host facts = {
			.mem_total = 1ull << 30, .capable = true, .page_size = 4096};
		struct sc_plan plan = {0};
		struct sc_err err = {0};

		assert_int_equal(sc_ctx_init(&c, &F.sys, NULL, F.tmp, NULL, NULL), 0);
		assert_int_equal(sc_swapfile_inspect(&c, r.path, SC_INSPECT_FOR_ADD, &st, &err), 0);
		assert_true(st.active);
		assert_int_equal(st.header.npages, (64 << 20) / 4096);
		assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &plan, &err), 0);
		assert_int_equal(plan.n, 0);
		/* A different size is refused with the resize hint. */
		req.size = 32 << 20;
		assert_int_equal(
			sc_swapfile_plan_add(&req, &st, &fst, &facts, &plan, &err), -EPERM);
		assert_int_equal(err.kind, SC_EXIT_REFUSED);
		assert_non_null(strstr(err.hint, "swapctl resize"));
		sc_swapfile_observed_done(&st);
		sc_ctx_done(&c);
	}
}

/* Fail every step of a successful add in turn: complete, or nothing left behind. */
static void fail_each_step(bool no_tmpfile, unsigned long magic, bool default_dir)
{
	const char *rel = default_dir ? "swap/swapfile" : "swapfile";
	struct run r;
	int total;

	fake_reset();
	F.no_tmpfile = no_tmpfile;
	F.magic = magic;
	run_add(&r, rel, 1 << 20, default_dir);
	if (r.r < 0)
		fail_msg("baseline add failed: %s", r.err.msg);
	assert_complete(&r);
	if (no_tmpfile)
		assert_non_null(strstr(F.trace, "unlinkat")); /* the hidden name went away */
	total = F.calls;
	sc_plan_free(&r.plan);

	for (int i = 1; i <= total; i++) {
		char what[64];

		fake_reset();
		F.no_tmpfile = no_tmpfile;
		F.magic = magic;
		F.fail_at = i;
		run_add(&r, rel, 1 << 20, default_dir);
		snprintf(what, sizeof(what), "step %d of %d", i, total);
		if (r.r == 0)
			assert_complete(&r); /* a failure the code may tolerate (e.g. cleanup) */
		else {
			if (!r.err.msg[0])
				fail_msg("%s: failed without a message", what);
			assert_nothing_left(&r, what);
			for (size_t k = 0; k < r.plan.n; k++)
				if (r.plan.actions[k].done)
					fail_msg("%s: action %s still marked done", what,
						r.plan.actions[k].action);
		}
		sc_plan_free(&r.plan);
	}
}

static void test_rollback_every_step(void **state)
{
	fail_each_step(false, MAGIC_EXT4, false);
}

static void test_rollback_every_step_fallback_name(void **state)
{
	fail_each_step(true, MAGIC_EXT4, false);
}

static void test_rollback_every_step_btrfs_subvolume(void **state)
{
	fail_each_step(false, MAGIC_BTRFS, true);
}

static void test_btrfs_nocow(void **state)
{
	struct run r;

	fake_reset();
	F.magic = MAGIC_BTRFS;
	F.file_flags = FS_COMPR_FL; /* inherited from a compression property */
	run_add(&r, "swapfile", 1 << 20, false);
	if (r.r < 0)
		fail_msg("add failed: %s", r.err.msg);
	assert_true(F.file_flags & FS_NOCOW_FL);
	assert_false(F.file_flags & FS_COMPR_FL);
	assert_true(sc_test_field(&r.plan.actions[0], "nocow")->num);
	sc_plan_free(&r.plan);
}

static void test_btrfs_raid1_refused(void **state)
{
	struct run r;

	fake_reset();
	F.magic = MAGIC_BTRFS;
	F.btrfs_profile = BTRFS_BLOCK_GROUP_RAID1;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.r, -EPERM);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "raid1"));
	assert_int_equal(F.swapons, 0);
	assert_nothing_left(&r, "raid1");
	sc_plan_free(&r.plan);
}

static void test_unsupported_fs_named(void **state)
{
	struct run r;

	fake_reset();
	F.magic = MAGIC_TMPFS;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "filesystem tmpfs cannot hold swapfiles"));
	assert_nothing_left(&r, "tmpfs");
	sc_plan_free(&r.plan);

	fake_reset();
	F.magic = 0x12345678;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "unknown (0x12345678)"));
	sc_plan_free(&r.plan);
}

/* An access ACL would let others read swapped-out memory: refused before swapon, undone. */
static void test_acl_refused(void **state)
{
	struct run r;

	fake_reset();
	F.acl = true;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "has a POSIX ACL granting access to others"));
	assert_int_equal(F.swapons, 0);
	assert_nothing_left(&r, "acl");
	sc_plan_free(&r.plan);
}

static void test_too_little_space(void **state)
{
	struct run r;

	fake_reset();
	F.avail = 100 << 20;
	F.total = 200 << 20; /* reserve: 5% = 10 MiB */
	run_add(&r, "swapfile", 95 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "too little free space"));
	assert_non_null(strstr(r.err.msg, "short by 5 MiB"));
	assert_nothing_left(&r, "space");
	sc_plan_free(&r.plan);

	fake_reset();
	F.avail = 100 << 20;
	F.total = 200 << 20;
	run_add(&r, "swapfile", 90 << 20, false);
	assert_int_equal(r.r, 0);
	sc_plan_free(&r.plan);
}

static void test_zero_fill_once(void **state)
{
	struct run r;

	/* The kernel takes unwritten extents for holes once: zero-fill, retry, done. */
	fake_reset();
	F.swapon_einval = 1;
	run_add(&r, "swapfile", 1 << 20, false);
	if (r.r < 0)
		fail_msg("add failed: %s", r.err.msg);
	assert_int_equal(F.swapons, 2);
	assert_int_equal(F.zero_bytes, (1 << 20) - 4096); /* everything but the header page */
	assert_true(sc_test_field(&r.plan.actions[1], "zero_filled")->num);
	assert_complete(&r);
	sc_plan_free(&r.plan);

	/* Still refused after the zeros: exactly one retry, then rollback. */
	fake_reset();
	F.swapon_einval = 5;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.r, -EINVAL);
	assert_int_equal(F.swapons, 2);
	assert_nothing_left(&r, "einval twice");
	sc_plan_free(&r.plan);

	/* No unwritten extents: EINVAL has another cause, no zeros are written. */
	fake_reset();
	F.unwritten = false;
	F.swapon_einval = 1;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.r, -EINVAL);
	assert_int_equal(F.swapons, 1);
	assert_int_equal(F.zero_bytes, 0);
	assert_nothing_left(&r, "einval written");
	sc_plan_free(&r.plan);
}

static void test_area_limit(void **state)
{
	struct run r;

	/* EPERM with 24 areas active: the limit, not a permission problem. */
	fake_reset();
	swaps_reset(24);
	F.swapon_eperm = 1;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.r, -EPERM);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "kernel swap area limit reached (24 areas active)"));
	assert_nothing_left(&r, "limit");
	sc_plan_free(&r.plan);

	/* EPERM with few areas: a privilege problem, said so. */
	fake_reset();
	swaps_reset(2);
	F.swapon_eperm = 1;
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(r.err.msg, "permission denied"));
	assert_non_null(strstr(r.err.hint, "CAP_SYS_ADMIN"));
	sc_plan_free(&r.plan);

	/* 28 active: no configuration has room; refused before anything is created. */
	fake_reset();
	swaps_reset(28);
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "limit reached (28 areas active)"));
	assert_int_equal(F.swapons, 0);
	assert_null(strstr(F.trace, "fallocate"));
	sc_plan_free(&r.plan);
}

static void test_symlink_not_followed(void **state)
{
	char victim[PATH_MAX], link[PATH_MAX];
	struct run r;
	char *text;

	fake_reset();
	snprintf(victim, sizeof(victim), "%s/victim", F.tmp);
	snprintf(link, sizeof(link), "%s/swapfile", F.data);
	sc_test_write(F.tmp, "victim", "precious\n");
	assert_int_equal(symlink(victim, link), 0);
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "symbolic link"));
	text = sc_test_read(victim);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(F.swapons, 0);
	sc_plan_free(&r.plan);
	unlink(victim);
}

static void test_insecure_directory(void **state)
{
	char sub[PATH_MAX];
	struct run r;

	fake_reset();
	assert_int_equal(chmod(F.data, 0777), 0);
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(chmod(F.data, 0755), 0);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "writable by everyone"));
	sc_plan_free(&r.plan);

	/* Sticky and world-writable is fine for an ancestor (like /tmp), not for the parent. */
	fake_reset();
	assert_int_equal(chmod(F.data, 01777), 0);
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(chmod(F.data, 0755), 0);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	sc_plan_free(&r.plan);

	fake_reset();
	snprintf(sub, sizeof(sub), "%s/sub", F.data);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(F.data, 01777), 0);
	run_add(&r, "sub/swapfile", 1 << 20, false);
	assert_int_equal(chmod(F.data, 0755), 0);
	if (r.r < 0)
		fail_msg("sticky ancestor refused: %s", r.err.msg);
	sc_plan_free(&r.plan);

	/* A directory owned by someone else: its owner could swap the file. */
	fake_reset();
	assert_int_equal(mkdir(sub, 0700), 0);
	{
		struct stat st;

		assert_int_equal(stat(sub, &st), 0);
		F.owned_dev = st.st_dev;
		F.owned_ino = st.st_ino;
		F.owned_uid = 65534;
	}
	run_add(&r, "sub/swapfile", 1 << 20, false);
	assert_int_equal(r.err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(r.err.msg, "owned by uid 65534"));
	sc_plan_free(&r.plan);
}

static void test_remove_plan_and_apply(void **state)
{
	struct run r;
	struct sc_ctx c;
	struct sc_swapfile_observed st;
	struct sc_remove_target t = {0};
	struct sc_remove_request req = {.fstab = "/etc/fstab"};
	struct sc_plan plan = {0};
	struct sc_err err = {0};

	fake_reset();
	run_add(&r, "swapfile", 1 << 20, false);
	assert_int_equal(r.r, 0);
	sc_plan_free(&r.plan);

	assert_int_equal(sc_ctx_init(&c, &F.sys, NULL, F.tmp, NULL, NULL), 0);
	assert_int_equal(sc_swapfile_inspect(&c, r.path, 0, &st, &err), 0);
	t.path = t.boot_path = r.path;
	t.st = &st;
	t.fstab.present = t.fstab.managed = true;
	t.named = true;
	assert_int_equal(sc_swapfile_plan_remove(&req, &t, 1, &plan, &err), 0);
	assert_int_equal(plan.n, 3);
	assert_string_equal(plan.actions[0].action, "swapoff");
	assert_string_equal(plan.actions[1].action, "fstab-remove");
	assert_string_equal(plan.actions[2].action, "unlink");

	F.committed = 0;
	assert_int_equal(sc_swapfile_apply_remove(&c, &plan, &hooks, &err), 0);
	assert_true(plan.actions[0].done && plan.actions[1].done && plan.actions[2].done);
	assert_false(swaps_lists(r.path));
	assert_int_equal(access(r.path, F_OK), -1);
	sc_plan_free(&plan);
	sc_swapfile_observed_done(&st);

	/* Again: nothing there any more, nothing to do. */
	assert_int_equal(sc_swapfile_inspect(&c, r.path, 0, &st, &err), 0);
	t.fstab.present = false;
	assert_int_equal(sc_swapfile_plan_remove(&req, &t, 1, &plan, &err), 0);
	assert_int_equal(plan.n, 0);
	sc_swapfile_observed_done(&st);
	sc_ctx_done(&c);
}

static int killed_swapoff(const char *path, struct sc_swapoff_result *res)
{
	res->error = 0;
	res->signal = 9;
	return 0;
}

static int enomem_swapoff(const char *path, struct sc_swapoff_result *res)
{
	res->error = -ENOMEM;
	res->signal = 0;
	return 0;
}

static void test_remove_swapoff_fails(void **state)
{
	int (*bad[])(const char *, struct sc_swapoff_result *) = {killed_swapoff, enomem_swapoff};
	const char *want[] = {"killed by signal 9 (", "out of memory bringing pages back"};

	for (size_t k = 0; k < 2; k++) {
		struct run r;
		struct sc_ctx c;
		struct sc_sys sys;
		struct sc_swapfile_observed st;
		struct sc_remove_target t = {0};
		struct sc_remove_request req = {.fstab = "/etc/fstab"};
		struct sc_plan plan = {0};
		struct sc_err err = {0};

		fake_reset();
		run_add(&r, "swapfile", 1 << 20, false);
		assert_int_equal(r.r, 0);
		sc_plan_free(&r.plan);
		sys = F.sys;
		sys.swapoff = bad[k];
		assert_int_equal(sc_ctx_init(&c, &sys, NULL, F.tmp, NULL, NULL), 0);
		assert_int_equal(sc_swapfile_inspect(&c, r.path, 0, &st, &err), 0);
		t.path = t.boot_path = r.path;
		t.st = &st;
		t.fstab.present = t.fstab.managed = true;
		t.named = true;
		assert_int_equal(sc_swapfile_plan_remove(&req, &t, 1, &plan, &err), 0);
		F.staged = F.committed = 0;
		assert_true(sc_swapfile_apply_remove(&c, &plan, &hooks, &err) < 0);
		assert_non_null(strstr(err.msg, want[k]));
		assert_non_null(strstr(err.msg, "the area stays active"));
		/* fstab untouched, file kept, area still listed */
		assert_int_equal(F.staged, 0);
		assert_int_equal(F.committed, 0);
		assert_int_equal(access(r.path, F_OK), 0);
		assert_true(swaps_lists(r.path));
		for (size_t i = 0; i < plan.n; i++)
			assert_false(plan.actions[i].done);
		sc_plan_free(&plan);
		sc_swapfile_observed_done(&st);
		sc_ctx_done(&c);
	}
}

static void test_swap_flags(void **state)
{
	static const struct {
		int prio;
		enum sc_discard d;
		int r, flags;
	} t[] = {
		{-1, SC_DISCARD_NONE, 0, 0},
		{0, SC_DISCARD_NONE, 0, 0x8000},
		{10, SC_DISCARD_NONE, 0, 0x800a},
		{32767, SC_DISCARD_NONE, 0, 0xffff},
		{5, SC_DISCARD_BOTH, 0, 0x18005},
		{5, SC_DISCARD_ONCE, 0, 0x38005},
		{5, SC_DISCARD_PAGES, 0, 0x58005},
		{-1, SC_DISCARD_ONCE, 0, 0x30000},
		/* never let a priority spill into the discard bits (0x8000|0x10005) */
		{0x10005, SC_DISCARD_NONE, -EINVAL, 0},
		{32768, SC_DISCARD_NONE, -EINVAL, 0},
		{40000, SC_DISCARD_NONE, -EINVAL, 0},
		{-2, SC_DISCARD_NONE, -EINVAL, 0},
		{1, (enum sc_discard)7, -EINVAL, 0},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int flags = -1;
		int r = sc_swap_flags(t[i].prio, t[i].d, &flags);
		if (r != t[i].r || (r == 0 && flags != t[i].flags))
			fail_msg("prio %d discard %d: r=%d flags=%#x, want r=%d flags=%#x",
				t[i].prio, t[i].d, r, flags, t[i].r, t[i].flags);
		/* whatever is built stays inside SWAP_FLAGS_VALID */
		if (r == 0 && (flags & ~0x7ffff))
			fail_msg("flags %#x outside the valid mask", flags);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swap_flags),
		cmocka_unit_test(test_add_complete),
		cmocka_unit_test(test_rollback_every_step),
		cmocka_unit_test(test_rollback_every_step_fallback_name),
		cmocka_unit_test(test_rollback_every_step_btrfs_subvolume),
		cmocka_unit_test(test_btrfs_nocow),
		cmocka_unit_test(test_btrfs_raid1_refused),
		cmocka_unit_test(test_unsupported_fs_named),
		cmocka_unit_test(test_acl_refused),
		cmocka_unit_test(test_too_little_space),
		cmocka_unit_test(test_zero_fill_once),
		cmocka_unit_test(test_area_limit),
		cmocka_unit_test(test_symlink_not_followed),
		cmocka_unit_test(test_insecure_directory),
		cmocka_unit_test(test_remove_plan_and_apply),
		cmocka_unit_test(test_remove_swapoff_fails),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
