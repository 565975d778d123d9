/*
 * The fstab line model: split, classify, render. See fstab.h.
 *
 * Classification follows libmount's fstab reader rule for rule (util-linux
 * libmount/src/tab_parse.c: mnt_table_parse_next, mnt_parse_table_line; lib/mangle.c), so this
 * module and swapon -a / findmnt agree on which lines are entries and what their fields say;
 * commit.c re-checks that agreement with libmount itself before every write:
 *  - a line ends at LF; one CR before it (or before the end of the file) is dropped;
 *  - blanks are space and tab only; a line of blanks is empty, '#' after blanks a comment;
 *  - fields are runs of non-blanks; source, target and type are required, options, freq and
 *    passno optional; freq and passno must be strtol() numbers (leading white space, a sign,
 *    digits), and one strtol() cannot hold (ERANGE) must end the line; anything after the
 *    sixth field is ignored;
 *  - \ooo is decoded in any field when all three digits are octal and inside the field.
 * glibc getmntent(3), which systemd-fstab-generator v252 uses, differs on CR, on \ooo other than
 * the four it knows, on "\\", and on lines libmount rejects: those are the flags of
 * struct sc_fstab_entry.
 *
 * Uses source.c (the default device resolver, installed on a loaded file); everything else
 * in fstab/ uses this file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"
#include "util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* strtol(s, ..., 10) of the sign and digits s[0..n) sets ERANGE (the value is outside long). */
static bool long_overflows(const char *s, size_t n)
{
	char buf[48];
	size_t k = 0, i = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		buf[k++] = s[i++];
	while (i + 1 < n && s[i] == '0')
		i++;
	if (n - i > sizeof(buf) - 2)
		return true; /* more significant digits than any long has */
	memcpy(buf + k, s + i, n - i);
	buf[k + n - i] = '\0';
	errno = 0;
	(void)strtol(buf, NULL, 10);
	return errno == ERANGE;
}

/*
 * libmount's next_s32() at s[at]: strtol(..., 10), which skips any white space first (a
 * vertical tab, and the blanks after it, too), then a blank or the end must follow; a value
 * strtol() cannot hold (ERANGE, past 2^63 - 1 or below -2^63) is an error too, which rejects
 * the line unless nothing at all follows the number (the check is "error and more text").
 * Returns the end of the number, or SIZE_MAX when libmount calls the line a parse error.
 */
static size_t number_end(const char *s, size_t n, size_t at)
{
	size_t i = at, sign, digits;

	while (i < n && is_space(s[i]))
		i++;
	sign = i;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	digits = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == digits || (i < n && !is_blank(s[i])))
		return SIZE_MAX;
	if (i < n && long_overflows(s + sign, i - sign))
		return SIZE_MAX;
	return i;
}

int sc_glibc_unmangle(const char *s, size_t len, char **ret)
{
	char *out = malloc(len + 1), *o = out;
	size_t i = 0;

	if (!out)
		return -ENOMEM;
	/* misc/mntent_r.c decode_name(): the four escapes and "\\", nothing else. */
	while (i < len) {
		size_t rest = len - i;

		if (s[i] == '\\' && rest >= 4 && !memcmp(s + i + 1, "040", 3))
			*o++ = ' ', i += 4;
		else if (s[i] == '\\' && rest >= 4 && !memcmp(s + i + 1, "011", 3))
			*o++ = '\t', i += 4;
		else if (s[i] == '\\' && rest >= 4 && !memcmp(s + i + 1, "012", 3))
			*o++ = '\n', i += 4;
		else if (s[i] == '\\' && rest >= 2 && s[i + 1] == '\\')
			*o++ = '\\', i += 2;
		else if (s[i] == '\\' && rest >= 4 && !memcmp(s + i + 1, "134", 3))
			*o++ = '\\', i += 4;
		else
			*o++ = s[i++];
	}
	*o = '\0';
	*ret = out;
	return 0;
}

static bool readers_disagree(const char *s, size_t len)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (!memchr(s, '\\', len))
		return false;
	if (sc_unmangle(s, len, &a) < 0 || sc_glibc_unmangle(s, len, &b) < 0)
		return true; /* out of memory: err on the side of a doctor finding */
	return strcmp(a, b) != 0;
}

/* Byte classes for the scanner: a blank ends a word; a backslash may start an escape. */
#define CH_BLANK     1
#define CH_BACKSLASH 2
static const unsigned char ch_class[256] = {
	[' '] = CH_BLANK,
	['\t'] = CH_BLANK,
	['\\'] = CH_BACKSLASH,
};

void sc_line_classify(struct sc_line *l)
{
	const unsigned char *s = (const unsigned char *)l->text;
	size_t n = l->len, i = 0;
	unsigned comment_at = 0;

	l->kind = SC_LINE_BLANK;
	l->nwords = 0;
	l->crlf = l->inline_comment = l->short_fields = l->odd_escape = l->swap = false;
	l->backslash = false;
	memset(l->field, 0, sizeof(l->field));

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > 0 && s[n - 1] == '\r') {
		n--;
		l->crlf = true;
	}
	l->content_len = (uint32_t)n;

	while (i < n && ch_class[s[i]] == CH_BLANK)
		i++;
	if (i == n)
		return;
	if (s[i] == '#') {
		l->kind = SC_LINE_COMMENT;
		return;
	}
	while (i < n) {
		size_t start = i;
		unsigned char seen = 0;

		while (i < n && ch_class[s[i]] != CH_BLANK)
			seen |= ch_class[s[i++]];
		if (l->nwords < SC_FSTAB_NFIELDS)
			l->field[l->nwords] =
				(struct sc_span){(uint32_t)start, (uint32_t)(i - start)};
		/* Only the first four fields are decoded, by either reader. */
		if (seen && l->nwords < 4)
			l->backslash = true;
		/* A word starting with '#' after the source was meant as a comment. */
		if (l->nwords > 0 && s[start] == '#' && !comment_at)
			comment_at = l->nwords;
		if (l->nwords <= SC_FSTAB_NFIELDS)
			l->nwords++;
		while (i < n && ch_class[s[i]] == CH_BLANK)
			i++;
	}

	l->inline_comment = comment_at > 0 || l->nwords > SC_FSTAB_NFIELDS;
	l->short_fields = (comment_at ? comment_at : l->nwords) < SC_FSTAB_NFIELDS;
	for (unsigned k = 0; l->backslash && k < SC_MIN(l->nwords, 4u); k++)
		if (readers_disagree(l->text + l->field[k].off, l->field[k].len))
			l->odd_escape = true;
	if (l->nwords >= 3) {
		_cleanup_free_ char *type = NULL;
		const struct sc_span *t = &l->field[2];

		if (t->len == 4 && !memcmp(s + t->off, "swap", 4))
			l->swap = true;
		else if (l->backslash && memchr(s + t->off, '\\', t->len) &&
			sc_unmangle(l->text + t->off, t->len, &type) == 0)
			l->swap = strcmp(type, "swap") == 0;
	}

	if (l->nwords < 3) {
		l->kind = SC_LINE_BAD;
		return;
	}
	l->kind = SC_LINE_ENTRY;
	if (l->nwords <= 4)
		return;
	/* freq and passno are numbers as strtol() reads them, not words: re-read them so. */
	i = l->field[4].off;
	for (unsigned k = 4; k < SC_FSTAB_NFIELDS && i < n; k++) {
		size_t end = number_end(l->text, n, i);

		if (end == SIZE_MAX) {
			l->kind = SC_LINE_BAD;
			return;
		}
		l->field[k] = (struct sc_span){(uint32_t)i, (uint32_t)(end - i)};
		l->nwords = (uint8_t)(k + 1);
		i = end;
		while (i < n && ch_class[s[i]] == CH_BLANK)
			i++;
	}
	/* Whatever follows passno, libmount and getmntent both ignore. */
	if (i < n)
		l->nwords = SC_FSTAB_NFIELDS + 1;
	l->inline_comment = (comment_at > 0 && comment_at < 4) || l->nwords > SC_FSTAB_NFIELDS;
	l->short_fields = l->nwords < SC_FSTAB_NFIELDS;
}

size_t sc_line_read_len(const struct sc_line *l)
{
	return l->len - (l->len > 0 && l->text[l->len - 1] == '\n');
}

int sc_line_field(const struct sc_line *l, unsigned i, char **ret)
{
	if (i >= SC_MIN(l->nwords, (unsigned)SC_FSTAB_NFIELDS)) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	return sc_unmangle(l->text + l->field[i].off, l->field[i].len, ret);
}

/* The first value of option name ("pri") in a comma-separated list, as libmount looks it up. */
static const char *find_option(const char *opts, const char *name, size_t *ret_len, bool *ret_val)
{
	size_t nl = strlen(name);

	for (const char *p = opts; *p;) {
		const char *end = strchrnul(p, ',');

		if ((size_t)(end - p) >= nl && !strncmp(p, name, nl) &&
			(p + nl == end || p[nl] == '=')) {
			*ret_val = p + nl != end;
			*ret_len = *ret_val ? (size_t)(end - p) - nl - 1 : 0;
			return *ret_val ? p + nl + 1 : p + nl;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

int sc_line_to_entry(const struct sc_line *l, size_t lineno, struct sc_fstab_entry *ret)
{
	struct sc_fstab_entry e = {.line = lineno};
	const char *v;
	size_t vl;
	bool has;
	int r;

	e.crlf = l->crlf;
	e.inline_comment = l->inline_comment;
	e.short_fields = l->short_fields;
	e.odd_escape = l->odd_escape;
	e.read_len = sc_line_read_len(l);
	e.too_long = e.read_len > SC_FSTAB_LINE_MAX;
	e.unparsable = l->kind != SC_LINE_ENTRY;
	e.is_swap = l->swap;
	if ((r = sc_line_field(l, 0, &e.source)) < 0 || (r = sc_line_field(l, 1, &e.target)) < 0 ||
		(r = sc_line_field(l, 2, &e.fstype)) < 0)
		goto fail;
	if (l->odd_escape && l->nwords > 0) {
		r = sc_glibc_unmangle(l->text + l->field[0].off, l->field[0].len, &e.glibc_source);
		if (r < 0)
			goto fail;
		if (strcmp(e.glibc_source, e.source) == 0) {
			free(e.glibc_source);
			e.glibc_source = NULL;
		}
	}
	e.options =
		l->nwords >= 4 ? strndup(l->text + l->field[3].off, l->field[3].len) : strdup("");
	if (!e.options) {
		r = -ENOMEM;
		goto fail;
	}

	e.managed = find_option(e.options, SC_FSTAB_MARKER, &vl, &has) != NULL;
	e.noauto = find_option(e.options, "noauto", &vl, &has) != NULL;
	e.nofail = find_option(e.options, "nofail", &vl, &has) != NULL;
	v = find_option(e.options, "pri", &vl, &has);
	if (v && has) {
		_cleanup_free_ char *num = strndup(v, vl);
		char *end;
		long p;

		if (!num) {
			r = -ENOMEM;
			goto fail;
		}
		errno = 0;
		p = strtol(num, &end, 10);
		if (!errno && end != num && !*end && p >= -1 && p <= 32767) {
			e.has_priority = true;
			e.priority = (int)p;
		}
	}
	v = find_option(e.options, "discard", &vl, &has);
	if (v) {
		e.discard = strndup(v, vl);
		if (!e.discard) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret = e;
	return 0;
fail:
	sc_fstab_entry_done(&e);
	return r;
}

void sc_fstab_entry_done(struct sc_fstab_entry *e)
{
	if (!e)
		return;
	free(e->source);
	free(e->glibc_source);
	free(e->target);
	free(e->fstype);
	free(e->options);
	free(e->discard);
	memset(e, 0, sizeof(*e));
}

void sc_fstab_entries_free(struct sc_fstab_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sc_fstab_entry_done(&e[i]);
	free(e);
}

void sc_fstab_clear(struct sc_fstab *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->lines[i].own);
	free(f->lines);
	free(f->orig);
	free(f->orig_lines);
	f->lines = NULL;
	f->orig = NULL;
	f->orig_lines = NULL;
	f->n = f->cap = f->n_orig = f->orig_len = 0;
	for (size_t i = 0; i < f->n_intents; i++)
		free(f->intents[i].source);
	free(f->intents);
	f->intents = NULL;
	f->n_intents = 0;
}

int sc_fstab_build(struct sc_fstab *f, char *text, size_t len, bool own,
	const struct sc_fstab *like, struct sc_err *err)
{
	const char *nul;
	size_t n = 0;

	/* Taking the caller's buffer saves a copy (and its page faults) of a large file. */
	if (own)
		f->orig = text;
	else {
		f->orig = malloc(len + 1);
		if (!f->orig)
			return -ENOMEM;
		memcpy(f->orig, text, len);
		f->orig[len] = '\0';
	}
	f->orig_len = len;
	text = f->orig;
	if (len > UINT32_MAX)
		return -EFBIG; /* spans are 32-bit; sc_fstab_load stops at 64 MiB anyway */

	nul = memchr(text, '\0', len);
	if (nul) {
		size_t line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: line %zu: contains a NUL byte",
			f->path ? f->path : "fstab", line);
		if (f->path)
			sc_err_hint(err,
				"fstab must be a text file; restore it from a backup such "
				"as %s%s",
				f->path, SC_FSTAB_BACKUP_SUFFIX);
		else
			sc_err_hint(err, "fstab must be a text file; restore it from a backup");
		return -EINVAL;
	}

	for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))); p++)
		n++;
	if (len > 0 && text[len - 1] != '\n')
		n++;
	f->orig_lines = calloc(n ? n : 1, sizeof(*f->orig_lines));
	f->cap = n + 8;
	f->lines = calloc(f->cap, sizeof(*f->lines));
	if (!f->orig_lines || !f->lines)
		return -ENOMEM;

	for (size_t off = 0, i = 0; off < len; i++) {
		const char *nl = memchr(f->orig + off, '\n', len - off);
		size_t l = nl ? (size_t)(nl - (f->orig + off)) + 1 : len - off;
		struct sc_line *line = &f->lines[i];
		bool copied;

		f->orig_lines[i] = (struct sc_span){(uint32_t)off, (uint32_t)l};
		/* Classification is a function of the bytes: a line like's already has, it copies. */
		copied = like && i < like->n && like->lines[i].len == l &&
			memcmp(like->lines[i].text, f->orig + off, l) == 0;
		if (copied)
			*line = like->lines[i];
		line->text = f->orig + off;
		line->len = (uint32_t)l;
		line->own = NULL;
		line->origin = (uint32_t)i;
		line->changed = line->nl_added = line->nl_removed = false;
		if (!copied)
			sc_line_classify(line);
		off += l;
	}
	f->n = f->n_orig = n;
	return 0;
}

int sc_fstab_parse(const char *text, size_t len, struct sc_fstab **ret, struct sc_err *err)
{
	struct sc_fstab *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return -ENOMEM;
	sc_fstab_set_resolver(f, sc_fstab_resolve_device, NULL);
	r = sc_fstab_build(f, (char *)text, len, false, NULL, err);
	if (r < 0) {
		sc_fstab_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

int sc_fstab_load(
	const struct sc_ctx *c, const char *path, struct sc_fstab **ret, struct sc_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct sc_fstab *f;
	size_t len = 0;
	int r;

	/* 64 MiB: a real fstab is a few KiB; this only bounds memory on a corrupted one. */
	r = sc_ctx_read(c, path, 64 << 20, &text, &len);
	if (r < 0 && r != -ENOENT)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", path, strerror(-r));
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->path = strdup(path);
	if (!f->path) {
		sc_fstab_free(f);
		return -ENOMEM;
	}
	/*
	 * An image's UUID= and /dev sources name devices of the machine it will boot on, not
	 * of this one (whose libblkid and /dev would answer): they match only as written.
	 */
	sc_fstab_set_resolver(f, c->offline ? NULL : sc_fstab_resolve_device, NULL);
	f->is_new = r == -ENOENT;
	if (text)
		r = sc_fstab_build(f, TAKE_PTR(text), len, true, NULL, err);
	else
		r = sc_fstab_build(f, "", 0, false, NULL, err);
	if (r < 0) {
		sc_fstab_free(f);
		return r;
	}
	/* Identity of what was read: a change by anyone after this point makes commit refuse. */
	r = sc_file_identity(c, path, f->orig, len, &f->id);
	if (r < 0) {
		sc_fstab_free(f);
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", path, strerror(-r));
	}
	if (f->id.exists == f->is_new) {
		/* Created or removed between the read and the stat: that read is not trustworthy. */
		sc_fstab_free(f);
		sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
			"%s: changed by another program while it was read", path);
		sc_err_hint(err, "run the command again");
		return -ESTALE;
	}
	f->has_id = true;
	*ret = f;
	return 0;
}

void sc_fstab_free(struct sc_fstab *f)
{
	if (!f)
		return;
	sc_fstab_clear(f);
	free(f->path);
	free(f);
}

const char *sc_fstab_path(const struct sc_fstab *f)
{
	return f->path;
}

bool sc_fstab_is_new(const struct sc_fstab *f)
{
	return f->is_new;
}

int sc_fstab_render_buf(const struct sc_fstab *f, char **ret, size_t *ret_len)
{
	size_t len = 0;
	char *buf, *p;

	for (size_t i = 0; i < f->n; i++)
		len += f->lines[i].len;
	buf = p = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		memcpy(p, f->lines[i].text, f->lines[i].len);
		p += f->lines[i].len;
	}
	*p = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int sc_fstab_render(const struct sc_fstab *f, char **ret, size_t *ret_len)
{
	return sc_fstab_render_buf(f, ret, ret_len);
}

bool sc_fstab_modified(const struct sc_fstab *f)
{
	if (f->n != f->n_orig)
		return true;
	for (size_t i = 0; i < f->n; i++)
		if (f->lines[i].origin != i || f->lines[i].changed)
			return true;
	return false;
}

int sc_fstab_list_swap(const struct sc_fstab *f, struct sc_fstab_entry **ret, size_t *ret_n)
{
	struct sc_fstab_entry *e = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (size_t i = 0; i < f->n; i++) {
		const struct sc_line *l = &f->lines[i];

		if (!l->swap || (l->kind != SC_LINE_ENTRY && l->kind != SC_LINE_BAD))
			continue;
		if (n == cap) {
			struct sc_fstab_entry *ne;

			cap = cap ? cap * 2 : 8;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				sc_fstab_entries_free(e, n);
				return -ENOMEM;
			}
			e = ne;
		}
		r = sc_line_to_entry(l, i + 1, &e[n]);
		if (r < 0) {
			sc_fstab_entries_free(e, n);
			return r;
		}
		n++;
	}
	*ret = e;
	*ret_n = n;
	return 0;
}

/* Display width of s starting at column col: tabs to the next multiple of 8, UTF-8 aware. */
unsigned sc_display_width(const char *s, size_t len, unsigned col)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t')
			col = (col / 8 + 1) * 8;
		else if ((c & 0xc0) != 0x80) /* not a UTF-8 continuation byte */
			col++;
	}
	return col;
}
