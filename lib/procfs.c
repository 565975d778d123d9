/* /proc/swaps, /proc/self/mountinfo, /proc/meminfo and the others. See procfs.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "util.h"

const char *sc_swap_type_name(enum sc_swap_type t)
{
	switch (t) {
	case SC_SWAP_FILE:
		return "file";
	case SC_SWAP_PARTITION:
		return "partition";
	case SC_SWAP_ZRAM:
		return "zram";
	}
	return "unknown";
}

void sc_swaps_free(struct sc_swaps *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].path);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static const char *next_field(const char **p, size_t *len)
{
	const char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	start = s;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	*len = (size_t)(s - start);
	*p = s;
	return start;
}

static bool is_zram_path(const char *path)
{
	const char *p;

	if (!sc_startswith(path, "/dev/zram"))
		return false;
	p = path + strlen("/dev/zram");
	if (!*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/*
 * Kernel format (mm/swapfile.c swap_show): the path escaped for " \t\n\\" as \ooo, padded to 40
 * columns (a single space when longer), then type, size and used in KiB, and priority, separated
 * by tabs. A deleted file carries the suffix "\040(deleted)" inside the escaped path.
 */
static int parse_swaps_line(const char *line, struct sc_swap *ret)
{
	char num[32], *path;
	const char *p = line, *f;
	size_t len;
	int64_t v[3];
	int r;

	f = next_field(&p, &len);
	if (len == 0)
		return -EINVAL;
	r = sc_unmangle(f, len, &path);
	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->path = path;
	len = strlen(path);
	if (len > 10 && strcmp(path + len - 10, " (deleted)") == 0) {
		path[len - 10] = '\0';
		ret->deleted = true;
	}
	f = next_field(&p, &len);
	if (len == 4 && memcmp(f, "file", 4) == 0)
		ret->type = SC_SWAP_FILE;
	else if (len == 9 && memcmp(f, "partition", 9) == 0)
		ret->type = is_zram_path(path) ? SC_SWAP_ZRAM : SC_SWAP_PARTITION;
	else
		goto bad;
	for (int i = 0; i < 3; i++) {
		f = next_field(&p, &len);
		if (len == 0 || len >= sizeof(num))
			goto bad;
		memcpy(num, f, len);
		num[len] = '\0';
		if (sc_parse_int(num, i == 2 ? INT32_MIN : 0, i == 2 ? INT32_MAX : INT64_MAX / 1024,
			    &v[i]) < 0)
			goto bad;
	}
	ret->size_bytes = (uint64_t)v[0] * 1024;
	ret->used_bytes = (uint64_t)v[1] * 1024;
	ret->priority = (int)v[2];
	return 0;
bad:
	free(ret->path);
	ret->path = NULL;
	return -EINVAL;
}

int sc_swaps_parse(const char *text, struct sc_swaps *ret)
{
	struct sc_swaps s = {0};
	const char *line = text;
	bool first = true;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *copy = strndup(line, len);

		if (!copy)
			goto oom;
		line = nl ? nl + 1 : NULL;
		if (first) { /* header: "Filename Type Size Used Priority" */
			first = false;
			if (sc_startswith(copy, "Filename"))
				continue;
		}
		if (copy[0] == '\0')
			continue;
		struct sc_swap *items = realloc(s.items, (s.n + 1) * sizeof(*items));
		if (!items)
			goto oom;
		s.items = items;
		if (parse_swaps_line(copy, &s.items[s.n]) < 0) {
			sc_swaps_free(&s);
			return -EINVAL;
		}
		s.n++;
	}
	*ret = s;
	return 0;
oom:
	sc_swaps_free(&s);
	return -ENOMEM;
}

int sc_swaps_read(const struct sc_ctx *c, struct sc_swaps *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sc_ctx_read_sys(c, "/proc/swaps", 16 << 20, &text);
	if (r < 0)
		return r;
	return sc_swaps_parse(text, ret);
}

const struct sc_swap *sc_swaps_find(const struct sc_swaps *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].path, path) == 0)
			return &s->items[i];
	return NULL;
}

static void mount_done(struct sc_mount *m)
{
	free(m->root);
	free(m->point);
	free(m->fstype);
	free(m->source);
	memset(m, 0, sizeof(*m));
}

void sc_mounts_free(struct sc_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		mount_done(&m->items[i]);
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

/* Field len bytes at f, unescaped into *ret: 0, -EINVAL when empty, -ENOMEM. */
static int mount_field(const char *f, size_t len, char **ret)
{
	return len ? sc_unmangle(f, len, ret) : -EINVAL;
}

/* One line: 1 parsed, 0 not of the shape (skipped), -ENOMEM. */
static int parse_mount_line(const char *line, struct sc_mount *ret)
{
	const char *p = line, *f, *sep;
	char mm[32], extra;
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	(void)next_field(&p, &len); /* mount ID */
	(void)next_field(&p, &len); /* parent ID */
	f = next_field(&p, &len);
	if (len == 0 || len >= sizeof(mm))
		return 0;
	memcpy(mm, f, len);
	mm[len] = '\0';
	if (sscanf(mm, "%u:%u%c", &ret->major, &ret->minor, &extra) != 2)
		return 0;
	f = next_field(&p, &len);
	if ((r = mount_field(f, len, &ret->root)) < 0)
		goto fail;
	f = next_field(&p, &len);
	if ((r = mount_field(f, len, &ret->point)) < 0)
		goto fail;
	/* options, then optional fields up to the lone "-" */
	sep = strstr(p, " - ");
	if (!sep) {
		r = -EINVAL;
		goto fail;
	}
	p = sep + 3;
	f = next_field(&p, &len);
	if ((r = mount_field(f, len, &ret->fstype)) < 0)
		goto fail;
	f = next_field(&p, &len);
	if ((r = mount_field(f, len, &ret->source)) < 0)
		goto fail;
	return 1;
fail:
	mount_done(ret);
	return r == -ENOMEM ? r : 0;
}

int sc_mountinfo_parse(const char *text, struct sc_mounts *ret)
{
	struct sc_mounts m = {0};

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		_cleanup_free_ char *copy = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
		struct sc_mount one, *items;
		int r;

		line = nl ? nl + 1 : NULL;
		if (!copy || (r = parse_mount_line(copy, &one)) < 0) {
			sc_mounts_free(&m);
			return -ENOMEM;
		}
		if (r == 0)
			continue;
		items = realloc(m.items, (m.n + 1) * sizeof(*items));
		if (!items) {
			mount_done(&one);
			sc_mounts_free(&m);
			return -ENOMEM;
		}
		m.items = items;
		m.items[m.n++] = one;
	}
	*ret = m;
	return 0;
}

int sc_mountinfo_read(const struct sc_ctx *c, struct sc_mounts *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sc_ctx_read_sys(c, "/proc/self/mountinfo", 1 << 22, &text);
	if (r < 0)
		return r;
	return sc_mountinfo_parse(text, ret);
}

/*
 * One value, from after the colon to the end of the line (eol: the newline or NULL): blanks, a
 * decimal number, optionally " kB" (the only unit the kernel prints; bare numbers are
 * counts). A sign, no digits, anything else on the line, or a value whose bytes do not fit in
 * 64 bits is -EINVAL.
 */
static int meminfo_value(const char *p, const char *eol, uint64_t *ret)
{
	uint64_t v = 0;
	bool kb = false;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (p[0] == 'k' && p[1] == 'B') {
		kb = true;
		p += 2;
	}
	if (p != (eol ? eol : p + strlen(p)))
		return -EINVAL;
	if (kb) {
		if (v > UINT64_MAX / 1024)
			return -EINVAL;
		v *= 1024;
	}
	*ret = v;
	return 0;
}

int sc_meminfo_parse(const char *text, struct sc_meminfo *ret)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"MemTotal", offsetof(struct sc_meminfo, total)},
		{"MemFree", offsetof(struct sc_meminfo, free)},
		{"MemAvailable", offsetof(struct sc_meminfo, available)},
		{"Buffers", offsetof(struct sc_meminfo, buffers)},
		{"Cached", offsetof(struct sc_meminfo, cached)},
		{"Shmem", offsetof(struct sc_meminfo, shmem)},
		{"SwapTotal", offsetof(struct sc_meminfo, swap_total)},
		{"SwapFree", offsetof(struct sc_meminfo, swap_free)},
		{"CommitLimit", offsetof(struct sc_meminfo, commit_limit)},
		{"Committed_AS", offsetof(struct sc_meminfo, committed_as)},
		{"AnonPages", offsetof(struct sc_meminfo, anon_pages)},
		{"Zswap", offsetof(struct sc_meminfo, zswap)},
		{"Zswapped", offsetof(struct sc_meminfo, zswapped)},
	};
	const char *line = text;
	bool have_total = false;

	memset(ret, 0, sizeof(*ret));
	while (line && *line) {
		const char *colon = strchr(line, ':'), *nl = strchr(line, '\n');

		if (colon && (!nl || colon < nl)) {
			size_t klen = (size_t)(colon - line);
			for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
				if (strlen(keys[i].key) != klen || memcmp(line, keys[i].key, klen))
					continue;
				uint64_t v;
				if (meminfo_value(colon + 1, nl, &v) < 0)
					return -EINVAL;
				*(uint64_t *)((char *)ret + keys[i].off) = v;
				if (i == 0)
					have_total = true;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return have_total ? 0 : -EINVAL;
}

int sc_meminfo_read(const struct sc_ctx *c, struct sc_meminfo *ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = sc_ctx_read_sys(c, "/proc/meminfo", 1 << 20, &text);
	if (r < 0)
		return r;
	return sc_meminfo_parse(text, ret);
}
