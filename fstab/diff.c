/*
 * What an edit changed, for --dry-run: a unified diff for people, typed actions for --json.
 *
 * No line-matching algorithm is needed: every line knows the loaded line it came from, so
 * the edit script (keep, delete, add) is exact and computed in one pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"

#define CONTEXT 3

enum op_kind {
	OP_KEEP,
	OP_DEL,
	OP_ADD,
};

struct op {
	enum op_kind kind;
	const char *text;
	size_t len;
	size_t old_pos, new_pos; /* old and new lines before this one */
};

struct script {
	struct op *ops;
	size_t n, cap;
	size_t old_pos, new_pos;
};

static int push(struct script *s, enum op_kind kind, const char *text, size_t len)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct op *n = realloc(s->ops, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->ops = n;
		s->cap = cap;
	}
	s->ops[s->n++] = (struct op){kind, text, len, s->old_pos, s->new_pos};
	s->old_pos += kind != OP_ADD;
	s->new_pos += kind != OP_DEL;
	return 0;
}

static int edit_script(const struct sc_fstab *f, struct script *s)
{
	size_t i = 0;
	int r = 0;

	memset(s, 0, sizeof(*s));
	for (size_t j = 0; j < f->n && r >= 0; j++) {
		const struct sc_line *l = &f->lines[j];

		if (l->origin == SC_LINE_NEW) {
			r = push(s, OP_ADD, l->text, l->len);
			continue;
		}
		for (; i < l->origin && r >= 0; i++)
			r = push(s, OP_DEL, f->orig + f->orig_lines[i].off, f->orig_lines[i].len);
		if (r >= 0 && l->changed)
			r = push(s, OP_DEL, f->orig + f->orig_lines[i].off, f->orig_lines[i].len);
		if (r >= 0)
			r = push(s, l->changed ? OP_ADD : OP_KEEP, l->text, l->len);
		i++;
	}
	for (; i < f->n_orig && r >= 0; i++)
		r = push(s, OP_DEL, f->orig + f->orig_lines[i].off, f->orig_lines[i].len);
	if (r < 0)
		free(s->ops);
	return r;
}

static void print_line(FILE *out, char prefix, const struct op *o)
{
	fputc(prefix, out);
	fwrite(o->text, 1, o->len, out);
	if (o->len == 0 || o->text[o->len - 1] != '\n')
		fputs("\n\\ No newline at end of file\n", out);
}

static void print_range(FILE *out, char sign, size_t start, size_t count)
{
	/* GNU diff: an empty range names the line before it; a count of 1 is left out. */
	if (count == 1)
		fprintf(out, "%c%zu", sign, start + 1);
	else
		fprintf(out, "%c%zu,%zu", sign, count ? start + 1 : start, count);
}

static void print_hunk(FILE *out, const struct script *s, size_t from, size_t to)
{
	size_t old_n = 0, new_n = 0;

	for (size_t k = from; k < to; k++) {
		old_n += s->ops[k].kind != OP_ADD;
		new_n += s->ops[k].kind != OP_DEL;
	}
	fputs("@@ ", out);
	print_range(out, '-', s->ops[from].old_pos, old_n);
	fputc(' ', out);
	print_range(out, '+', s->ops[from].new_pos, new_n);
	fputs(" @@\n", out);
	/* Within a run of changes, all deletions come before all additions (as diff -u). */
	for (size_t k = from; k < to;) {
		size_t e = k;

		if (s->ops[k].kind == OP_KEEP) {
			print_line(out, ' ', &s->ops[k]);
			k++;
			continue;
		}
		while (e < to && s->ops[e].kind != OP_KEEP)
			e++;
		for (size_t m = k; m < e; m++)
			if (s->ops[m].kind == OP_DEL)
				print_line(out, '-', &s->ops[m]);
		for (size_t m = k; m < e; m++)
			if (s->ops[m].kind == OP_ADD)
				print_line(out, '+', &s->ops[m]);
		k = e;
	}
}

int sc_fstab_diff(const struct sc_fstab *f, const char *label, char **ret)
{
	struct script s;
	bool header = false;
	char *buf = NULL;
	size_t size = 0;
	FILE *out;
	int r;

	if (!label)
		label = f->path ? f->path : "fstab";
	while (*label == '/')
		label++;
	r = edit_script(f, &s);
	if (r < 0)
		return r;
	out = open_memstream(&buf, &size);
	if (!out) {
		free(s.ops);
		return -ENOMEM;
	}
	for (size_t k = 0; k < s.n;) {
		size_t start, end, last;

		while (k < s.n && s.ops[k].kind == OP_KEEP)
			k++;
		if (k == s.n)
			break;
		if (!header)
			fprintf(out, "--- a/%s\n+++ b/%s\n", label, label);
		header = true;
		start = k > CONTEXT ? k - CONTEXT : 0;
		last = k;
		/* Extend over changes whose contexts touch or overlap. */
		for (size_t m = k; m < s.n; m++) {
			if (s.ops[m].kind == OP_KEEP)
				continue;
			if (m - last > 2 * CONTEXT)
				break;
			last = m;
		}
		end = SC_MIN(last + 1 + CONTEXT, s.n);
		print_hunk(out, &s, start, end);
		k = last + 1;
	}
	free(s.ops);
	if (fclose(out) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
