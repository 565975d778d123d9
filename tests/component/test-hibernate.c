/*
 * swapctl hibernate from observation to applied plan, against a fixture tree (a configured
 * root with GRUB, initramfs-tools and /etc/kernel/cmdline) and a fake kernel: /sys/power and
 * mountinfo below the sysroot, FIEMAP and statfs answered by the fake system layer. Scripted
 * failures prove that every file and live value written before the failure is put back.
 */
#include "fixture.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hibernate.h"
#include "macro.h"

#define DEV	    "/dev/fake-vda1"
#define FIRST_BLOCK 0x2200000ULL /* the file's first byte on the device: page 8704 */

static struct {
	char *dir; /* root and sysroot */
	char *file; /* the swapfile, below the root */
	dev_t file_dev;
	const char *fail_attr; /* write_attr of the attribute whose path ends so fails */
	int fail_run; /* exit status of every helper run */
	char runs[4][64];
	size_t n_runs;
} F;

static struct sc_sys fake;

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == FS_IOC_FIEMAP) {
		struct fiemap *m = arg;

		m->fm_mapped_extents = 0;
		if (m->fm_extent_count == 0)
			m->fm_mapped_extents = 1;
		else {
			memset(&m->fm_extents[0], 0, sizeof(m->fm_extents[0]));
			m->fm_extents[0].fe_logical = 0;
			m->fm_extents[0].fe_physical = FIRST_BLOCK;
			m->fm_extents[0].fe_length = 16 << 20;
			m->fm_extents[0].fe_flags = FIEMAP_EXTENT_LAST;
			m->fm_mapped_extents = 1;
		}
		return 0;
	}
	return sc_sys_real.ioctl(fd, req, arg);
}

static int fake_fstatfs(int fd, struct statfs *buf)
{
	int r = sc_sys_real.fstatfs(fd, buf);

	if (r == 0)
		buf->f_type = EXT4_SUPER_MAGIC;
	return r;
}

/* The device node exists as a block device, here only. */
static int fake_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (strcmp(path, DEV) == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFBLK | 0660;
		st->st_rdev = makedev(254, 1);
		return 0;
	}
	return sc_test_fstatat_as_root(dirfd, path, st, flags);
}

static int fake_write_attr(const char *path, const char *value)
{
	size_t n = strlen(path), m = F.fail_attr ? strlen(F.fail_attr) : 0;

	if (F.fail_attr && n >= m && strcmp(path + n - m, F.fail_attr) == 0)
		return -EIO;
	/* a sysfs attribute takes the value whole: the fake file is replaced */
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return -errno;
		fprintf(f, "%s\n", value);
		fclose(f);
	}
	return 0;
}

static int fake_run(char *const argv[])
{
	size_t n = 0;

	F.runs[F.n_runs][0] = '\0';
	for (size_t i = 0; argv[i]; i++)
		n += (size_t)snprintf(
			F.runs[F.n_runs] + n, sizeof(F.runs[0]) - n, "%s%s", i ? " " : "", argv[i]);
	F.n_runs++;
	return F.fail_run;
}

static char *at(const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", F.dir, rel) > 0);
	return p;
}

static char *read_or_null(const char *rel)
{
	char *p = at(rel), *s = NULL;

	if (access(p, F_OK) == 0)
		s = sc_test_read(p);
	free(p);
	return s;
}

static int setup(void **state)
{
	struct stat st;
	char line[512];

	(void)state;
	memset(&F, 0, sizeof(F));
	F.dir = sc_test_mkdtemp();
	sc_test_write(F.dir, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	sc_test_write(F.dir, "etc/initramfs-tools/initramfs.conf", "MODULES=most\n");
	sc_test_write(F.dir, "etc/kernel/cmdline", "root=UUID=abc ro quiet\n");
	sc_test_write(F.dir, "etc/fstab", "");
	sc_test_write(F.dir, "swap/hib", "");
	F.file = at("swap/hib");
	assert_int_equal(truncate(F.file, 16 << 20), 0);
	assert_int_equal(stat(F.file, &st), 0);
	F.file_dev = st.st_dev;
	snprintf(line, sizeof(line), "Filename Type Size Used Priority\n%s file 16380 0 10\n",
		F.file);
	sc_test_write(F.dir, "proc/swaps", line);
	snprintf(line, sizeof(line), "29 1 %u:%u / / rw,relatime shared:1 - ext4 " DEV " rw\n",
		major(st.st_dev), minor(st.st_dev));
	sc_test_write(F.dir, "proc/self/mountinfo", line);
	sc_test_write(F.dir, "proc/cmdline", "root=UUID=abc ro quiet\n");
	sc_test_write(F.dir, "sys/power/state", "freeze mem disk\n");
	sc_test_write(F.dir, "sys/power/resume", "0:0\n");
	sc_test_write(F.dir, "sys/power/resume_offset", "0\n");
	sc_test_write(F.dir, "sys/power/image_size", "8388608\n");

	fake = sc_sys_real;
	sc_test_sys_as_root(&fake);
	fake.ioctl = fake_ioctl;
	fake.fstatfs = fake_fstatfs;
	fake.fstatat = fake_fstatat;
	fake.write_attr = fake_write_attr;
	fake.run = fake_run;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sc_test_rmtree(F.dir);
	free(F.dir);
	free(F.file);
	return 0;
}

/* Observe, plan and apply like `swapctl hibernate` on a live system rooted at the fixture. */
static int hibernate(
	const struct sc_hib_request *req, struct sc_hib_plan *ret_plan, struct sc_err *err)
{
	struct sc_hib_observed o;
	struct sc_hib_plan p = {0};
	struct sc_ctx c;
	_cleanup_free_ char *fstab = at("etc/fstab");
	const char *files[] = {"/swap/hib"};
	const bool managed[] = {true};
	int r;

	sc_err_clear(err);
	assert_int_equal(sc_ctx_init(&c, &fake, F.dir, F.dir, fstab, NULL), 0);
	c.offline = false; /* a whole fixture machine, as SWAPCTL_ROOT makes it */
	r = sc_hibernate_observe(&c, NULL, files, managed, 1, &o, err);
	if (r == 0)
		r = sc_hibernate_plan(req, &o, &p, err);
	if (r == 0)
		r = sc_hibernate_apply(&c, &o, &p, err);
	if (ret_plan && r == 0) {
		ret_plan->plan = p.plan; /* the actions only: their target is not kept */
		p.plan = (struct sc_plan){0};
	}
	sc_hibernate_plan_done(&p);
	sc_hibernate_observed_done(&o);
	sc_ctx_done(&c);
	return r;
}

static void test_configure(void **state)
{
	struct sc_hib_request req = {0};
	struct sc_hib_plan p = {0};
	struct sc_err err;
	char *s;

	(void)state;
	assert_int_equal(hibernate(&req, &p, &err), 0);
	assert_int_equal(p.plan.n, 6);
	sc_plan_free(&p.plan);
	s = read_or_null("etc/default/grub.d/swapctl-resume.cfg");
	assert_non_null(strstr(s,
		"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX resume=" DEV " resume_offset=8704\"\n"));
	free(s);
	s = read_or_null("etc/initramfs-tools/conf.d/zz-swapctl-resume");
	assert_non_null(strstr(s, "\nRESUME=" DEV "\n"));
	free(s);
	s = read_or_null("etc/kernel/cmdline");
	assert_string_equal(s, "root=UUID=abc ro quiet resume=" DEV " resume_offset=8704\n");
	free(s);
	s = read_or_null("sys/power/resume_offset");
	assert_string_equal(s, "8704\n");
	free(s);
	s = read_or_null("sys/power/resume");
	assert_string_equal(s, "254:1\n");
	free(s);
	s = read_or_null("etc/swapctl/hibernate.conf");
	assert_non_null(strstr(s, "file = /swap/hib\n"));
	free(s);

	/* again: nothing to do */
	assert_int_equal(hibernate(&req, &p, &err), 0);
	assert_int_equal(p.plan.n, 0);

	/* --off: every file of swapctl's gone, the admin's cmdline words kept */
	req.off = true;
	assert_int_equal(hibernate(&req, NULL, &err), 0);
	assert_null(read_or_null("etc/default/grub.d/swapctl-resume.cfg"));
	assert_null(read_or_null("etc/initramfs-tools/conf.d/zz-swapctl-resume"));
	assert_null(read_or_null("etc/swapctl/hibernate.conf"));
	s = read_or_null("etc/kernel/cmdline");
	assert_string_equal(s, "root=UUID=abc ro quiet\n");
	free(s);
	assert_int_equal(F.n_runs, 0);
}

/* The last live write fails: the files are as they were, the offset is back. */
static void test_rollback(void **state)
{
	struct sc_hib_request req = {0};
	struct sc_err err;
	char *s;

	(void)state;
	sc_test_write(F.dir, "etc/default/grub.d/swapctl-resume.cfg", "# an old one\n");
	F.fail_attr = "/power/resume"; /* the device, after the offset was written */
	assert_int_not_equal(hibernate(&req, NULL, &err), 0);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "/sys/power/resume: cannot write 254:1"));
	assert_non_null(strstr(err.msg, "the previous configuration was restored"));
	s = read_or_null("etc/default/grub.d/swapctl-resume.cfg");
	assert_string_equal(s, "# an old one\n");
	free(s);
	assert_null(read_or_null("etc/initramfs-tools/conf.d/zz-swapctl-resume"));
	assert_null(read_or_null("etc/swapctl/hibernate.conf"));
	s = read_or_null("etc/kernel/cmdline");
	assert_string_equal(s, "root=UUID=abc ro quiet\n");
	free(s);
	s = read_or_null("sys/power/resume_offset");
	assert_string_equal(s, "0\n");
	free(s);
}

/* --regenerate: the tools run last; one failing undoes the files and the live values. */
static void test_regenerate(void **state)
{
	struct sc_hib_request req = {.regenerate = true};
	struct sc_err err;
	char *s;

	(void)state;
	F.fail_run = 1;
	assert_int_not_equal(hibernate(&req, NULL, &err), 0);
	assert_int_equal(F.n_runs, 1);
	assert_string_equal(F.runs[0], "update-initramfs -u");
	assert_non_null(strstr(err.msg, "update-initramfs -u: exited with status 1"));
	assert_null(read_or_null("etc/default/grub.d/swapctl-resume.cfg"));
	s = read_or_null("sys/power/resume");
	assert_string_equal(s, "0:0\n");
	free(s);
	s = read_or_null("sys/power/resume_offset");
	assert_string_equal(s, "0\n");
	free(s);

	F.fail_run = 0;
	F.n_runs = 0;
	assert_int_equal(hibernate(&req, NULL, &err), 0);
	assert_int_equal(F.n_runs, 2);
	assert_string_equal(F.runs[0], "update-initramfs -u");
	assert_string_equal(F.runs[1], "update-grub");
}

/* A record that does not parse stops the command, named by its full path, with the remedy. */
static void test_bad_record(void **state)
{
	struct sc_hib_request req = {.off = true};
	struct sc_err err;
	_cleanup_free_ char *full = at("etc/swapctl/hibernate.conf");

	(void)state;
	sc_test_write(F.dir, "etc/swapctl/hibernate.conf", "file = /swap/hib\nresume 254:1\n");
	assert_int_equal(hibernate(&req, NULL, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_true(strncmp(err.msg, full, strlen(full)) == 0);
	assert_non_null(strstr(err.msg, ": line 2: expected file = /PATH"));
	assert_non_null(strstr(err.hint, "delete it"));
	sc_test_write(F.dir, "etc/swapctl/hibernate.conf", "file = /swap/hib\n");
	assert_int_equal(hibernate(&req, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "hibernate.conf: needs file, resume and resume_offset"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_configure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regenerate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_record, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
