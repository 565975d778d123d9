/*
 * algorithm_params against what the kernel's zram backends read (drivers/block/zram/
 * backend_*.c, Linux 6.12 and later): which algorithms take a level and in which range, which
 * take a dictionary, and the dictionary file itself. The kernel checks none of it: an unknown
 * key is accepted silently, a level is handed to the compressor unchecked, and a level for
 * an algorithm without levels is ignored. See zram.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"

struct backend {
	const char *name;
	bool levels; /* reads params->level */
	int64_t min, max;
	bool dict; /* loads params->dict */
};

/*
 * zstd: ZSTD_minCLevel() .. ZSTD_maxCLevel() of the kernel's zstd (negative levels are the
 * fast ones); lz4: the acceleration of LZ4_compress_fast_extState(), 1 .. LZ4_ACCELERATION_MAX;
 * lz4hc: 1 .. LZ4HC_CLEVEL_MAX; deflate: zlib's 0 .. 9. lzo, lzo-rle and 842 take neither.
 */
static const struct backend backends[] = {
	{"zstd", true, -131072, 22, true},
	{"lz4", true, 1, 65537, true},
	{"lz4hc", true, 1, 12, true},
	{"deflate", true, 0, 9, false},
	{"lzo", false, 0, 0, false},
	{"lzo-rle", false, 0, 0, false},
	{"842", false, 0, 0, false},
};

/* The value of key in canonical params ("level=3 dict=/x"), copied to buf; false if absent. */
static bool param_get(const char *params, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = params; p && *p;) {
		size_t n = strcspn(p, " ");

		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(buf, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
			return true;
		}
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

int sc_zram_params_check(const char *alg, const char *params, struct sc_err *err)
{
	const struct backend *b = NULL;
	char level[32], dict[256];
	int64_t lv;
	int r;

	if (!params[0] || !alg || !alg[0] || strcmp(alg, "auto") == 0)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(backends); i++)
		if (strcmp(backends[i].name, alg) == 0)
			b = &backends[i];
	if (!b)
		return 0; /* a backend this table does not know: the generic checks only */
	if (param_get(params, "level", level, sizeof(level))) {
		if (!b->levels) {
			r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"zram: %s has no compression levels: the kernel would ignore "
				"level=%s",
				alg, level);
			sc_err_hint(err, "drop level=, or pick zstd, lz4, lz4hc or deflate");
			return r;
		}
		if (sc_parse_int(level, INT64_MIN, INT64_MAX, &lv) < 0 || lv < b->min ||
			lv > b->max)
			return sc_err_set(err, SC_EXIT_USAGE, ERANGE,
				"zram: level=%s is outside %s's levels (%" PRId64 " to %" PRId64
				")",
				level, alg, b->min, b->max);
	}
	if (param_get(params, "dict", dict, sizeof(dict)) && !b->dict) {
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: %s takes no dictionary: the kernel would ignore dict=%s", alg, dict);
		sc_err_hint(err, "drop dict=, or pick zstd, lz4 or lz4hc");
		return r;
	}
	return 0;
}

int sc_zram_params_check_dict(const struct sc_ctx *c, const char *params, struct sc_err *err)
{
	_cleanup_free_ char *full = NULL;
	_cleanup_close_ int fd = -1;
	char dict[256];
	struct stat st;
	int r;

	if (!param_get(params, "dict", dict, sizeof(dict)))
		return 0;
	full = sc_ctx_root_path(c, dict);
	if (!full)
		return -ENOMEM;
	/* O_NONBLOCK: a FIFO planted there must not hang the command */
	fd = sc_ctx_open(c, full, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0);
	r = fd < 0 ? fd : c->sys->fstatat(fd, "", &st, AT_EMPTY_PATH);
	if (r < 0) {
		r = sc_err_set(
			err, SC_EXIT_USAGE, -r, "zram: dictionary %s: %s", dict, strerror(-r));
		sc_err_hint(err, "dict= names the file the kernel loads when the device is set up");
		return r;
	}
	if (!S_ISREG(st.st_mode))
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: dictionary %s is not a regular file", dict);
	if (st.st_size == 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: dictionary %s is empty: the kernel would compress without one",
			dict);
	return 0;
}
