/*
 * zram requests, swapctl's zram.conf and its runtime record of the devices it created.
 * See zram.h for the contract and the file formats (also in swapctl(8), FILES).
 * Uses zram-read.c (a device's diskseq); zram-observed.c, zram-plan.c and zram-apply.c use this
 * file, never the other way round.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"

#define STATE_PATH "/run/swapctl/zram-ids"

static const char config_header[] =
	"# swapctl zram devices, re-created at boot by `swapctl boot` (swapctl.service).\n"
	"# Written by `swapctl zram add` and `swapctl zram remove`; see swapctl(8), FILES.\n"
	"# One device per line: size=BYTES|N%|auto algorithm=NAME|auto priority=N\n"
	"# mem_limit=BYTES [params=KEY=VALUE,...] [min_ram=BYTES] [max_ram=BYTES]\n"
	"# [backing_dev=/dev/DEVICE] [writeback_limit=BYTES] [recomp_algorithm=NAME]\n";

void sc_zram_spec_init(struct sc_zram_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->size_kind = SC_ZRAM_SIZE_AUTO;
	s->priority = SC_ZRAM_PRIORITY_DEFAULT;
}

int sc_zram_parse_size_spec(const char *text, struct sc_zram_spec *s)
{
	size_t len = strlen(text);
	uint64_t v;
	int r;

	if (strcmp(text, "auto") == 0) {
		s->size_kind = SC_ZRAM_SIZE_AUTO;
		s->size = 0;
		return 0;
	}
	if (len > 1 && text[len - 1] == '%') {
		_cleanup_free_ char *num = strndup(text, len - 1);
		int64_t pct;

		if (!num)
			return -ENOMEM;
		r = sc_parse_int(num, 0, INT64_MAX, &pct);
		if (r < 0)
			return r;
		if (pct < 1 || pct > SC_ZRAM_MAX_PERCENT)
			return -ERANGE;
		s->size_kind = SC_ZRAM_SIZE_PERCENT;
		s->size = (uint64_t)pct;
		return 0;
	}
	r = sc_parse_size(text, &v);
	if (r < 0)
		return r;
	if (v == 0)
		return -ERANGE;
	s->size_kind = SC_ZRAM_SIZE_BYTES;
	s->size = v;
	return 0;
}

bool sc_zram_algorithm_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > SC_ZRAM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* A path goes into a space-separated sysfs value and a comma-separated config token. */
bool sc_zram_path_ok(const char *s)
{
	if (s[0] != '/' || strlen(s) > SC_ZRAM_PATH_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p == ',' || *p == '=' || *p == 0x7f)
			return false;
	return true;
}

int sc_zram_parse_params(const char *text, char ret[static SC_ZRAM_PARAMS_MAX + 1])
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL, *tok;
	char level[32] = "", dict[201] = ""; /* sc_zram_path_ok(): at most 200 bytes */
	int64_t lv;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1])
			return -EINVAL;
		*eq = '\0';
		if (strcmp(tok, "level") == 0) {
			/*
			 * The kernel reads level with kstrtoint; the range here is that of all
			 * backends together (zstd's go down to -131072, lz4's acceleration up
			 * to 65537); sc_zram_params_check() knows each one's.
			 */
			if (level[0] || sc_parse_int(eq + 1, -131072, 65537, &lv) < 0)
				return -EINVAL;
			snprintf(level, sizeof(level), "%" PRId64, lv);
		} else if (strcmp(tok, "dict") == 0) {
			if (dict[0] || !sc_zram_path_ok(eq + 1))
				return -EINVAL;
			snprintf(dict, sizeof(dict), "%s", eq + 1);
		} else
			return -EINVAL;
	}
	snprintf(ret, SC_ZRAM_PARAMS_MAX + 1, "%s%s%s%s%s", level[0] ? "level=" : "", level,
		level[0] && dict[0] ? " " : "", dict[0] ? "dict=" : "", dict);
	return 0;
}

int sc_zram_spec_format(const struct sc_zram_spec *s, char **ret)
{
	char size[32], params[SC_ZRAM_PARAMS_MAX + 1], min[40] = "", max[40] = "", wbl[48] = "";

	switch (s->size_kind) {
	case SC_ZRAM_SIZE_BYTES:
		snprintf(size, sizeof(size), "%" PRIu64, s->size);
		break;
	case SC_ZRAM_SIZE_PERCENT:
		snprintf(size, sizeof(size), "%" PRIu64 "%%", s->size);
		break;
	default:
		snprintf(size, sizeof(size), "auto");
	}
	snprintf(params, sizeof(params), "%s", s->params);
	for (char *p = params; *p; p++)
		if (*p == ' ')
			*p = ',';
	if (s->min_ram)
		snprintf(min, sizeof(min), " min_ram=%" PRIu64, s->min_ram);
	if (s->max_ram)
		snprintf(max, sizeof(max), " max_ram=%" PRIu64, s->max_ram);
	if (s->writeback_limit)
		snprintf(wbl, sizeof(wbl), " writeback_limit=%" PRIu64, s->writeback_limit);
	if (asprintf(ret,
		    "size=%s algorithm=%s priority=%d mem_limit=%" PRIu64 "%s%s%s%s%s%s%s%s%s",
		    size, s->algorithm[0] ? s->algorithm : "auto", s->priority, s->mem_limit,
		    params[0] ? " params=" : "", params, min, max,
		    s->backing_dev[0] ? " backing_dev=" : "", s->backing_dev, wbl,
		    s->recomp_algorithm[0] ? " recomp_algorithm=" : "", s->recomp_algorithm) < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}

int sc_zram_spec_parse(const char *line, struct sc_zram_spec *ret)
{
	_cleanup_free_ char *copy = strdup(line);
	char *save = NULL, *tok;
	unsigned seen = 0;
	struct sc_zram_spec s;
	int r;

	if (!copy)
		return -ENOMEM;
	sc_zram_spec_init(&s);
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		static const char *const keys[] = {"size", "algorithm", "priority", "mem_limit",
			"params", "min_ram", "max_ram", "backing_dev", "writeback_limit",
			"recomp_algorithm"};
		char *eq = strchr(tok, '='), *val;
		unsigned k;
		int64_t v;

		if (!eq || !eq[1])
			return -EINVAL;
		*eq = '\0';
		val = eq + 1;
		for (k = 0; k < ELEMENTSOF(keys); k++)
			if (strcmp(tok, keys[k]) == 0)
				break;
		if (k == ELEMENTSOF(keys) || (seen & (1u << k)))
			return -EINVAL;
		seen |= 1u << k;
		switch (k) {
		case 0:
			r = sc_zram_parse_size_spec(val, &s);
			if (r < 0)
				return -EINVAL;
			break;
		case 1:
			if (strcmp(val, "auto") == 0)
				s.algorithm[0] = '\0';
			else if (sc_zram_algorithm_name_ok(val))
				snprintf(s.algorithm, sizeof(s.algorithm), "%s", val);
			else
				return -EINVAL;
			break;
		case 2:
			if (sc_parse_int(val, -1, 32767, &v) < 0)
				return -EINVAL;
			s.priority = (int)v;
			break;
		case 3:
			if (sc_parse_size(val, &s.mem_limit) < 0)
				return -EINVAL;
			break;
		case 4:
			if (sc_zram_parse_params(val, s.params) < 0)
				return -EINVAL;
			break;
		case 5:
		case 6:
			if (sc_parse_size(val, k == 5 ? &s.min_ram : &s.max_ram) < 0)
				return -EINVAL;
			break;
		case 7:
			if (!sc_zram_path_ok(val))
				return -EINVAL;
			snprintf(s.backing_dev, sizeof(s.backing_dev), "%s", val);
			break;
		case 8:
			if (sc_parse_size(val, &s.writeback_limit) < 0)
				return -EINVAL;
			break;
		case 9:
			if (!sc_zram_algorithm_name_ok(val))
				return -EINVAL;
			snprintf(s.recomp_algorithm, sizeof(s.recomp_algorithm), "%s", val);
			break;
		}
	}
	if (s.min_ram && s.max_ram && s.min_ram > s.max_ram)
		return -EINVAL; /* no machine fits */
	if (s.writeback_limit && !s.backing_dev[0])
		return -EINVAL; /* nothing to limit */
	*ret = s;
	return 0;
}

bool sc_zram_spec_equal(const struct sc_zram_spec *a, const struct sc_zram_spec *b)
{
	return a->size_kind == b->size_kind && a->size == b->size &&
		strcmp(a->algorithm, b->algorithm) == 0 && strcmp(a->params, b->params) == 0 &&
		a->priority == b->priority && a->mem_limit == b->mem_limit &&
		a->min_ram == b->min_ram && a->max_ram == b->max_ram &&
		strcmp(a->backing_dev, b->backing_dev) == 0 &&
		a->writeback_limit == b->writeback_limit &&
		strcmp(a->recomp_algorithm, b->recomp_algorithm) == 0;
}

int sc_zram_disksize(const struct sc_zram_spec *s, uint64_t mem_total, size_t page_size,
	uint64_t *ret, struct sc_err *err)
{
	char b1[32], b2[32];
	uint64_t bytes, pages;
	int r;

	switch (s->size_kind) {
	case SC_ZRAM_SIZE_BYTES:
		bytes = s->size;
		break;
	case SC_ZRAM_SIZE_PERCENT:
		/* mem_total < 2^64 / 200 on any machine that exists; keep the product exact. */
		bytes = (uint64_t)((unsigned __int128)mem_total * s->size / 100);
		break;
	default:
		bytes = SC_MIN(mem_total / 2, SC_ZRAM_AUTO_MAX);
	}
	pages = bytes / page_size;
	if (pages < SC_SWAP_MIN_PAGES) {
		r = sc_err_set(err, SC_EXIT_USAGE, ERANGE,
			"zram size %s is below the smallest swap area (%u pages)",
			sc_format_bytes(bytes, b1), SC_SWAP_MIN_PAGES);
		sc_err_hint(err, "give a larger size");
		return r;
	}
	if (pages > SC_SWAP_MAX_PAGES) {
		r = sc_err_set(err, SC_EXIT_USAGE, ERANGE,
			"zram size %s is above the largest swap area (2^32 pages)",
			sc_format_bytes(bytes, b1));
		return r;
	}
	if (mem_total > 0 && bytes > (unsigned __int128)mem_total * 2) {
		r = sc_err_set(err, SC_EXIT_REFUSED, 0,
			"zram size %s is more than twice the memory (%s): it cannot be filled "
			"without exhausting memory",
			sc_format_bytes(bytes, b1), sc_format_bytes(mem_total, b2));
		sc_err_hint(err,
			"use at most 200%% (2 x RAM); zram.rst: \"there is little point "
			"creating a zram of greater than twice the size of memory\"");
		return r;
	}
	*ret = pages * page_size;
	return 0;
}

int sc_zram_choose_algorithm(char *const *offered, const char *current, const char *requested,
	const char **ret, struct sc_err *err)
{
	/* Best ratio first among the fast ones; lzo-rle is the kernel's default since 5.1. */
	static const char *const preferred[] = {"zstd", "lz4", "lzo-rle"};
	char list[512] = "";
	size_t len = 0;
	int r;

	if (requested && *requested) {
		for (char *const *p = offered; p && *p; p++)
			if (strcmp(*p, requested) == 0) {
				*ret = *p;
				return 0;
			}
		for (char *const *p = offered; p && *p; p++)
			len += (size_t)snprintf(list + SC_MIN(len, sizeof(list) - 1),
				sizeof(list) - SC_MIN(len, sizeof(list) - 1), "%s%s",
				len ? ", " : "", *p);
		r = sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zram: algorithm '%s' is not offered by this kernel (it offers: %s)",
			requested, list[0] ? list : "none");
		sc_err_hint(err,
			"pick one of the offered algorithms, or leave --algorithm out "
			"for the best one");
		return r;
	}
	for (size_t i = 0; i < ELEMENTSOF(preferred); i++)
		for (char *const *p = offered; p && *p; p++)
			if (strcmp(*p, preferred[i]) == 0) {
				*ret = *p;
				return 0;
			}
	if (current && *current) {
		*ret = current;
		return 0;
	}
	if (offered && offered[0]) {
		*ret = offered[0];
		return 0;
	}
	return sc_err_set(err, SC_EXIT_FAILURE, ENOENT, "zram: the kernel offers no algorithm");
}

/* --- zram.conf --- */

int sc_zram_config_add(struct sc_zram_config *cfg, const struct sc_zram_spec *s)
{
	struct sc_zram_spec *n = realloc(cfg->entries, (cfg->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	cfg->entries = n;
	cfg->entries[cfg->n++] = *s;
	return 0;
}

int sc_zram_config_remove(struct sc_zram_config *cfg, const struct sc_zram_spec *s)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (sc_zram_spec_equal(&cfg->entries[i], s)) {
			memmove(&cfg->entries[i], &cfg->entries[i + 1],
				(cfg->n - i - 1) * sizeof(*cfg->entries));
			cfg->n--;
			return 1;
		}
	return 0;
}

size_t sc_zram_config_count(const struct sc_zram_config *cfg, const struct sc_zram_spec *s)
{
	size_t k = 0;

	for (size_t i = 0; i < cfg->n; i++)
		k += sc_zram_spec_equal(&cfg->entries[i], s);
	return k;
}

void sc_zram_config_free(struct sc_zram_config *cfg)
{
	free(cfg->entries);
	cfg->entries = NULL;
	cfg->n = 0;
}

/* Blank lines and lines whose first non-blank character is '#' carry no entry. */
static bool is_blank_or_comment(const char *line)
{
	line += strspn(line, " \t");
	return *line == '\0' || *line == '#';
}

int sc_zram_config_parse(const char *text, struct sc_zram_config *ret, struct sc_err *err)
{
	struct sc_zram_config cfg = {0};
	const char *p = text;
	unsigned lineno = 0;
	int r;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		struct sc_zram_spec s;

		lineno++;
		p += len + (nl ? 1 : 0);
		if (!line) {
			sc_zram_config_free(&cfg);
			return -ENOMEM;
		}
		if (is_blank_or_comment(line))
			continue;
		r = sc_zram_spec_parse(line, &s);
		if (r == 0)
			r = sc_zram_config_add(&cfg, &s);
		if (r < 0) {
			sc_zram_config_free(&cfg);
			if (r == -ENOMEM)
				return r;
			r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
				"zram.conf: line %u: cannot parse '%s'", lineno, line);
			sc_err_hint(err, "fix or remove that line (format in swapctl(8), FILES)");
			return r;
		}
	}
	*ret = cfg;
	return 0;
}

int sc_zram_config_render(const struct sc_zram_config *cfg, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs(config_header, f);
	for (size_t i = 0; i < cfg->n; i++) {
		_cleanup_free_ char *line = NULL;

		if (sc_zram_spec_format(&cfg->entries[i], &line) < 0) {
			fclose(f);
			free(buf);
			return -ENOMEM;
		}
		fprintf(f, "%s\n", line);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static int parse_config(const char *text, void *ret, struct sc_err *err)
{
	return sc_zram_config_parse(text, ret, err);
}

int sc_zram_config_load(const struct sc_ctx *c, struct sc_zram_config *ret,
	struct sc_file_id *ret_id, struct sc_err *err)
{
	memset(ret, 0, sizeof(*ret));
	return sc_config_load(c, SC_ZRAM_CONFIG_NAME, parse_config, ret, ret_id, err);
}

int sc_zram_config_save(const struct sc_ctx *c, const struct sc_zram_config *cfg,
	const struct sc_file_id *expect, struct sc_err *err)
{
	_cleanup_free_ char *text = NULL;

	if (sc_zram_config_render(cfg, &text) < 0)
		return -ENOMEM;
	return sc_config_write(c, SC_ZRAM_CONFIG_NAME, text, expect, err);
}

/* --- runtime state: <sysroot>/run/swapctl/zram-ids --- */

void sc_zram_ids_free(struct sc_zram_ids *st)
{
	free(st->devs);
	st->devs = NULL;
	st->n = 0;
}

int sc_zram_ids_parse(const char *text, struct sc_zram_ids *ret)
{
	struct sc_zram_ids st = {0};
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		struct sc_zram_owned o = {0}, *n;
		char *sp, *sp2;
		int64_t id, seq;

		p += len + (nl ? 1 : 0);
		if (!line) {
			sc_zram_ids_free(&st);
			return -ENOMEM;
		}
		if (is_blank_or_comment(line))
			continue;
		/* "zramN diskseq=S <spec>"; a line that does not parse is dropped, never trusted */
		sp = strchr(line, ' ');
		if (!sp || !sc_startswith(line, "zram"))
			continue;
		*sp = '\0';
		if (sc_parse_int(line + 4, 0, INT32_MAX, &id) < 0 ||
			!sc_startswith(sp + 1, "diskseq="))
			continue;
		sp2 = strchr(sp + 1, ' ');
		if (sp2)
			*sp2 = '\0';
		if (sc_parse_int(sp + 1 + strlen("diskseq="), 0, INT64_MAX, &seq) < 0)
			continue;
		if (sc_zram_spec_parse(sp2 ? sp2 + 1 : "", &o.spec) < 0)
			continue;
		o.id = (int)id;
		o.diskseq = (uint64_t)seq;
		n = realloc(st.devs, (st.n + 1) * sizeof(*n));
		if (!n) {
			sc_zram_ids_free(&st);
			return -ENOMEM;
		}
		st.devs = n;
		st.devs[st.n++] = o;
	}
	*ret = st;
	return 0;
}

int sc_zram_ids_render(const struct sc_zram_ids *st, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("# zram devices swapctl created since boot: zramN diskseq=S <request>\n", f);
	for (size_t i = 0; i < st->n; i++) {
		_cleanup_free_ char *spec = NULL;

		if (sc_zram_spec_format(&st->devs[i].spec, &spec) < 0) {
			fclose(f);
			free(buf);
			return -ENOMEM;
		}
		fprintf(f, "zram%d diskseq=%" PRIu64 " %s\n", st->devs[i].id, st->devs[i].diskseq,
			spec);
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int sc_zram_ids_load(const struct sc_ctx *c, struct sc_zram_ids *ret)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, STATE_PATH), *text = NULL;
	struct sc_zram_ids st;
	size_t k = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!path)
		return -ENOMEM;
	r = sc_read_file(path, 1 << 20, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = sc_zram_ids_parse(text, &st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < st.n; i++) {
		_cleanup_free_ char *rel = NULL, *dir = NULL;
		uint64_t seq = 0;
		struct stat sb;

		if (asprintf(&rel, "/sys/block/zram%d", st.devs[i].id) < 0) {
			sc_zram_ids_free(&st);
			return -ENOMEM;
		}
		dir = sc_ctx_sys_path(c, rel);
		if (!dir) {
			sc_zram_ids_free(&st);
			return -ENOMEM;
		}
		if (sc_ctx_stat(c, dir, true, &sb) < 0)
			continue; /* gone: hot_removed by someone, or the module was reloaded */
		if (sc_zram_read_diskseq(c, st.devs[i].id, &seq) < 0 || seq != st.devs[i].diskseq)
			continue; /* the id now belongs to a device somebody else created */
		st.devs[k++] = st.devs[i];
	}
	st.n = k;
	*ret = st;
	return 0;
}

int sc_zram_ids_save(const struct sc_ctx *c, const struct sc_zram_ids *st)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, STATE_PATH), *text = NULL;
	_cleanup_free_ char *dir = sc_ctx_sys_path(c, "/run/swapctl");
	struct sc_atomic_opts o = {.mode = 0600};
	int r;

	if (!path || !dir || sc_zram_ids_render(st, &text) < 0)
		return -ENOMEM;
	r = sc_config_mkdir(c, dir, 0700);
	if (r < 0)
		return r;
	return sc_atomic_replace(c, path, text, strlen(text), &o);
}

const struct sc_zram_owned *sc_zram_ids_find(const struct sc_zram_ids *st, int id)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->devs[i].id == id)
			return &st->devs[i];
	return NULL;
}

int sc_zram_owned_spec(const struct sc_ctx *c, int id, struct sc_zram_spec *ret,
	bool *ret_in_config, struct sc_err *err)
{
	struct sc_zram_ids st;
	struct sc_zram_config cfg;
	const struct sc_zram_owned *o;
	int r;

	if (ret_in_config)
		*ret_in_config = false;
	r = sc_zram_ids_load(c, &st);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", STATE_PATH, strerror(-r));
	o = sc_zram_ids_find(&st, id);
	if (!o) {
		sc_zram_ids_free(&st);
		return 0;
	}
	*ret = o->spec;
	sc_zram_ids_free(&st);
	if (!ret_in_config)
		return 1;
	r = sc_zram_config_load(c, &cfg, NULL, err);
	if (r < 0)
		return r;
	*ret_in_config = sc_zram_config_count(&cfg, ret) > 0;
	sc_zram_config_free(&cfg);
	return 1;
}

int sc_zram_set_priority(const struct sc_ctx *c, int id, int priority, struct sc_err *err)
{
	struct sc_zram_ids st;
	struct sc_zram_config cfg;
	struct sc_file_id cfg_id;
	struct sc_zram_owned *o = NULL;
	struct sc_zram_spec old;
	int r, k;

	r = sc_zram_ids_load(c, &st);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", STATE_PATH, strerror(-r));
	for (size_t i = 0; i < st.n; i++)
		if (st.devs[i].id == id)
			o = &st.devs[i];
	if (!o || o->spec.priority == priority) {
		sc_zram_ids_free(&st);
		return 0;
	}
	r = sc_zram_config_load(c, &cfg, &cfg_id, err);
	if (r < 0) {
		sc_zram_ids_free(&st);
		return r;
	}
	old = o->spec;
	o->spec.priority = priority;
	r = sc_zram_ids_save(c, &st);
	if (r < 0) {
		sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", STATE_PATH, strerror(-r));
		goto out;
	}
	r = 0;
	for (size_t i = 0; i < cfg.n; i++)
		if (sc_zram_spec_equal(&cfg.entries[i], &old)) {
			cfg.entries[i].priority = priority;
			r = 1;
			break;
		}
	if (r == 1 && (k = sc_zram_config_save(c, &cfg, &cfg_id, err)) < 0) {
		r = k;
		o->spec = old;
		if (sc_zram_ids_save(c, &st) < 0)
			sc_err_hint(err,
				"%s still records priority %d for zram%d; `swapctl boot` may add a "
				"device for the old entry",
				STATE_PATH, priority, id);
	}
out:
	sc_zram_config_free(&cfg);
	sc_zram_ids_free(&st);
	return r;
}
