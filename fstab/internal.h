/*
 * Private to fstab/: the line model that model.c builds, edit.c changes, diff.c and commit.c
 * read. Nothing outside fstab/ includes this header.
 *
 * A line's text is its raw bytes including its end of line ("\n", "\r\n", or nothing for a
 * last line without a newline). Loaded lines point into the document's copy of the file
 * (orig); lines an edit wrote own their text. Every line remembers which loaded line it came
 * from (origin), which is what makes the diff exact and lets commit.c prove that nothing but
 * the intended lines changed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atomic.h"
#include "fstab.h"

enum sc_line_kind {
	SC_LINE_BLANK, /* nothing but blanks */
	SC_LINE_COMMENT, /* '#' after optional blanks */
	SC_LINE_ENTRY, /* what libmount parses: >= 3 fields, numeric freq/passno when present */
	SC_LINE_BAD, /* what libmount rejects ("parse error at line N -- ignored") */
};

#define SC_FSTAB_NFIELDS 6
#define SC_LINE_NEW	 UINT32_MAX

/* Offsets within a line, or within the loaded text (at most 64 MiB, see sc_fstab_load). */
struct sc_span {
	uint32_t off, len;
};

/* Kept small: a 10,000-line fstab has two of these arrays alive during a commit. */
struct sc_line {
	const char *text;
	char *own; /* text, when an edit wrote it */
	uint32_t len;
	uint32_t content_len; /* bytes before the end of line (a CR of CR LF excluded) */
	uint32_t origin; /* index of the loaded line, or SC_LINE_NEW */
	uint8_t kind; /* enum sc_line_kind */
	uint8_t nwords; /* blank-separated words, counted up to SC_FSTAB_NFIELDS + 1 */
	bool changed; /* text differs from the loaded line at origin */
	bool nl_added; /* the change is only a "\n" added to the old last line */
	bool nl_removed; /* the change is only the "\n" taken off the new last line */
	bool crlf;
	bool inline_comment;
	bool short_fields;
	bool odd_escape;
	bool swap; /* third word is "swap" (entries and rejected lines alike) */
	bool backslash; /* the line holds a backslash (an escape, maybe) */
	struct sc_span field[SC_FSTAB_NFIELDS];
};

enum sc_intent_op {
	SC_INTENT_SET,
	SC_INTENT_REMOVE,
};

/* What the edits of this session promised; commit.c checks the result against it. */
struct sc_intent {
	enum sc_intent_op op;
	char *source; /* canonical */
};

struct sc_fstab {
	char *path; /* NULL for a document from sc_fstab_parse() */
	bool is_new;
	bool has_id;
	struct sc_file_id id;

	char *orig; /* the loaded text (NUL-terminated copy) */
	size_t orig_len;
	struct sc_span *orig_lines;
	size_t n_orig;

	struct sc_line *lines;
	size_t n, cap;

	int (*resolve)(const char *source, char **ret_device, void *userdata);
	void *resolve_data;

	struct sc_intent *intents;
	size_t n_intents;
};

/* model.c */
void sc_line_classify(struct sc_line *l);
int sc_line_field(const struct sc_line *l, unsigned i, char **ret); /* unescaped (libmount) */
/* The bytes getmntent reads of the line: all but its LF (a CR of CR LF included). */
size_t sc_line_read_len(const struct sc_line *l);
int sc_line_to_entry(const struct sc_line *l, size_t lineno, struct sc_fstab_entry *ret);
/*
 * Split and classify text; own: take the (NUL-terminated) buffer, else copy it. like: a
 * document whose line i, when byte-identical, lends its classification (NULL: classify all).
 */
int sc_fstab_build(struct sc_fstab *f, char *text, size_t len, bool own,
	const struct sc_fstab *like, struct sc_err *err);
void sc_fstab_clear(struct sc_fstab *f);
int sc_fstab_render_buf(const struct sc_fstab *f, char **ret, size_t *ret_len);
int sc_glibc_unmangle(const char *s, size_t len, char **ret);
unsigned sc_display_width(const char *s, size_t len, unsigned col);

/* commit.c: sc_fstab_validate with libmount reading every line, not only swap candidates. */
int sc_fstab_validate_all(const struct sc_fstab *f, struct sc_err *err);

/* edit.c */
bool sc_fstab_line_matches(const struct sc_fstab *f, const struct sc_line *l, const char *canon,
	char **resolved_query, bool *query_resolved);
