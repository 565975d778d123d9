/*
 * Composing the lines swapctl writes: the fields (escaped by edit.c with the four escapes
 * every reader agrees on, lib/util.h sc_mangle) laid out like the nearest entry line (its
 * separators reused, its aligned columns padded to), and an options field that keeps every
 * option that is not swapctl's in its place. Uses model.c; edit.c uses it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"

void sc_layout_of_line(const struct sc_line *l, struct sc_layout *ret)
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

static void mark_from(const struct sc_line *l, struct sc_layout *lo)
{
	struct sc_layout other;

	sc_layout_of_line(l, &other);
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
static void mark_aligned(const struct sc_fstab *f, size_t center, struct sc_layout *lo)
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
void sc_layout_near(const struct sc_fstab *f, size_t at, struct sc_layout *ret)
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
	sc_layout_of_line(&f->lines[ref], ret);
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
int sc_compose_line(const struct sc_layout *lo, char *const fields[SC_FSTAB_NFIELDS], char **ret,
	size_t *ret_len)
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
int sc_compose_options(const char *old, size_t old_len, const struct sc_swap_spec *spec, char **ret)
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
