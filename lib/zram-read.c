/*
 * Reading zram devices from sysfs: the device list, each device's attributes, mm_stat,
 * comp_algorithm and diskseq; device names and sysfs paths for the other zram-*.c files.
 * The bottom of the zram files: it uses none of them (zram-config.c uses it).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram-internal.h"
#include "zram.h"

void sc_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int sc_zram_parse_algorithms(const char *text, char ***ret_names, char **ret_current)
{
	char **names = NULL, *current = NULL;
	size_t n = 0;
	const char *p = text;

	while (*p) {
		const char *start;
		size_t len;
		bool bracket = false;
		char *name, **nv;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		if (*p == '[') {
			bracket = true;
			p++;
		}
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ']')
			p++;
		len = (size_t)(p - start);
		if (*p == ']')
			p++;
		if (len == 0 || len > 127)
			continue;
		name = strndup(start, len);
		if (!name)
			goto oom;
		nv = realloc(names, (n + 2) * sizeof(char *));
		if (!nv) {
			free(name);
			goto oom;
		}
		names = nv;
		names[n++] = name;
		names[n] = NULL;
		if (bracket && !current) {
			current = strdup(name);
			if (!current)
				goto oom;
		}
	}
	if (ret_names)
		*ret_names = names;
	else
		sc_strv_free(names);
	if (ret_current)
		*ret_current = current;
	else
		free(current);
	return 0;
oom:
	sc_strv_free(names);
	free(current);
	return -ENOMEM;
}

int sc_zram_parse_mm_stat(const char *text, struct sc_zram_dev *d)
{
	unsigned long long v[9] = {0};
	int n = sscanf(text, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		&v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);

	if (n < 5)
		return -EINVAL;
	d->orig_data = v[0];
	d->compr_data = v[1];
	d->mem_used = v[2];
	d->mem_limit = v[3];
	d->mem_used_max = v[4];
	d->same_pages = v[5];
	d->huge_pages = v[7];
	return 0;
}

int sc_zram_parse_bd_stat(const char *text, struct sc_zram_dev *d)
{
	unsigned long long v[3];

	/* zram_drv.c: FOUR_K(), the counters are in 4 KiB units on every page size */
	if (sscanf(text, "%llu %llu %llu", &v[0], &v[1], &v[2]) != 3 || v[0] > UINT64_MAX / 4096 ||
		v[1] > UINT64_MAX / 4096 || v[2] > UINT64_MAX / 4096)
		return -EINVAL;
	d->bd_count = v[0] * 4096;
	d->bd_reads = v[1] * 4096;
	d->bd_writes = v[2] * 4096;
	d->has_bd_stat = true;
	return 0;
}

void sc_zram_dev_done(struct sc_zram_dev *d)
{
	free(d->algorithm);
	d->algorithm = NULL;
	free(d->backing_dev);
	d->backing_dev = NULL;
	free(d->recomp);
	d->recomp = NULL;
}

int sc_zram_read(const struct sc_ctx *c, int id, struct sc_zram_dev *ret)
{
	_cleanup_free_ char *dir = NULL, *p = NULL, *text = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->id = id;
	snprintf(ret->name, sizeof(ret->name), "zram%d", id);
	if (asprintf(&p, "/sys/block/zram%d", id) < 0)
		return -ENOMEM;
	dir = sc_ctx_sys_path(c, p);
	if (!dir)
		return -ENOMEM;
	free(p);
	p = NULL;

	if (asprintf(&p, "%s/disksize", dir) < 0)
		return (p = NULL, -ENOMEM);
	r = sc_read_u64(p, &ret->disksize);
	if (r < 0)
		return r;
	ret->initialized = ret->disksize > 0;
	free(p);

	if (asprintf(&p, "%s/comp_algorithm", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0) {
		r = sc_zram_parse_algorithms(text, NULL, &ret->algorithm);
		if (r < 0)
			return r;
	}
	free(p);
	free(text);
	text = NULL;

	if (asprintf(&p, "%s/mm_stat", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0)
		(void)sc_zram_parse_mm_stat(text, ret);
	free(p);
	free(text);
	text = NULL;

	/* CONFIG_ZRAM_WRITEBACK only */
	if (asprintf(&p, "%s/backing_dev", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0 && text[0] && strcmp(text, "none") != 0)
		ret->backing_dev = TAKE_PTR(text);
	free(p);
	free(text);
	text = NULL;
	if (asprintf(&p, "%s/bd_stat", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_line(p, &text) == 0)
		(void)sc_zram_parse_bd_stat(text, ret);
	free(p);
	/* CONFIG_ZRAM_MULTI_COMP only */
	if (asprintf(&p, "%s/recomp_algorithm", dir) < 0)
		return (p = NULL, -ENOMEM);
	if (sc_read_file(p, 4096, &ret->recomp, NULL) < 0)
		ret->recomp = NULL;
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct sc_zram_dev *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int sc_zram_list(const struct sc_ctx *c, struct sc_zram_dev **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = sc_ctx_sys_path(c, "/sys/block");
	struct sc_zram_dev *devs = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r;

	if (!dir)
		return -ENOMEM;
	*ret = NULL;
	*ret_n = 0;
	r = sc_ctx_opendir(c, dir, &d);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	while ((de = readdir(d))) {
		int64_t id;
		struct sc_zram_dev *nd;

		if (!sc_startswith(de->d_name, "zram") ||
			sc_parse_int(de->d_name + 4, 0, INT32_MAX, &id) < 0)
			continue;
		nd = realloc(devs, (n + 1) * sizeof(*nd));
		if (!nd) {
			closedir(d);
			sc_zram_list_free(devs, n);
			return -ENOMEM;
		}
		devs = nd;
		if (sc_zram_read(c, (int)id, &devs[n]) < 0)
			continue;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(devs, n, sizeof(*devs), cmp_dev);
	*ret = devs;
	*ret_n = n;
	return 0;
}

void sc_zram_list_free(struct sc_zram_dev *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_zram_dev_done(&d[i]);
	free(d);
}

int sc_zram_read_diskseq(const struct sc_ctx *c, int id, uint64_t *ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	int r;

	*ret = 0;
	if (asprintf(&rel, "/sys/block/zram%d/diskseq", id) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	r = sc_read_u64(path, ret);
	return r == -ENOENT ? 0 : r;
}

/* Targets name the device as the booted system sees it; sysfs paths add the sysroot. */
char *sc_zram_dev_name(int id)
{
	char *p;

	if (asprintf(&p, "/dev/zram%d", id) < 0)
		return NULL;
	return p;
}

char *sc_zram_attr_path(const struct sc_ctx *c, int id, const char *attr)
{
	_cleanup_free_ char *rel = NULL;

	if (asprintf(&rel, "/sys/block/zram%d/%s", id, attr) < 0)
		return NULL;
	return sc_ctx_sys_path(c, rel);
}

int sc_zram_target_id(const char *target)
{
	int64_t id;

	if (!sc_startswith(target, "/dev/zram") ||
		sc_parse_int(target + strlen("/dev/zram"), 0, INT32_MAX, &id) < 0)
		return -EINVAL;
	return (int)id;
}

int sc_zram_read_algorithms(const struct sc_ctx *c, int id, char ***ret_names, char **ret_current)
{
	_cleanup_free_ char *path = sc_zram_attr_path(c, id, "comp_algorithm"), *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_read_line(path, &text);
	if (r < 0)
		return r;
	return sc_zram_parse_algorithms(text, ret_names, ret_current);
}
