/* Path resolution under the configured root and the kernel-interface root. See ctx.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "macro.h"
#include "util.h"

static char *normalise_root(const char *r)
{
	size_t n;
	char *s;

	if (!r || !*r)
		return strdup("");
	s = strdup(r);
	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static char *join(const char *prefix, const char *abs)
{
	char *p;

	if (asprintf(&p, "%s%s%s", prefix, abs[0] == '/' ? "" : "/", abs) < 0)
		return NULL;
	return p;
}

char *sc_ctx_sys_path(const struct sc_ctx *c, const char *abs)
{
	return join(c->sysroot, abs);
}

int sc_ctx_read_sys(const struct sc_ctx *c, const char *abs, size_t max, char **ret)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, abs);

	if (!path)
		return -ENOMEM;
	return sc_read_file(path, max, ret, NULL);
}

char *sc_ctx_root_path(const struct sc_ctx *c, const char *abs)
{
	return join(c->root, abs);
}

const char *sc_ctx_boot_path(const struct sc_ctx *c, const char *full)
{
	size_t n = strlen(c->root);

	if (n > 0 && strncmp(full, c->root, n) == 0 && full[n] == '/')
		return full + n;
	return full;
}

/* full's path inside the root ("/etc/fstab"), or NULL when full is not below a root. */
static const char *in_root(const struct sc_ctx *c, const char *full)
{
	size_t n = strlen(c->root);

	if (n == 0 || strncmp(full, c->root, n) != 0)
		return NULL;
	if (full[n] == '\0')
		return "/";
	return full[n] == '/' ? full + n : NULL;
}

int sc_ctx_open(const struct sc_ctx *c, const char *full, int flags, mode_t mode)
{
	const char *rel = in_root(c, full);
	_cleanup_close_ int rootfd = -1;

	if (!rel)
		return c->sys->openat(AT_FDCWD, full, flags, mode);
	rootfd = c->sys->openat(AT_FDCWD, c->root, O_PATH | O_DIRECTORY, 0);
	if (rootfd < 0)
		return rootfd;
	/*
	 * RESOLVE_IN_ROOT: "/" and ".." at the root are the root itself, as in a chroot, for
	 * the path and every symlink on the way. Magic links (/proc/self/...) would lead out.
	 */
	return c->sys->openat2(rootfd, rel, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int sc_ctx_stat(const struct sc_ctx *c, const char *full, bool follow, struct stat *ret)
{
	_cleanup_close_ int fd = sc_ctx_open(c, full, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);

	if (fd < 0)
		return fd;
	/* An O_PATH|O_NOFOLLOW descriptor of a symlink stats the link itself. */
	return c->sys->fstatat(fd, "", ret, AT_EMPTY_PATH);
}

int sc_ctx_read(const struct sc_ctx *c, const char *full, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = sc_ctx_open(c, full, O_RDONLY | O_NOCTTY, 0);

	if (fd < 0)
		return fd;
	return sc_read_fd(fd, max, ret, ret_len);
}

int sc_ctx_opendir(const struct sc_ctx *c, const char *full, DIR **ret)
{
	int fd = sc_ctx_open(c, full, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return fd;
	*ret = fdopendir(fd);
	if (!*ret) {
		int r = -errno;
		close(fd);
		return r;
	}
	return 0;
}

int sc_ctx_open_parent(const struct sc_ctx *c, const char *full, const char **ret_name)
{
	const char *slash = strrchr(full, '/'), *name = slash ? slash + 1 : full;
	_cleanup_free_ char *dir = NULL;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	dir = !slash ? strdup(".") : slash == full ? strdup("/") : strndup(full, slash - full);
	if (!dir)
		return -ENOMEM;
	*ret_name = name;
	return sc_ctx_open(c, dir, O_RDONLY | O_DIRECTORY, 0);
}

int sc_ctx_follow(const struct sc_ctx *c, const char *full, char **ret, char **ret_target)
{
	_cleanup_close_ int dirfd = -1;
	const char *name, *slash;
	char target[PATH_MAX];
	ssize_t n;

	dirfd = sc_ctx_open_parent(c, full, &name);
	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return errno == EINVAL || errno == ENOENT ? 0 : -errno;
	target[n] = '\0';
	slash = strrchr(full, '/');
	/*
	 * An absolute target is below the root when the link is (a file given outside it
	 * keeps the host's meaning). A relative one is joined to the link's directory as
	 * written, not lexically cleaned: "dir/.." is the parent of wherever dir leads, which
	 * only the kernel's own resolution (inside the root) gets right.
	 */
	if (target[0] == '/')
		*ret = in_root(c, full) ? sc_ctx_root_path(c, target) : strdup(target);
	else if (asprintf(ret, "%.*s%s", slash ? (int)(slash - full + 1) : 0, full, target) < 0)
		*ret = NULL;
	if (!*ret)
		return -ENOMEM;
	if (ret_target) {
		*ret_target = strdup(target);
		if (!*ret_target) {
			free(*ret);
			*ret = NULL;
			return -ENOMEM;
		}
	}
	return 1;
}

int sc_ctx_resolve(const struct sc_ctx *c, const char *full, char **ret)
{
	_cleanup_free_ char *cur = strdup(full);

	if (!cur)
		return -ENOMEM;
	/* 40: the kernel's own limit on symlinks in one lookup (MAXSYMLINKS). */
	for (int hops = 0; hops < 40; hops++) {
		char *next;
		int r = sc_ctx_follow(c, cur, &next, NULL);

		if (r < 0)
			return r;
		if (r == 0) {
			*ret = TAKE_PTR(cur);
			return 0;
		}
		free(cur);
		cur = next;
	}
	return -ELOOP;
}

int sc_ctx_init(struct sc_ctx *c, const struct sc_sys *sys, const char *root, const char *sysroot,
	const char *fstab, const char *sysctl_dir)
{
	long ps;

	memset(c, 0, sizeof(*c));
	c->sys = sys;
	c->root = normalise_root(root);
	c->sysroot = normalise_root(sysroot);
	if (!c->root || !c->sysroot)
		goto oom;
	c->offline = c->root[0] != '\0';
	/* --fstab and --sysctl-dir name files of the configured tree: taken as given. */
	c->fstab = fstab ? strdup(fstab) : sc_ctx_root_path(c, "/etc/fstab");
	c->sysctl_dir = sysctl_dir ? strdup(sysctl_dir) : sc_ctx_root_path(c, "/etc/sysctl.d");
	if (!c->fstab || !c->sysctl_dir)
		goto oom;
	c->config_dir = sc_ctx_root_path(c, "/etc/swapctl");
	if (!c->config_dir)
		goto oom;
	ps = sysconf(_SC_PAGESIZE);
	c->page_size = ps > 0 ? (size_t)ps : 4096;
	return 0;
oom:
	sc_ctx_done(c);
	return -ENOMEM;
}

void sc_ctx_done(struct sc_ctx *c)
{
	free(c->root);
	free(c->sysroot);
	free(c->fstab);
	free(c->sysctl_dir);
	free(c->config_dir);
	memset(c, 0, sizeof(*c));
}
