/*
 * sysctl apply against a fake /proc/sys/vm tree. The fake write_attr parses like the kernel's
 * proc_dointvec_minmax (leading whitespace, octal "010", hex "0x10", trailing text after a
 * space, the empty string as a no-op, per-key ranges -> EINVAL), so swapctl's own
 * canonicalisation is what keeps values right, and scripted failures prove that live values
 * and the drop-in are rolled back.
 */
#include "fixture.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysctl.h"
#include "util.h"

#define MAX_CALLS 64

static struct fake {
	char *dir; /* sysroot */
	char *sysctl_dir;
	char calls[MAX_CALLS][128]; /* "key=value" of every write_attr */
	size_t n_calls;
	int fail_call; /* 1-based call number that fails, 0 = none */
	int fail_errno;
	const char *fail_key; /* every write to this key fails */
	const char *drift_key; /* writes to this key store drift_value instead */
	long drift_value;
	int fail_pwrite; /* -errno for the atomic writer's data write */
	long swappiness_max;
} F;

static const struct {
	const char *name;
	long min, max;
} ranges[] = {
	{"swappiness", 0, 200},
	{"min_free_kbytes", 0, INT_MAX},
	{"overcommit_memory", 0, 2},
	{"overcommit_ratio", INT_MIN, INT_MAX},
	{"watermark_scale_factor", 1, 3000},
	{"watermark_boost_factor", 0, INT_MAX},
	{"vfs_cache_pressure", 0, INT_MAX},
	{"dirtytime_expire_seconds", 0, INT_MAX},
	{"page-cluster", 0, 31},
};

static void write_proc(const char *key, long v)
{
	char rel[128], val[32];

	snprintf(rel, sizeof(rel), "proc/sys/vm/%s", key);
	snprintf(val, sizeof(val), "%ld\n", v);
	sc_test_write(F.dir, rel, val);
}

static long read_proc(const char *key)
{
	char *p, *s;
	long v;

	assert_true(asprintf(&p, "%s/proc/sys/vm/%s", F.dir, key) > 0);
	s = sc_test_read(p);
	v = strtol(s, NULL, 10);
	free(p);
	free(s);
	return v;
}

/* proc_dointvec_minmax as the kernel parses a write (docs/kernel-notes.md: vm.* sysctls). */
static int fake_write_attr(const char *path, const char *value)
{
	const char *key = strrchr(path, '/') + 1, *s = value;
	long min = 0, max = -1, v;
	bool neg = false, known = false;
	char *end;

	assert_true(F.n_calls < MAX_CALLS);
	snprintf(F.calls[F.n_calls++], sizeof(F.calls[0]), "%s=%s", key, value);
	if (F.fail_call && (int)F.n_calls == F.fail_call)
		return -F.fail_errno;
	if (F.fail_key && strcmp(key, F.fail_key) == 0)
		return -F.fail_errno;
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (strcmp(ranges[i].name, key) == 0) {
			min = ranges[i].min;
			max = ranges[i].max;
			known = true;
		}
	if (strcmp(key, "swappiness") == 0 && F.swappiness_max)
		max = F.swappiness_max;
	if (!known)
		return -ENOENT;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0; /* the empty write succeeds and changes nothing */
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL; /* "+30" */
	v = strtol(s, &end, 0); /* base 0: "010" is 8, "0x10" is 16 */
	if (*end && !isspace((unsigned char)*end))
		return -EINVAL; /* "3e1" */
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -EINVAL;
	if (F.drift_key && strcmp(key, F.drift_key) == 0)
		v = F.drift_value;
	write_proc(key, v);
	return 0;
}

static int fake_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	if (F.fail_pwrite)
		return F.fail_pwrite;
	return sc_sys_real.pwrite_all(fd, buf, len, off);
}

static struct sc_sys fake_sys;

static void tree(const char *osrelease)
{
	F.dir = sc_test_mkdtemp();
	assert_true(asprintf(&F.sysctl_dir, "%s/etc/sysctl.d", F.dir) > 0);
	sc_test_write(F.dir, "proc/sys/kernel/osrelease", osrelease);
	sc_test_write(F.dir, "proc/meminfo",
		"MemTotal:       24684092 kB\n"
		"MemFree:        24241348 kB\n"
		"MemAvailable:   24000000 kB\n"
		"SwapTotal:             0 kB\n"
		"SwapFree:              0 kB\n"
		"CommitLimit:    12342044 kB\n"
		"Committed_AS:      69540 kB\n");
	sc_test_write(F.dir, "proc/zoneinfo",
		"Node 0, zone      DMA\n  pages free 3840\n  min 58\n  low 72\n  high 86\n"
		"  present 3998\n  managed 3840\n"
		"Node 0, zone    DMA32\n  pages free 772917\n  min 11824\n  low 14780\n"
		"  high 17736\n  present 782336\n  managed 772917\n"
		"Node 0, zone   Normal\n  pages free 261599\n  min 5012\n  low 6265\n"
		"  high 7518\n  present 5505024\n  managed 327680\n");
	sc_test_write(F.dir, "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	sc_test_write(
		F.dir, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	sc_test_write(F.dir, "sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n");
	sc_test_write(F.dir, "proc/sys/vm/overcommit_kbytes", "0\n");
	for (size_t k = 0; k < SC_VM_N; k++)
		write_proc(sc_sysctl_keys[k].name,
			k == SC_VM_MIN_FREE_KBYTES ? 67584
						   : (long)sc_sysctl_keys[k].kernel_default);
	sc_test_write(F.dir, "etc/sysctl.conf", "");
	mkdir(F.sysctl_dir, 0755);
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	fake_sys = sc_sys_real;
	fake_sys.write_attr = fake_write_attr;
	fake_sys.pwrite_all = fake_pwrite_all;
	tree("6.18.44\n");
	return 0;
}

static int teardown(void **state)
{
	sc_test_rmtree(F.dir);
	free(F.dir);
	free(F.sysctl_dir);
	return 0;
}

/* Plan and apply like `swapctl sysctl apply`; returns the error kind (0 on success). */
static int run(bool offline, const char *profile, const char *sets, bool force, bool no_persist,
	struct sc_sysctl_plan *ret_plan, struct sc_err *err)
{
	struct sc_sysctl_request req = {
		.profile = profile, .force = force, .no_persist = no_persist};
	struct sc_sysctl_observed st = {0};
	struct sc_sysctl_plan plan = {0};
	struct sc_ctx c;
	char *copy = sets ? strdup(sets) : NULL, *save = NULL;
	int r;

	sc_err_clear(err);
	for (char *t = copy ? strtok_r(copy, " ", &save) : NULL; t;
		t = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(t, '=');
		int k;
		*eq = '\0';
		k = sc_sysctl_key_index(t);
		assert_true(k >= 0);
		assert_int_equal(sc_sysctl_parse_value((size_t)k, eq + 1, &req.set.v[k], err), 0);
		req.set.set[k] = true;
	}
	free(copy);
	assert_int_equal(
		sc_ctx_init(&c, &fake_sys, offline ? F.dir : NULL, F.dir, NULL, F.sysctl_dir), 0);
	r = sc_sysctl_observed_read(&c, &st, err);
	if (r == 0)
		r = sc_sysctl_plan(&c, &st, &req, &plan, err);
	if (r == 0)
		r = sc_sysctl_apply(&c, &st, &plan, err);
	if (ret_plan)
		*ret_plan = plan;
	else
		sc_sysctl_plan_done(&plan);
	sc_sysctl_observed_done(&st);
	sc_ctx_done(&c);
	return r == 0 ? 0 : (int)err->kind;
}

static char *dropin(void)
{
	char *p, *s = NULL;

	assert_true(asprintf(&p, "%s/%s", F.sysctl_dir, SC_SYSCTL_DROPIN) > 0);
	if (access(p, F_OK) == 0)
		s = sc_test_read(p);
	free(p);
	return s;
}

static bool canonical(const char *v)
{
	if (*v == '-')
		v++;
	if (!isdigit((unsigned char)*v) || (v[0] == '0' && v[1]))
		return false;
	while (isdigit((unsigned char)*v))
		v++;
	return *v == '\0';
}

static void assert_canonical_writes(void)
{
	for (size_t i = 0; i < F.n_calls; i++)
		if (!canonical(strchr(F.calls[i], '=') + 1))
			fail_msg("non-canonical write %s", F.calls[i]);
}

static void test_profile_applies_and_is_idempotent(void **state)
{
	struct sc_sysctl_plan p;
	struct sc_err err;
	char *d;

	assert_int_equal(run(false, "server", NULL, false, false, &p, &err), 0);
	assert_true(sc_plan_changed(&p.plan));
	sc_sysctl_plan_done(&p);
	assert_int_equal(read_proc("swappiness"), 30);
	assert_int_equal(read_proc("min_free_kbytes"), 67584);
	/* Only what differed was written, once, in canonical decimal. */
	assert_int_equal(F.n_calls, 1);
	assert_string_equal(F.calls[0], "swappiness=30");
	d = dropin();
	assert_non_null(strstr(d,
		"# profile: server\nvm.swappiness = 30\nvm.min_free_kbytes = "
		"67584\n"));
	assert_non_null(strstr(d, "vm.page-cluster = 3\n"));
	free(d);

	/* The same request again: nothing to do. */
	F.n_calls = 0;
	assert_int_equal(run(false, "server", NULL, false, false, &p, &err), 0);
	assert_int_equal(p.plan.n, 0);
	assert_false(sc_plan_changed(&p.plan));
	sc_sysctl_plan_done(&p);
	assert_int_equal(F.n_calls, 0);

	/* Neither --profile nor --set: the drop-in is applied live again. */
	write_proc("swappiness", 45);
	F.n_calls = 0;
	assert_int_equal(run(false, NULL, NULL, false, false, &p, &err), 0);
	assert_int_equal(p.plan.n, 1);
	assert_int_equal(p.plan.actions[0].kind, SC_SYSCTL_SET_LIVE);
	sc_sysctl_plan_done(&p);
	assert_int_equal(read_proc("swappiness"), 30);

	/* --set on top of the drop-in keeps the rest and the profile name. */
	assert_int_equal(run(false, NULL, "vm.page-cluster=0", false, false, NULL, &err), 0);
	assert_int_equal(read_proc("page-cluster"), 0);
	d = dropin();
	assert_non_null(strstr(d, "# profile: server\nvm.swappiness = 30\n"));
	assert_non_null(strstr(d, "vm.page-cluster = 0\n"));
	free(d);
	assert_canonical_writes();
}

static void test_values_that_kernel_would_misread(void **state)
{
	struct sc_err err;

	/*
	 * Through the kernel's parser "010" is 8 and "60 junk" is 60: swapctl refuses both at
	 * parse time, and what it writes is always canonical (the fake would store 8).
	 */
	assert_int_equal(fake_write_attr("/x/swappiness", "010"), 0);
	assert_int_equal(read_proc("swappiness"), 8);
	assert_int_equal(fake_write_attr("/x/swappiness", "0x10"), 0);
	assert_int_equal(read_proc("swappiness"), 16);
	assert_int_equal(fake_write_attr("/x/swappiness", "+30"), -EINVAL);
	F.n_calls = 0;
	write_proc("swappiness", 60);

	assert_int_equal(
		run(false, NULL, "vm.swappiness=8 vm.page-cluster=1", false, false, NULL, &err), 0);
	assert_int_equal(read_proc("swappiness"), 8);
	assert_int_equal(read_proc("page-cluster"), 1);
	assert_canonical_writes();
}

static void restore_check(const char *before_dropin)
{
	char *after = dropin();

	if (before_dropin)
		assert_string_equal(after, before_dropin);
	else
		assert_null(after);
	free(after);
	assert_int_equal(read_proc("swappiness"), 60);
	assert_int_equal(read_proc("page-cluster"), 3);
	assert_int_equal(read_proc("watermark_scale_factor"), 10);
}

static void test_rollback_when_kernel_rejects(void **state)
{
	struct sc_sysctl_plan p;
	struct sc_err err;

	/* No drop-in before: a failure removes the one just written. */
	F.fail_key = "watermark_boost_factor";
	F.fail_errno = EINVAL;
	assert_int_equal(run(false, NULL,
				 "vm.swappiness=20 vm.watermark_scale_factor=125 "
				 "vm.watermark_boost_factor=0 vm.page-cluster=0",
				 false, false, &p, &err),
		SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "vm.watermark_boost_factor: the kernel rejected 0"));
	assert_non_null(strstr(err.msg, "restored"));
	assert_false(sc_plan_changed(&p.plan));
	sc_sysctl_plan_done(&p);
	restore_check(NULL);
	/* Written in order, then put back in reverse: swappiness, wsf, (boost fails), wsf, swappiness. */
	assert_int_equal(F.n_calls, 5);
	assert_string_equal(F.calls[3], "watermark_scale_factor=10");
	assert_string_equal(F.calls[4], "swappiness=60");
}

static void test_rollback_restores_previous_dropin(void **state)
{
	struct sc_err err;
	char *before;

	assert_int_equal(
		run(false, NULL, "vm.swappiness=60 vm.page-cluster=3", false, false, NULL, &err),
		0);
	before = dropin();
	assert_non_null(before);

	F.n_calls = 0;
	F.fail_call = 2; /* the second live write */
	F.fail_errno = EIO;
	assert_int_equal(run(false, "zram", NULL, true, false, NULL, &err), SC_EXIT_FAILURE);
	restore_check(before);
	free(before);
}

static void test_rollback_on_read_back_mismatch(void **state)
{
	struct sc_err err;

	/* As if khugepaged raised the value between the write and the read-back. */
	F.drift_key = "min_free_kbytes";
	F.drift_value = 90000;
	assert_int_equal(run(false, NULL, "vm.swappiness=20 vm.min_free_kbytes=70000", false, false,
				 NULL, &err),
		SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "wrote 70000 but the kernel reports 90000"));
	F.drift_key = NULL;
	assert_int_equal(read_proc("swappiness"), 60);
	assert_null(dropin());
}

static void test_dropin_write_failure_touches_nothing(void **state)
{
	struct sc_err err;

	F.fail_pwrite = -ENOSPC;
	assert_int_equal(run(false, "database", NULL, false, false, NULL, &err), SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "No space left on device"));
	assert_int_equal(F.n_calls, 0);
	assert_null(dropin());
	assert_int_equal(read_proc("swappiness"), 60);
}

static void test_failed_restore_is_reported(void **state)
{
	struct sc_err err;

	F.fail_key = "page-cluster";
	F.fail_errno = EINVAL;
	F.fail_call = 3; /* swappiness=20 ok, page-cluster fails, restoring swappiness fails */
	assert_int_equal(
		run(false, NULL, "vm.swappiness=20 vm.page-cluster=0", false, false, NULL, &err),
		SC_EXIT_FAILURE);
	assert_null(strstr(err.msg, "restored"));
	assert_non_null(strstr(err.hint, "rolling back failed too"));
	assert_non_null(strstr(err.hint, "/proc/sys/vm/swappiness"));
}

static void test_refusals_change_nothing(void **state)
{
	static const struct {
		const char *sets;
		bool force;
		int want;
	} t[] = {
		{"vm.swappiness=0", false, SC_EXIT_REFUSED},
		{"vm.swappiness=180", false, SC_EXIT_REFUSED}, /* no zram, zswap off */
		{"vm.swappiness=201", true, SC_EXIT_USAGE},
		{"vm.page-cluster=32", true, SC_EXIT_USAGE},
		{"vm.watermark_scale_factor=3001", true, SC_EXIT_USAGE},
		{"vm.overcommit_memory=3", true, SC_EXIT_USAGE},
		{"vm.overcommit_ratio=-1", true, SC_EXIT_USAGE},
		{"vm.dirtytime_expire_seconds=0", true, SC_EXIT_REFUSED},
		{"vm.vfs_cache_pressure=0", false, SC_EXIT_REFUSED},
		{"vm.min_free_kbytes=1000000", false, SC_EXIT_REFUSED},
		{"vm.min_free_kbytes=2000000", true, SC_EXIT_REFUSED},
		{"vm.min_free_kbytes=100", true, SC_EXIT_REFUSED},
		{"vm.overcommit_memory=2 vm.overcommit_ratio=0", false, SC_EXIT_REFUSED},
		/* one bad value stops the good ones too */
		{"vm.page-cluster=0 vm.swappiness=0", false, SC_EXIT_REFUSED},
	};
	struct sc_err err;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = run(false, NULL, t[i].sets, t[i].force, false, NULL, &err);
		if (r != t[i].want)
			fail_msg("%s: kind %d (%s), want %d", t[i].sets, r, err.msg, t[i].want);
	}
	assert_int_equal(F.n_calls, 0);
	restore_check(NULL);

	/* --force lifts the refusals that say so */
	assert_int_equal(run(false, NULL, "vm.swappiness=0", true, false, NULL, &err), 0);
	assert_int_equal(read_proc("swappiness"), 0);
}

static void test_old_kernel_ranges(void **state)
{
	struct sc_err err;

	teardown(state);
	setup(state);
	sc_test_write(F.dir, "proc/sys/kernel/osrelease", "5.4.0-150-generic\n");
	F.swappiness_max = 100;
	sc_test_write(F.dir, "proc/swaps",
		"Filename\tType\tSize\tUsed\tPriority\n/dev/zram0 partition 1048572 0 100\n");
	assert_int_equal(
		run(false, NULL, "vm.swappiness=150", true, false, NULL, &err), SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "out of range 0..100 on Linux 5.4"));
	assert_int_equal(
		run(false, NULL, "vm.watermark_scale_factor=2000", true, false, NULL, &err),
		SC_EXIT_USAGE);
	/* The zram profile is capped to what this kernel takes, and zram is present. */
	assert_int_equal(run(false, "zram", NULL, false, false, NULL, &err), 0);
	assert_int_equal(read_proc("swappiness"), 100);
	assert_int_equal(read_proc("page-cluster"), 0);
}

static void test_zram_layout_allows_high_swappiness(void **state)
{
	struct sc_err err;

	sc_test_write(F.dir, "proc/swaps",
		"Filename\tType\tSize\tUsed\tPriority\n/dev/zram1 partition 1048572 0 100\n");
	assert_int_equal(run(false, "desktop", NULL, false, false, NULL, &err), 0);
	assert_int_equal(read_proc("swappiness"), 180);
	assert_int_equal(read_proc("watermark_scale_factor"), 125);
	assert_int_equal(read_proc("watermark_boost_factor"), 0);
	assert_int_equal(read_proc("page-cluster"), 0);
}

static void test_absent_key(void **state)
{
	struct sc_sysctl_plan p;
	struct sc_err err;
	char *path, *d;

	assert_true(asprintf(&path, "%s/proc/sys/vm/watermark_boost_factor", F.dir) > 0);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_int_equal(run(false, NULL, "vm.watermark_boost_factor=0", false, false, NULL, &err),
		SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "not available on Linux 6.18"));
	assert_int_equal(run(false, "default", NULL, false, false, &p, &err), 0);
	assert_int_equal(p.n_notes, 1);
	assert_non_null(strstr(p.notes[0], "watermark_boost_factor"));
	sc_sysctl_plan_done(&p);
	d = dropin();
	assert_null(strstr(d, "watermark_boost_factor"));
	free(d);
}

static void test_offline_root_writes_only_the_dropin(void **state)
{
	struct sc_sysctl_plan p;
	struct sc_err err;
	char *d;

	assert_int_equal(run(true, "server", NULL, false, false, &p, &err), 0);
	for (size_t i = 0; i < p.plan.n; i++)
		assert_int_equal(p.plan.actions[i].kind, SC_SYSCTL_WRITE_DROPIN);
	assert_int_equal(p.n_notes, 1); /* min_free_kbytes depends on the target's memory */
	sc_sysctl_plan_done(&p);
	assert_int_equal(F.n_calls, 0);
	assert_int_equal(read_proc("swappiness"), 60);
	d = dropin();
	assert_non_null(strstr(d, "vm.swappiness = 30\n"));
	assert_null(strstr(d, "min_free_kbytes"));
	free(d);
	assert_int_equal(run(true, "server", NULL, false, true, NULL, &err), SC_EXIT_USAGE);
}

static void test_no_persist_and_foreign_lines(void **state)
{
	struct sc_err err;
	char *d;

	assert_int_equal(run(false, NULL, "vm.swappiness=20", false, true, NULL, &err), 0);
	assert_int_equal(read_proc("swappiness"), 20);
	assert_null(dropin());

	sc_test_write(F.dir, "etc/sysctl.d/" SC_SYSCTL_DROPIN,
		"vm.swappiness = 20\nnet.core.somaxconn = 4096\n");
	assert_int_equal(
		run(false, NULL, "vm.page-cluster=1", false, false, NULL, &err), SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "net.core.somaxconn"));
	d = dropin();
	assert_non_null(strstr(d, "somaxconn"));
	free(d);
	assert_int_equal(run(false, NULL, "vm.page-cluster=1", true, false, NULL, &err), 0);
	d = dropin();
	assert_null(strstr(d, "somaxconn"));
	assert_non_null(strstr(d, "vm.swappiness = 20\nvm.page-cluster = 1\n"));
	free(d);

	/* A malformed drop-in blocks merging into it, not replacing it with a profile. */
	sc_test_write(F.dir, "etc/sysctl.d/" SC_SYSCTL_DROPIN, "vm.swappiness = 010\n");
	assert_int_equal(
		run(false, NULL, "vm.page-cluster=1", false, false, NULL, &err), SC_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(run(false, "default", NULL, false, false, NULL, &err), 0);
}

static void test_strict_overcommit_writes_ratio_first(void **state)
{
	struct sc_err err;

	assert_int_equal(run(false, NULL, "vm.overcommit_memory=2 vm.overcommit_ratio=80", false,
				 false, NULL, &err),
		0);
	assert_int_equal(F.n_calls, 2);
	assert_string_equal(F.calls[0], "overcommit_ratio=80");
	assert_string_equal(F.calls[1], "overcommit_memory=2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_profile_applies_and_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_values_that_kernel_would_misread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_when_kernel_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_rollback_restores_previous_dropin, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_rollback_on_read_back_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dropin_write_failure_touches_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_restore_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_kernel_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_zram_layout_allows_high_swappiness, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_key, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_offline_root_writes_only_the_dropin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_persist_and_foreign_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_strict_overcommit_writes_ratio_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
