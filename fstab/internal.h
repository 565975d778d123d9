/*
 * Private to fstab/: the line model that model.c builds, edit.c changes, diff.c and commit.c
 * read. Nothing outside fstab/ includes this header.
 *
 * Dependencies point one way, each file using only those before it: source.c (canonical
 * sources, device resolution), model.c (the line model), match.c (which lines name a source),
 * compose.c (the text of new lines), edit.c (the edits), then diff.c, dup.c and commit.c.
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

/* The document's name in messages: its path, or "fstab" for parsed text. */
static inline const char *sc_fstab_doc_name(const struct sc_fstab *f)
{
	return f->path ? f->path : "fstab";
}

/* source.c: canonical sources and their devices (uses nothing else in fstab/). */
/* The value after a tag name ("UUID=", "LABEL=", ...) with the name's length, or NULL. */
const char *sc_fstab_tag_value(const char *s, size_t *ret_name_len);
/* The canonical source names a device: a tag or a /dev path. */
bool sc_fstab_is_device_source(const char *canon);

/* match.c: which lines name a source (uses source.c and model.c). */
/* What a lookup or an edit looks for: a canonical source and, resolved once, its device. */
struct sc_query {
	char *canon;
	size_t len;
	char *device; /* resolved, when canon names a device */
	bool resolved;
};
int sc_query_init(struct sc_query *q, const char *path);
void sc_query_done(struct sc_query *q);
/* A swap entry libmount parses whose source names q to some boot-time reader. */
bool sc_query_line_matches(const struct sc_fstab *f, const struct sc_line *l, struct sc_query *q);
/* -EINVAL (err filled) when a swap line for q is one libmount rejects: the user must decide. */
int sc_query_check_no_rejected(
	const struct sc_fstab *f, struct sc_query *q, const char *path, struct sc_err *err);
/* sc_query_line_matches for a caller that keeps the resolution cache itself (commit.c). */
bool sc_fstab_line_matches(const struct sc_fstab *f, const struct sc_line *l, const char *canon,
	char **resolved_query, bool *query_resolved);

/* compose.c: the text of a line swapctl writes (uses model.c). */
/* How an existing line lays out its fields, for a new line to copy. */
struct sc_layout {
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
void sc_layout_of_line(const struct sc_line *l, struct sc_layout *ret);
/* Layout for a line at index at (f->n for an append): the nearest full entry line's. */
void sc_layout_near(const struct sc_fstab *f, size_t at, struct sc_layout *ret);
/* The line for fields[] in layout lo (no end of line). */
int sc_compose_line(const struct sc_layout *lo, char *const fields[SC_FSTAB_NFIELDS], char **ret,
	size_t *ret_len);
/* The options field: old's options with swapctl's own (from spec) replaced or appended. */
int sc_compose_options(
	const char *old, size_t old_len, const struct sc_swap_spec *spec, char **ret);
