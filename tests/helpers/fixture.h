/*
 * Test helpers: temporary fixture trees and a recording fake of the system layer.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctx.h"
#include "sys.h"

/* mkdtemp under $TMPDIR (or /tmp); returns a malloc'd path. */
char *sc_test_mkdtemp(void);
/* Write a file below dir (creating parent directories). */
void sc_test_write(const char *dir, const char *rel, const char *content);
/* Read a whole file (test asserts on failure); malloc'd. */
char *sc_test_read(const char *path);
/* rm -rf */
void sc_test_rmtree(const char *dir);
/*
 * System-layer members that let a test run unprivileged as if it were root, the way a user
 * namespace mapping the caller to uid 0 would: the caller's files are reported as owned by
 * root (uid and gid 0), and a chown to root succeeds without being done. As root they are the
 * real calls.
 */
#include <sys/stat.h>
int sc_test_fstatat_as_root(int dirfd, const char *path, struct stat *st, int flags);
int sc_test_fchown_as_root(int fd, uid_t uid, gid_t gid);
uid_t sc_test_geteuid_as_root(void);
gid_t sc_test_getegid_as_root(void);
/* All four into s. */
void sc_test_sys_as_root(struct sc_sys *s);
