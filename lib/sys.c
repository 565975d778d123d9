/*
 * The real system layer: the only file in swapctl that makes side-effecting system calls.
 * See sys.h for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <linux/openat2.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int real_swapon(const char *path, int flags)
{
	return swapon(path, flags) < 0 ? neg_errno() : 0;
}

/*
 * swapoff(2) marks its task as the OOM killer's preferred victim (set_current_oom_origin), and
 * a pending signal aborts it with EINTR. Running it in a child keeps the caller, which holds
 * the lock and knows the plan, alive to report and keep fstab consistent.
 */
static int real_swapoff(const char *path, struct sc_swapoff_result *ret)
{
	int status;
	pid_t pid;

	ret->error = 0;
	ret->signal = 0;
	pid = fork();
	if (pid < 0)
		return neg_errno();
	if (pid == 0) {
		int e = swapoff(path) < 0 ? errno : 0;
		/* errno values fit in an exit status; 0 is success. */
		_exit(e > 0 && e < 256 ? e : (e ? 255 : 0));
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return neg_errno();
	if (WIFSIGNALED(status))
		ret->signal = WTERMSIG(status);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		ret->error = -WEXITSTATUS(status);
	return 0;
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	return fd < 0 ? neg_errno() : fd;
}

/* glibc 2.36 has no openat2() wrapper. */
static int real_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* openat2 refuses a mode that would not be used */
		.mode = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0,
		.resolve = resolve,
	};
	long fd;

	for (int tries = 0;; tries++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries == 16)
			break;
	}
	return fd < 0 ? neg_errno() : (int)fd;
}

static int real_mkdirat(int dirfd, const char *path, mode_t mode)
{
	return mkdirat(dirfd, path, mode) < 0 ? neg_errno() : 0;
}

static int real_unlinkat(int dirfd, const char *path, int flags)
{
	return unlinkat(dirfd, path, flags) < 0 ? neg_errno() : 0;
}

static int real_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	return renameat(olddirfd, oldpath, newdirfd, newpath) < 0 ? neg_errno() : 0;
}

static int real_linkat(
	int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	return linkat(olddirfd, oldpath, newdirfd, newpath, flags) < 0 ? neg_errno() : 0;
}

static int real_symlinkat(const char *target, int dirfd, const char *path)
{
	return symlinkat(target, dirfd, path) < 0 ? neg_errno() : 0;
}

static int real_fallocate(int fd, int mode, off_t offset, off_t len)
{
	return fallocate(fd, mode, offset, len) < 0 ? neg_errno() : 0;
}

static int real_ftruncate(int fd, off_t len)
{
	return ftruncate(fd, len) < 0 ? neg_errno() : 0;
}

static int real_pwrite_all(int fd, const void *buf, size_t len, off_t offset)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, offset);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		offset += n;
	}
	return 0;
}

static int real_fsync(int fd)
{
	return fsync(fd) < 0 ? neg_errno() : 0;
}

static int real_syncfs(int fd)
{
	return syncfs(fd) < 0 ? neg_errno() : 0;
}

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	int r = ioctl(fd, request, arg);
	return r < 0 ? neg_errno() : r;
}

static int real_fchmod(int fd, mode_t mode)
{
	return fchmod(fd, mode) < 0 ? neg_errno() : 0;
}

static int real_fchown(int fd, uid_t uid, gid_t gid)
{
	return fchown(fd, uid, gid) < 0 ? neg_errno() : 0;
}

static int real_fstatfs(int fd, struct statfs *buf)
{
	return fstatfs(fd, buf) < 0 ? neg_errno() : 0;
}

static int real_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
{
	return statx(dirfd, path, flags, mask, buf) < 0 ? neg_errno() : 0;
}

static int real_flock(int fd, int operation)
{
	return flock(fd, operation) < 0 ? neg_errno() : 0;
}

static int real_write_attr(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return neg_errno();
	n = write(fd, value, len);
	if (n < 0)
		r = neg_errno();
	else if ((size_t)n != len)
		r = -EINVAL; /* the kernel consumed only part of it: treat as rejected */
	if (close(fd) < 0 && r == 0)
		r = neg_errno();
	return r;
}

static int real_read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, r;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return neg_errno();
	n = read(fd, buf, len - 1);
	r = n < 0 ? neg_errno() : (int)n;
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

static int real_run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return neg_errno();
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return neg_errno();
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int real_getrandom(void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static uint64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void real_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void real_checkpoint(const char *step)
{
}

static int real_pread(int fd, void *buf, size_t len, off_t offset)
{
	ssize_t n;

	if (len > INT_MAX)
		len = INT_MAX;
	do
		n = pread(fd, buf, len, offset);
	while (n < 0 && errno == EINTR);
	return n < 0 ? neg_errno() : (int)n;
}

static int real_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return fstatat(dirfd, path, st, flags) < 0 ? neg_errno() : 0;
}

static int real_poll(void *fds, unsigned nfds, int timeout_ms)
{
	int r = poll(fds, nfds, timeout_ms);

	return r < 0 ? neg_errno() : r;
}

static int real_psi_trigger(const char *path, const char *spec)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(spec);
	ssize_t n;

	if (fd < 0)
		return neg_errno();
	n = write(fd, spec, len);
	if (n < 0 || (size_t)n != len) {
		int r = n < 0 ? neg_errno() : -EIO;

		close(fd);
		return r;
	}
	return fd;
}

static int real_fgetxattr(int fd, const char *name, void *value, size_t size)
{
	ssize_t n = fgetxattr(fd, name, value, size);

	if (n < 0)
		return neg_errno();
	return n > INT_MAX ? -E2BIG : (int)n;
}

const struct sc_sys sc_sys_real = {
	.swapon = real_swapon,
	.swapoff = real_swapoff,
	.openat = real_openat,
	.openat2 = real_openat2,
	.mkdirat = real_mkdirat,
	.unlinkat = real_unlinkat,
	.renameat = real_renameat,
	.linkat = real_linkat,
	.symlinkat = real_symlinkat,
	.fallocate = real_fallocate,
	.ftruncate = real_ftruncate,
	.pwrite_all = real_pwrite_all,
	.fsync = real_fsync,
	.syncfs = real_syncfs,
	.ioctl = real_ioctl,
	.fchmod = real_fchmod,
	.fchown = real_fchown,
	.fstatfs = real_fstatfs,
	.statx = real_statx,
	.flock = real_flock,
	.write_attr = real_write_attr,
	.read_attr = real_read_attr,
	.run = real_run,
	.getrandom = real_getrandom,
	.now_ns = real_now_ns,
	.sleep_ns = real_sleep_ns,
	.checkpoint = real_checkpoint,
	.pread = real_pread,
	.fstatat = real_fstatat,
	.fgetxattr = real_fgetxattr,
	.geteuid = geteuid,
	.getegid = getegid,
	.poll = real_poll,
	.psi_trigger = real_psi_trigger,
};
