/*
 * swapctl with a system layer that dies at a checkpoint, as a crash or SIGKILL would there:
 * SWAPCTL_TEST_CRASH_AFTER=STEP swapctl-crash ARGS... runs swapctl ARGS and ends the process
 * with exit status 99 right after STEP (a rotation step: journal, create, swapon,
 * fstab-replace, swapoff, unlink). A test tool, never installed: the product has no such hook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *crash_after;

static void crash_checkpoint(const char *step)
{
	if (crash_after && strcmp(step, crash_after) == 0) {
		fflush(NULL);
		_exit(99);
	}
}

int main(int argc, char **argv)
{
	static struct sc_sys sys;
	struct sc_env env;

	sys = sc_sys_real;
	sys.checkpoint = crash_checkpoint;
	crash_after = getenv("SWAPCTL_TEST_CRASH_AFTER");
	sc_env_from_environ(&env);
	return sc_main(argc, argv, &sys, &env);
}
