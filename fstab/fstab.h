/*
 * fstab/: a byte-preserving, atomic editor for /etc/fstab.
 *
 * Model. A document is the file's lines, each kept with its raw bytes (including its line
 * ending: LF, CRLF or none for a last line without a newline). Every line is classified:
 * comment, blank, entry (parsed into fields), or unparsable (kept verbatim, never rewritten).
 * Classification follows libmount's reader exactly (an entry has at least source, target and
 * type; freq and passno, when present, are numbers). Rendering an unedited document
 * reproduces the input byte for byte. A file containing a NUL byte is refused (-EINVAL,
 * SC_EXIT_USAGE); a missing file is an empty document.
 *
 * Edits. Swap entries are matched by canonical source: the first field unescaped as any
 * boot-time reader does (libmount decodes every \ooo; glibc getmntent only \040 \011 \012
 * \134 and reads "\\" as one backslash: a line either reader takes for the path is its line),
 * paths compared after collapsing "//", "/./" and a trailing "/", UUID=/LABEL=/
 * PARTUUID=/PARTLABEL= tags as written (quotes stripped, UUIDs caselessly); when both sides
 * name a device (a tag or a /dev path) they also match when they resolve to the same device
 * node (libblkid through lib/probe.h; see sc_fstab_set_resolver). Never by text prefix:
 * /var/swap does not match /var/swapdata. Only entries libmount parses are matched; lines it
 * rejects are listed (unparsable) but never edited, and set refuses (-EINVAL, SC_EXIT_USAGE,
 * naming the line) when one of them names the same source: getmntent readers would take it
 * as a duplicate of the line swapctl would add.
 *  - set: adds "PATH none swap defaults[,pri=N][,discard[=once|pages]][,x-swapctl][,nofail]
 *    0 0" at the end of the file (giving the old last line its missing newline first: the
 *    only change an append makes to an existing line; the new line then goes without one, as
 *    the file did), or updates the first existing entry in place (an entry whose source the
 *    readers take for different paths gets the path asked for as its source). An update
 *    replaces only the options swapctl owns (defaults, pri=, discard[=...], x-swapctl,
 *    nofail) where they stand and keeps every other option (sw, noauto, x-systemd.*) in its
 *    place; the source, target and separators stay as written, and freq and passno when
 *    they are plain numbers. Further entries for the same source are removed
 *    (systemd lets the first one win, silently). An entry that already says this is left
 *    alone (returns 0), even with trailing blanks or text after its sixth field; an entry
 *    that must change but carries such text is refused (-EINVAL, SC_EXIT_USAGE, naming the
 *    line) rather than losing it.
 *  - remove: removes every entry for the source, never the comment lines around it. When the
 *    removed line was the last and had no newline, the new last line gives up its LF: add
 *    then remove gives back the bytes, in one session or two.
 *  - replace: rewrites the entry of one source to describe another, in its place (rotation).
 * Lines swapctl writes use only the four escapes every reader agrees on (\040 \011 \012
 * \134), all six fields, LF (none for the last line of a file that had none), no inline
 * comment, at most SC_FSTAB_LINE_MAX bytes before the LF (what getmntent reads whole); a path
 * needing anything else is refused (-EINVAL, SC_EXIT_USAGE). They follow the
 * layout of the nearest entry line: its leading blanks, its kind of separator (spaces or
 * tabs), and its column positions where the file pads to them; single blanks otherwise.
 *
 * Commit. sc_fstab_commit() re-parses the rendered text (own parser, libmount, and glibc
 * getmntent for the lines swapctl wrote), checks that only the intended lines changed, then
 * replaces the file through lib/atomic (identity re-check against the version that was
 * loaded, backup "<fstab>.swapctl~", temp file with the original's mode and owner, fsync of
 * file and directory, a symlinked fstab keeps its link and gets its target replaced). Lines
 * libmount already rejected before the edit are kept as they are and do not block it; a
 * line swapctl wrote that any reader would read differently does (nothing is written). Under
 * c->dry_run it validates and writes nothing. The caller holds the swapctl lock
 * (lib/lock.h) from load to commit, and runs `systemctl daemon-reload` afterwards when
 * systemd is PID 1 (otherwise its stale .swap units can reactivate the old file).
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

/*
 * The longest line glibc getmntent(3) reads whole, in bytes before its LF (a CR counts): it
 * reads lines with fgets() into a 4096-byte buffer and drops the rest of a longer one.
 */
#define SC_FSTAB_LINE_MAX 4095

/* The option that marks an entry as managed by swapctl. */
#define SC_FSTAB_MARKER	       "x-swapctl"
#define SC_FSTAB_BACKUP_SUFFIX ".swapctl~"

struct sc_fstab;

struct sc_fstab_entry {
	size_t line; /* 1-based line number in the document */
	char *source; /* field 1, unescaped as libmount does ("UUID=..." kept as written) */
	/* field 1 as glibc getmntent unescapes it, when that reads another path; else NULL */
	char *glibc_source;
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
	/* Readers disagree on this line (libmount vs glibc getmntent): */
	bool crlf; /* line ends in CR LF */
	bool inline_comment; /* text after the sixth field */
	bool short_fields; /* fewer than six fields */
	bool odd_escape; /* a \ooo escape other than \040 \011 \012 \134, or "\\" */
	bool too_long; /* over SC_FSTAB_LINE_MAX bytes before its LF: getmntent cuts it short */
	size_t read_len; /* the line's bytes before its LF (a CR included) */
	/* libmount rejects the line (swapon -a skips it; getmntent may still read a swap entry) */
	bool unparsable;
};

/*
 * Load path, a file of c's configured tree (inside the root, see sc_ctx_open()); a missing
 * file is an empty document (is_new), not an error. Under an offline root device sources
 * are not resolved (they name the devices of the machine the image boots on).
 */
int sc_fstab_load(
	const struct sc_ctx *c, const char *path, struct sc_fstab **ret, struct sc_err *err);
int sc_fstab_parse(const char *text, size_t len, struct sc_fstab **ret, struct sc_err *err);
void sc_fstab_free(struct sc_fstab *f);

int sc_fstab_render(const struct sc_fstab *f, char **ret, size_t *ret_len);
/* True when the document differs from what was loaded. */
bool sc_fstab_modified(const struct sc_fstab *f);

/*
 * A new document over the text f was loaded from (f's own edits are not carried over), with
 * its path, identity and resolver: planning stages edits on it and leaves f untouched.
 */
int sc_fstab_dup_loaded(const struct sc_fstab *f, struct sc_fstab **ret, struct sc_err *err);

/* The path the document was loaded from (NULL after sc_fstab_parse until committed). */
const char *sc_fstab_path(const struct sc_fstab *f);
/* The file did not exist when loaded. */
bool sc_fstab_is_new(const struct sc_fstab *f);

/*
 * All swap entries (fstype "swap"), in file order, including lines libmount rejects but whose
 * third field says swap (flagged unparsable) so that doctor can report them.
 */
int sc_fstab_list_swap(const struct sc_fstab *f, struct sc_fstab_entry **ret, size_t *ret_n);
void sc_fstab_entries_free(struct sc_fstab_entry *e, size_t n);
/*
 * The first swap entry whose source, as libmount or as glibc getmntent reads it, is path in
 * canonical form: 1 found (copied to ret, which may be NULL; its source is the reading that
 * matched), 0 none.
 */
int sc_fstab_find_swap(const struct sc_fstab *f, const char *path, struct sc_fstab_entry *ret);
void sc_fstab_entry_done(struct sc_fstab_entry *e);

/* The form sources are compared in (see Edits above); malloc'd. */
int sc_fstab_canonical(const char *source, char **ret);
/*
 * How device sources are resolved for matching: resolve(canonical source) sets *ret_device to
 * a canonical device path (malloc'd) or NULL when unknown. The default,
 * sc_fstab_resolve_device, asks libblkid for tags and follows symlinks of /dev paths; NULL
 * turns device resolution off (sources then match only as written).
 */
void sc_fstab_set_resolver(struct sc_fstab *f,
	int (*resolve)(const char *source, char **ret_device, void *userdata), void *userdata);
int sc_fstab_resolve_device(const char *source, char **ret_device, void *userdata);

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
/*
 * Rewrite the line of old_path to describe spec (rotation), in its place: 1 changed; 0 when
 * there is no entry for old_path (or it already says exactly this, when the paths are one).
 */
int sc_fstab_replace_swap(struct sc_fstab *f, const char *old_path, const struct sc_swap_spec *spec,
	struct sc_err *err);
/* Remove every swap entry for path: 1 removed, 0 none. */
int sc_fstab_remove_swap(struct sc_fstab *f, const char *path);

/*
 * Unified diff ("--- a/LABEL" / "+++ b/LABEL", 3 lines of context) of loaded vs current; ""
 * when unmodified. label NULL: the document's path. Leading '/' of the label are dropped.
 */
int sc_fstab_diff(const struct sc_fstab *f, const char *label, char **ret);
/* The checks of sc_fstab_commit, without writing (for --dry-run). 0 or -errno with err. */
int sc_fstab_validate(const struct sc_fstab *f, struct sc_err *err);

/*
 * Validate and atomically write the document to the path it was loaded from (c->fstab for a
 * document from sc_fstab_parse, which has no identity to re-check). Returns 0 (also when
 * unmodified: nothing is written), -ESTALE when another editor changed the file since it was
 * loaded ("run the command again"), other -errno on failure (err says what; the file is
 * unchanged except when only the final directory fsync failed, which err says). After a
 * successful commit the document describes the new file and can be edited and committed again;
 * so it does after a failed directory fsync, which is how a caller tells "in place but maybe
 * not durable" (sc_fstab_modified() false) from "not written" (still true).
 */
int sc_fstab_commit(const struct sc_ctx *c, struct sc_fstab *f, struct sc_err *err);
