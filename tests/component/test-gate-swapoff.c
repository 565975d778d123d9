/*
 * sc_gate_swapoff() with a fake system layer: every way a swapoff child can end (success,
 * ENOMEM, EINTR, killed by SIGKILL, "success" with the area still listed) gives the right
 * error, the bytes still swapped out, and never claims the area is gone when it is not. The
 * area is named to swapoff through an O_NOFOLLOW descriptor: a symlink is refused.
 */
#include "fixture.h"
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate.h"
#include "macro.h"
#include "util.h"

static const char *g_dir;
static struct sc_swapoff_result g_result;
static int g_start_error;
static bool g_remove_area; /* the fake kernel drops the area from /proc/swaps */
static char g_node[PATH_MAX]; /* the file swapoff must reach through /proc/self/fd/N, or "" */
static int g_calls;

static const char swaps_before[] = "Filename\tType\tSize\tUsed\tPriority\n"
				   "/swap/a\tfile\t204800\t153600\t10\n"
				   "/swap/b\tfile\t204800\t0\t5\n";
static const char swaps_partial[] = "Filename\tType\tSize\tUsed\tPriority\n"
				    "/swap/a\tfile\t204800\t102400\t10\n"
				    "/swap/b\tfile\t204800\t0\t5\n";
static const char swaps_after[] = "Filename\tType\tSize\tUsed\tPriority\n"
				  "/swap/b\tfile\t204800\t0\t5\n";

static int fake_swapoff(const char *path, struct sc_swapoff_result *ret)
{
	g_calls++;
	if (g_node[0]) {
		char link[PATH_MAX];
		ssize_t n;

		assert_true(sc_startswith(path, "/proc/self/fd/"));
		n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		assert_string_equal(link, g_node);
	} else
		assert_string_equal(path, "/swap/a"); /* no such file here: by its name */
	if (g_start_error)
		return g_start_error;
	*ret = g_result;
	sc_test_write(g_dir, "proc/swaps", g_remove_area ? swaps_after : swaps_partial);
	return 0;
}

struct fixture {
	char *dir;
	struct sc_sys sys;
	struct sc_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = sc_test_mkdtemp();
	g_dir = f->dir;
	sc_test_write(f->dir, "proc/swaps", swaps_before);
	f->sys = sc_sys_real;
	f->sys.swapoff = fake_swapoff;
	assert_int_equal(sc_ctx_init(&f->ctx, &f->sys, NULL, f->dir, NULL, NULL), 0);
	memset(&g_result, 0, sizeof(g_result));
	g_start_error = 0;
	g_remove_area = false;
	g_node[0] = '\0';
	g_calls = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sc_ctx_done(&f->ctx);
	sc_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_success(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	uint64_t left = 42;

	g_remove_area = true;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", &left, &err), 0);
	assert_int_equal(left, 0);
	assert_int_equal(g_calls, 1);
	assert_string_equal(err.msg, "");
}

static void test_enomem(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	uint64_t left = 0;

	g_result.error = -ENOMEM;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", &left, &err), -ENOMEM);
	assert_int_equal(left, 100 << 20);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_string_equal(err.msg,
		"/swap/a: swapoff failed: out of memory bringing pages back (a memory cgroup's "
		"limit or the commit limit); 100 MiB is still swapped out there and the area "
		"stays active; the kernel may have OOM-killed processes of that cgroup");
	assert_true(strstr(err.hint, "swapctl add") != NULL);
}

static void test_eintr(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	uint64_t left = 0;

	g_result.error = -EINTR;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", &left, &err), -EINTR);
	assert_int_equal(left, 100 << 20);
	assert_true(strstr(err.msg, "interrupted") != NULL);
	assert_true(strstr(err.msg, "stays active") != NULL);
}

static void test_killed(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	uint64_t left = 0;

	g_result.signal = SIGKILL;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", &left, &err), -ECANCELED);
	assert_int_equal(left, 100 << 20);
	assert_true(strstr(err.msg, "killed by signal 9") != NULL);
	assert_true(strstr(err.msg, "OOM killer") != NULL);
	assert_true(strstr(err.msg, "100 MiB is still swapped out") != NULL);
}

static void test_success_but_still_listed(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	uint64_t left = 0;

	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", &left, &err), -EBUSY);
	assert_int_equal(left, 100 << 20);
}

static void test_cannot_fork(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};

	g_start_error = -EAGAIN;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", NULL, &err), -EAGAIN);
	assert_true(strstr(err.msg, "cannot start") != NULL);
}

static void test_offline(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};

	f->ctx.offline = true;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", NULL, &err), -EROFS);
	assert_int_equal(g_calls, 0);
}

static void make_area(struct fixture *f, char **ret_path)
{
	char *path;

	sc_test_write(f->dir, "swap/real", "not really swap");
	assert_true(asprintf(&path, "%s/swap/real", f->dir) > 0);
	assert_non_null(realpath(path, g_node));
	*ret_path = path;
}

/* swapoff is given /proc/self/fd/N of the file opened by name, not the name again. */
static void test_through_descriptor(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	_cleanup_free_ char *path = NULL;

	make_area(f, &path);
	g_remove_area = true;
	assert_int_equal(sc_gate_swapoff(&f->ctx, path, NULL, &err), 0);
	assert_int_equal(g_calls, 1);
}

/* A name replaced by a symlink after the checks never reaches swapoff(2). */
static void test_symlink_refused(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};
	_cleanup_free_ char *path = NULL, *link = NULL;

	make_area(f, &path);
	assert_true(asprintf(&link, "%s/swap/a", f->dir) > 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(sc_gate_swapoff(&f->ctx, link, NULL, &err), -ELOOP);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_true(strstr(err.msg, "symbolic link") != NULL);
	assert_int_equal(g_calls, 0);
}

/* EINVAL for an area that is not listed: it is already off, the requested state. */
static void test_not_active(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};

	g_result.error = -EINVAL;
	g_remove_area = true;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", NULL, &err), 0);
	assert_string_equal(err.msg, "");
}

/* EINVAL while the area is still listed is a failure, not "already off". */
static void test_einval_still_listed(void **state)
{
	struct fixture *f = *state;
	struct sc_err err = {0};

	g_result.error = -EINVAL;
	assert_int_equal(sc_gate_swapoff(&f->ctx, "/swap/a", NULL, &err), -EINVAL);
	assert_true(strstr(err.msg, "stays active") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eintr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_success_but_still_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_through_descriptor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_einval_still_listed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
