/*
 * sc_gate_swapoff() with a fake system layer: every way a swapoff child can end (success,
 * ENOMEM, EINTR, killed by SIGKILL, "success" with the area still listed) gives the right
 * error, the bytes still swapped out, and never claims the area is gone when it is not.
 */
#include "fixture.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "macro.h"

static const char *g_dir;
static struct sc_swapoff_result g_result;
static int g_start_error;
static bool g_remove_area; /* the fake kernel drops the area from /proc/swaps */
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
	assert_string_equal(path, "/swap/a");
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
		"/swap/a: swapoff failed: 100 MiB could not be brought back into memory (a "
		"memory cgroup's limit or the commit limit); the area stays active");
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
