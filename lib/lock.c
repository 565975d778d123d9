/* The swapctl lock. See lock.h for the attacks it resists (a link or a file planted in a
 * shared directory). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "macro.h"

static int open_lock_dir(const struct sc_ctx *c, struct sc_err *err)
{
	_cleanup_free_ char *run = sc_ctx_sys_path(c, "/run");
	_cleanup_close_ int runfd = -1, dfd = -1;
	struct stat st;
	int r;

	if (!run)
		return -ENOMEM;
	runfd = c->sys->openat(AT_FDCWD, run, O_RDONLY | O_DIRECTORY, 0);
	if (runfd < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -runfd, "%s: cannot open: %s", run, strerror(-runfd));
	r = c->sys->mkdirat(runfd, "swapctl", 0700);
	if (r < 0 && r != -EEXIST)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s/swapctl: cannot create: %s", run,
			strerror(-r));
	dfd = c->sys->openat(runfd, "swapctl", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dfd < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -dfd, "%s/swapctl: cannot open: %s", run,
			strerror(-dfd));
	r = c->sys->fstatat(dfd, "", &st, AT_EMPTY_PATH);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s/swapctl: cannot stat: %s", run, strerror(-r));
	if (st.st_uid != c->sys->geteuid() || (st.st_mode & 0077))
		return sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s/swapctl: lock directory is not private (owner %u, mode %04o)", run,
			(unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return TAKE_FD(dfd);
}

int sc_lock_acquire(const struct sc_ctx *c, unsigned timeout_ms, int *ret_fd, struct sc_err *err)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	uint64_t deadline;
	struct stat st;
	int r;

	if (c->lock_held) {
		*ret_fd = -1;
		return 0;
	}
	dfd = open_lock_dir(c, err);
	if (dfd < 0)
		return dfd;
	fd = c->sys->openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -fd, "lock file: cannot open: %s", strerror(-fd));
	r = c->sys->fstatat(fd, "", &st, AT_EMPTY_PATH);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "lock file: cannot stat: %s", strerror(-r));
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != c->sys->geteuid())
		return sc_err_set(err, SC_EXIT_REFUSED, 0,
			"lock file: not a private regular file (links %lu, owner %u)",
			(unsigned long)st.st_nlink, (unsigned)st.st_uid);

	deadline = c->sys->now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		r = c->sys->flock(fd, LOCK_EX | LOCK_NB);
		if (r == 0)
			break;
		if (r != -EWOULDBLOCK && r != -EINTR)
			return sc_err_set(
				err, SC_EXIT_FAILURE, -r, "lock file: flock: %s", strerror(-r));
		if (c->sys->now_ns() >= deadline) {
			r = sc_err_set(err, SC_EXIT_LOCKED, EAGAIN,
				"another swapctl is running (lock held for more than %u ms)",
				timeout_ms);
			sc_err_hint(err, "wait for it to finish and run the command again");
			return r;
		}
		c->sys->sleep_ns(50 * 1000000u);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void sc_lock_release(const struct sc_ctx *c, int fd)
{
	if (fd >= 0) {
		c->sys->flock(fd, LOCK_UN);
		close(fd);
	}
}
