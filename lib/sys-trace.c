/*
 * A system layer that explains each side effect before handing it to another one: what -v
 * prints. Pure reads (read-only opens, FIEMAP, flag queries, statx, time) pass silently so
 * that the trace reads as the list of changes made to the system, in order, with failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/swap.h>
#include <unistd.h>

#include "sys.h"

static const struct sc_sys *inner;
static void (*logger)(const char *line);

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	logger(line);
}

/* The step's outcome, when it failed: the step itself was said before it ran. */
static int result(int r)
{
	if (r < 0)
		say("  failed: %s", strerror(-r));
	return r;
}

/* What a descriptor names, for the trace only (the kernel's own idea of its path). */
static const char *fd_name(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	if (fd == AT_FDCWD)
		return ".";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		snprintf(buf, len, "descriptor %d", fd);
	else
		buf[n] = '\0';
	return buf;
}

static const char *at_name(int dirfd, const char *path, char *buf, size_t len)
{
	char dir[512];

	if (path[0] == '/' || dirfd == AT_FDCWD)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s/%s", fd_name(dirfd, dir, sizeof(dir)), path);
	return buf;
}

/* swapon and swapoff go through /proc/self/fd/N of a verified descriptor: name the file. */
static const char *via_fd(const char *path, char *buf, size_t len)
{
	ssize_t n;

	if (strncmp(path, "/proc/self/fd/", 14) != 0)
		return path;
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return path;
	buf[n] = '\0';
	return buf;
}

static int t_swapon(const char *path, int flags)
{
	char name[1024];

	if (flags & SWAP_FLAG_PREFER)
		say("swapon %s (priority %d, flags %#x)", via_fd(path, name, sizeof(name)),
			flags & SWAP_FLAG_PRIO_MASK, (unsigned)flags);
	else
		say("swapon %s (automatic priority, flags %#x)", via_fd(path, name, sizeof(name)),
			(unsigned)flags);
	return result(inner->swapon(path, flags));
}

static int t_swapoff(const char *path, struct sc_swapoff_result *ret)
{
	char name[1024];
	int r;

	say("swapoff %s (in a child process)", via_fd(path, name, sizeof(name)));
	r = result(inner->swapoff(path, ret));
	if (r == 0 && ret && ret->error)
		say("  failed: %s", strerror(-ret->error));
	if (r == 0 && ret && ret->signal)
		say("  the child was killed by signal %d", ret->signal);
	return r;
}

static int t_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	char name[1024];

	if ((flags & O_TMPFILE) == O_TMPFILE)
		say("create an unnamed file in %s (mode %04o)",
			at_name(dirfd, path, name, sizeof(name)), (unsigned)mode);
	else if (flags & O_CREAT)
		say("create or open %s (mode %04o)", at_name(dirfd, path, name, sizeof(name)),
			(unsigned)mode);
	else if (flags & (O_WRONLY | O_RDWR))
		say("open %s for writing", at_name(dirfd, path, name, sizeof(name)));
	else
		return inner->openat(dirfd, path, flags, mode);
	return result(inner->openat(dirfd, path, flags, mode));
}

static int t_mkdirat(int dirfd, const char *path, mode_t mode)
{
	char name[1024];
	int r;

	say("mkdir %s (mode %04o)", at_name(dirfd, path, name, sizeof(name)), (unsigned)mode);
	r = inner->mkdirat(dirfd, path, mode);
	return r == -EEXIST ? r : result(r);
}

static int t_unlinkat(int dirfd, const char *path, int flags)
{
	char name[1024];

	int r;

	say("%s %s", flags & AT_REMOVEDIR ? "rmdir" : "remove",
		at_name(dirfd, path, name, sizeof(name)));
	r = inner->unlinkat(dirfd, path, flags);
	if (r == -ENOENT)
		say("  (it was not there)");
	return r == -ENOENT ? r : result(r);
}

static int t_renameat(int od, const char *op, int nd, const char *np)
{
	char a[1024], b[1024];

	say("rename %s to %s", at_name(od, op, a, sizeof(a)), at_name(nd, np, b, sizeof(b)));
	return result(inner->renameat(od, op, nd, np));
}

static int t_linkat(int od, const char *op, int nd, const char *np, int flags)
{
	char a[1024], b[1024];

	say("link %s as %s",
		flags & AT_EMPTY_PATH ? fd_name(od, a, sizeof(a)) : at_name(od, op, a, sizeof(a)),
		at_name(nd, np, b, sizeof(b)));
	return result(inner->linkat(od, op, nd, np, flags));
}

static int t_symlinkat(const char *target, int dirfd, const char *path)
{
	char name[1024];

	say("symlink %s -> %s", at_name(dirfd, path, name, sizeof(name)), target);
	return result(inner->symlinkat(target, dirfd, path));
}

static int t_fallocate(int fd, int mode, off_t offset, off_t len)
{
	char name[1024];

	say("allocate %lld bytes at %lld in %s", (long long)len, (long long)offset,
		fd_name(fd, name, sizeof(name)));
	return result(inner->fallocate(fd, mode, offset, len));
}

static int t_ftruncate(int fd, off_t len)
{
	char name[1024];

	say("truncate %s to %lld bytes", fd_name(fd, name, sizeof(name)), (long long)len);
	return result(inner->ftruncate(fd, len));
}

static int t_pwrite_all(int fd, const void *buf, size_t len, off_t offset)
{
	char name[1024];

	say("write %zu bytes at %lld to %s", len, (long long)offset,
		fd_name(fd, name, sizeof(name)));
	return result(inner->pwrite_all(fd, buf, len, offset));
}

static int t_fsync(int fd)
{
	char name[1024];

	say("fsync %s", fd_name(fd, name, sizeof(name)));
	return result(inner->fsync(fd));
}

static int t_syncfs(int fd)
{
	char name[1024];

	say("sync the filesystem of %s", fd_name(fd, name, sizeof(name)));
	return result(inner->syncfs(fd));
}

static int t_ioctl(int fd, unsigned long request, void *arg)
{
	char name[1024];

	/* Queries (FIEMAP, flags, btrfs device, space and tree lookups) change nothing. */
	if (request == FS_IOC_FIEMAP || request == FS_IOC_GETFLAGS ||
		request == FS_IOC_FSGETXATTR || request == BTRFS_IOC_FS_INFO ||
		request == BTRFS_IOC_SPACE_INFO || request == BTRFS_IOC_TREE_SEARCH)
		return inner->ioctl(fd, request, arg);
	if (request == FS_IOC_SETFLAGS && arg)
		say("set inode flags %#x on %s", (unsigned)*(int *)arg,
			fd_name(fd, name, sizeof(name)));
	else
		say("ioctl %#lx on %s", request, fd_name(fd, name, sizeof(name)));
	return result(inner->ioctl(fd, request, arg));
}

static int t_fchmod(int fd, mode_t mode)
{
	char name[1024];

	say("chmod %04o %s", (unsigned)mode, fd_name(fd, name, sizeof(name)));
	return result(inner->fchmod(fd, mode));
}

static int t_fchown(int fd, uid_t uid, gid_t gid)
{
	char name[1024];

	say("chown %u:%u %s", (unsigned)uid, (unsigned)gid, fd_name(fd, name, sizeof(name)));
	return result(inner->fchown(fd, uid, gid));
}

static int t_flock(int fd, int operation)
{
	char name[1024];

	if (operation & LOCK_UN)
		say("unlock %s", fd_name(fd, name, sizeof(name)));
	else
		say("lock %s%s", fd_name(fd, name, sizeof(name)),
			operation & LOCK_NB ? " (without waiting)" : "");
	return (operation & LOCK_NB) ? inner->flock(fd, operation)
				     : result(inner->flock(fd, operation));
}

static int t_write_attr(const char *path, const char *value)
{
	say("write \"%s\" to %s", value, path);
	return result(inner->write_attr(path, value));
}

static int t_psi_trigger(const char *path, const char *spec)
{
	say("register the PSI trigger \"%.*s\" on %s", (int)strcspn(spec, "\n"), spec, path);
	return result(inner->psi_trigger(path, spec));
}

static int t_read_attr(const char *path, char *buf, size_t len)
{
	int r;

	say("read %s", path);
	r = result(inner->read_attr(path, buf, len));
	if (r >= 0)
		say("  it returned \"%.*s\"", (int)strcspn(buf, "\n"), buf);
	return r;
}

static int t_run(char *const argv[])
{
	char line[512] = "";
	size_t n = 0;
	int r;

	for (size_t i = 0; argv[i] && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
	say("run %s", line);
	r = inner->run(argv);
	if (r > 0)
		say("  exit status %d", r);
	return result(r);
}

static void t_checkpoint(const char *step)
{
	say("  done: %s", step);
	if (inner->checkpoint)
		inner->checkpoint(step);
}

const struct sc_sys *sc_sys_trace(const struct sc_sys *in, void (*log)(const char *line))
{
	static struct sc_sys t;

	inner = in;
	logger = log;
	t = *in;
	t.swapon = t_swapon;
	t.swapoff = t_swapoff;
	t.openat = t_openat;
	t.mkdirat = t_mkdirat;
	t.unlinkat = t_unlinkat;
	t.renameat = t_renameat;
	t.linkat = t_linkat;
	t.symlinkat = t_symlinkat;
	t.fallocate = t_fallocate;
	t.ftruncate = t_ftruncate;
	t.pwrite_all = t_pwrite_all;
	t.fsync = t_fsync;
	t.syncfs = t_syncfs;
	t.ioctl = t_ioctl;
	t.fchmod = t_fchmod;
	t.fchown = t_fchown;
	t.flock = t_flock;
	t.write_attr = t_write_attr;
	t.read_attr = t_read_attr;
	t.run = t_run;
	t.checkpoint = t_checkpoint;
	t.psi_trigger = t_psi_trigger;
	return &t;
}
