/*
 * rotate, applied through a fake kernel: swapon/swapoff keep a fixture /proc/swaps, and the
 * kernel's refusal to unlink an active swapfile is enforced. Every step is failed in turn
 * (journal, create, swapon, fstab commit, swapoff with ENOMEM or a SIGKILLed child, unlink)
 * and, separately, killed right after it (the fake's checkpoint, in a forked child). Each time
 * the state left behind must be consistent -- fstab names an existing swap area, the old area
 * stays active until fstab names its replacement, the active total never drops -- and the
 * next run must leave exactly one file, active and in fstab, and no journal.
 */
#include "fixture.h"
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "procfs.h"
#include "rotate.h"
#include "swapfile.h"
#include "util.h"

enum fail {
	FAIL_NONE,
	FAIL_JOURNAL,
	FAIL_CREATE,
	FAIL_SWAPON,
	FAIL_FSTAB,
	FAIL_SWAPOFF_ENOMEM,
	FAIL_SWAPOFF_KILLED,
	FAIL_UNLINK,
};

static const char *g_dir; /* the test's temp dir */
static enum fail g_fail;
static char g_sysroot[1024], g_swapdir[1024], g_fstab[1024], g_old[1100];

/* ---- the fake kernel: /proc/swaps in the fixture is its state ---- */

static void swaps_write(const struct sc_swaps *s)
{
	char path[1200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/swaps", g_sysroot);
	f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	for (size_t i = 0; i < s->n; i++) {
		char *esc;
		assert_int_equal(sc_mangle(s->items[i].path, &esc), 0);
		/* mm/swapfile.c swap_show(): padded to 40 columns, at least one blank. */
		fprintf(f, "%s%*s%s\t%llu\t%llu\t%d\n", esc,
			strlen(esc) < 40 ? (int)(40 - strlen(esc)) : 1, " ", "file",
			(unsigned long long)s->items[i].size_bytes / 1024,
			(unsigned long long)s->items[i].used_bytes / 1024, s->items[i].priority);
		free(esc);
	}
	assert_int_equal(fclose(f), 0);
}

static void swaps_read(struct sc_swaps *s)
{
	char path[1200];
	char *text;

	snprintf(path, sizeof(path), "%s/proc/swaps", g_sysroot);
	text = sc_test_read(path);
	assert_int_equal(sc_swaps_parse(text, s), 0);
	free(text);
}

static int resolve(const char *path, char *out, size_t size)
{
	if (sc_startswith(path, "/proc/self/fd/")) {
		ssize_t n = readlink(path, out, size - 1);
		if (n < 0)
			return -errno;
		out[n] = '\0';
		return 0;
	}
	if (!realpath(path, out))
		return -errno;
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

	if (g_fail == FAIL_SWAPON)
		return -EINVAL;
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
	s.items[s.n] = (struct sc_swap){
		.path = strdup(real),
		.type = SC_SWAP_FILE,
		.size_bytes = (uint64_t)st.st_size - 4096,
		.priority = (flags & SWAP_FLAG_PREFER) ? (flags & SWAP_FLAG_PRIO_MASK) : -2,
	};
	s.n++;
	swaps_write(&s);
	sc_swaps_free(&s);
	return 0;
}

static int fake_swapoff(const char *path, struct sc_swapoff_result *ret)
{
	char real[PATH_MAX];
	struct sc_swaps s = {0};
	size_t k;

	ret->error = 0;
	ret->signal = 0;
	if (g_fail == FAIL_SWAPOFF_ENOMEM) {
		ret->error = -ENOMEM;
		return 0;
	}
	if (g_fail == FAIL_SWAPOFF_KILLED) {
		ret->signal = SIGKILL;
		return 0;
	}
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
	if ((size_t)snprintf(out, size, "%s/%s", d, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int fake_unlinkat(int dirfd, const char *name, int flags)
{
	char p[PATH_MAX + 256];

	if (dir_path(dirfd, name, p, sizeof(p)) == 0) {
		if (is_active(p))
			return -EPERM; /* an active swapfile cannot be unlinked */
		if (g_fail == FAIL_UNLINK && strcmp(p, g_old) == 0)
			return -EIO;
	}
	return sc_sys_real.unlinkat(dirfd, name, flags);
}

static int fake_renameat(int od, const char *op, int nd, const char *np)
{
	char p[PATH_MAX + 256];

	if (dir_path(nd, np, p, sizeof(p)) == 0) {
		if (g_fail == FAIL_FSTAB && strcmp(p, g_fstab) == 0)
			return -EIO;
		if (g_fail == FAIL_JOURNAL && sc_startswith(p, g_fstab) &&
			strstr(p, SC_ROTATE_JOURNAL_SUFFIX))
			return -EIO;
	}
	return sc_sys_real.renameat(od, op, nd, np);
}

static int fake_fallocate(int fd, int mode, off_t off, off_t len)
{
	if (g_fail == FAIL_CREATE)
		return -ENOSPC;
	return sc_sys_real.fallocate(fd, mode, off, len);
}

/* The step after which the fake's checkpoint ends the process (exit 99), as a crash would. */
static const char *g_crash_after;

static void fake_checkpoint(const char *step)
{
	if (g_crash_after && strcmp(step, g_crash_after) == 0) {
		fflush(NULL);
		_exit(99);
	}
}

static struct sc_sys fake_sys(void)
{
	struct sc_sys s = sc_sys_real;

	s.checkpoint = fake_checkpoint;
	/* Unprivileged, the caller counts as root (fixture.h). */
	sc_test_sys_as_root(&s);
	s.swapon = fake_swapon;
	s.swapoff = fake_swapoff;
	s.unlinkat = fake_unlinkat;
	s.renameat = fake_renameat;
	s.fallocate = fake_fallocate;
	return s;
}

/* ---- fixture ---- */

static const char meminfo[] = "MemTotal:       24683520 kB\nMemFree:        24000000 kB\n"
			      "MemAvailable:   23000000 kB\nCommitLimit:    12341760 kB\n"
			      "Committed_AS:   1000000 kB\n";

static void setup_tree(void)
{
	struct sc_ctx c;
	struct sc_err err = {0};
	struct sc_swapfile_opts o = {.size = 4 << 20};
	struct sc_sys sys = fake_sys();
	char line[1200];

	snprintf(g_sysroot, sizeof(g_sysroot), "%s/sys", g_dir);
	snprintf(g_swapdir, sizeof(g_swapdir), "%s/swap", g_dir);
	snprintf(g_fstab, sizeof(g_fstab), "%s/fstab", g_dir);
	snprintf(g_old, sizeof(g_old), "%s/swapfile", g_swapdir);
	sc_test_write(g_dir, "sys/proc/meminfo", meminfo);
	sc_test_write(g_dir, "sys/proc/sys/vm/overcommit_memory", "0\n");
	sc_test_write(g_dir, "sys/proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	sc_test_write(g_dir, "sys/sys/fs/cgroup/unified/cgroup.controllers", "\n");
	assert_int_equal(mkdir(g_swapdir, 0700), 0);
	{
		char run[1200];
		snprintf(run, sizeof(run), "%s/run", g_sysroot);
		assert_int_equal(mkdir(run, 0755), 0);
	}

	g_fail = FAIL_NONE;
	assert_int_equal(sc_ctx_init(&c, &sys, NULL, g_sysroot, g_fstab, NULL), 0);
	if (sc_swapfile_create(&c, g_old, &o, &err) < 0)
		fail_msg("creating the fixture swapfile: %s", err.msg);
	if (sc_swapfile_enable(&c, g_old, 10, SC_DISCARD_NONE, &err) < 0)
		fail_msg("enabling the fixture swapfile: %s", err.msg);
	sc_ctx_done(&c);
	snprintf(line, sizeof(line), "# test\n%s none swap defaults,pri=10,x-swapctl 0 0\n", g_old);
	sc_test_write(g_dir, "fstab", line);
}

static int setup(void **state)
{
	char *dir = sc_test_mkdtemp();

	g_dir = dir;
	setup_tree();
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	sc_test_rmtree(*state);
	free(*state);
	return 0;
}

static int run_rotate(void)
{
	struct sc_sys sys = fake_sys();
	struct sc_cli cli = {
		.command = "rotate",
		.usage = "",
		.quiet = true,
		.lock_timeout_ms = 1000,
	};
	char *argv[] = {"rotate", NULL};
	int ret;

	assert_int_equal(sc_ctx_init(&cli.ctx, &sys, NULL, g_sysroot, g_fstab, NULL), 0);
	optind = 0;
	ret = sc_cmd_rotate(&cli, 1, argv);
	sc_ctx_done(&cli.ctx);
	return ret;
}

/* ---- invariants ---- */

static uint64_t active_total(void)
{
	struct sc_swaps s = {0};
	uint64_t t = 0;

	swaps_read(&s);
	for (size_t i = 0; i < s.n; i++)
		t += s.items[i].size_bytes;
	sc_swaps_free(&s);
	return t;
}

static bool has_swap_header(const char *path)
{
	char magic[10];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, magic, 10, 4096 - 10) == 10 && memcmp(magic, "SWAPSPACE2", 10) == 0;
	close(fd);
	return ok;
}

/* The swap entries' sources (one expected). */
static char *fstab_source(void)
{
	char *text = sc_test_read(g_fstab), *line, *save = NULL, *src = NULL;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char a[600], b[64], t[64];
		if (line[0] == '#' || sscanf(line, "%599s %63s %63s", a, b, t) != 3 ||
			strcmp(t, "swap") != 0)
			continue;
		n++;
		free(src);
		src = strdup(a);
	}
	free(text);
	if (n != 1)
		fail_msg("fstab has %d swap entries", n);
	return src;
}

static bool journal_exists(void)
{
	char p[1200];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", g_fstab, SC_ROTATE_JOURNAL_SUFFIX);
	return stat(p, &st) == 0;
}

static size_t files_in_swapdir(void)
{
	char cmd[1200];
	FILE *f;
	size_t n = 0;
	char buf[600];

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", g_swapdir);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f))
		n++;
	pclose(f);
	return n;
}

/* What must hold after any failure or crash. */
static void consistent(const char *when, uint64_t start_total)
{
	char *src = fstab_source();
	struct sc_swaps s = {0};

	if (!has_swap_header(src))
		fail_msg("%s: fstab names %s, which is not a swap area", when, src);
	swaps_read(&s);
	if (s.n < 1 || s.n > 2)
		fail_msg("%s: %zu areas active", when, s.n);
	for (size_t i = 0; i < s.n; i++) {
		struct stat st;
		if (stat(s.items[i].path, &st) < 0)
			fail_msg("%s: active area %s was unlinked", when, s.items[i].path);
	}
	/* The area fstab names is active unless it is the old one after its swapoff. */
	if (strcmp(src, g_old) == 0 && !sc_swaps_find(&s, g_old))
		fail_msg("%s: fstab names the old file but it is no longer active", when);
	sc_swaps_free(&s);
	free(src);
	if (active_total() < start_total)
		fail_msg("%s: active total dropped", when);
}

/* What must hold after a successful run. */
static void clean(const char *when)
{
	char *src = fstab_source();

	if (files_in_swapdir() != 1)
		fail_msg("%s: %zu files in the swap directory", when, files_in_swapdir());
	if (!is_active(src))
		fail_msg("%s: %s (in fstab) is not active", when, src);
	if (strcmp(src, g_old) == 0)
		fail_msg("%s: still the old file", when);
	if (journal_exists())
		fail_msg("%s: journal left", when);
	{
		struct sc_swaps s = {0};
		swaps_read(&s);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.items[0].priority, 10);
		sc_swaps_free(&s);
	}
	free(src);
}

/* ---- tests ---- */

static void test_success(void **state)
{
	uint64_t start = active_total();

	assert_int_equal(run_rotate(), 0);
	consistent("after rotate", start);
	clean("after rotate");
}

static void test_fail_each_step(void **state)
{
	static const struct {
		enum fail f;
		const char *name;
		bool committed; /* fstab names the replacement after the failure */
	} t[] = {
		{FAIL_JOURNAL, "journal", false},
		{FAIL_CREATE, "create", false},
		{FAIL_SWAPON, "swapon", false},
		{FAIL_FSTAB, "fstab commit", false},
		{FAIL_SWAPOFF_ENOMEM, "swapoff ENOMEM", true},
		{FAIL_SWAPOFF_KILLED, "swapoff killed", true},
		{FAIL_UNLINK, "unlink", true},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		char *fstab_before, *fstab_after, *src;
		uint64_t start;
		int ret;

		sc_test_rmtree(g_dir);
		assert_int_equal(mkdir(g_dir, 0700), 0);
		setup_tree();
		start = active_total();
		fstab_before = sc_test_read(g_fstab);

		g_fail = t[i].f;
		ret = run_rotate();
		g_fail = FAIL_NONE;
		/* Failures exit 1; a full filesystem is a refusal (3), as for add. */
		if (ret != (t[i].f == FAIL_CREATE ? SC_EXIT_REFUSED : SC_EXIT_FAILURE))
			fail_msg("%s: exit %d", t[i].name, ret);
		consistent(t[i].name, start);
		src = fstab_source();
		if (!t[i].committed) {
			/* Nothing half-done: as before, and no replacement or journal left. */
			fstab_after = sc_test_read(g_fstab);
			if (strcmp(fstab_before, fstab_after) != 0)
				fail_msg("%s: fstab changed", t[i].name);
			free(fstab_after);
			assert_true(is_active(g_old));
			if (files_in_swapdir() != 1)
				fail_msg("%s: replacement left behind", t[i].name);
			if (journal_exists())
				fail_msg("%s: journal left behind", t[i].name);
		} else {
			/* fstab already names the replacement; the journal lets the next run finish. */
			if (strcmp(src, g_old) == 0)
				fail_msg("%s: fstab still names the old file", t[i].name);
			assert_true(is_active(src));
			assert_true(journal_exists());
		}
		free(src);
		free(fstab_before);

		ret = run_rotate();
		if (ret != 0)
			fail_msg("%s: rerun exit %d", t[i].name, ret);
		clean(t[i].name);
	}
}

/* A crash right after each step (a forked child _exits there), then the repair. */
static void test_crash_each_step(void **state)
{
	static const char *const steps[] = {
		"journal", "create", "swapon", "fstab-replace", "swapoff", "unlink"};

	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		uint64_t start;
		int status, ret;
		pid_t pid;

		sc_test_rmtree(g_dir);
		assert_int_equal(mkdir(g_dir, 0700), 0);
		setup_tree();
		start = active_total();
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			g_crash_after = steps[i];
			run_rotate();
			_exit(0); /* not reached when the fault point works */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 99)
			fail_msg("killed after %s: child status %d", steps[i], status);
		consistent(steps[i], start);
		assert_true(journal_exists());
		ret = run_rotate();
		if (ret != 0)
			fail_msg("after a crash at %s: rerun exit %d", steps[i], ret);
		clean(steps[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_each_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_each_step, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
