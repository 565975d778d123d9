/* Layout files: strict parsing and rendering. See layout.h. */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale.h"
#include "layout.h"
#include "macro.h"
#include "parse.h"
#include "util.h"

enum section {
	SEC_NONE,
	SEC_SWAPFILE,
	SEC_ZRAM,
	SEC_ZSWAP,
	SEC_SYSCTL,
	SEC_AUTOSCALE,
};

static const char *const section_names[] = {
	[SEC_SWAPFILE] = "swapfile",
	[SEC_ZRAM] = "zram",
	[SEC_ZSWAP] = "zswap",
	[SEC_SYSCTL] = "sysctl",
	[SEC_AUTOSCALE] = "autoscale",
};

/* The keys of each section; the bit of key k is 1u << k in struct parser.seen. */
static const char *const swapfile_keys[] = {
	"path", "size", "priority", "discard", "label", "hibernate"};
static const char *const zram_keys[] = {"size", "algorithm", "algorithm-params", "priority",
	"mem-limit", "min-ram", "max-ram", "writeback-device", "writeback-limit",
	"recompress-algorithm"};
static const char *const zswap_keys[] = {"enabled", "compressor", "max-pool-percent"};
static const char *const autoscale_keys[] = {"max", "step", "dir", "quiet", "interval"};

struct parser {
	const char *name;
	size_t page_size;
	struct sc_layout *l;
	struct sc_err *err;
	enum section sec;
	unsigned sec_line;
	unsigned line;
	uint32_t seen; /* keys given in the current section */
	bool seen_vm[SC_VM_N];
};

static int fail(struct parser *p, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, size_t col, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sc_err_set(
		p->err, SC_EXIT_USAGE, EINVAL, "%s:%u:%zu: %s", p->name, p->line, col, what);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* A section ended: check it is whole (a swapfile needs path and size). */
static int end_section(struct parser *p)
{
	unsigned save = p->line;
	int r = 0;

	if (p->sec == SEC_SWAPFILE && (p->seen & 3u) != 3u) {
		p->line = p->sec_line;
		r = fail(p, 1, "[swapfile] needs %s", !(p->seen & 1u) ? "path" : "size");
		p->line = save;
	} else if (p->sec == SEC_ZRAM) {
		const struct sc_zram_spec *z = &p->l->zram[p->l->n_zram - 1].spec;

		p->line = p->sec_line;
		if (z->min_ram && z->max_ram && z->min_ram > z->max_ram)
			r = fail(p, 1, "[zram] min-ram is above max-ram: no machine fits");
		else if (z->writeback_limit && !z->backing_dev[0])
			r = fail(p, 1, "[zram] writeback-limit needs writeback-device");
		p->line = save;
	} else if (p->sec == SEC_ZSWAP && !(p->seen & 1u)) {
		p->line = p->sec_line;
		r = fail(p, 1, "[zswap] needs enabled = yes or no");
		p->line = save;
	}
	return r;
}

static int begin_section(struct parser *p, const char *name, size_t col)
{
	enum section s = SEC_NONE;
	int r;

	for (size_t i = 1; i < ELEMENTSOF(section_names); i++)
		if (strcmp(name, section_names[i]) == 0)
			s = (enum section)i;
	if (s == SEC_NONE)
		return fail(p, col,
			"unknown section [%s]; sections are [swapfile], [zram], [zswap], "
			"[sysctl] and [autoscale]",
			name);
	r = end_section(p);
	if (r < 0)
		return r;
	if ((s == SEC_ZSWAP && p->l->has_zswap) || (s == SEC_SYSCTL && p->l->has_sysctl) ||
		(s == SEC_AUTOSCALE && p->l->has_autoscale))
		return fail(p, col, "[%s] given twice", name);
	if (s == SEC_AUTOSCALE)
		p->l->has_autoscale = true;
	p->sec = s;
	p->sec_line = p->line;
	p->seen = 0;
	if (s == SEC_SWAPFILE) {
		struct sc_layout_swapfile *n = reallocarray(
			p->l->swapfiles, p->l->n_swapfiles + 1, sizeof(*p->l->swapfiles));
		if (!n)
			return -ENOMEM;
		p->l->swapfiles = n;
		n[p->l->n_swapfiles++] = (struct sc_layout_swapfile){.line = p->line};
	} else if (s == SEC_ZRAM) {
		struct sc_layout_zram *n =
			reallocarray(p->l->zram, p->l->n_zram + 1, sizeof(*p->l->zram));
		if (!n)
			return -ENOMEM;
		p->l->zram = n;
		n[p->l->n_zram] = (struct sc_layout_zram){.line = p->line};
		sc_zram_spec_init(&n[p->l->n_zram++].spec);
	} else if (s == SEC_ZSWAP) {
		p->l->has_zswap = true;
		sc_zswap_settings_init(&p->l->zswap);
	} else if (s == SEC_SYSCTL)
		p->l->has_sysctl = true;
	return 0;
}

/* Index of key in keys, or -1. */
static int key_index(const char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return (int)i;
	return -1;
}

static int parse_priority(struct parser *p, const char *v, size_t col, int *ret)
{
	int64_t n;

	if (sc_parse_int(v, -1, 32767, &n) < 0)
		return fail(p, col, "priority '%s': expected -1 (automatic) or 0..32767", v);
	*ret = (int)n;
	return 0;
}

static int swapfile_key(struct parser *p, int k, const char *v, size_t col)
{
	struct sc_layout_swapfile *s = &p->l->swapfiles[p->l->n_swapfiles - 1];
	enum sc_discard d;
	_cleanup_free_ char *mangled = NULL;
	int r;

	switch (k) {
	case 0:
		if (v[0] != '/' || v[strlen(v) - 1] == '/' || strstr(v, "/./") ||
			strstr(v, "/../") || strstr(v, "//") || !strcmp(strrchr(v, '/'), "/.") ||
			!strcmp(strrchr(v, '/'), "/.."))
			return fail(p, col, "path '%s': expected an absolute path to a file", v);
		if (sc_mangle(v, &mangled) < 0)
			return fail(
				p, col, "path: contains a control character fstab cannot express");
		for (size_t i = 0; i + 1 < p->l->n_swapfiles; i++)
			if (strcmp(p->l->swapfiles[i].path, v) == 0)
				return fail(p, col,
					"%s: already given in the [swapfile] of line %u", v,
					p->l->swapfiles[i].line);
		s->path = strdup(v);
		return s->path ? 0 : -ENOMEM;
	case 1:
		if (strcmp(v, "auto") == 0) {
			s->size = 0;
			return 0;
		}
		r = sc_parse_swap_size(v, p->page_size, &s->size);
		if (r < 0)
			return fail(p, col,
				"size '%s': expected 'auto' or a size such as 4G, from 10 pages to "
				"2^32 pages",
				v);
		return 0;
	case 2:
		s->has_priority = true;
		return parse_priority(p, v, col, &s->priority);
	case 3:
		if (sc_discard_from_name(v, &d) < 0 || d == SC_DISCARD_NONE)
			return fail(p, col, "discard '%s': expected both, once or pages", v);
		s->has_discard = true;
		s->discard = d;
		return 0;
	case 4:
		if (!v[0] || strlen(v) > 15)
			return fail(p, col, "label '%s': a swap label holds 1 to 15 bytes", v);
		s->label = strdup(v);
		return s->label ? 0 : -ENOMEM;
	default:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			s->hibernate = true;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			s->hibernate = false;
		else
			return fail(p, col, "hibernate '%s': expected yes or no", v);
		for (size_t i = 0; s->hibernate && i + 1 < p->l->n_swapfiles; i++)
			if (p->l->swapfiles[i].hibernate)
				return fail(p, col,
					"hibernate: the [swapfile] of line %u resumes already; "
					"one swapfile holds the hibernation image",
					p->l->swapfiles[i].line);
		return 0;
	}
}

static int zram_key(struct parser *p, int k, const char *v, size_t col)
{
	struct sc_zram_spec *s = &p->l->zram[p->l->n_zram - 1].spec;
	int r;

	switch (k) {
	case 0:
		r = sc_zram_parse_size_spec(v, s);
		if (r < 0)
			return fail(
				p, col, "size '%s': expected a size (4G), N%% (1..200) or auto", v);
		return 0;
	case 1:
		if (strcmp(v, "auto") == 0)
			s->algorithm[0] = '\0';
		else if (sc_zram_algorithm_name_ok(v))
			snprintf(s->algorithm, sizeof(s->algorithm), "%s", v);
		else
			return fail(p, col, "algorithm '%s': not a compressor name", v);
		return 0;
	case 2:
		r = sc_zram_parse_params(v, s->params);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return fail(p, col,
				"algorithm-params '%s': expected level=N and/or "
				"dict=/absolute/path",
				v);
		return 0;
	case 3:
		return parse_priority(p, v, col, &s->priority);
	case 4:
		if (sc_parse_size(v, &s->mem_limit) < 0)
			return fail(p, col, "mem-limit '%s': expected a size such as 2G, or 0", v);
		return 0;
	case 5:
	case 6:
		if (sc_parse_size(v, k == 5 ? &s->min_ram : &s->max_ram) < 0)
			return fail(p, col, "%s '%s': expected a size such as 4G", zram_keys[k], v);
		return 0;
	case 7:
		if (!sc_zram_path_ok(v))
			return fail(p, col,
				"writeback-device '%s': expected an absolute device path", v);
		snprintf(s->backing_dev, sizeof(s->backing_dev), "%s", v);
		return 0;
	case 9:
		if (!sc_zram_algorithm_name_ok(v))
			return fail(p, col, "recompress-algorithm '%s': not a compressor name", v);
		snprintf(s->recomp_algorithm, sizeof(s->recomp_algorithm), "%s", v);
		return 0;
	default:
		if (sc_parse_size(v, &s->writeback_limit) < 0 || s->writeback_limit < 4096)
			return fail(
				p, col, "writeback-limit '%s': expected a size of 4K or more", v);
		s->writeback_limit -= s->writeback_limit % 4096;
		return 0;
	}
}

static int zswap_key(struct parser *p, int k, const char *v, size_t col)
{
	struct sc_zswap_settings *z = &p->l->zswap;
	int64_t n;

	switch (k) {
	case 0:
		if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
			z->enabled = 1;
		else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
			z->enabled = 0;
		else
			return fail(p, col, "enabled '%s': expected yes or no", v);
		return 0;
	case 1:
		if (!sc_zswap_compressor_ok(v))
			return fail(p, col, "compressor '%s': not a compressor name", v);
		snprintf(z->compressor, sizeof(z->compressor), "%s", v);
		return 0;
	default:
		if (sc_parse_int(v, 1, 100, &n) < 0)
			return fail(p, col, "max-pool-percent '%s': expected 1..100", v);
		z->max_pool_percent = (int)n;
		return 0;
	}
}

static int autoscale_key(struct parser *p, int k, const char *v, size_t col)
{
	struct sc_layout_autoscale *a = &p->l->autoscale;
	int64_t n;

	switch (k) {
	case 0:
	case 1:
		if (sc_parse_swap_size(v, p->page_size, k == 0 ? &a->max : &a->step) < 0)
			return fail(p, col, "%s '%s': expected a size such as 4G",
				autoscale_keys[k], v);
		return 0;
	case 2:
		if (sc_autoscale_normalize_dir(v, &a->dir) < 0)
			return fail(p, col, "dir '%s': expected an absolute directory", v);
		return 0;
	default:
		if (sc_parse_int(v, 1, k == 3 ? 86400 : 3600, &n) < 0)
			return fail(p, col, "%s '%s': expected seconds, 1..%d", autoscale_keys[k],
				v, k == 3 ? 86400 : 3600);
		*(k == 3 ? &a->quiet_s : &a->interval_s) = (unsigned)n;
		return 0;
	}
}

static int sysctl_key(struct parser *p, const char *key, const char *v, size_t kcol, size_t vcol)
{
	struct sc_err verr = {0};
	int64_t n;
	int k;

	if (strcmp(key, "profile") == 0) {
		bool known = false;

		if (p->l->profile)
			return fail(p, kcol, "profile given twice in [sysctl]");
		for (size_t i = 0; i < sc_sysctl_n_profiles; i++)
			known |= strcmp(sc_sysctl_profiles[i].name, v) == 0;
		if (!known)
			return fail(p, vcol,
				"profile '%s': expected default, zram, server, database or desktop",
				v);
		p->l->profile = strdup(v);
		return p->l->profile ? 0 : -ENOMEM;
	}
	k = sc_sysctl_key_index(key);
	if (k < 0)
		return fail(p, kcol,
			"unknown key '%s' in [sysctl]: expected profile or a vm.* key swapctl "
			"manages (swapctl(8))",
			key);
	if (p->seen_vm[k])
		return fail(p, kcol, "vm.%s given twice in [sysctl]", sc_sysctl_keys[k].name);
	if (sc_sysctl_parse_value((size_t)k, v, &n, &verr) < 0)
		return fail(p, vcol, "%s", verr.msg);
	p->seen_vm[k] = true;
	p->l->sysctl.set[k] = true;
	p->l->sysctl.v[k] = n;
	return 0;
}

static int key_value(struct parser *p, char *s, size_t indent)
{
	static const struct {
		const char *const *keys;
		size_t n;
	} tables[] = {
		[SEC_SWAPFILE] = {swapfile_keys, ELEMENTSOF(swapfile_keys)},
		[SEC_ZRAM] = {zram_keys, ELEMENTSOF(zram_keys)},
		[SEC_ZSWAP] = {zswap_keys, ELEMENTSOF(zswap_keys)},
		[SEC_AUTOSCALE] = {autoscale_keys, ELEMENTSOF(autoscale_keys)},
	};
	char *eq = strchr(s, '='), *key = s, *v, *end;
	size_t vcol;
	int k;

	if (!eq)
		return fail(p, indent + 1, "expected KEY = VALUE, [section], or a # comment");
	end = eq;
	while (end > key && is_space(end[-1]))
		end--;
	*end = '\0';
	v = eq + 1;
	while (is_space(*v))
		v++;
	vcol = indent + (size_t)(v - s) + 1;
	end = v + strlen(v);
	while (end > v && is_space(end[-1]))
		end--;
	*end = '\0';
	if (!key[0])
		return fail(p, indent + 1, "a key is missing before '='");
	if (p->sec == SEC_NONE)
		return fail(p, indent + 1,
			"'%s' outside a section: start with [swapfile], [zram], "
			"[zswap], [sysctl] or [autoscale]",
			key);
	if (!v[0])
		return fail(p, vcol, "%s: the value is empty", key);
	if (p->sec == SEC_SYSCTL)
		return sysctl_key(p, key, v, indent + 1, vcol);
	k = key_index(tables[p->sec].keys, tables[p->sec].n, key);
	if (k < 0)
		return fail(p, indent + 1, "unknown key '%s' in [%s]", key, section_names[p->sec]);
	if (p->seen & (1u << k))
		return fail(p, indent + 1, "%s given twice in [%s]", key, section_names[p->sec]);
	p->seen |= 1u << k;
	switch (p->sec) {
	case SEC_SWAPFILE:
		return swapfile_key(p, k, v, vcol);
	case SEC_ZRAM:
		return zram_key(p, k, v, vcol);
	case SEC_AUTOSCALE:
		return autoscale_key(p, k, v, vcol);
	default:
		return zswap_key(p, k, v, vcol);
	}
}

static int parse_line(struct parser *p, char *s)
{
	size_t indent = 0;
	char *end;

	while (is_space(s[indent]))
		indent++;
	s += indent;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		end--;
	*end = '\0';
	if (!s[0] || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[') {
		if (end[-1] != ']' || end - s < 3)
			return fail(p, indent + 1, "expected [section]");
		end[-1] = '\0';
		return begin_section(p, s + 1, indent + 2);
	}
	return key_value(p, s, indent);
}

int sc_layout_parse(const char *name, const char *text, size_t len, size_t page_size,
	struct sc_layout *ret, struct sc_err *err)
{
	struct parser p = {.name = name, .page_size = page_size, .l = ret, .err = err};
	const char *s = text, *e = text + len;
	int r = 0;

	*ret = (struct sc_layout){0};
	if (memchr(text, '\0', len)) {
		p.line = 1;
		sc_layout_done(ret);
		return fail(&p, 1, "contains a NUL byte: not a text file");
	}
	while (s < e && r == 0) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s);
		_cleanup_free_ char *line = strndup(s, n);

		p.line++;
		if (!line) {
			r = -ENOMEM;
			break;
		}
		if (n && line[n - 1] == '\r')
			r = fail(&p, n, "ends in CR LF; use Unix line ends");
		else
			r = parse_line(&p, line);
		s += n + (nl ? 1 : 0);
	}
	if (r == 0)
		r = end_section(&p);
	if (r == 0)
		for (size_t i = 0; i < ret->n_zram && r == 0; i++)
			for (size_t j = 0; j < i && r == 0; j++)
				if (sc_zram_spec_equal(&ret->zram[i].spec, &ret->zram[j].spec)) {
					p.line = ret->zram[i].line;
					r = fail(&p, 1,
						"[zram] has the same settings as the one of line "
						"%u: "
						"make it one device of twice the size",
						ret->zram[j].line);
				}
	if (r < 0)
		sc_layout_done(ret);
	return r;
}

void sc_layout_format_size(uint64_t bytes, char buf[static 32])
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (u + 1 < 6 && bytes && bytes % ((uint64_t)1024 << (10 * (u + 1))) == 0)
		u++;
	if (u < 0)
		snprintf(buf, 32, "%" PRIu64, bytes);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", bytes >> (10 * (u + 1)), units[u]);
}

void sc_layout_format_zram_size(const struct sc_zram_spec *s, char buf[static 32])
{
	if (s->size_kind == SC_ZRAM_SIZE_BYTES)
		sc_layout_format_size(s->size, buf);
	else if (s->size_kind == SC_ZRAM_SIZE_PERCENT)
		snprintf(buf, 32, "%" PRIu64 "%%", s->size);
	else
		snprintf(buf, 32, "auto");
}

static void render_zram(FILE *f, const struct sc_zram_spec *s)
{
	char b[32];

	sc_layout_format_zram_size(s, b);
	fprintf(f, "[zram]\nsize = %s\n", b);
	fprintf(f, "algorithm = %s\n", s->algorithm[0] ? s->algorithm : "auto");
	if (s->params[0])
		fprintf(f, "algorithm-params = %s\n", s->params);
	fprintf(f, "priority = %d\n", s->priority);
	if (s->mem_limit) {
		sc_layout_format_size(s->mem_limit, b);
		fprintf(f, "mem-limit = %s\n", b);
	}
	if (s->min_ram) {
		sc_layout_format_size(s->min_ram, b);
		fprintf(f, "min-ram = %s\n", b);
	}
	if (s->max_ram) {
		sc_layout_format_size(s->max_ram, b);
		fprintf(f, "max-ram = %s\n", b);
	}
	if (s->backing_dev[0])
		fprintf(f, "writeback-device = %s\n", s->backing_dev);
	if (s->writeback_limit) {
		sc_layout_format_size(s->writeback_limit, b);
		fprintf(f, "writeback-limit = %s\n", b);
	}
	if (s->recomp_algorithm[0])
		fprintf(f, "recompress-algorithm = %s\n", s->recomp_algorithm);
}

int sc_layout_render(const struct sc_layout *l, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char b[32];

	if (!f)
		return -ENOMEM;
	fputs("# The swap layout swapctl manages on this machine (swapctl export).\n"
	      "# 'swapctl apply FILE' converges a machine to it; see swapctl(8), LAYOUT FILE.\n",
		f);
	for (size_t i = 0; i < l->n_swapfiles; i++) {
		const struct sc_layout_swapfile *s = &l->swapfiles[i];

		fprintf(f, "\n[swapfile]\npath = %s\n", s->path);
		if (s->size)
			sc_layout_format_size(s->size, b);
		fprintf(f, "size = %s\n", s->size ? b : "auto");
		if (s->has_priority)
			fprintf(f, "priority = %d\n", s->priority);
		if (s->has_discard)
			fprintf(f, "discard = %s\n", sc_discard_name(s->discard));
		if (s->label)
			fprintf(f, "label = %s\n", s->label);
		if (s->hibernate)
			fputs("hibernate = yes\n", f);
	}
	for (size_t i = 0; i < l->n_zram; i++) {
		fputc('\n', f);
		render_zram(f, &l->zram[i].spec);
	}
	if (l->has_zswap) {
		fputs("\n[zswap]\n", f);
		if (l->zswap.enabled >= 0)
			fprintf(f, "enabled = %s\n", l->zswap.enabled ? "yes" : "no");
		if (l->zswap.compressor[0])
			fprintf(f, "compressor = %s\n", l->zswap.compressor);
		if (l->zswap.max_pool_percent >= 0)
			fprintf(f, "max-pool-percent = %d\n", l->zswap.max_pool_percent);
	}
	if (l->has_sysctl) {
		fputs("\n[sysctl]\n", f);
		if (l->profile)
			fprintf(f, "profile = %s\n", l->profile);
		for (size_t k = 0; k < SC_VM_N; k++)
			if (l->sysctl.set[k])
				fprintf(f, "vm.%s = %" PRId64 "\n", sc_sysctl_keys[k].name,
					l->sysctl.v[k]);
	}
	if (l->has_autoscale) {
		const struct sc_layout_autoscale *a = &l->autoscale;

		fputs("\n[autoscale]\n", f);
		if (a->max) {
			sc_layout_format_size(a->max, b);
			fprintf(f, "max = %s\n", b);
		}
		if (a->step) {
			sc_layout_format_size(a->step, b);
			fprintf(f, "step = %s\n", b);
		}
		if (a->dir)
			fprintf(f, "dir = %s\n", a->dir);
		if (a->quiet_s)
			fprintf(f, "quiet = %u\n", a->quiet_s);
		if (a->interval_s)
			fprintf(f, "interval = %u\n", a->interval_s);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

void sc_layout_done(struct sc_layout *l)
{
	for (size_t i = 0; i < l->n_swapfiles; i++) {
		free(l->swapfiles[i].path);
		free(l->swapfiles[i].label);
	}
	free(l->swapfiles);
	free(l->zram);
	free(l->profile);
	free(l->autoscale.dir);
	*l = (struct sc_layout){0};
}
