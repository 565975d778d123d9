/* zswap parameters. See zswap.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zswap.h"

static int read_param(const struct sc_ctx *c, const char *name, char **ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;

	if (asprintf(&rel, "/sys/module/zswap/parameters/%s", name) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	return sc_read_line(path, ret);
}

static int read_bool(const struct sc_ctx *c, const char *name)
{
	_cleanup_free_ char *v = NULL;

	if (read_param(c, name, &v) < 0)
		return -1;
	return v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
}

static int read_int(const struct sc_ctx *c, const char *name)
{
	_cleanup_free_ char *v = NULL;
	int64_t n;

	if (read_param(c, name, &v) < 0 || sc_parse_int(v, 0, 100000, &n) < 0)
		return -1;
	return (int)n;
}

int sc_zswap_read(const struct sc_ctx *c, struct sc_zswap *ret)
{
	_cleanup_free_ char *v = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->max_pool_percent = -1;
	ret->accept_threshold_percent = -1;
	ret->shrinker_enabled = -1;
	r = read_param(c, "enabled", &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	ret->present = true;
	ret->enabled = v[0] == 'Y' || v[0] == 'y' || v[0] == '1';
	free(v);
	v = NULL;
	if (read_param(c, "compressor", &v) == 0)
		snprintf(ret->compressor, sizeof(ret->compressor), "%s", v);
	free(v);
	v = NULL;
	if (read_param(c, "zpool", &v) == 0)
		snprintf(ret->zpool, sizeof(ret->zpool), "%s", v);
	ret->max_pool_percent = read_int(c, "max_pool_percent");
	ret->accept_threshold_percent = read_int(c, "accept_threshold_percent");
	ret->shrinker_enabled = read_bool(c, "shrinker_enabled");
	return 0;
}
