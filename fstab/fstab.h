/*
 * fstab/: a byte-preserving, atomic editor for /etc/fstab.
 *
 * Model. A document is the file's lines, each kept with its raw bytes (including its line
 * ending: LF, CRLF or none for a last line without a newline). Every line is classified:
 * comment, blank, entry (parsed into fields), or unparsable (kept verbatim, never rewritten).
 * Rendering an unedited document reproduces the input byte for byte.
 *
 * Edits. Swap entries are matched by canonical source: the first field unescaped (\ooo), and
 * for paths compared after collapsing "//" and "/./" -- never by text prefix. Adding an entry
 * that exists updates that line in place; duplicates are never created. Lines swapctl writes
 * use only the four escapes every reader agrees on (\040 \011 \012 \134), all six fields, LF,
 * no inline comment, and follow the column widths of the neighbouring entry lines. Removing an
 * entry removes only that line, never the comment lines around it.
 *
 * Commit. sc_fstab_commit() re-parses the rendered text (own parser and libmount), checks that
 * only the intended lines changed, then replaces the file through lib/atomic (identity
 * re-check against the version that was loaded, backup "<fstab>.swapctl~", fsync). The caller
 * holds the swapctl lock (lib/lock.h).
 *
 * Ownership: sc_fstab_load/parse return a document the caller frees with sc_fstab_free.
 * Entry arrays from sc_fstab_list_swap are owned by the caller (sc_fstab_entries_free).
 * Errors: -errno; parse and validation problems fill struct sc_err (line number in the text).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "error.h"

/* The option that marks an entry as managed by swapctl. */
#define SC_FSTAB_MARKER	       "x-swapctl"
#define SC_FSTAB_BACKUP_SUFFIX ".swapctl~"

struct sc_fstab;

struct sc_fstab_entry {
	size_t line; /* 1-based line number in the document */
	char *source; /* field 1, unescaped ("UUID=..." kept as written) */
	char *target; /* field 2, unescaped */
	char *fstype; /* field 3 */
	char *options; /* field 4 as written */
	bool is_swap; /* fstype "swap" */
	bool managed; /* options carry SC_FSTAB_MARKER */
	bool has_priority;
	int priority; /* pri=N (when has_priority) */
	char *discard; /* NULL: none; "": plain "discard"; "once" / "pages" */
	bool noauto;
	bool nofail;
	/* Readers disagree on this line (libmount vs glibc getmntent, KERNEL-FACTS §1.9): */
	bool crlf; /* line ends in CR LF */
	bool inline_comment; /* text after the sixth field */
	bool short_fields; /* fewer than six fields */
	bool odd_escape; /* a \ooo escape other than \040 \011 \012 \134 */
};

/* Load path; a missing file is an empty document (is_new), not an error. */
int sc_fstab_load(const char *path, struct sc_fstab **ret, struct sc_err *err);
int sc_fstab_parse(const char *text, size_t len, struct sc_fstab **ret, struct sc_err *err);
void sc_fstab_free(struct sc_fstab *f);

int sc_fstab_render(const struct sc_fstab *f, char **ret, size_t *ret_len);
/* True when the document differs from what was loaded. */
bool sc_fstab_modified(const struct sc_fstab *f);

/* All swap entries (fstype "swap"), in file order. */
int sc_fstab_list_swap(const struct sc_fstab *f, struct sc_fstab_entry **ret, size_t *ret_n);
void sc_fstab_entries_free(struct sc_fstab_entry *e, size_t n);
/* The swap entry whose canonical source is path: 1 found (copied to ret), 0 none. */
int sc_fstab_find_swap(const struct sc_fstab *f, const char *path, struct sc_fstab_entry *ret);
void sc_fstab_entry_done(struct sc_fstab_entry *e);

/* What a swap line should say. */
struct sc_swap_spec {
	const char *path; /* as the booted system sees it (no --root prefix) */
	int priority; /* -1: no pri= option */
	const char *discard; /* NULL: none; "": discard; "once"; "pages" */
	bool managed; /* add SC_FSTAB_MARKER */
	bool nofail;
};

/*
 * Add the entry, or update the existing one for spec->path in place.
 * Returns 1 when the document changed, 0 when the line already said exactly this.
 * -EINVAL (with err) for a path that needs an escape other than the four.
 */
int sc_fstab_set_swap(struct sc_fstab *f, const struct sc_swap_spec *spec, struct sc_err *err);
/* Rewrite the line of old_path to describe spec (rotation): 1 changed, 0 no such entry. */
int sc_fstab_replace_swap(struct sc_fstab *f, const char *old_path, const struct sc_swap_spec *spec,
	struct sc_err *err);
/* Remove the swap entry for path: 1 removed, 0 none. */
int sc_fstab_remove_swap(struct sc_fstab *f, const char *path);

/* Unified diff ("--- a/fstab" / "+++ b/fstab") of loaded vs current; "" when unmodified. */
int sc_fstab_diff(const struct sc_fstab *f, const char *label, char **ret);

/*
 * Validate and atomically write the document to the path it was loaded from (or to path when
 * non-NULL). Returns 0 (also when unmodified: nothing is written), -ESTALE when another editor
 * changed the file since it was loaded, other -errno on failure (err says what).
 */
int sc_fstab_commit(const struct sc_ctx *c, struct sc_fstab *f, struct sc_err *err);
