/*
 * Finding, adding, updating and removing swap entries. See fstab.h.
 *
 * Every edit records what it promised (commit.c checks the result against it), changes the
 * line store in place, and leaves every byte of an updated line's unchanged fields, including
 * the separators between them, as it was. Uses match.c to find the lines, compose.c for their
 * text and model.c to classify them.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"
#include "util.h"

/* ---- recording what the edits promise (checked by commit.c) ---- */

static bool same_device(const struct sc_fstab *f, const char *a, const char *b)
{
	_cleanup_free_ char *da = NULL, *db = NULL;

	if (!f->resolve || !sc_fstab_is_device_source(a) || !sc_fstab_is_device_source(b))
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

/* ---- checking what is asked ---- */

static int check_spec(const struct sc_fstab *f, const struct sc_swap_spec *spec, char **ret_mangled,
	struct sc_err *err)
{
	size_t nl;
	int r;

	if (!spec->path || !*spec->path ||
		(spec->path[0] != '/' && !sc_fstab_tag_value(spec->path, &nl)))
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

/*
 * A line swapctl writes must read the same to libmount and getmntent: swapon -a reads fstab
 * through libmount, systemd-fstab-generator up to v252 through getmntent.
 */
static int check_written(
	const struct sc_fstab *f, const struct sc_line *l, const char *path, struct sc_err *err)
{
	if (sc_line_read_len(l) > SC_FSTAB_LINE_MAX) {
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: the swap line would be %zu bytes, over the %d bytes of a line that "
			"glibc "
			"getmntent reads (systemd-fstab-generator would read it cut short), for %s",
			sc_fstab_doc_name(f), sc_line_read_len(l), SC_FSTAB_LINE_MAX, path);
		sc_err_hint(err,
			"choose a shorter path (a blank, tab or backslash takes 4 bytes in fstab)");
		return -EINVAL;
	}
	if (l->kind != SC_LINE_ENTRY || l->nwords != SC_FSTAB_NFIELDS || l->crlf ||
		l->inline_comment || l->odd_escape || !l->swap)
		return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: the fstab line for %s would not read the same to every fstab reader "
			"(its options hold a blank, '#' or an escape)",
			sc_fstab_doc_name(f), path);
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
	struct sc_layout lo;
	struct sc_line probe;
	char *text = NULL;
	size_t len;
	int r;

	r = sc_compose_options(l->nwords >= 4 ? l->text + l->field[3].off : NULL,
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
			sc_fstab_doc_name(f), idx + 1, spec->path);
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
	sc_layout_of_line(l, &lo);
	for (unsigned i = 1; i < lo.n; i++) {
		lo.aligned[i] = lo.sep_len[i] > 1;
		lo.width[i] = lo.col[i] - lo.col[i - 1];
	}
	r = sc_compose_line(&lo, fields, &text, &len);
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
	struct sc_layout lo;
	char *text;
	size_t len;
	int r;

	r = sc_compose_options(NULL, 0, spec, &fields[3]);
	if (r < 0)
		return r;
	sc_layout_near(f, f->n, &lo);
	r = sc_compose_line(&lo, fields, &text, &len);
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
static size_t remove_matching(struct sc_fstab *f, struct sc_query *q, size_t keep)
{
	size_t removed = 0;

	for (size_t i = f->n; i-- > 0;)
		if (i != keep && sc_query_line_matches(f, &f->lines[i], q)) {
			remove_line(f, i);
			removed++;
		}
	return removed;
}

static size_t first_match(const struct sc_fstab *f, struct sc_query *q)
{
	for (size_t i = 0; i < f->n; i++)
		if (sc_query_line_matches(f, &f->lines[i], q))
			return i;
	return SIZE_MAX;
}

int sc_fstab_set_swap(struct sc_fstab *f, const struct sc_swap_spec *spec, struct sc_err *err)
{
	_cleanup_free_ char *mangled = NULL;
	struct sc_query q;
	size_t at;
	int r;

	r = check_spec(f, spec, &mangled, err);
	if (r < 0)
		return r;
	r = sc_query_init(&q, spec->path);
	if (r < 0)
		return r;
	r = sc_query_check_no_rejected(f, &q, spec->path, err);
	if (r < 0) {
		sc_query_done(&q);
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
	sc_query_done(&q);
	return r;
}

int sc_fstab_replace_swap(struct sc_fstab *f, const char *old_path, const struct sc_swap_spec *spec,
	struct sc_err *err)
{
	_cleanup_free_ char *mangled = NULL;
	struct sc_query qo, qn;
	size_t at;
	int r;

	r = check_spec(f, spec, &mangled, err);
	if (r < 0)
		return r;
	r = sc_query_init(&qo, old_path);
	if (r < 0)
		return r;
	r = sc_query_init(&qn, spec->path);
	if (r < 0) {
		sc_query_done(&qo);
		return r;
	}
	at = first_match(f, &qo);
	if (at == SIZE_MAX) {
		r = 0;
		goto out;
	}
	r = sc_query_check_no_rejected(f, &qn, spec->path, err);
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
			(sc_query_line_matches(f, &f->lines[i], &qo) ||
				sc_query_line_matches(f, &f->lines[i], &qn))) {
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
	sc_query_done(&qo);
	sc_query_done(&qn);
	return r;
}

int sc_fstab_remove_swap(struct sc_fstab *f, const char *path)
{
	struct sc_query q;
	size_t n;
	int r;

	r = sc_query_init(&q, path);
	if (r < 0)
		return r;
	n = remove_matching(f, &q, SIZE_MAX);
	r = add_intent(f, SC_INTENT_REMOVE, q.canon);
	sc_query_done(&q);
	if (r < 0)
		return r;
	return n > 0;
}
