/* Test helpers. See fixture.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "util.h"

char *sc_test_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *p;

	assert_true(asprintf(&p, "%s/swapctl-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
	assert_non_null(mkdtemp(p));
	return p;
}

static void mkparents(char *path)
{
	for (char *s = path + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(path, 0755);
			*s = '/';
		}
}

void sc_test_write(const char *dir, const char *rel, const char *content)
{
	char *p;
	FILE *f;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	mkparents(p);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	free(p);
}

char *sc_test_read(const char *path)
{
	char *s;

	assert_int_equal(sc_read_file(path, 64 << 20, &s, NULL), 0);
	return s;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void sc_test_rmtree(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int sc_test_fstatat_as_root(int dirfd, const char *path, struct stat *st, int flags)
{
	int r = sc_sys_real.fstatat(dirfd, path, st, flags);

	if (r < 0)
		return r;
	if (st->st_uid == geteuid())
		st->st_uid = 0;
	if (st->st_gid == getegid())
		st->st_gid = 0;
	return 0;
}

uid_t sc_test_geteuid_as_root(void)
{
	return 0;
}

gid_t sc_test_getegid_as_root(void)
{
	return 0;
}

void sc_test_sys_as_root(struct sc_sys *s)
{
	s->fstatat = sc_test_fstatat_as_root;
	s->fchown = sc_test_fchown_as_root;
	s->geteuid = sc_test_geteuid_as_root;
	s->getegid = sc_test_getegid_as_root;
}

int sc_test_fchown_as_root(int fd, uid_t uid, gid_t gid)
{
	if (geteuid() != 0 && uid == 0 && gid == 0)
		return 0;
	return sc_sys_real.fchown(fd, uid, gid);
}
