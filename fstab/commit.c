/*
 * Validation, then the atomic write. See fstab.h.
 *
 * Before anything is written, the rendered text is read back three ways and compared with
 * what the edits promised:
 *  1. by this module's parser: the same lines, byte for byte and kind for kind;
 *  2. against the loaded document: every line that was not edited is byte-identical and in
 *     its place, every edited, added or removed line is a swap entry of a source the edits
 *     named, and each source set has exactly one entry, each removed none;
 *  3. by libmount (what swapon -a, mount -a and findmnt read) and, for the lines swapctl
 *     wrote, glibc getmntent(3) (what systemd-fstab-generator v252 reads): libmount must see
 *     the same entries with the same fields, reject exactly the lines this module calls
 *     unparsable, and getmntent must read swapctl's lines as libmount does.
 * Lines that libmount already rejected before the edit are kept as they are and do not block
 * it; a rejection of a line swapctl wrote does: every reader must read
 * it as swapctl meant it.
 *
 * libmount's own writer (mnt_table_replace_file) is not used: it drops what it cannot parse,
 * normalises alignment, forces mode 0644, replaces a symlink with a file and does not fsync
 * (docs/kernel-notes.md: fstab). The write goes through lib/atomic.c instead.
 */
#include <errno.h>
#include <libmount.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"
#include "util.h"

static const char *doc_name(const struct sc_fstab *f, const char *path)
{
	return path ? path : f->path ? f->path : "fstab";
}

static int internal_error(struct sc_err *err, const char *name, size_t line, const char *what)
{
	int r = sc_err_set(err, SC_EXIT_FAILURE, EPROTO, "%s: line %zu: %s; refusing to write",
		name, line, what);

	sc_err_hint(err, "the file was not changed; please report this with a copy of the file");
	return r;
}

/* Per-intent resolution cache for matching (see match.c). */
struct intent_q {
	char *device;
	bool resolved;
};

static void intent_qs_free(struct intent_q *q, size_t n)
{
	for (size_t i = 0; q && i < n; i++)
		free(q[i].device);
	free(q);
}

/* Does line l name a source some intent (of op, or any op when op < 0) names? */
static bool matches_intent(
	const struct sc_fstab *f, struct intent_q *q, const struct sc_line *l, int op)
{
	for (size_t i = 0; i < f->n_intents; i++) {
		if (op >= 0 && (int)f->intents[i].op != op)
			continue;
		if (sc_fstab_line_matches(f, l, f->intents[i].source, &q[i].device, &q[i].resolved))
			return true;
	}
	return false;
}

/* last: the document's last line, which ends without LF when the file did. */
static bool is_clean_written(const struct sc_line *l, bool last)
{
	return l->kind == SC_LINE_ENTRY && l->nwords == SC_FSTAB_NFIELDS && l->swap && !l->crlf &&
		!l->inline_comment && !l->odd_escape && sc_line_read_len(l) <= SC_FSTAB_LINE_MAX &&
		l->len > 0 && (l->text[l->len - 1] == '\n' || last);
}

static int check_own_parse(
	const struct sc_fstab *f, const char *name, const struct sc_fstab *g, struct sc_err *err)
{
	if (g->n != f->n)
		return internal_error(err, name, SC_MIN(g->n, f->n) + 1,
			"the new text reads back as a different number of lines");
	for (size_t i = 0; i < f->n; i++)
		if (g->lines[i].len != f->lines[i].len ||
			memcmp(g->lines[i].text, f->lines[i].text, f->lines[i].len) != 0 ||
			g->lines[i].kind != f->lines[i].kind)
			return internal_error(
				err, name, i + 1, "the new text reads back differently");
	return 0;
}

static int check_changes(
	const struct sc_fstab *f, const char *name, struct intent_q *q, struct sc_err *err)
{
	_cleanup_free_ bool *kept = calloc(f->n_orig ? f->n_orig : 1, sizeof(bool));
	size_t prev = SC_LINE_NEW;

	if (!kept)
		return -ENOMEM;
	for (size_t j = 0; j < f->n; j++) {
		const struct sc_line *l = &f->lines[j];
		const struct sc_span *o;
		struct sc_line old;

		if (l->origin == SC_LINE_NEW) {
			if (!is_clean_written(l, j == f->n - 1) ||
				!matches_intent(f, q, l, SC_INTENT_SET))
				return internal_error(err, name, j + 1,
					"an added line is not the swap entry that was asked for");
			continue;
		}
		if (l->origin >= f->n_orig || (prev != SC_LINE_NEW && l->origin <= prev))
			return internal_error(err, name, j + 1, "lines moved");
		prev = l->origin;
		kept[l->origin] = true;
		o = &f->orig_lines[l->origin];
		if (!l->changed) {
			if (l->len != o->len || memcmp(l->text, f->orig + o->off, o->len) != 0)
				return internal_error(
					err, name, j + 1, "an untouched line changed");
			continue;
		}
		if (l->nl_added) {
			if (l->origin != f->n_orig - 1 || l->len != o->len + 1 ||
				memcmp(l->text, f->orig + o->off, o->len) != 0 ||
				l->text[o->len] != '\n')
				return internal_error(err, name, j + 1,
					"the last line changed beyond its missing newline");
			continue;
		}
		if (l->nl_removed) {
			/* The line before a removed last line without LF gives up its own. */
			if (j != f->n - 1 || l->len == 0 || l->len + 1 != o->len ||
				memcmp(l->text, f->orig + o->off, l->len) != 0 ||
				f->orig[o->off + l->len] != '\n')
				return internal_error(err, name, j + 1,
					"the last line changed beyond its final newline");
			continue;
		}
		old = (struct sc_line){
			.text = f->orig + o->off, .len = o->len, .origin = l->origin};
		sc_line_classify(&old);
		if (!matches_intent(f, q, &old, -1) || !is_clean_written(l, j == f->n - 1) ||
			!matches_intent(f, q, l, SC_INTENT_SET))
			return internal_error(err, name, j + 1,
				"a changed line is not the swap entry that was asked for");
	}
	for (size_t i = 0; i < f->n_orig; i++) {
		struct sc_line old;

		if (kept[i])
			continue;
		old = (struct sc_line){.text = f->orig + f->orig_lines[i].off,
			.len = f->orig_lines[i].len,
			.origin = i};
		sc_line_classify(&old);
		if (!matches_intent(f, q, &old, -1))
			return internal_error(err, name, i + 1,
				"a removed line is not a swap entry that was asked for");
	}
	return 0;
}

/* The promises: one entry per source set, none per source removed. */
static int check_intents(
	const struct sc_fstab *f, const char *name, const struct sc_fstab *g, struct sc_err *err)
{
	for (size_t k = 0; k < f->n_intents; k++) {
		const struct sc_intent *in = &f->intents[k];
		_cleanup_free_ char *dev = NULL;
		bool resolved = false;
		size_t count = 0, last = 0;

		for (size_t i = 0; i < g->n; i++)
			if (sc_fstab_line_matches(g, &g->lines[i], in->source, &dev, &resolved)) {
				count++;
				last = i;
			}
		if (in->op == SC_INTENT_SET && count != 1)
			return internal_error(err, name, count ? last + 1 : g->n,
				count ? "a swap entry would be duplicated"
				      : "a swap entry is missing");
		if (in->op == SC_INTENT_REMOVE && count != 0)
			return internal_error(err, name, last + 1, "a removed swap entry remains");
	}
	return 0;
}

struct errlines {
	size_t *v;
	size_t n, cap;
	bool oom;
};

static int on_parse_error(struct libmnt_table *tb, const char *filename, int line)
{
	struct errlines *e = mnt_table_get_userdata(tb);

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		size_t *v = realloc(e->v, cap * sizeof(*v));

		if (!v) {
			e->oom = true;
			return -ENOMEM;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (size_t)line;
	return 1; /* recoverable: go on with the next line */
}

static bool streq_or_empty(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int field_eq(const struct sc_line *l, unsigned i, const char *value, bool *ret)
{
	_cleanup_free_ char *mine = NULL;
	int r = sc_line_field(l, i, &mine);

	if (r < 0)
		return r;
	*ret = streq_or_empty(mine, value);
	return 0;
}

/* glibc getmntent(3) on one line swapctl wrote must give what libmount gave. */
static int check_getmntent(const struct sc_line *l, struct libmnt_fs *fs, bool *ret)
{
	char buf[SC_FSTAB_LINE_MAX + 1];
	struct mntent m, *e;
	FILE *fp;

	*ret = false;
	fp = fmemopen((void *)l->text, l->len, "r");
	if (!fp)
		return -errno;
	e = getmntent_r(fp, &m, buf, sizeof(buf));
	if (e)
		*ret = streq_or_empty(e->mnt_fsname, mnt_fs_get_source(fs)) &&
			streq_or_empty(e->mnt_dir, mnt_fs_get_target(fs)) &&
			streq_or_empty(e->mnt_type, mnt_fs_get_fstype(fs)) &&
			streq_or_empty(e->mnt_opts, mnt_fs_get_options(fs)) &&
			e->mnt_freq == mnt_fs_get_freq(fs) &&
			e->mnt_passno == mnt_fs_get_passno(fs);
	fclose(fp);
	return 0;
}

/*
 * libmount guesses a stream's format from its first entry line ("%u %u" reads as mountinfo,
 * "Filename\t" as /proc/swaps) where swapon and findmnt force fstab format; a first line
 * that can only be fstab pins the guess, and is skipped below.
 */
static const char pin_line[] = "swapctl-pin none none defaults 0 0\n";

/*
 * The lines libmount is asked about: every line swapctl wrote, and every line any reader
 * could take for a swap entry (its third field says "swap", or holds an escape that might
 * decode to it). The others are byte for byte what was loaded and cannot be a swap entry to
 * anybody, so how libmount reads them changes neither what swapctl matched nor what boots;
 * leaving them out keeps an edit of a 10,000-line fstab within its 20 ms (libmount splits
 * every options string through its option maps, about 2 us a line here). The tests run the
 * check over every line (all), which is how the model's field splitting, that this choice
 * rests on, is held to libmount's.
 */
static bool ask_libmount(const struct sc_line *mine, const struct sc_line *l, bool all)
{
	return all || mine->origin == SC_LINE_NEW || mine->changed || l->swap || l->backslash;
}

static int check_libmount(const struct sc_fstab *f, const char *name, const struct sc_fstab *g,
	bool all, struct sc_err *err)
{
	size_t plen = sizeof(pin_line) - 1, next_err = 0, len = plen, n = 0, i = 0;
	_cleanup_free_ size_t *map = NULL;
	_cleanup_free_ char *buf = NULL;
	struct libmnt_table *tb = NULL;
	struct libmnt_iter *it = NULL;
	struct errlines errs = {0};
	struct libmnt_fs *fs;
	bool first = true;
	FILE *fp = NULL;
	int r;

	map = calloc(g->n ? g->n : 1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (size_t k = 0; k < g->n; k++)
		if (ask_libmount(&f->lines[k], &g->lines[k], all)) {
			map[n++] = k;
			len += g->lines[k].len;
		}
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, pin_line, plen);
	len = plen;
	for (size_t m = 0; m < n; m++) {
		memcpy(buf + len, g->lines[map[m]].text, g->lines[map[m]].len);
		len += g->lines[map[m]].len;
	}

	fp = fmemopen(buf, len, "r");
	tb = mnt_new_table();
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (!fp || !tb || !it) {
		r = -ENOMEM;
		goto out;
	}
	mnt_table_set_userdata(tb, &errs);
	mnt_table_set_parser_errcb(tb, on_parse_error);
	r = mnt_table_parse_stream(tb, fp, name);
	if (errs.oom) {
		r = -ENOMEM;
		goto out;
	}
	if (r < 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: libmount cannot parse the new text: %s", name, strerror(-r));
		goto out;
	}

	/* Rejections: exactly the lines this module calls unparsable (stream line m + 2). */
	for (size_t m = 0; m < n; m++) {
		bool rejected = next_err < errs.n && errs.v[next_err] == m + 2;
		size_t k = map[m];

		if (rejected)
			next_err++;
		if (rejected != (g->lines[k].kind == SC_LINE_BAD)) {
			/* A line swapctl wrote that libmount rejects is the case that matters. */
			r = internal_error(err, name, k + 1,
				rejected
					? "libmount rejects this line (parse error)"
					: "libmount reads this line as an entry, swapctl does not");
			goto out;
		}
	}
	if (next_err != errs.n) {
		r = internal_error(err, name, g->n, "libmount reports a parse error past the end");
		goto out;
	}

	/* Entries: the same ones, with the same fields, in order. */
	while (mnt_table_next_fs(tb, it, &fs) == 0) {
		const struct sc_line *l, *mine;
		bool ok = true, same;
		size_t k;

		if (first) {
			first = false;
			continue;
		}
		while (i < n && g->lines[map[i]].kind != SC_LINE_ENTRY)
			i++;
		if (i == n) {
			r = internal_error(
				err, name, g->n, "libmount reads an entry swapctl does not");
			goto out;
		}
		k = map[i];
		l = &g->lines[k];
		mine = &f->lines[k];
		for (unsigned c = 0; ok && c < 4; c++) {
			const char *v = c == 0 ? mnt_fs_get_source(fs)
				: c == 1       ? mnt_fs_get_target(fs)
				: c == 2       ? mnt_fs_get_fstype(fs)
					       : mnt_fs_get_options(fs);
			r = field_eq(l, c, v, &same);
			if (r < 0)
				goto out;
			ok = same;
		}
		if (!ok) {
			r = internal_error(
				err, name, k + 1, "libmount reads this line's fields differently");
			goto out;
		}
		if (mine->origin == SC_LINE_NEW ||
			(mine->changed && !mine->nl_added && !mine->nl_removed)) {
			r = check_getmntent(l, fs, &same);
			if (r < 0)
				goto out;
			if (!same) {
				r = internal_error(err, name, k + 1,
					"glibc getmntent and libmount read this line differently");
				goto out;
			}
		}
		i++;
	}
	while (i < n && g->lines[map[i]].kind != SC_LINE_ENTRY)
		i++;
	if (i != n) {
		r = internal_error(err, name, map[i] + 1, "libmount does not read this entry");
		goto out;
	}
	r = 0;
out:
	if (fp)
		fclose(fp);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	free(errs.v);
	return r;
}

/*
 * Validate the rendered text, taking it over. ret_parsed: its validated parse (owning the
 * text), for the caller to write and adopt; NULL: dropped.
 */
static int validate_text(const struct sc_fstab *f, const char *name, char *text, size_t len,
	bool all, struct sc_fstab *ret_parsed, struct sc_err *err)
{
	struct sc_fstab g = {0};
	struct intent_q *q;
	int r;

	q = calloc(f->n_intents ? f->n_intents : 1, sizeof(*q));
	if (!q) {
		free(text);
		return -ENOMEM;
	}
	g.resolve = f->resolve;
	g.resolve_data = f->resolve_data;
	r = sc_fstab_build(&g, text, len, true, f, err);
	if (r >= 0)
		r = check_own_parse(f, name, &g, err);
	if (r >= 0)
		r = check_changes(f, name, q, err);
	if (r >= 0)
		r = check_intents(f, name, &g, err);
	if (r >= 0)
		r = check_libmount(f, name, &g, all, err);
	intent_qs_free(q, f->n_intents);
	if (r >= 0 && ret_parsed)
		*ret_parsed = g;
	else
		sc_fstab_clear(&g);
	return r;
}

static int validate(const struct sc_fstab *f, bool all, struct sc_err *err)
{
	char *text;
	size_t len;
	int r;

	r = sc_fstab_render_buf(f, &text, &len);
	if (r < 0)
		return r;
	return validate_text(f, doc_name(f, NULL), text, len, all, NULL, err);
}

int sc_fstab_validate(const struct sc_fstab *f, struct sc_err *err)
{
	return validate(f, false, err);
}

int sc_fstab_validate_all(const struct sc_fstab *f, struct sc_err *err)
{
	return validate(f, true, err);
}

/* After a successful write the document describes the new file: a later commit starts here. */
static int rebase(
	struct sc_fstab *f, const char *path, struct sc_fstab *g, const struct sc_file_id *written)
{
	char *p = NULL;

	if (!f->path) {
		p = strdup(path);
		if (!p) {
			sc_fstab_clear(g);
			return -ENOMEM;
		}
		f->path = p;
	}
	sc_fstab_clear(f);
	f->orig = g->orig;
	f->orig_len = g->orig_len;
	f->orig_lines = g->orig_lines;
	f->n_orig = g->n_orig;
	f->lines = g->lines;
	f->n = g->n;
	f->cap = g->cap;
	f->is_new = false;
	f->id = *written;
	f->has_id = true;
	return 0;
}

int sc_fstab_commit(const struct sc_ctx *c, struct sc_fstab *f, struct sc_err *err)
{
	const char *path = f->path ? f->path : c->fstab;
	struct sc_file_id now, written = {0};
	struct sc_atomic_opts opts = {
		.mode = 0644, /* fstab(5)'s usual mode, for a file that does not exist yet */
		.expect = f->has_id ? &f->id : NULL,
		.backup_suffix = SC_FSTAB_BACKUP_SUFFIX,
		.ret_id = &written,
	};
	struct sc_fstab g = {0};
	char *text;
	size_t len;
	int r;

	if (!sc_fstab_modified(f))
		return 0;
	r = sc_fstab_render_buf(f, &text, &len);
	if (r < 0)
		return r;
	r = validate_text(f, path, text, len, false, &g, err);
	if (r < 0)
		return r;
	if (c->dry_run) {
		sc_fstab_clear(&g);
		return 0;
	}

	r = sc_atomic_replace(c, path, g.orig, len, &opts);
	if (r >= 0) {
		r = rebase(f, path, &g, &written);
		return r < 0 ? r : 0;
	}
	if (r != -ESTALE && sc_file_identity(c, path, NULL, 0, &now) == 0 && now.exists &&
		now.hash == sc_hash(g.orig, len) && (size_t)now.size == len) {
		/* Only a failed fsync of the directory comes after the rename. */
		sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: written, but syncing its directory failed: %s", path, strerror(-r));
		sc_err_hint(err,
			"the new version is in place but may not survive a crash; "
			"run sync and check the disk");
		(void)rebase(f, path, &g, &written);
		return r;
	}
	sc_fstab_clear(&g);
	if (r == -ESTALE) {
		sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
			"%s: changed by another program since it was read; run the command again",
			path);
		return r;
	}
	sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write the new version: %s", path,
		strerror(-r));
	sc_err_hint(err, "the file was not changed%s",
		r == -ENOSPC || r == -EDQUOT
			? "; free space on its filesystem and run the command again"
			: "");
	return r;
}
