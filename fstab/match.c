/*
 * Matching lines to a source: by canonical source, never by text (a regex or prefix match is
 * how other tools removed /var/swapdata along with /var/swap), as every boot-time reader reads
 * the line (libmount and glibc getmntent decode backslashes differently), and by device when
 * both name one. Uses source.c and model.c; edit.c and commit.c use it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"

void sc_query_done(struct sc_query *q)
{
	free(q->canon);
	free(q->device);
}

int sc_query_init(struct sc_query *q, const char *path)
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
static bool reading_matches(const struct sc_fstab *f, const char *src, struct sc_query *q)
{
	_cleanup_free_ char *canon = NULL, *dev = NULL;

	if (sc_fstab_canonical(src, &canon) < 0)
		return false;
	if (strcmp(canon, q->canon) == 0)
		return true;
	if (!f->resolve || !sc_fstab_is_device_source(canon) ||
		!sc_fstab_is_device_source(q->canon))
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
	const struct sc_fstab *f, const struct sc_line *l, struct sc_query *q)
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

static bool source_matches(const struct sc_fstab *f, const struct sc_line *l, struct sc_query *q)
{
	return source_reading(f, l, q) != READ_NONE;
}

/* Only entries libmount parses are matched (and edited). */
bool sc_query_line_matches(const struct sc_fstab *f, const struct sc_line *l, struct sc_query *q)
{
	return l->kind == SC_LINE_ENTRY && l->swap && source_matches(f, l, q);
}

/*
 * A swap line for the source that libmount rejects: swapon -a skips it, but getmntent readers
 * (systemd-fstab-generator v252) take it, so adding a good line would make a duplicate for
 * them, and the first one wins. It is never edited either: the user has to decide.
 */
int sc_query_check_no_rejected(
	const struct sc_fstab *f, struct sc_query *q, const char *path, struct sc_err *err)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct sc_line *l = &f->lines[i];

		if (l->kind != SC_LINE_BAD || !l->swap || !source_matches(f, l, q))
			continue;
		sc_err_set(err, SC_EXIT_USAGE, EINVAL,
			"%s: line %zu: a swap entry for %s that libmount cannot parse (swapon -a "
			"skips it, systemd-fstab-generator v252 does not)",
			sc_fstab_doc_name(f), i + 1, path);
		sc_err_hint(err, "fix or remove that line and run the command again");
		return -EINVAL;
	}
	return 0;
}

bool sc_fstab_line_matches(const struct sc_fstab *f, const struct sc_line *l, const char *canon,
	char **resolved_query, bool *query_resolved)
{
	struct sc_query q = {.canon = (char *)canon,
		.len = strlen(canon),
		.device = *resolved_query,
		.resolved = *query_resolved};
	bool m = sc_query_line_matches(f, l, &q);

	*resolved_query = q.device;
	*query_resolved = q.resolved;
	return m;
}

int sc_fstab_find_swap(const struct sc_fstab *f, const char *path, struct sc_fstab_entry *ret)
{
	struct sc_query q;
	int r;

	r = sc_query_init(&q, path);
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
		sc_query_done(&q);
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
	sc_query_done(&q);
	return 0;
}
