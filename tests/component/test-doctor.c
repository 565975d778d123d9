/*
 * doctor against fixture trees: tests/fixtures/doctor/base is a healthy machine (proc, sys,
 * dev/kmsg, etc, a swapfile); every other directory there is one case, an overlay on base
 * with the ids it must produce in "expect" (empty for "healthy"). File attributes a fixture
 * cannot carry (owner root, mode 0600, btrfs, NOCOW, fscrypt) come from the case's "attrs"
 * through a fake statx/fstatfs/ioctl; by default every file is root's and swapfiles 0600.
 */
#include "fixture.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"
#include "macro.h"

static char *root;
static char attrs[4096];

static const char *boot_path(const char *full)
{
	size_t n = strlen(root);

	return strncmp(full, root, n) == 0 ? full + n : full;
}

/* "PATH word word..." lines of the case's attrs file: does PATH carry word? */
static bool attr(const char *path, const char *word, long *ret)
{
	size_t pl = strlen(path), wl = strlen(word);

	for (const char *l = attrs; *l;) {
		const char *nl = strchrnul(l, '\n');

		if ((size_t)(nl - l) > pl && strncmp(l, path, pl) == 0 && l[pl] == ' ') {
			for (const char *w = l + pl; w && w < nl; w = strchr(w + 1, ' ')) {
				const char *t = w + 1;
				if (strncmp(t, word, wl) == 0 &&
					(t[wl] == ' ' || t[wl] == '\n' || t[wl] == '=' ||
						t[wl] == '\0')) {
					if (ret && t[wl] == '=')
						*ret = strtol(t + wl + 1, NULL, 0);
					return true;
				}
			}
		}
		l = *nl ? nl + 1 : nl;
	}
	return false;
}

static const char *fd_path(int fd, char buf[static PATH_MAX])
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, PATH_MAX - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return boot_path(buf);
}

static int fake_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	int r = sc_sys_real.statx(dirfd, path, flags, mask, buf);
	char at[PATH_MAX];
	/* doctor looks at a descriptor it opened inside the root (AT_EMPTY_PATH) */
	const char *p = path[0] ? boot_path(path) : fd_path(dirfd, at);
	long v;

	if (r < 0)
		return r;
	buf->stx_uid = 0;
	if (S_ISREG(buf->stx_mode))
		buf->stx_mode = S_IFREG | 0600;
	if (attr(p, "mode", &v))
		buf->stx_mode = (buf->stx_mode & S_IFMT) | (mode_t)v;
	if (attr(p, "uid", &v))
		buf->stx_uid = (uint32_t)v;
	if (attr(p, "encrypted", NULL)) {
		buf->stx_attributes_mask |= STATX_ATTR_ENCRYPTED;
		buf->stx_attributes |= STATX_ATTR_ENCRYPTED;
	}
	return 0;
}

static int fake_fstatfs(int fd, struct statfs *buf)
{
	char p[PATH_MAX];
	int r = sc_sys_real.fstatfs(fd, buf);

	if (r == 0 && attr(fd_path(fd, p), "btrfs", NULL))
		buf->f_type = BTRFS_SUPER_MAGIC;
	return r;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	char p[PATH_MAX];
	const char *b;

	if (req != FS_IOC_GETFLAGS)
		return sc_sys_real.ioctl(fd, req, arg);
	b = fd_path(fd, p);
	*(int *)arg = attr(b, "btrfs", NULL) && !attr(b, "cow", NULL) ? FS_NOCOW_FL : 0;
	return 0;
}

static struct sc_sys fake_sys;

/* ---- building the tree: base, then the case on top ---- */

static const char *copy_src, *copy_dst;

static int copy_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + strlen(copy_src);
	char *dst, *text, link[PATH_MAX];
	ssize_t n;

	if (ftw->level == 1 && (strcmp(rel, "/expect") == 0 || strcmp(rel, "/attrs") == 0))
		return 0;
	assert_true(asprintf(&dst, "%s%s", copy_dst, rel) > 0);
	if (type == FTW_D)
		mkdir(dst, 0755);
	else if (type == FTW_SL) {
		n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		unlink(dst);
		assert_int_equal(symlink(link, dst), 0);
	} else if (type == FTW_F) {
		text = sc_test_read(path);
		sc_test_write(copy_dst, rel + 1, text);
		free(text);
	}
	free(dst);
	return 0;
}

static void copy_tree(const char *src, const char *dst)
{
	copy_src = src;
	copy_dst = dst;
	assert_int_equal(nftw(src, copy_one, 16, FTW_PHYS), 0);
}

static char *read_opt(const char *dir, const char *name)
{
	char *p, *s = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	if (access(p, F_OK) == 0)
		s = sc_test_read(p);
	free(p);
	return s ? s : strdup("");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Findings about the running kernel: never reported for an offline root (an image). */
static const char *const live_ids[] = {
	"oom-kills",
	"no-swap",
	"swap-nearly-full",
	"swappiness-zero",
	"min-free-kbytes-low",
	"min-free-kbytes-high",
	"overcommit-starved",
	"overcommit-ratio-low",
	"vfs-cache-pressure-zero",
	"dirtytime-expire-zero",
	"zone-below-low-watermark",
	"fstab-swap-inactive",
	"swap-not-persistent",
	"zram-priority-low",
	"zswap-before-zram",
	"sysctl-drift",
};

static bool is_live_id(const char *id)
{
	for (size_t i = 0; i < ELEMENTSOF(live_ids); i++)
		if (strcmp(live_ids[i], id) == 0)
			return true;
	return false;
}

/* How many findings have this id. */
static size_t count_id(const struct sc_findings *f, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->items[i].id, id) == 0;
	return n;
}

/*
 * doctor reports what status shows as drift: one finding per record (a duplicated line only
 * as a duplicate), never one drift does not have.
 */
static void assert_agrees_with_drift(
	const struct sc_doctor_observed *s, const struct sc_findings *f)
{
	static const char *const ids[] = {
		[SC_DRIFT_NOT_PERSISTED] = "swap-not-persistent",
		[SC_DRIFT_MISSING] = "fstab-swap-missing",
		[SC_DRIFT_INACTIVE] = "fstab-swap-inactive",
		[SC_DRIFT_DUPLICATE] = "fstab-swap-duplicate",
		[SC_DRIFT_ROTATION_PENDING] = "rotation-pending",
		[SC_DRIFT_ORPHANED] = "orphaned-swapfile",
	};
	size_t want[ELEMENTSOF(ids)] = {0};

	for (size_t i = 0; i < s->drift.n; i++) {
		const struct sc_drift_record *d = &s->drift.items[i];

		if ((d->kind == SC_DRIFT_MISSING || d->kind == SC_DRIFT_INACTIVE) &&
			sc_drift_find(&s->drift, SC_DRIFT_DUPLICATE, d->entry))
			continue;
		want[d->kind]++;
	}
	for (size_t k = 0; k < ELEMENTSOF(ids); k++)
		if (count_id(f, ids[k]) != want[k])
			fail_msg("%zu %s finding(s) for %zu %s drift record(s)",
				count_id(f, ids[k]), ids[k], want[k],
				sc_drift_kind_name((enum sc_drift_kind)k));
}

/*
 * Run doctor on the case; returns the findings (caller frees) and checks the ids. offline:
 * the fixture is an image (--root), whose expected ids are the case's without live_ids;
 * otherwise a running machine, its tree and its kernel.
 */
static void run_case_as(const char *name, bool offline, struct sc_findings *ret)
{
	char *base, *dir, *expect, *want[32], *got[32], *fstab, *sysctl_dir;
	struct sc_doctor_observed s = {0};
	struct sc_err err = {0};
	struct sc_ctx c;
	size_t nw = 0, ng;
	char *tmp;

	root = sc_test_mkdtemp();
	assert_true(asprintf(&base, "%s/doctor/base", SC_FIXTURE_DIR) > 0);
	assert_true(asprintf(&dir, "%s/doctor/%s", SC_FIXTURE_DIR, name) > 0);
	copy_tree(base, root);
	copy_tree(dir, root);
	tmp = read_opt(dir, "attrs");
	snprintf(attrs, sizeof(attrs), "%s", tmp);
	free(tmp);
	expect = read_opt(dir, "expect");
	for (char *l = strtok(expect, "\n"); l; l = strtok(NULL, "\n"))
		if (!offline || !is_live_id(l))
			want[nw++] = l;

	assert_true(asprintf(&fstab, "%s/etc/fstab", root) > 0);
	assert_true(asprintf(&sysctl_dir, "%s/etc/sysctl.d", root) > 0);
	assert_int_equal(sc_ctx_init(&c, &fake_sys, root, root, fstab, sysctl_dir), 0);
	c.offline = offline; /* false: the fixture is a running machine, root and kernel */
	s.fstab_path = strdup("/etc/fstab");
	assert_int_equal(sc_observe(&c, SC_DOCTOR_OBSERVE, &s.obs), 0);
	assert_true(s.obs.fstab_ok);
	if (sc_doctor_gather(&c, &s, &err) < 0)
		fail_msg("%s: gather: %s", name, err.msg);
	assert_int_equal(sc_doctor_check(&s, ret), 0);
	assert_agrees_with_drift(&s, ret);

	ng = ret->n;
	assert_true(ng < 32);
	for (size_t i = 0; i < ng; i++)
		got[i] = (char *)ret->items[i].id;
	qsort(want, nw, sizeof(char *), cmp_str);
	qsort(got, ng, sizeof(char *), cmp_str);
	for (size_t i = 0; i < SC_MAX(nw, ng); i++)
		if (i >= nw || i >= ng || strcmp(want[i], got[i]) != 0) {
			for (size_t j = 0; j < ret->n; j++)
				print_message("  %s: %s: %s\n", name, ret->items[j].id,
					ret->items[j].message);
			fail_msg("%s%s: found %zu finding(s), expected %zu (first difference at "
				 "%zu)",
				name, offline ? " (offline)" : "", ng, nw, i);
		}
	for (size_t i = 0; i < ret->n; i++) {
		assert_non_null(ret->items[i].message);
		assert_non_null(ret->items[i].fix);
		assert_true(strlen(ret->items[i].fix) > 0);
	}

	sc_doctor_observed_done(&s);
	sc_ctx_done(&c);
	free(fstab);
	free(sysctl_dir);
	free(expect);
	free(base);
	free(dir);
	sc_test_rmtree(root);
	free(root);
}

static void run_case(const char *name, struct sc_findings *ret)
{
	run_case_as(name, false, ret);
}

static void test_every_case(void **state)
{
	char *dir;
	struct dirent **names;
	int n, cases = 0;

	assert_true(asprintf(&dir, "%s/doctor", SC_FIXTURE_DIR) > 0);
	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		struct sc_findings f = {0};
		const char *name = names[i]->d_name;

		if (name[0] != '.' && strcmp(name, "base") != 0) {
			run_case(name, &f);
			/* Exit status 4 exactly when a finding is a warning or an error. */
			if (strcmp(name, "healthy") == 0 ||
				strcmp(name, "sysctl-drift-khugepaged") == 0 ||
				strcmp(name, "manager-zram-generator-inert") == 0)
				assert_false(sc_findings_problems(&f));
			else
				assert_true(sc_findings_problems(&f));
			sc_findings_free(&f);
			/* The same tree as an image: only what the image itself holds. */
			run_case_as(name, true, &f);
			sc_findings_free(&f);
			cases++;
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	assert_true(cases >= 20);
}

static const struct sc_finding *find(const struct sc_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return &f->items[i];
	return NULL;
}

static void test_messages_explain(void **state)
{
	struct sc_findings f = {0};
	const struct sc_finding *x;

	/* The symptom: OOM kills while swap is free, explained by swappiness 0. */
	run_case("oom-with-free-swap", &f);
	x = find(&f, "oom-kills");
	assert_non_null(strstr(x->message, "3 processes"));
	assert_non_null(strstr(x->message, "postgres (pid 1717)"));
	assert_non_null(strstr(x->message, "see swappiness-zero"));
	assert_non_null(strstr(x->message, "1023.9 MiB of swap is free"));
	assert_non_null(find(&f, "swappiness-zero"));
	sc_findings_free(&f);

	/* Findings about a value name the file that sets it at boot. */
	run_case("swappiness-zero", &f);
	x = find(&f, "swappiness-zero");
	assert_non_null(strstr(x->message, "/etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf"));
	sc_findings_free(&f);
	run_case("min-free-kbytes-high", &f);
	x = find(&f, "min-free-kbytes-high");
	assert_non_null(strstr(x->message, "/etc/sysctl.d/60-bigalloc.conf line 2"));
	sc_findings_free(&f);

	run_case("oom-kills", &f);
	x = find(&f, "oom-kills");
	assert_non_null(strstr(x->message, "memory cgroup /system.slice/batch.service"));
	sc_findings_free(&f);

	/* ... and when the cgroup itself may not swap, that is named too. */
	run_case("oom-cgroup-no-swap-v1", &f);
	x = find(&f, "oom-kills");
	assert_non_null(strstr(x->message,
		"Memory cgroup /batch may not swap (its "
		"memory.swappiness is 0)"));
	sc_findings_free(&f);
	run_case("oom-cgroup-no-swap-v2", &f);
	x = find(&f, "oom-kills");
	assert_non_null(strstr(x->message, "its swap limit leaves no room for swap"));
	sc_findings_free(&f);
	run_case("oom-kills", &f);
	x = find(&f, "oom-kills");
	assert_null(strstr(x->message, "may not swap"));
	sc_findings_free(&f);

	run_case("sysctl-overridden", &f);
	x = find(&f, "sysctl-overridden");
	assert_non_null(strstr(x->message, "vm.page-cluster = 3"));
	assert_non_null(strstr(x->fix, "/etc/sysctl.conf line 1"));
	sc_findings_free(&f);

	run_case("sysctl-drift-khugepaged", &f);
	x = find(&f, "sysctl-drift");
	assert_int_equal(x->severity, SC_SEV_INFO);
	assert_non_null(strstr(x->fix, "vm.min_free_kbytes=67584"));
	sc_findings_free(&f);

	run_case("manager-cloud-init", &f);
	x = find(&f, "other-swap-manager");
	assert_non_null(strstr(x->message, "/etc/cloud/cloud.cfg.d/50-swap.cfg line 2"));
	sc_findings_free(&f);

	run_case("swapfile-insecure", &f);
	x = find(&f, "swapfile-insecure");
	assert_non_null(strstr(x->message, "mode 0644, owner uid 1000"));
	sc_findings_free(&f);
}

/*
 * A tag no device answers to is missing for doctor as for status: at boot the unit waits for
 * the device, then fails. An area the kernel lists is never missing.
 */
static void test_unresolved_tag(void **state)
{
	struct sc_doctor_observed s = {0};
	struct sc_findings f = {0};
	struct sc_err err = {0};
	const struct sc_finding *x;
	struct sc_ctx c;
	char *base, *fstab;

	root = sc_test_mkdtemp();
	assert_true(asprintf(&base, "%s/doctor/base", SC_FIXTURE_DIR) > 0);
	copy_tree(base, root);
	attrs[0] = '\0';
	sc_test_write(root, "etc/fstab",
		"/swap/swapfile none swap defaults,x-swapctl 0 0\n"
		"UUID=00000000-dead-beef-0000-000000000000 none swap defaults 0 0\n");
	assert_true(asprintf(&fstab, "%s/etc/fstab", root) > 0);
	assert_int_equal(sc_ctx_init(&c, &fake_sys, root, root, fstab, NULL), 0);
	c.offline = false; /* the tree is a running machine's */
	s.fstab_path = strdup("/etc/fstab");
	assert_int_equal(sc_observe(&c, SC_DOCTOR_OBSERVE, &s.obs), 0);
	assert_int_equal(sc_doctor_gather(&c, &s, &err), 0);
	assert_int_equal(sc_doctor_check(&s, &f), 0);
	assert_agrees_with_drift(&s, &f);
	assert_int_equal(count_id(&f, "fstab-swap-missing"), 1);
	x = find(&f, "fstab-swap-missing");
	assert_int_equal(x->severity, SC_SEV_ERROR);
	assert_string_equal(x->message,
		"/etc/fstab line 2 names UUID=00000000-dead-beef-0000-000000000000, which does not "
		"exist: at boot the swap unit fails after waiting for the device (90 s by "
		"default)");
	assert_string_equal(x->fix,
		"attach the device UUID=00000000-dead-beef-0000-000000000000 names, correct the "
		"source of line 2, or remove the line");
	sc_findings_free(&f);
	sc_doctor_observed_done(&s);

	/* The kernel holds /swap/swapfile even when the tree has no such file. */
	sc_test_write(root, "proc/swaps",
		"Filename\tType\tSize\tUsed\tPriority\n/swap/held file\t1048572\t0\t-2\n");
	sc_test_write(root, "etc/fstab", "/swap//held none swap defaults 0 0\n");
	s.fstab_path = strdup("/etc/fstab");
	assert_int_equal(sc_observe(&c, SC_DOCTOR_OBSERVE, &s.obs), 0);
	assert_int_equal(sc_doctor_gather(&c, &s, &err), 0);
	assert_int_equal(sc_doctor_check(&s, &f), 0);
	assert_agrees_with_drift(&s, &f);
	assert_null(find(&f, "fstab-swap-missing"));
	assert_null(find(&f, "swap-not-persistent"));
	sc_findings_free(&f);
	sc_doctor_observed_done(&s);

	sc_ctx_done(&c);
	free(fstab);
	free(base);
	sc_test_rmtree(root);
	free(root);
}

static void test_kmsg_parser(void **state)
{
	struct sc_doctor_observed s = {0};

	assert_int_equal(sc_doctor_parse_kmsg(
				 "6,1,0,-;oom-kill:constraint=CONSTRAINT_NONE,task=a,pid=1,uid=0\n"
				 "3,2,0,-;Out of memory: Killed process 1 (a) total-vm:1kB\n"
				 "3,3,0,-;Out of memory: Killed process 2 (b c) total-vm:1kB\n"
				 "3,4,0,-;Killed process x\n"
				 "3,5,0,-;Memory cgroup out of memory: Killed process 3 (d)\n"
				 " SUBSYSTEM=memory\n"
				 "3,6,0,-;Out of memory: Killed process 4 (e)\n"
				 "3,7,0,-;Out of memory: Killed process 5 (f)\n"
				 "3,8,0,-;Out of memory: Killed process 6 (g)\n",
				 &s),
		0);
	/* the last five, oldest first; one entry per kill */
	assert_int_equal(s.n_ooms, 5);
	assert_int_equal(s.ooms[0].pid, 2);
	assert_string_equal(s.ooms[0].task, "b c");
	assert_true(s.ooms[1].memcg);
	assert_null(s.ooms[1].memcg_path);
	assert_int_equal(s.ooms[4].pid, 6);
	sc_doctor_observed_done(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_case),
		cmocka_unit_test(test_messages_explain),
		cmocka_unit_test(test_unresolved_tag),
		cmocka_unit_test(test_kmsg_parser),
	};

	fake_sys = sc_sys_real;
	fake_sys.statx = fake_statx;
	fake_sys.fstatfs = fake_fstatfs;
	fake_sys.ioctl = fake_ioctl;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
