/* Read-only facts about paths, filesystems and their devices. See fsinfo.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "fsinfo.h"
#include "macro.h"
#include "swapfile.h"
#include "util.h"

int sc_fsinfo_dir_space(const struct sc_ctx *c, const char *dir, struct sc_fsinfo_space *ret)
{
	_cleanup_close_ int fd = sc_ctx_open(c, dir[0] ? dir : "/", O_PATH | O_DIRECTORY, 0);
	struct statfs sf;
	int r;

	if (fd < 0)
		return fd;
	r = c->sys->fstatfs(fd, &sf);
	if (r < 0)
		return r;
	ret->total_bytes = (uint64_t)sf.f_blocks * sf.f_frsize;
	ret->avail_bytes = (uint64_t)sf.f_bavail * sf.f_frsize;
	ret->reserve_bytes = sc_swapfile_default_reserve(ret->total_bytes);
	return 0;
}

int sc_fsinfo_parent_space(const struct sc_ctx *c, const char *full, struct sc_fsinfo_space *ret)
{
	_cleanup_free_ char *dir = strdup(full);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (!dir)
		return -ENOMEM;
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	return sc_fsinfo_dir_space(c, dir, ret);
}

int sc_fsinfo_discard(const struct sc_ctx *c, dev_t dev)
{
	int r = -ENOENT;

	/* The device's own queue, then (a partition) its disk's. */
	for (int parent = 0; parent < 2; parent++) {
		_cleanup_free_ char *path = NULL;
		char rel[96];
		uint64_t v;

		snprintf(rel, sizeof(rel), "/sys/dev/block/%u:%u/%squeue/discard_max_bytes",
			major(dev), minor(dev), parent ? "../" : "");
		path = sc_ctx_sys_path(c, rel);
		if (!path)
			return -ENOMEM;
		r = sc_read_u64(path, &v);
		if (r == 0)
			return v > 0;
	}
	return r;
}

bool sc_fsinfo_exists(const struct sc_ctx *c, const char *full)
{
	struct stat st;

	return sc_ctx_stat(c, full, false, &st) == 0;
}

bool sc_fsinfo_is_regular(const struct sc_ctx *c, const char *full)
{
	struct stat st;

	return sc_ctx_stat(c, full, false, &st) == 0 && S_ISREG(st.st_mode);
}

bool sc_fsinfo_sys_exists(const struct sc_ctx *c, const char *abs)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, abs);
	struct stat st;

	/* Not below the root: sc_ctx_stat() uses a sysroot path as given. */
	return path && sc_ctx_stat(c, path, true, &st) == 0;
}

int sc_fsinfo_canonical(const struct sc_ctx *c, const char *path, char **ret)
{
	char buf[PATH_MAX];

	*ret = NULL;
	if (!realpath(path, buf))
		return errno == ENOMEM ? -ENOMEM : 0;
	*ret = strdup(buf);
	return *ret ? 1 : -ENOMEM;
}

void sc_fsinfo_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sc_fsinfo_list_dir(const struct sc_ctx *c, const char *dir, char ***ret, size_t *ret_n)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	DIR *d;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = sc_ctx_opendir(c, dir, &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			goto oom;
		names = nn;
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto oom;
		n++;
	}
	closedir(d);
	*ret = names;
	*ret_n = n;
	return 0;
oom:
	closedir(d);
	sc_fsinfo_names_free(names, n);
	return -ENOMEM;
}

bool sc_fsinfo_resume_device(const struct sc_ctx *c, dev_t dev)
{
	_cleanup_free_ char *p = sc_ctx_sys_path(c, "/sys/power/resume");
	_cleanup_free_ char *q = sc_ctx_sys_path(c, "/sys/power/resume_offset");
	_cleanup_free_ char *text = NULL;
	uint64_t off = 0;
	unsigned maj, min;

	if (!p || !q || sc_read_line(p, &text) < 0)
		return false;
	if (sscanf(text, "%u:%u", &maj, &min) != 2 || (maj == 0 && min == 0))
		return false;
	if (sc_read_u64(q, &off) < 0 || off == 0)
		return false;
	return major(dev) == maj && minor(dev) == min;
}
