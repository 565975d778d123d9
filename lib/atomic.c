/*
 * Atomic file replacement. See atomic.h for the contract; docs/kernel-notes.md (crash-safe
 * file replacement) for why every
 * step is there (libmount's replace does not fsync, forces 0644 and renamed a truncated file
 * into place on ENOSPC).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "macro.h"
#include "util.h"

#define HASH_BASIS UINT64_C(0xcbf29ce484222325)
#define HASH_PRIME UINT64_C(0x100000001b3)

/*
 * FNV-1a over 64-bit words, with a shift so that the multiply's carries reach the low bits:
 * a large fstab is hashed three times per edit and bytewise FNV costs about 1 ns a byte.
 * Every step is a bijection of h, so a file that differs in one word never collides. Blocks
 * of a multiple of 8 bytes can be fed one after the other (sc_file_identity streams a file).
 */
static uint64_t hash_block(uint64_t h, const unsigned char *p, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * HASH_PRIME;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * HASH_PRIME;
	return h;
}

static uint64_t hash_finish(uint64_t h, uint64_t len)
{
	h = (h ^ len) * HASH_PRIME;
	return h ^ (h >> 32);
}

uint64_t sc_hash(const void *data, size_t len)
{
	return hash_finish(hash_block(HASH_BASIS, data, len), len);
}

/* Hash what fd holds, in blocks, without a buffer the size of the file. */
static int hash_fd(int fd, uint64_t *ret)
{
	unsigned char buf[64 * 1024];
	uint64_t h = HASH_BASIS, total = 0;

	for (;;) {
		size_t n = 0;

		/* Fill the block: only the last one may be shorter than a multiple of 8. */
		while (n < sizeof(buf)) {
			ssize_t k = read(fd, buf + n, sizeof(buf) - n);

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -errno;
			if (k == 0)
				break;
			n += (size_t)k;
		}
		h = hash_block(h, buf, n);
		total += n;
		if (n < sizeof(buf))
			break;
	}
	*ret = hash_finish(h, total);
	return 0;
}

/* The identity of the file fd is open on (its content hashed when data is NULL). */
static int identity_fd(int fd, const void *data, size_t len, struct sc_file_id *ret)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (data)
		ret->hash = sc_hash(data, len);
	else {
		r = hash_fd(fd, &ret->hash);
		if (r < 0)
			return r;
	}
	ret->exists = true;
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	ret->size = st.st_size;
	ret->mtime = st.st_mtim;
	return 0;
}

int sc_file_identity(const struct sc_ctx *c, const char *path, const void *data, size_t len,
	struct sc_file_id *ret)
{
	/* One descriptor for the metadata and the bytes; O_PATH when only stat is needed. */
	_cleanup_close_ int fd = sc_ctx_open(c, path, data ? O_PATH : O_RDONLY | O_NOCTTY, 0);

	memset(ret, 0, sizeof(*ret));
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	return identity_fd(fd, data, len, ret);
}

/* The same for name in dirfd, never following a symlink there. */
static int identity_at(int dirfd, const char *name, struct sc_file_id *ret)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

	memset(ret, 0, sizeof(*ret));
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return identity_fd(fd, NULL, 0, ret);
}

static bool same_identity(const struct sc_file_id *a, const struct sc_file_id *b)
{
	if (a->exists != b->exists)
		return false;
	if (!a->exists)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
		a->hash == b->hash;
}

static int write_temp(const struct sc_ctx *c, int dirfd, const char *tmpname, const void *data,
	size_t len, mode_t mode, uid_t uid, gid_t gid, bool *created, struct sc_file_id *ret_id)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = c->sys->openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	*created = true;
	r = c->sys->fchown(fd, uid, gid);
	if (r < 0 && !(r == -EPERM && c->sys->geteuid() != 0))
		return r;
	r = c->sys->fchmod(fd, mode & 07777);
	if (r < 0)
		return r;
	if (len > 0) {
		r = c->sys->pwrite_all(fd, data, len, 0);
		if (r < 0)
			return r;
	}
	r = c->sys->fsync(fd);
	if (r < 0)
		return r;
	/* Belt and braces against a short write reported as success. */
	r = identity_fd(fd, data, len, ret_id);
	if (r < 0)
		return r;
	if ((size_t)ret_id->size != len)
		return -EIO;
	return 0;
}

int sc_atomic_replace(const struct sc_ctx *c, const char *path, const void *data, size_t len,
	const struct sc_atomic_opts *opts)
{
	_cleanup_free_ char *target = NULL, *backup = NULL;
	_cleanup_close_ int dirfd = -1;
	char tmpname[NAME_MAX + 1];
	const char *name;
	struct sc_file_id now, written;
	sigset_t block, saved;
	bool created = false;
	unsigned char rnd[6];
	mode_t mode = opts->mode;
	uid_t uid = 0;
	gid_t gid = 0;
	struct stat st;
	int r;

	/*
	 * A symlinked path: replace its target, found inside the root (an image's link to
	 * /etc/x is <root>/etc/x). From here on everything is relative to the directory
	 * descriptor, which was itself resolved inside the root, and nothing follows a link.
	 */
	r = sc_ctx_resolve(c, path, &target);
	if (r < 0)
		return r;
	dirfd = sc_ctx_open_parent(c, target, &name);
	if (dirfd < 0)
		return dirfd;
	if (strlen(name) > NAME_MAX - 24)
		return -ENAMETOOLONG;
	r = c->sys->fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
	if (r == 0) {
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	} else if (r != -ENOENT)
		return r;
	else {
		uid = c->sys->geteuid();
		gid = c->sys->getegid();
	}

	r = c->sys->getrandom(rnd, sizeof(rnd));
	if (r < 0)
		return r;
	snprintf(tmpname, sizeof(tmpname), ".%s.swapctl-%02x%02x%02x%02x%02x%02x", name, rnd[0],
		rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &saved);

	r = write_temp(c, dirfd, tmpname, data, len, mode, uid, gid, &created, &written);
	if (r < 0)
		goto fail;

	if (opts->expect) {
		r = identity_at(dirfd, name, &now);
		if (r < 0)
			goto fail;
		if (!same_identity(opts->expect, &now)) {
			r = -ESTALE;
			goto fail;
		}
	}

	if (opts->backup_suffix && c->sys->fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (asprintf(&backup, "%s%s", name, opts->backup_suffix) < 0) {
			backup = NULL;
			r = -ENOMEM;
			goto fail;
		}
		r = c->sys->unlinkat(dirfd, backup, 0);
		if (r < 0 && r != -ENOENT)
			goto fail;
		r = c->sys->linkat(dirfd, name, dirfd, backup, 0);
		if (r < 0)
			goto fail;
	}

	r = c->sys->renameat(dirfd, tmpname, dirfd, name);
	if (r < 0)
		goto fail;
	/* rename(2) keeps the inode and its mtime: the identity is the temp file's. */
	if (opts->ret_id)
		*opts->ret_id = written;
	r = c->sys->fsync(dirfd);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	/* The rename happened; a failed directory fsync is reported but cannot be undone. */
	return r;

fail:
	/* Only a temp file this call created: with EEXIST the name is someone else's file. */
	if (created)
		c->sys->unlinkat(dirfd, tmpname, 0);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
