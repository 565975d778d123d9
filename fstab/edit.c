/*
 * Finding, adding, updating and removing swap entries. See fstab.h.
 *
 * Matching is by canonical source, never by text: a regex or prefix match is how other tools
 * removed /var/swapdata along with /var/swap. Lines swapctl writes are built field by field,
 * escaped with the four escapes every reader agrees on (lib/util.h sc_mangle), and laid out
 * like their neighbours; an updated line keeps every byte of its fields that did not change,
 * including the separators between them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"
#include "probe.h"
#include "util.h"

static const char *const tag_names[] = {"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "ID="};

static const char *tag_value(const char *s, size_t *ret_name_len)
{
	for (size_t i = 0; i < ELEMENTSOF(tag_names); i++)
		if (sc_startswith(s, tag_names[i])) {
			*ret_name_len = strlen(tag_names[i]);
			return s + *ret_name_len;
		}
	return NULL;
}

int sc_fstab_canonical(const char *source, char **ret)
{
	size_t nl, vl;
	const char *v = tag_value(source, &nl);
	char *out, *o;

	out = o = malloc(strlen(source) + 2);
	if (!out)
		return -ENOMEM;
	if (source[0] == '/') {
		/* Lexical only: "/a//b/./c/" is "/a/b/c"; ".." is kept (a symlink may sit under it). */
		for (const char *p = source; *p;) {
			const char *q;

			while (*p == '/')
				p++;
			if (!*p)
				break;
			q = strchrnul(p, '/');
			if (!(q - p == 1 && p[0] == '.')) {
				*o++ = '/';
				memcpy(o, p, (size_t)(q - p));
				o += q - p;
			}
			p = q;
		}
		if (o == out)
			*o++ = '/';
		*o = '\0';
	} else if (v) {
		/* libblkid strips quotes around a tag value; UUIDs are hex, compared caselessly. */
		memcpy(o, source, nl);
		o += nl;
		vl = strlen(v);
		if (vl >= 2 &&
			((v[0] == '"' && v[vl - 1] == '"') ||
				(v[0] == '\'' && v[vl - 1] == '\''))) {
			v++;
			vl -= 2;
		}
		for (size_t i = 0; i < vl; i++) {
			char c = v[i];

			if ((sc_startswith(source, "UUID=") ||
				    sc_startswith(source, "PARTUUID=")) &&
				c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			*o++ = c;
		}
		*o = '\0';
	} else
		strcpy(out, source);
	*ret = out;
	return 0;
}

static const char *doc_name(const struct sc_fstab *f)
{
	return f->path ? f->path : "fstab";
}

static bool is_device_source(const char *canon)
{
	size_t nl;

	return sc_startswith(canon, "/dev/") || tag_value(canon, &nl);
}

int sc_fstab_resolve_device(const char *source, char **ret_device, void *userdata)
{
	_cleanup_free_ char *dev = NULL;
	size_t nl;
	int r;

	*ret_device = NULL;
	if (tag_value(source, &nl)) {
		r = sc_probe_resolve_tag(source, &dev);
		if (r < 0 && r != -EINVAL)
			return r;
	} else if (sc_startswith(source, "/dev/")) {
		dev = strdup(source);
		if (!dev)
			return -ENOMEM;
	}
	if (!dev)
		return 0;
	/* /dev/disk/by-uuid/... and /dev/mapper/... are symlinks to the node itself. */
	*ret_device = realpath(dev, NULL);
	if (!*ret_device && errno == ENOMEM)
		return -ENOMEM;
	return 0;
}

void sc_fstab_set_resolver(struct sc_fstab *f,
	int (*resolve)(const char *source, char **ret_device, void *userdata), void *userdata)
{
	f->resolve = resolve;
	f->resolve_data = userdata;
}

struct query {
	char *canon;
	size_t len;
	char *device; /* resolved, when canon names a device */
	bool resolved;
};

static void query_done(struct query *q)
{
	free(q->canon);
	free(q->device);
}

static int query_init(struct query *q, const char *path)
{
	int r;

	memset(q, 0, sizeof(*q));
	r = sc_fstab_canonical(path, &q->canon);
	if (r >= 0)
		q->len = strlen(q->canon);
	return r;
}

/* A path field that is its own canonical form: no escape, no "//", no "/./", no trailing '/'. */
static bool is_canonical_path(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/' || memchr(s, '\\', n))
		return false;
	if (n == 1)
		return true;
	if (s[n - 1] == '/' || (s[n - 1] == '.' && s[n - 2] == '/'))
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '/' &&
			(s[i + 1] == '/' || (s[i + 1] == '.' && i + 2 < n && s[i + 2] == '/')))
			return false;
	return true;
}

/* Does a reading of a source field (unescaped) name what q names? */
static bool reading_matches(const struct sc_fstab *f, const char *src, struct query *q)
{
	_cleanup_free_ char *canon = NULL, *dev = NULL;

	if (sc_fstab_canonical(src, &canon) < 0)
		return false;
	if (strcmp(canon, q->canon) == 0)
		return true;
	if (!f->resolve || !is_device_source(canon) || !is_device_source(q->canon))
		return false;
	if (!q->resolved) {
		q->resolved = true;
		if (f->resolve(q->canon, &q->device, f->resolve_data) < 0)
			q->device = NULL;
	}
	if (!q->device || f->resolve(canon, &dev, f->resolve_data) < 0 || !dev)
		return false;
	return strcmp(dev, q->device) == 0;
}

enum reading {
	READ_NONE,
	READ_LIBMOUNT, /* libmount's reading of the source matches (any \ooo decoded) */
	READ_GLIBC, /* only glibc getmntent's does (\040 \011 \012 \134 and "\\" decoded) */
};

/*
 * Whether the line's source names q to any boot-time reader: swapon -a and systemd since v253
 * read fstab through libmount, systemd-fstab-generator up to v252 through getmntent, and the
 * two decode backslashes differently ("\\" is two backslashes to one, one to the other).
 * A line either reads as q is q's line: adding another would make a duplicate for that reader.
 */
static enum reading source_reading(
	const struct sc_fstab *f, const struct sc_line *l, struct query *q)
{
	_cleanup_free_ char *src = NULL, *glibc = NULL;
	const char *raw = l->text + l->field[0].off;
	size_t n = l->field[0].len;

	if (l->nwords == 0)
		return READ_NONE;
	/* Most sources are written canonically: compare without allocating. */
	if (is_canonical_path(raw, n)) {
		if (n == q->len && memcmp(raw, q->canon, n) == 0)
			return READ_LIBMOUNT;
		if (n < 5 || memcmp(raw, "/dev/", 5) != 0)
			return READ_NONE;
	}
	if (sc_line_field(l, 0, &src) < 0)
		return READ_NONE;
	if (reading_matches(f, src, q))
		return READ_LIBMOUNT;
	if (!memchr(raw, '\\', n) || sc_glibc_unmangle(raw, n, &glibc) < 0 ||
		strcmp(glibc, src) == 0)
		return READ_NONE;
	return reading_matches(f, glibc, q) ? READ_GLIBC : READ_NONE;
}

static bool source_matches(const struct sc_fstab *f, const struct sc_line *l, struct query *q)
{
	return source_reading(f, l, q) != READ_NONE;
}

/* Only entries libmount parses are matched (and edited). */
static bool line_matches(const struct sc_fstab *f, const struct sc_line *l, struct query *q)
{
	return l->kind == SC_LINE_ENTRY && l->swap && source_matches(f, l, q);
}

/*
 * A swap line for the source that libmount rejects: swapon -a skips it, but getmntent readers
 * (systemd-fstab-generator v252) take it, so adding a good line would make a duplicate for
 * them, and the first one wins. It is never edited either: the user has to decide.
 */
static int check_no_rejected(
	const struct sc_fstab *f, struct query *q, const char *path, struct sc_err *err)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct sc_line *l = &f->lines[i];

		if (l->kind != SC_LINE_BAD || !l->swap || !source_matches(f, l, q))
			continue;
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: line %zu: a swap entry for %s that libmount cannot parse (swapon -a "
			"skips it, systemd-fstab-generator v252 does not)",
			doc_name(f), i + 1, path);
		sc_err_hint(err, "fix or remove that line and run the command again");
		return -EINVAL;
	}
	return 0;
}

bool sc_fstab_line_matches(const struct sc_fstab *f, const struct sc_line *l, const char *canon,
	char **resolved_query, bool *query_resolved)
{
	struct query q = {.canon = (char *)canon,
		.len = strlen(canon),
		.device = *resolved_query,
		.resolved = *query_resolved};
	bool m = line_matches(f, l, &q);

	*resolved_query = q.device;
	*query_resolved = q.resolved;
	return m;
}

int sc_fstab_find_swap(const struct sc_fstab *f, const char *path, struct sc_fstab_entry *ret)
{
	struct query q;
	int r;

	r = query_init(&q, path);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n; i++) {
		const struct sc_line *l = &f->lines[i];
		enum reading how;
		char *glibc;

		if (l->kind != SC_LINE_ENTRY || !l->swap)
			continue;
		how = source_reading(f, l, &q);
		if (how == READ_NONE)
			continue;
		query_done(&q);
		if (!ret)
			return 1;
		r = sc_line_to_entry(l, i + 1, ret);
		if (r < 0 || how != READ_GLIBC)
			return r < 0 ? r : 1;
		/* The reading that names path, so that the caller's edits of it find this line. */
		glibc = strdup(ret->glibc_source);
		if (!glibc) {
			sc_fstab_entry_done(ret);
			return -ENOMEM;
		}
		free(ret->source);
		ret->source = glibc;
		return 1;
	}
	query_done(&q);
	return 0;
}

/* ---- recording what the edits promise (checked by commit.c) ---- */

static bool same_device(const struct sc_fstab *f, const char *a, const char *b)
{
	_cleanup_free_ char *da = NULL, *db = NULL;

	if (!f->resolve || !is_device_source(a) || !is_device_source(b))
		return false;
	if (f->resolve(a, &da, f->resolve_data) < 0 || !da)
		return false;
	if (f->resolve(b, &db, f->resolve_data) < 0 || !db)
		return false;
	return strcmp(da, db) == 0;
}

/* The last edit of a source wins: earlier promises about it (by any name) are dropped. */
static int add_intent(struct sc_fstab *f, enum sc_intent_op op, const char *canon)
{
	struct sc_intent *n;
	char *copy = strdup(canon);

	if (!copy)
		return -ENOMEM;
	for (size_t i = f->n_intents; i-- > 0;)
		if (strcmp(f->intents[i].source, canon) == 0 ||
			same_device(f, f->intents[i].source, canon)) {
			free(f->intents[i].source);
			memmove(&f->intents[i], &f->intents[i + 1],
				(f->n_intents - i - 1) * sizeof(*n));
			f->n_intents--;
		}
	n = realloc(f->intents, (f->n_intents + 1) * sizeof(*n));
	if (!n) {
		free(copy);
		return -ENOMEM;
	}
	f->intents = n;
	n[f->n_intents++] = (struct sc_intent){op, copy};
	return 0;
}

/* ---- the line store ---- */

static bool same_as_loaded(
	const struct sc_fstab *f, const struct sc_line *l, const char *text, size_t len)
{
	const struct sc_span *o;

	if (l->origin == SC_LINE_NEW)
		return false;
	o = &f->orig_lines[l->origin];
	return o->len == len && memcmp(f->orig + o->off, text, len) == 0;
}

/* Give line l the text (taking ownership). */
static void line_set_text(struct sc_fstab *f, struct sc_line *l, char *text, size_t len)
{
	free(l->own);
	l->nl_added = l->nl_removed = false;
	if (same_as_loaded(f, l, text, len)) {
		free(text);
		l->own = NULL;
		l->text = f->orig + f->orig_lines[l->origin].off;
		l->changed = false;
	} else {
		l->own = text;
		l->text = text;
		l->changed = true;
	}
	l->len = len;
	sc_line_classify(l);
}

static int reserve_lines(struct sc_fstab *f, size_t extra)
{
	struct sc_line *n;
	size_t cap;

	if (f->n + extra <= f->cap)
		return 0;
	cap = (f->n + extra) * 2;
	n = realloc(f->lines, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	f->lines = n;
	f->cap = cap;
	return 0;
}

static bool has_eol(const struct sc_line *l)
{
	return l->len > 0 && l->text[l->len - 1] == '\n';
}

/* Back to the loaded line. */
static void line_restore(struct sc_fstab *f, struct sc_line *l)
{
	free(l->own);
	l->own = NULL;
	l->text = f->orig + f->orig_lines[l->origin].off;
	l->len = f->orig_lines[l->origin].len;
	l->changed = l->nl_added = l->nl_removed = false;
	sc_line_classify(l);
}

/* Give the last line, which has none, an end of line: a line is about to follow it. */
static int line_eol_add(struct sc_fstab *f, struct sc_line *l)
{
	bool loaded = l->origin != SC_LINE_NEW && !l->changed;
	char *t;

	if (l->nl_removed) {
		line_restore(f, l);
		return 0;
	}
	t = malloc(l->len + 2);
	if (!t)
		return -ENOMEM;
	memcpy(t, l->text, l->len);
	t[l->len] = '\n';
	t[l->len + 1] = '\0';
	line_set_text(f, l, t, l->len + 1);
	l->nl_added = loaded && l->changed;
	return 0;
}

/*
 * Take the LF off the line that became last, when the line removed after it had none: a file
 * that did not end in a newline still does not (so that add then remove gives back the same
 * bytes, in one run or two). Only the LF: a CR before it stays, and reads as it did to either
 * reader. A blank line keeps its newline rather than vanish.
 */
static void line_eol_remove(struct sc_fstab *f, struct sc_line *l)
{
	if (l->nl_added) {
		line_restore(f, l);
		return;
	}
	if (!has_eol(l) || l->content_len == 0)
		return;
	l->len--;
	if (l->own)
		l->own[l->len] = '\0';
	else
		l->changed = l->nl_removed = true; /* the loaded bytes, short of their LF */
	sc_line_classify(l);
}

static void remove_line(struct sc_fstab *f, size_t i)
{
	bool last_without_eol = i == f->n - 1 && !has_eol(&f->lines[i]);

	free(f->lines[i].own);
	memmove(&f->lines[i], &f->lines[i + 1], (f->n - i - 1) * sizeof(f->lines[0]));
	f->n--;
	if (last_without_eol && f->n > 0)
		line_eol_remove(f, &f->lines[f->n - 1]);
}

/* ---- laying out a line like its neighbours ---- */

struct layout {
	unsigned n; /* fields described */
	const char *lead;
	size_t lead_len;
	const char *sep[SC_FSTAB_NFIELDS]; /* white space before field i (i >= 1) */
	size_t sep_len[SC_FSTAB_NFIELDS];
	unsigned col[SC_FSTAB_NFIELDS]; /* display column where field i starts */
	unsigned end[SC_FSTAB_NFIELDS]; /* ... and where it ends */
	bool tab[SC_FSTAB_NFIELDS]; /* the separator uses tabs */
	/* The file pads field i-1 with blanks to width[i] columns (its width plus padding). */
	bool aligned[SC_FSTAB_NFIELDS];
	unsigned width[SC_FSTAB_NFIELDS];
};

static void layout_of_line(const struct sc_line *l, struct layout *ret)
{
	unsigned n = SC_MIN(l->nwords, (unsigned)SC_FSTAB_NFIELDS);
	unsigned col;

	memset(ret, 0, sizeof(*ret));
	ret->n = n;
	ret->lead = l->text;
	ret->lead_len = l->field[0].off;
	col = sc_display_width(l->text, ret->lead_len, 0);
	for (unsigned i = 0; i < n; i++) {
		if (i > 0) {
			size_t s = l->field[i - 1].off + l->field[i - 1].len;

			ret->sep[i] = l->text + s;
			ret->sep_len[i] = l->field[i].off - s;
			ret->tab[i] = memchr(ret->sep[i], '\t', ret->sep_len[i]) != NULL;
			col = sc_display_width(ret->sep[i], ret->sep_len[i], col);
		}
		ret->col[i] = col;
		col = sc_display_width(l->text + l->field[i].off, l->field[i].len, col);
		ret->end[i] = col;
	}
}

static bool is_layout_line(const struct sc_line *l)
{
	return l->kind == SC_LINE_ENTRY && l->nwords >= SC_FSTAB_NFIELDS;
}

static void mark_from(const struct sc_line *l, struct layout *lo)
{
	struct layout other;

	layout_of_line(l, &other);
	for (unsigned c = 1; c < SC_MIN(lo->n, other.n); c++)
		if (!lo->aligned[c] && other.sep_len[c] > 1 && other.tab[c] == lo->tab[c]) {
			lo->aligned[c] = true;
			lo->width[c] = other.col[c] - other.col[c - 1];
		}
}

/*
 * Which fields the file pads, and to what width: the nearest entry line (from index center
 * outwards) that pads the field with the same kind of blank decides; a separator of one blank
 * says nothing (the field may just be long). Widths, not columns: installers write fstab
 * printf-style ("%-15s"), so after a field that overflowed (a 41-character UUID=) every later
 * column of that line is shifted while the widths still hold. Fields nobody pads get one blank.
 */
static void mark_aligned(const struct sc_fstab *f, size_t center, struct layout *lo)
{
	size_t seen = 0;

	for (size_t d = 0; d < 64 && seen < 8; d++) {
		if (center >= d && center - d < f->n && is_layout_line(&f->lines[center - d])) {
			mark_from(&f->lines[center - d], lo);
			seen++;
		}
		if (d > 0 && center + d < f->n && is_layout_line(&f->lines[center + d])) {
			mark_from(&f->lines[center + d], lo);
			seen++;
		}
	}
}

/* Layout for a line at index at (f->n for an append): the nearest full entry line's. */
static void layout_near(const struct sc_fstab *f, size_t at, struct layout *ret)
{
	size_t ref = SIZE_MAX;

	for (size_t d = 1; d <= f->n && ref == SIZE_MAX; d++) {
		if (at >= d && at - d < f->n && is_layout_line(&f->lines[at - d]))
			ref = at - d;
		else if (at + d < f->n && is_layout_line(&f->lines[at + d]))
			ref = at + d;
	}
	if (ref == SIZE_MAX) {
		memset(ret, 0, sizeof(*ret));
		return;
	}
	layout_of_line(&f->lines[ref], ret);
	mark_aligned(f, ref, ret);
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static unsigned add_gap(struct buf *b, unsigned col, unsigned target, bool tab)
{
	if (col >= target) {
		buf_add(b, tab ? "\t" : " ", 1);
		return tab ? (col / 8 + 1) * 8 : col + 1;
	}
	if (tab)
		while ((col / 8 + 1) * 8 <= target) {
			buf_add(b, "\t", 1);
			col = (col / 8 + 1) * 8;
		}
	while (col < target) {
		buf_add(b, " ", 1);
		col++;
	}
	return col;
}

/*
 * The line for fields[] in layout lo: a separator the layout line had is reused byte for byte
 * where the fields before it kept their width; aligned columns are padded to; otherwise one
 * blank of the kind the layout uses.
 */
static int build_line(
	const struct layout *lo, char *const fields[SC_FSTAB_NFIELDS], char **ret, size_t *ret_len)
{
	struct buf b = {0};
	unsigned col = 0, start = 0;
	bool tab = false;

	if (lo->n > 0) {
		buf_add(&b, lo->lead, lo->lead_len);
		col = sc_display_width(lo->lead, lo->lead_len, 0);
	}
	for (unsigned i = 0; i < SC_FSTAB_NFIELDS; i++) {
		if (i > 0 && i < lo->n) {
			tab = lo->tab[i];
			if (col == lo->end[i - 1]) {
				buf_add(&b, lo->sep[i], lo->sep_len[i]);
				col = lo->col[i];
			} else
				col = add_gap(
					&b, col, lo->aligned[i] ? start + lo->width[i] : 0, tab);
		} else if (i > 0)
			col = add_gap(&b, col, 0, tab);
		start = col;
		buf_adds(&b, fields[i]);
		col = sc_display_width(fields[i], strlen(fields[i]), col);
	}
	buf_add(&b, "\n", 1);
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	*ret_len = b.len;
	return 0;
}

/* ---- options ---- */

static bool opt_is(const char *tok, size_t n, const char *name)
{
	size_t nl = strlen(name);

	return n >= nl && !strncmp(tok, name, nl) && (n == nl || tok[nl] == '=');
}

static bool is_owned(const char *t, size_t n)
{
	return opt_is(t, n, "defaults") || opt_is(t, n, "pri") || opt_is(t, n, "discard") ||
		opt_is(t, n, SC_FSTAB_MARKER) || opt_is(t, n, "nofail") || n == 0;
}

static bool only_owned(const char *opts, size_t len)
{
	for (size_t i = 0; i <= len;) {
		const char *e = memchr(opts + i, ',', len - i);
		size_t n = e ? (size_t)(e - (opts + i)) : len - i;

		if (!is_owned(opts + i, n))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * swapctl owns defaults, pri=, discard[=], x-swapctl and nofail. On an existing line those are
 * replaced where they stand (duplicates dropped) and every other option is kept, in its place
 * (sw, noauto, x-systemd.*: the caller sees noauto in struct sc_fstab_entry). What is missing
 * is appended in the order pri, discard, marker, nofail.
 */
static int compose_options(
	const char *old, size_t old_len, const struct sc_swap_spec *spec, char **ret)
{
	bool pri = spec->priority < 0, disc = !spec->discard, mark = !spec->managed,
	     nofail = !spec->nofail, defaults = false, any = false;
	char pribuf[32], discbuf[32];
	struct buf b = {0};

	/* A line whose options are all swapctl's is written in swapctl's order. */
	if (old && only_owned(old, old_len))
		old = NULL;
	snprintf(pribuf, sizeof(pribuf), "pri=%d", spec->priority);
	snprintf(discbuf, sizeof(discbuf), "discard%s%s",
		spec->discard && *spec->discard ? "=" : "", spec->discard ? spec->discard : "");

#define EMIT(s)                                                                                    \
	do {                                                                                       \
		if (any)                                                                           \
			buf_add(&b, ",", 1);                                                       \
		buf_adds(&b, s);                                                                   \
		any = true;                                                                        \
	} while (0)

	for (size_t i = 0; old && i < old_len;) {
		const char *t = old + i;
		const char *e = memchr(t, ',', old_len - i);
		size_t n = e ? (size_t)(e - t) : old_len - i;
		_cleanup_free_ char *tok = strndup(t, n);

		i += n + 1;
		if (!tok)
			return -ENOMEM;
		if (n == 0)
			continue;
		if (opt_is(t, n, "defaults")) {
			if (!defaults)
				EMIT(tok);
			defaults = true;
		} else if (opt_is(t, n, "pri")) {
			if (!pri)
				EMIT(pribuf);
			pri = true;
		} else if (opt_is(t, n, "discard")) {
			if (!disc)
				EMIT(discbuf);
			disc = true;
		} else if (opt_is(t, n, SC_FSTAB_MARKER)) {
			if (!mark)
				EMIT(SC_FSTAB_MARKER);
			mark = true;
		} else if (opt_is(t, n, "nofail")) {
			if (!nofail)
				EMIT("nofail");
			nofail = true;
		} else
			EMIT(tok);
	}
	if (!any)
		EMIT("defaults");
	if (!pri)
		EMIT(pribuf);
	if (!disc)
		EMIT(discbuf);
	if (!mark)
		EMIT(SC_FSTAB_MARKER);
	if (!nofail)
		EMIT("nofail");
#undef EMIT
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	return 0;
}

/* ---- checking what is asked ---- */

static int check_spec(const struct sc_fstab *f, const struct sc_swap_spec *spec, char **ret_mangled,
	struct sc_err *err)
{
	size_t nl;
	int r;

	if (!spec->path || !*spec->path || (spec->path[0] != '/' && !tag_value(spec->path, &nl)))
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: not an absolute path or a UUID=/LABEL= tag",
			spec->path ? spec->path : "(null)");
	if (spec->priority < -1 || spec->priority > 32767)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL, "%s: priority %d outside -1..32767",
			spec->path, spec->priority);
	if (spec->discard && *spec->discard && strcmp(spec->discard, "once") != 0 &&
		strcmp(spec->discard, "pages") != 0)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: discard policy \"%s\" is none of discard, once, pages", spec->path,
			spec->discard);
	r = sc_mangle(spec->path, ret_mangled);
	if (r == -EINVAL) {
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: the path contains a control character that fstab readers would "
			"decode differently",
			spec->path);
		sc_err_hint(err, "choose a path without control characters");
		return r;
	}
	return r;
}

/* A line swapctl writes must read the same to libmount and getmntent (F-62). */
static int check_written(
	const struct sc_fstab *f, const struct sc_line *l, const char *path, struct sc_err *err)
{
	if (sc_line_read_len(l) > SC_FSTAB_LINE_MAX) {
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: the swap line would be %zu bytes, over the %d bytes of a line that "
			"glibc "
			"getmntent reads (systemd-fstab-generator would read it cut short), for %s",
			doc_name(f), sc_line_read_len(l), SC_FSTAB_LINE_MAX, path);
		sc_err_hint(err,
			"choose a shorter path (a blank, tab or backslash takes 4 bytes in fstab)");
		return -EINVAL;
	}
	if (l->kind != SC_LINE_ENTRY || l->nwords != SC_FSTAB_NFIELDS || l->crlf ||
		l->inline_comment || l->odd_escape || !l->swap)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: the fstab line for %s would not read the same to every fstab reader "
			"(its options hold a blank, '#' or an escape)",
			doc_name(f), path);
	return 0;
}

/* ---- the edits ---- */

static bool is_plain_number(const char *s, size_t n)
{
	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Field i reads the same to libmount and to getmntent (on failure: say no). */
static bool same_to_both(const struct sc_line *l, unsigned i)
{
	_cleanup_free_ char *plain = NULL, *glibc = NULL;
	const char *s = l->text + l->field[i].off;
	size_t n = l->field[i].len;

	if (!memchr(s, '\\', n))
		return true;
	if (sc_unmangle(s, n, &plain) < 0 || sc_glibc_unmangle(s, n, &glibc) < 0)
		return false;
	return strcmp(plain, glibc) == 0;
}

/*
 * The field text an existing line keeps: as written, unless the readers disagree on it (then
 * rewritten with the four escapes from libmount's reading, which is what swapon -a uses).
 */
static int keep_field(const struct sc_line *l, unsigned i, char **ret)
{
	_cleanup_free_ char *plain = NULL, *glibc = NULL;
	const char *s = l->text + l->field[i].off;
	size_t n = l->field[i].len;
	int r;

	r = sc_unmangle(s, n, &plain);
	if (r < 0)
		return r;
	r = sc_glibc_unmangle(s, n, &glibc);
	if (r < 0)
		return r;
	if (strcmp(plain, glibc) == 0) {
		*ret = strndup(s, n);
		return *ret ? 0 : -ENOMEM;
	}
	return sc_mangle(plain, ret);
}

/*
 * Rewrite line idx to describe spec. new_source: the source field to write (replace), or NULL
 * to keep the line's own. Returns 1 changed, 0 already so.
 */
static int rewrite_line(struct sc_fstab *f, size_t idx, const struct sc_swap_spec *spec,
	const char *new_source, struct sc_err *err)
{
	struct sc_line *l = &f->lines[idx];
	char *fields[SC_FSTAB_NFIELDS] = {0};
	struct layout lo;
	struct sc_line probe;
	char *text = NULL;
	size_t len;
	int r;

	r = compose_options(l->nwords >= 4 ? l->text + l->field[3].off : NULL,
		l->nwords >= 4 ? l->field[3].len : 0, spec, &fields[3]);
	if (r < 0)
		return r;

	/* Unchanged: the options already say this and both readers read the line alike. */
	if (!new_source && l->nwords >= SC_FSTAB_NFIELDS && !l->crlf && !l->odd_escape &&
		strlen(fields[3]) == l->field[3].len &&
		!memcmp(fields[3], l->text + l->field[3].off, l->field[3].len) &&
		is_plain_number(l->text + l->field[4].off, l->field[4].len) &&
		is_plain_number(l->text + l->field[5].off, l->field[5].len)) {
		free(fields[3]);
		return 0;
	}
	if (l->inline_comment) {
		free(fields[3]);
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: line %zu: the entry for %s has text after its fields (fstab has no "
			"inline comments; swapon ignores it)",
			doc_name(f), idx + 1, spec->path);
		sc_err_hint(err, "move the comment to a line of its own and run the command again");
		return -EINVAL;
	}

	if (new_source)
		fields[0] = strdup(new_source);
	else if (!same_to_both(l, 0))
		/* A source the readers take for different paths names spec's path from now on. */
		r = sc_mangle(spec->path, &fields[0]);
	else
		r = keep_field(l, 0, &fields[0]);
	if (r >= 0)
		r = keep_field(l, 1, &fields[1]);
	if (r >= 0)
		fields[2] = strdup("swap");
	/* freq and passno: kept when they are plain numbers both readers parse alike. */
	for (unsigned i = 4; r >= 0 && i < SC_FSTAB_NFIELDS; i++) {
		const char *s = l->text + l->field[i].off;
		size_t n = l->field[i].len;

		fields[i] = i < l->nwords && is_plain_number(s, n) ? strndup(s, n) : strdup("0");
	}
	for (unsigned i = 0; r >= 0 && i < SC_FSTAB_NFIELDS; i++)
		if (!fields[i])
			r = -ENOMEM;
	if (r < 0)
		goto out;

	/*
	 * The line's own layout: its separators where the fields before them kept their width,
	 * its own padded widths where they did not; the neighbours do not restyle a user's line.
	 */
	layout_of_line(l, &lo);
	for (unsigned i = 1; i < lo.n; i++) {
		lo.aligned[i] = lo.sep_len[i] > 1;
		lo.width[i] = lo.col[i] - lo.col[i - 1];
	}
	r = build_line(&lo, fields, &text, &len);
	if (r < 0)
		goto out;
	/* The last line of a file without a final newline stays without one. */
	if (idx == f->n - 1 && !has_eol(l))
		text[--len] = '\0';

	probe = (struct sc_line){.text = text, .len = len};
	sc_line_classify(&probe);
	r = check_written(f, &probe, spec->path, err);
	if (r < 0) {
		free(text);
		goto out;
	}
	if (len == l->len && !memcmp(text, l->text, len)) {
		free(text);
		r = 0;
		goto out;
	}
	line_set_text(f, l, text, len);
	r = 1;
out:
	for (unsigned i = 0; i < SC_FSTAB_NFIELDS; i++)
		free(fields[i]);
	return r;
}

static int append_line(struct sc_fstab *f, const struct sc_swap_spec *spec, const char *mangled,
	struct sc_err *err)
{
	char *fields[SC_FSTAB_NFIELDS] = {(char *)mangled, "none", "swap", NULL, "0", "0"};
	struct sc_line *l;
	struct layout lo;
	char *text;
	size_t len;
	int r;

	r = compose_options(NULL, 0, spec, &fields[3]);
	if (r < 0)
		return r;
	layout_near(f, f->n, &lo);
	r = build_line(&lo, fields, &text, &len);
	free(fields[3]);
	if (r < 0)
		return r;
	/* A file without a final newline keeps lacking one: the new last line has none. */
	if (f->n > 0 && !has_eol(&f->lines[f->n - 1]))
		text[--len] = '\0';
	r = reserve_lines(f, 1);
	if (r < 0) {
		free(text);
		return r;
	}
	l = &f->lines[f->n];
	*l = (struct sc_line){
		.text = text, .len = len, .own = text, .origin = SC_LINE_NEW, .changed = true};
	sc_line_classify(l);
	r = check_written(f, l, spec->path, err);
	if (r < 0) {
		free(text);
		return r;
	}

	/* The one change an append makes to an existing line: a missing final newline. */
	if (f->n > 0 && !has_eol(&f->lines[f->n - 1])) {
		r = line_eol_add(f, &f->lines[f->n - 1]);
		if (r < 0) {
			free(text);
			return r;
		}
	}
	f->n++;
	return 1;
}

/* Remove every matching line except keep (SIZE_MAX: none). Returns how many. */
static size_t remove_matching(struct sc_fstab *f, struct query *q, size_t keep)
{
	size_t removed = 0;

	for (size_t i = f->n; i-- > 0;)
		if (i != keep && line_matches(f, &f->lines[i], q)) {
			remove_line(f, i);
			removed++;
		}
	return removed;
}

static size_t first_match(const struct sc_fstab *f, struct query *q)
{
	for (size_t i = 0; i < f->n; i++)
		if (line_matches(f, &f->lines[i], q))
			return i;
	return SIZE_MAX;
}

int sc_fstab_set_swap(struct sc_fstab *f, const struct sc_swap_spec *spec, struct sc_err *err)
{
	_cleanup_free_ char *mangled = NULL;
	struct query q;
	size_t at;
	int r;

	r = check_spec(f, spec, &mangled, err);
	if (r < 0)
		return r;
	r = query_init(&q, spec->path);
	if (r < 0)
		return r;
	r = check_no_rejected(f, &q, spec->path, err);
	if (r < 0) {
		query_done(&q);
		return r;
	}
	at = first_match(f, &q);
	if (at == SIZE_MAX)
		r = append_line(f, spec, mangled, err);
	else {
		r = rewrite_line(f, at, spec, NULL, err);
		/* Duplicates: the first wins at boot (systemd) -- keep that one, now updated. */
		if (r >= 0 && remove_matching(f, &q, at) > 0)
			r = 1;
	}
	if (r >= 0) {
		int k = add_intent(f, SC_INTENT_SET, q.canon);
		if (k < 0)
			r = k;
	}
	query_done(&q);
	return r;
}

int sc_fstab_replace_swap(struct sc_fstab *f, const char *old_path, const struct sc_swap_spec *spec,
	struct sc_err *err)
{
	_cleanup_free_ char *mangled = NULL;
	struct query qo, qn;
	size_t at;
	int r;

	r = check_spec(f, spec, &mangled, err);
	if (r < 0)
		return r;
	r = query_init(&qo, old_path);
	if (r < 0)
		return r;
	r = query_init(&qn, spec->path);
	if (r < 0) {
		query_done(&qo);
		return r;
	}
	at = first_match(f, &qo);
	if (at == SIZE_MAX) {
		r = 0;
		goto out;
	}
	r = check_no_rejected(f, &qn, spec->path, err);
	if (r < 0)
		goto out;
	if (strcmp(qo.canon, qn.canon) == 0)
		r = rewrite_line(f, at, spec, NULL, err);
	else
		r = rewrite_line(f, at, spec, mangled, err);
	if (r < 0)
		goto out;
	/* The line at `at` now names the new path: drop other lines for either path. */
	for (size_t i = f->n; i-- > 0;)
		if (i != at &&
			(line_matches(f, &f->lines[i], &qo) ||
				line_matches(f, &f->lines[i], &qn))) {
			remove_line(f, i);
			if (i < at)
				at--;
			r = 1;
		}
	if (strcmp(qo.canon, qn.canon) != 0 && add_intent(f, SC_INTENT_REMOVE, qo.canon) < 0)
		r = -ENOMEM;
	if (r >= 0 && add_intent(f, SC_INTENT_SET, qn.canon) < 0)
		r = -ENOMEM;
out:
	query_done(&qo);
	query_done(&qn);
	return r;
}

int sc_fstab_remove_swap(struct sc_fstab *f, const char *path)
{
	struct query q;
	size_t n;
	int r;

	r = query_init(&q, path);
	if (r < 0)
		return r;
	n = remove_matching(f, &q, SIZE_MAX);
	r = add_intent(f, SC_INTENT_REMOVE, q.canon);
	query_done(&q);
	if (r < 0)
		return r;
	return n > 0;
}
