/*
 * The one lock that serialises mutating swapctl commands: flock(2) on
 * <sysroot>/run/swapctl/lock. The directory is created 0700 and must be owned by the caller
 * and not accessible to others (never /run/lock, which is world-writable); the lock file is
 * opened O_NOFOLLOW and must be a regular, single-link file owned by the caller.
 *
 * sc_lock_acquire() waits up to timeout_ms, then returns -EAGAIN (exit code 5). It returns the
 * lock descriptor in *ret_fd; sc_lock_release() closes it. With ctx->lock_held (a command run
 * inside `apply`, which holds the lock) it is 0 with *ret_fd = -1.
 */
#pragma once

#include "ctx.h"
#include "error.h"

#define SC_LOCK_TIMEOUT_MS_DEFAULT 10000

int sc_lock_acquire(const struct sc_ctx *c, unsigned timeout_ms, int *ret_fd, struct sc_err *err);
void sc_lock_release(const struct sc_ctx *c, int fd);
