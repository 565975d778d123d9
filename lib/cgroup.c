/* Memory cgroup readers (v1 and v2). See cgroup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "util.h"

/*
 * Deep enough for any real tree (systemd nests 4-6 levels); a bound so that a fixture or a
 * pathological tree cannot recurse without end.
 */
#define MAX_DEPTH 64
#define DENTS_BUF (32 << 10)

const char *sc_cgroup_version_name(enum sc_cgroup_version v)
{
	switch (v) {
	case SC_CGROUP_V1:
		return "v1";
	case SC_CGROUP_V2:
		return "v2";
	case SC_CGROUP_NONE:
		break;
	}
	return "none";
}

void sc_memcgs_free(struct sc_memcgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->items[i].path);
	free(m->items);
	free(m->mount);
	memset(m, 0, sizeof(*m));
}

/*
 * Small cgroup files are read with one read(2) into a stack buffer: the walk opens a few
 * files in each of possibly hundreds of cgroups, and the gate is on the path of every
 * command that retires an area.
 */
static int read_small_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/* A decimal counter, or "max" (v2) which sets *ret_max. Trailing newline allowed. */
static int read_counter_at(int dirfd, const char *name, uint64_t *ret, bool *ret_max)
{
	char buf[64], *end;
	unsigned long long v;
	int r;

	r = read_small_at(dirfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (ret_max)
		*ret_max = false;
	if (ret_max && (strcmp(buf, "max\n") == 0 || strcmp(buf, "max") == 0)) {
		*ret_max = true;
		*ret = UINT64_MAX;
		return 0;
	}
	if (buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno)
		return -errno;
	if (*end != '\0' && strcmp(end, "\n") != 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

static bool file_contains_word(const char *path, const char *word)
{
	_cleanup_free_ char *text = NULL;
	size_t wl = strlen(word);

	if (sc_read_file(path, 64 << 10, &text, NULL) < 0)
		return false;
	for (char *p = text; (p = strstr(p, word)); p += wl) {
		bool start = p == text || p[-1] == ' ' || p[-1] == '\n';
		bool end = p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

int sc_memcg_detect(const struct sc_ctx *c, enum sc_cgroup_version *ret_version, char **ret_mount)
{
	static const char *const v2_mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	struct stat st;

	*ret_version = SC_CGROUP_NONE;
	*ret_mount = NULL;
	for (size_t i = 0; i < ELEMENTSOF(v2_mounts); i++) {
		_cleanup_free_ char *p = NULL;

		if (asprintf(&p, "%s%s/cgroup.controllers", c->sysroot, v2_mounts[i]) < 0)
			return -ENOMEM;
		if (file_contains_word(p, "memory")) {
			*ret_mount = strdup(v2_mounts[i]);
			if (!*ret_mount)
				return -ENOMEM;
			*ret_version = SC_CGROUP_V2;
			return 0;
		}
	}
	{
		_cleanup_free_ char *p =
			sc_ctx_sys_path(c, "/sys/fs/cgroup/memory/memory.limit_in_bytes");

		if (!p)
			return -ENOMEM;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			*ret_mount = strdup("/sys/fs/cgroup/memory");
			if (!*ret_mount)
				return -ENOMEM;
			*ret_version = SC_CGROUP_V1;
		}
	}
	return 0;
}

struct walker {
	struct sc_memcgs *out;
	uint64_t v1_unlimited; /* PAGE_COUNTER_MAX * page size */
	bool at_risk_only;
	char *bufs[MAX_DEPTH + 1];
};

static int add_item(struct walker *w, const char *path, const struct sc_memcg *m)
{
	struct sc_memcg *items;

	items = realloc(w->out->items, (w->out->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	w->out->items = items;
	items[w->out->n] = *m;
	items[w->out->n].path = strdup(path);
	if (!items[w->out->n].path)
		return -ENOMEM;
	w->out->n++;
	return 0;
}

/* The cgroup's files are named relative to dirfd as "<rel>/<file>" ("." for dirfd itself). */
static int counter(int dirfd, const char *rel, const char *file, uint64_t *ret, bool *ret_max)
{
	char name[NAME_MAX + 64];

	if ((size_t)snprintf(name, sizeof(name), "%s/%s", rel, file) >= sizeof(name))
		return -ENAMETOOLONG;
	return read_counter_at(dirfd, name, ret, ret_max);
}

/*
 * Read one cgroup. Returns 1 to descend into it, 0 to skip its subtree (v2: no memory
 * controller here, so none below either), -ENOENT when it vanished, other -errno.
 *
 * In at_risk_only mode a limited cgroup whose usage plus swap fits under its limit is only
 * counted: whatever part of its swap comes back, it fits. Testing that needs one file less in
 * the common case (v1: memsw alone, v2: swap.current = 0), which matters because each kernfs
 * open costs microseconds and the gate may see hundreds of cgroups.
 */
static int read_cgroup(struct walker *w, int dirfd, const char *rel, const char *path, bool is_root)
{
	struct sc_memcg m = {0};
	uint64_t memsw = 0;
	bool unlimited = false;
	int r;

	if (w->out->version == SC_CGROUP_V2) {
		r = counter(dirfd, rel, "memory.max", &m.limit, &unlimited);
		if (r == -ENOENT)
			return is_root ? 1 : 0; /* the v2 root has no memory.max */
		if (r < 0)
			return r;
		if (unlimited)
			return 1;
		w->out->n_limited++;
		r = counter(dirfd, rel, "memory.swap.current", &m.swap, NULL);
		if (r < 0 && r != -ENOENT)
			return r;
		m.swap_known = r == 0;
		if (w->at_risk_only && m.swap_known && m.swap == 0)
			return 1;
		r = counter(dirfd, rel, "memory.current", &m.usage, NULL);
		if (r < 0)
			return r;
		if (w->at_risk_only && m.swap_known && sc_add_sat(m.usage, m.swap) <= m.limit)
			return 1;
	} else {
		r = counter(dirfd, rel, "memory.limit_in_bytes", &m.limit, NULL);
		if (r < 0)
			return r;
		if (m.limit >= w->v1_unlimited)
			return 1;
		w->out->n_limited++;
		r = counter(dirfd, rel, "memory.memsw.usage_in_bytes", &memsw, NULL);
		if (r < 0 && r != -ENOENT)
			return r;
		m.swap_known = r == 0;
		if (w->at_risk_only && m.swap_known && memsw <= m.limit)
			return 1;
		r = counter(dirfd, rel, "memory.usage_in_bytes", &m.usage, NULL);
		if (r < 0)
			return r;
		/* Both counters are read at different instants: never below zero. */
		if (m.swap_known)
			m.swap = memsw > m.usage ? memsw - m.usage : 0;
	}
	r = add_item(w, path, &m);
	return r < 0 ? r : 1;
}

/*
 * List the subdirectories of the cgroup open at fd. Entries are read with getdents64(2) into
 * one buffer per depth (a DIR stream costs an fcntl and an fstat per directory), and a child
 * is only opened when it has children of its own: kernfs (cgroupfs), tmpfs and ext4 count a
 * directory's subdirectories in its link count (2 + subdirs); others (btrfs: 1) are opened.
 */
static int walk_children(struct walker *w, int fd, const char *path, int depth)
{
	char *buf;
	ssize_t n;
	int r;

	if (depth >= MAX_DEPTH)
		return 0;
	if (!w->bufs[depth]) {
		w->bufs[depth] = malloc(DENTS_BUF);
		if (!w->bufs[depth])
			return -ENOMEM;
	}
	buf = w->bufs[depth];
	while ((n = getdents64(fd, buf, DENTS_BUF)) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			_cleanup_free_ char *child = NULL;
			_cleanup_close_ int cfd = -1;
			struct stat st;

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue; /* removed meanwhile */
				return -errno;
			}
			if (!S_ISDIR(st.st_mode))
				continue;
			if (asprintf(&child, "%s%s%s", path, depth == 0 ? "" : "/", de->d_name) < 0)
				return -ENOMEM;
			r = read_cgroup(w, fd, de->d_name, child, false);
			if (r == -ENOENT)
				continue;
			if (r < 0)
				return r;
			w->out->n_walked++;
			if (r == 0 || st.st_nlink == 2)
				continue;
			cfd = openat(
				fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				if (errno == ENOENT)
					continue;
				return -errno;
			}
			r = walk_children(w, cfd, child, depth + 1);
			if (r < 0)
				return r;
		}
	}
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

static int list(const struct sc_ctx *c, bool at_risk_only, struct sc_memcgs *ret)
{
	struct sc_memcgs out = {0};
	struct walker w = {.out = &out, .at_risk_only = at_risk_only};
	_cleanup_free_ char *root = NULL;
	_cleanup_close_ int fd = -1;
	size_t ps = c->page_size ? c->page_size : 4096;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = sc_memcg_detect(c, &out.version, &out.mount);
	if (r < 0)
		return r;
	if (out.version == SC_CGROUP_NONE) {
		*ret = out;
		return 0;
	}
	/* mm/page_counter.h: PAGE_COUNTER_MAX = LONG_MAX / PAGE_SIZE, shown in bytes. */
	w.v1_unlimited = (uint64_t)(INT64_MAX / (int64_t)ps) * ps;
	root = sc_ctx_sys_path(c, out.mount);
	if (!root) {
		sc_memcgs_free(&out);
		return -ENOMEM;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		sc_memcgs_free(&out);
		return r;
	}
	r = read_cgroup(&w, fd, ".", "/", true);
	if (r > 0) {
		out.n_walked++;
		r = walk_children(&w, fd, "/", 0);
	}
	for (size_t i = 0; i < ELEMENTSOF(w.bufs); i++)
		free(w.bufs[i]);
	if (r < 0) {
		sc_memcgs_free(&out);
		return r;
	}
	*ret = out;
	return 0;
}

int sc_memcg_list_limited(const struct sc_ctx *c, struct sc_memcgs *ret)
{
	return list(c, false, ret);
}

int sc_memcg_list_at_risk(const struct sc_ctx *c, struct sc_memcgs *ret)
{
	return list(c, true, ret);
}
