/* zswap parameters. See zswap.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
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

/* --- changing zswap --- */

void sc_zswap_settings_init(struct sc_zswap_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->enabled = -1;
	s->max_pool_percent = -1;
}

/* Crypto API names ("lzo-rle", "deflate", "842", "zstd"): no path or shell characters. */
bool sc_zswap_compressor_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SC_ZSWAP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
			    (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'))
			return false;
	return true;
}

void sc_zswap_settings_merge(struct sc_zswap_settings *into, const struct sc_zswap_settings *from)
{
	if (from->enabled >= 0)
		into->enabled = from->enabled;
	if (from->compressor[0])
		snprintf(into->compressor, sizeof(into->compressor), "%s", from->compressor);
	if (from->max_pool_percent >= 0)
		into->max_pool_percent = from->max_pool_percent;
}

bool sc_zswap_settings_equal(const struct sc_zswap_settings *a, const struct sc_zswap_settings *b)
{
	return a->enabled == b->enabled && strcmp(a->compressor, b->compressor) == 0 &&
		a->max_pool_percent == b->max_pool_percent;
}

int sc_zswap_settings_parse(const char *text, struct sc_zswap_settings *ret, struct sc_err *err)
{
	struct sc_zswap_settings s;
	const char *p = text;
	unsigned lineno = 0;

	sc_zswap_settings_init(&s);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *line = strndup(p, len);
		char *key, *eq;
		int64_t v;
		bool ok = false;

		lineno++;
		p += len + (nl ? 1 : 0);
		if (!line)
			return -ENOMEM;
		key = line + strspn(line, " \t");
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq) {
			*eq = '\0';
			if (strcmp(key, "enabled") == 0 && s.enabled < 0) {
				ok = strcmp(eq + 1, "yes") == 0 || strcmp(eq + 1, "no") == 0;
				s.enabled = strcmp(eq + 1, "yes") == 0;
			} else if (strcmp(key, "compressor") == 0 && !s.compressor[0]) {
				ok = sc_zswap_compressor_ok(eq + 1);
				if (ok)
					snprintf(s.compressor, sizeof(s.compressor), "%s", eq + 1);
			} else if (strcmp(key, "max_pool_percent") == 0 && s.max_pool_percent < 0) {
				ok = sc_parse_int(eq + 1, 1, 100, &v) == 0;
				s.max_pool_percent = (int)v;
			}
		}
		if (!ok) {
			int r = sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
				"zswap.conf: line %u: cannot parse it", lineno);
			sc_err_hint(err, "fix or remove that line (format in swapctl(8), FILES)");
			return r;
		}
	}
	*ret = s;
	return 0;
}

int sc_zswap_settings_render(const struct sc_zswap_settings *s, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("# swapctl zswap settings, applied at boot by `swapctl boot` (swapctl.service).\n"
	      "# Written by `swapctl zswap enable|disable`; see swapctl(8), FILES.\n",
		f);
	if (s->enabled >= 0)
		fprintf(f, "enabled=%s\n", s->enabled ? "yes" : "no");
	if (s->compressor[0])
		fprintf(f, "compressor=%s\n", s->compressor);
	if (s->max_pool_percent >= 0)
		fprintf(f, "max_pool_percent=%d\n", s->max_pool_percent);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

static int parse_config(const char *text, void *ret, struct sc_err *err)
{
	return sc_zswap_settings_parse(text, ret, err);
}

int sc_zswap_config_load(const struct sc_ctx *c, struct sc_zswap_settings *ret,
	struct sc_file_id *ret_id, struct sc_err *err)
{
	sc_zswap_settings_init(ret);
	return sc_config_load(c, SC_ZSWAP_CONFIG_NAME, parse_config, ret, ret_id, err);
}

static char *param_path(const struct sc_ctx *c, const char *name)
{
	_cleanup_free_ char *rel = NULL;

	if (asprintf(&rel, "/sys/module/zswap/parameters/%s", name) < 0)
		return NULL;
	return sc_ctx_sys_path(c, rel);
}

static int plan_param(
	struct sc_plan *plan, const char *name, const char *value, const char *previous)
{
	_cleanup_free_ char *target = NULL;
	struct sc_action *a;

	if (asprintf(&target, "/sys/module/zswap/parameters/%s", name) < 0)
		return -ENOMEM;
	a = sc_plan_add(plan, SC_ZSWAP_SET_PARAM, target);
	if (!a || sc_action_strdup(a, value, &a->u.zswap_param.value) < 0 ||
		sc_action_strdup(a, previous ? previous : "", &a->u.zswap_param.previous) < 0)
		return -ENOMEM;
	return 0;
}

static int plan_pool_and_compressor(
	const struct sc_zswap *live, const struct sc_zswap_settings *want, struct sc_plan *plan)
{
	char v[16], old[16];
	int r = 0;

	if (want->compressor[0] && strcmp(want->compressor, live->compressor) != 0)
		r = plan_param(plan, "compressor", want->compressor, live->compressor);
	if (r == 0 && want->max_pool_percent >= 0 &&
		want->max_pool_percent != live->max_pool_percent) {
		snprintf(v, sizeof(v), "%d", want->max_pool_percent);
		snprintf(old, sizeof(old), "%d", live->max_pool_percent);
		r = plan_param(plan, "max_pool_percent", v, old);
	}
	return r;
}

int sc_zswap_plan(const struct sc_ctx *c, const struct sc_zswap *live,
	const struct sc_zswap_settings *want, const struct sc_zswap_settings *config, bool persist,
	struct sc_plan *plan, struct sc_err *err)
{
	struct sc_zswap_settings merged = *config;
	int r = 0;

	if (want->compressor[0] && !sc_zswap_compressor_ok(want->compressor))
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zswap: '%s' is not a compressor name", want->compressor);
	if (want->max_pool_percent == 0 || want->max_pool_percent > 100)
		return sc_err_set(err, SC_EXIT_USAGE, ERANGE,
			"zswap: max pool percent %d is outside 1..100", want->max_pool_percent);
	if (c->offline && !persist)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"zswap: --no-persist with --root would do nothing: an offline tree gets "
			"its "
			"zswap settings at boot from zswap.conf");
	if (!c->offline) {
		if (!live->present) {
			r = sc_err_set(err, SC_EXIT_FAILURE, ENOENT,
				"zswap: not available in this kernel "
				"(/sys/module/zswap/parameters is missing)");
			sc_err_hint(err, "use a kernel built with CONFIG_ZSWAP");
			return r;
		}
		if (want->enabled == 0 && live->enabled)
			r = plan_param(plan, "enabled", "N", "Y");
		if (r == 0)
			r = plan_pool_and_compressor(live, want, plan);
		if (r == 0 && want->enabled == 1 && !live->enabled)
			r = plan_param(plan, "enabled", "Y", "N");
		if (r < 0)
			return r;
	}
	sc_zswap_settings_merge(&merged, want);
	if (persist && !sc_zswap_settings_equal(&merged, config)) {
		_cleanup_free_ char *path = sc_config_path(c, SC_ZSWAP_CONFIG_NAME);
		struct sc_action *a;

		if (!path)
			return -ENOMEM;
		a = sc_plan_add(plan, SC_ZSWAP_CONFIG, sc_ctx_boot_path(c, path));
		if (!a ||
			sc_action_strdup(a, merged.compressor[0] ? merged.compressor : NULL,
				&a->u.zswap_config.compressor) < 0)
			return -ENOMEM;
		a->u.zswap_config.enabled = merged.enabled >= 0 ? merged.enabled != 0 : -1;
		a->u.zswap_config.max_pool_percent =
			merged.max_pool_percent >= 0 ? merged.max_pool_percent : -1;
	}
	return 0;
}

/* "deflate, lzo, lzo-rle": what /proc/crypto lists as compression algorithms. */
static void crypto_compressors(const struct sc_ctx *c, char *buf, size_t size)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/proc/crypto"), *text = NULL;
	char name[128] = "", list[1024] = ",";
	size_t len = 1;

	buf[0] = '\0';
	if (!path || sc_read_file(path, 1 << 22, &text, NULL) < 0)
		return;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
		line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ':'), needle[132];

		if (!v)
			continue;
		v += 1 + strspn(v + 1, " ");
		if (sc_startswith(line, "name "))
			snprintf(name, sizeof(name), "%s", v);
		if (!sc_startswith(line, "type ") || !name[0] ||
			!(strcmp(v, "compression") == 0 || strcmp(v, "scomp") == 0 ||
				strcmp(v, "acomp") == 0))
			continue;
		/* one algorithm shows up once per driver: list each name once */
		snprintf(needle, sizeof(needle), ",%s,", name);
		if (!strstr(list, needle) && len + strlen(name) + 2 < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s,", name);
		name[0] = '\0';
	}
	for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save))
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? ", " : "", p);
}

static int write_param(
	const struct sc_ctx *c, const char *target, const char *value, struct sc_err *err)
{
	const char *name = strrchr(target, '/') + 1;
	_cleanup_free_ char *path = param_path(c, name), *back = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = c->sys->write_attr(path, value);
	if (r < 0) {
		if (strcmp(name, "compressor") == 0 && (r == -ENOENT || r == -EINVAL)) {
			char list[512];

			crypto_compressors(c, list, sizeof(list));
			r = sc_err_set(err, SC_EXIT_USAGE, -r,
				"zswap: compressor '%s' is not available (the crypto API offers: "
				"%s)",
				value, list[0] ? list : "unknown");
			sc_err_hint(err, "pick an offered compressor, or load its module first");
			return r;
		}
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write '%s': %s", target,
			value, strerror(-r));
	}
	r = sc_read_line(path, &back);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read it back: %s", target,
			strerror(-r));
	if (strcmp(back, value) != 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: wrote '%s' but it reads '%s'",
			target, value, back);
	return 0;
}

static int apply_config(const struct sc_ctx *c, const struct sc_action *a,
	const struct sc_file_id *config_id, struct sc_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct sc_zswap_settings s;
	const struct sc_act_zswap_config *z = &a->u.zswap_config;

	sc_zswap_settings_init(&s);
	if (z->enabled >= 0)
		s.enabled = z->enabled;
	if (z->compressor)
		snprintf(s.compressor, sizeof(s.compressor), "%s", z->compressor);
	if (z->max_pool_percent >= 0)
		s.max_pool_percent = z->max_pool_percent;
	if (sc_zswap_settings_render(&s, &text) < 0)
		return -ENOMEM;
	return sc_config_write(c, SC_ZSWAP_CONFIG_NAME, text, config_id, err);
}

struct zswap_run {
	const struct sc_ctx *c;
	const struct sc_file_id *config_id;
};

static int zswap_step(void *data, struct sc_action *a, struct sc_err *err)
{
	struct zswap_run *x = data;

	if (a->kind == SC_ZSWAP_SET_PARAM)
		return write_param(x->c, a->target, a->u.zswap_param.value, err);
	if (a->kind == SC_ZSWAP_CONFIG)
		return apply_config(x->c, a, x->config_id, err);
	return 0;
}

/* The parameters go back to what they were; zswap.conf is the last step, so never undone. */
static int zswap_undo(void *data, struct sc_action *a, struct sc_err *err)
{
	struct zswap_run *x = data;

	if (a->kind != SC_ZSWAP_SET_PARAM)
		return 0;
	return write_param(x->c, a->target, a->u.zswap_param.previous, err);
}

int sc_zswap_apply(const struct sc_ctx *c, struct sc_plan *plan, const struct sc_file_id *config_id,
	struct sc_err *err)
{
	struct zswap_run x = {c, config_id};
	const struct sc_applier ops = {zswap_step, zswap_undo, &x};

	return sc_plan_apply(plan, &ops, err);
}

int sc_zswap_in_front_of_zram(const struct sc_ctx *c, bool *ret)
{
	struct sc_zswap z;
	struct sc_swaps swaps = {0};
	int r;

	*ret = false;
	r = sc_zswap_read(c, &z);
	if (r < 0)
		return r;
	if (!z.present || !z.enabled)
		return 0;
	r = sc_swaps_read(c, &swaps);
	if (r < 0)
		return r;
	for (size_t i = 0; i < swaps.n; i++)
		if (swaps.items[i].type == SC_SWAP_ZRAM)
			*ret = true;
	sc_swaps_free(&swaps);
	return 0;
}
