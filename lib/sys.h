/*
 * The system boundary.
 *
 * Every system call that changes state (swapon, swapoff, creating, linking, renaming and
 * removing files, fallocate, writes, fsync, ioctls, flock, sysfs/procfs attribute writes,
 * running helper programs) and every source of nondeterminism (randomness, time) goes through
 * one ops table, struct sc_sys. sc_sys_real is the one implementation that talks to the kernel
 * (lib/sys.c is the only file that makes these calls). Tests copy it and replace the members
 * they want to observe or fail, so every side effect can be scripted and audited.
 *
 * Conventions: every member returns a value >= 0 on success and -errno on failure (never sets
 * errno for the caller to read). Paths are used as given; callers resolve them under the root
 * (see ctx.h) first. Descriptors are opened O_CLOEXEC.
 */
#pragma once

#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

struct sc_swapoff_result {
	int error; /* 0, or -errno returned by swapoff(2) in the child */
	int signal; /* non-zero: the child was killed by this signal (OOM kill: SIGKILL) */
};

struct sc_sys {
	/* swapon(2); flags as built by sc_swap_flags() (never raw user input). */
	int (*swapon)(const char *path, int flags);
	/*
	 * swapoff(2), run in a forked child so an OOM kill (swapoff makes its task the preferred
	 * victim) or a signal cannot take the caller down half-way. Returns 0 when the child ran
	 * to completion (details in *ret), -errno when the child could not be started.
	 */
	int (*swapoff)(const char *path, struct sc_swapoff_result *ret);

	int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
	/*
	 * openat2(2) with how.resolve = resolve (RESOLVE_IN_ROOT and friends): the path is
	 * resolved with dirfd as its root. Retried on EAGAIN (a concurrent rename or mount).
	 */
	int (*openat2)(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);
	int (*mkdirat)(int dirfd, const char *path, mode_t mode);
	int (*unlinkat)(int dirfd, const char *path, int flags);
	int (*renameat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
	int (*linkat)(
		int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
	int (*symlinkat)(const char *target, int dirfd, const char *path);
	int (*fallocate)(int fd, int mode, off_t offset, off_t len);
	int (*ftruncate)(int fd, off_t len);
	/* Writes all of buf at offset (loops over short writes); -EIO-style errors as -errno. */
	int (*pwrite_all)(int fd, const void *buf, size_t len, off_t offset);
	int (*fsync)(int fd);
	/* syncfs(2): also makes XFS and btrfs finish freeing space of deleted files. */
	int (*syncfs)(int fd);
	int (*ioctl)(int fd, unsigned long request, void *arg);
	int (*fchmod)(int fd, mode_t mode);
	int (*fchown)(int fd, uid_t uid, gid_t gid);
	int (*fstatfs)(int fd, struct statfs *buf);
	/* statx(2): read-only, but here so tests can fake attributes (STATX_ATTR_ENCRYPTED). */
	int (*statx)(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf);
	int (*flock)(int fd, int operation);
	/*
	 * Write one sysfs/procfs attribute: open O_WRONLY, a single write() of value at offset 0
	 * (a second write at a non-zero offset is silently ignored by strict sysctl parsing).
	 */
	int (*write_attr)(const char *path, const char *value);
	/*
	 * Read one sysfs attribute whose read has a side effect (zram-control/hot_add creates a
	 * device and returns its id): open O_RDONLY, a single read() of at most len - 1 bytes,
	 * NUL-terminated. Returns the number of bytes read.
	 */
	int (*read_attr)(const char *path, char *buf, size_t len);
	/* Run a helper program (argv[0] is looked up in PATH); returns its exit status. */
	int (*run)(char *const argv[]);
	int (*getrandom)(void *buf, size_t len);
	uint64_t (*now_ns)(void); /* CLOCK_MONOTONIC */
	void (*sleep_ns)(uint64_t ns);
	/*
	 * A named point between two steps of a change that must survive a crash there (the
	 * steps of a rotation, after its journal is written). The real layer does nothing; a
	 * test layer may end the process here, as a crash or SIGKILL would, to check that the
	 * next run repairs the state. May be NULL.
	 */
	void (*checkpoint)(const char *step);
	/*
	 * pread(2), retried on EINTR: read-only, but here so tests can fake what a file holds.
	 * Returns the number of bytes read (short at the end of the file).
	 */
	int (*pread)(int fd, void *buf, size_t len, off_t offset);
	/*
	 * fstatat(2) (path "" with AT_EMPTY_PATH for a descriptor): read-only, but here so
	 * tests can fake owners, modes and identities (a root-owned directory chain) and run
	 * unprivileged.
	 */
	int (*fstatat)(int dirfd, const char *path, struct stat *st, int flags);
	/*
	 * fgetxattr(2) (value may be NULL with size 0 to ask for the size): read-only, but here
	 * so tests can fake an ACL. Returns the attribute's size.
	 */
	int (*fgetxattr)(int fd, const char *name, void *value, size_t size);
	/*
	 * geteuid(2), getegid(2): whose files count as the process's own, and who owns the
	 * files it creates (a test layer may fake root, with fstatat() and fchown() to match).
	 */
	uid_t (*geteuid)(void);
	gid_t (*getegid)(void);
	/*
	 * poll(2) (struct pollfd *): waiting, not changing anything, but here so tests can
	 * script the events (a PSI trigger firing). Returns the number of ready descriptors.
	 */
	int (*poll)(void *fds, unsigned nfds, int timeout_ms);
	/*
	 * Register a PSI trigger: path (/proc/pressure/memory) opened O_RDWR|O_NONBLOCK and spec
	 * ("some 150000 1000000\n") written with one write(2) (the file takes no offset).
	 * Returns the descriptor, which keeps the trigger until it is closed.
	 */
	int (*psi_trigger)(const char *path, const char *spec);
};

extern const struct sc_sys sc_sys_real;

/*
 * A layer that describes every side effect (and its failure) in one line to log(), then
 * hands it to inner: what swapctl -v prints. Read-only calls pass silently. One per process.
 */
const struct sc_sys *sc_sys_trace(const struct sc_sys *inner, void (*log)(const char *line));
