/*
 * Make-before-break replacement of swap areas: rotate, resize and priority
 * (swapctl(8), make-before-break). Planning and crash recovery are pure code here; the command
 * (swapctl/cmd-rotate.c, cmd-priority.c) gathers the state, runs the gate (gate.h) and applies
 * the plan through swapfile.h, fstab/ and the system layer.
 *
 * Naming. The kernel refuses to rename or unlink an active swapfile (EPERM),
 * so a replacement gets a new name in the same directory, by generation: the base of a name is
 * the name without a trailing ".<N>" (N decimal, no leading zero, at most 9 digits), and the
 * replacement is "<base>.<N+1>" with N the highest generation of that base present in the
 * directory or active (the base itself is generation 0):
 *	/swap/swapfile -> /swap/swapfile.1 -> /swap/swapfile.2 -> ...
 *
 * Sequence for one swapfile, each step safe to crash after; each step but the journal is an action of the plan:
 *	journal        the rotation is recorded (old, new, size, priority, options) atomically
 *	create         the replacement (swapfile.h), same directory, same size unless resized
 *	swapon         with the old area's explicit priority and discard policy, verified in
 *	               /proc/swaps: from here on the total active swap is old + new
 *	fstab-replace  the old entry rewritten to name the replacement, in one atomic commit
 *	swapoff        the old area, after the gate with the replacement active (its free space
 *	               is room for the pages cgroup reclaim pushes out)
 *	unlink         the old file, then the directory is fsynced; the journal is removed
 * fstab is rewritten as soon as the replacement is active and before the old area is retired,
 * so it always names an existing file with a valid header; a refused or failed swapoff leaves
 * the old area active but no longer persisted, which the next run finishes. An old area that
 * is not active gets an inactive replacement (create, fstab-replace, unlink); one without an
 * fstab entry gets none.
 *
 * The journal ("<fstab>.swapctl-rotation" next to the fstab it belongs to, like the fstab
 * backup; "key=value" lines, paths escaped as in fstab; mode 0600, written atomically) exists
 * only while a rotation is in progress, and is what makes recovery certain: a file that merely looks like a replacement is never
 * removed on a guess. sc_rotate_recover() turns the journal and what is observed into the
 * remaining actions:
 *	replacement absent                         -> nothing to undo (journal dropped)
 *	replacement present, not active, fstab old -> roll back: unlink it
 *	replacement active, fstab still old        -> resume at fstab-replace
 *	fstab names the replacement                -> resume at swapoff (if the old area is
 *	                                              active), unlink (if its file exists)
 *	neither or both in fstab (edited by hand)  -> refuse, the journal is kept
 * Non-persistent rotations (no fstab entry) resume from what is active instead.
 *
 * Priority. The kernel cannot change a priority in place: priority FILE|DEVICE N is gate,
 * swapoff, swapon with N (same discard policy), fstab update (sc_priority_plan); or, for a
 * swapfile (priority --rotate), a rotation whose replacement gets N.
 *
 * Ownership: plans are freed with sc_rotate_plan_free(); journals with
 * sc_rotate_journal_done(). Errors: -errno; refusals and bad input fill err.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "error.h"
#include "plan.h"
#include "swapfile.h"

/* Highest generation number: 9 digits keep "<base>.<N>" parsing free of overflow. */
#define SC_ROTATE_MAX_GENERATION 999999999u
#define SC_ROTATE_JOURNAL_SUFFIX ".swapctl-rotation"

enum sc_rotate_kind {
	SC_ROTATE_ROTATE,
	SC_ROTATE_RESIZE,
	SC_ROTATE_PRIORITY,
};

/* The base and generation of a file name ("swapfile.3" -> "swapfile", 3). */
int sc_rotate_split_name(const char *name, char **ret_base, unsigned *ret_generation);
/*
 * The replacement's full path for old_path, given the names present in its directory and the
 * paths of the active areas (both may include unrelated names). -ERANGE when the generations
 * are exhausted.
 */
int sc_rotate_next_path(const char *old_path, const char *const *dir_names, size_t n_names,
	const char *const *active_paths, size_t n_active, char **ret);

/* One swapfile to rotate, resize or re-prioritise, as the command observed it. */
struct sc_rotate_target {
	const char *path; /* full path (under the root) */
	bool named; /* on the command line (else: every managed swapfile) */
	/* fstab */
	bool in_fstab;
	bool managed; /* the entry carries x-swapctl */
	bool has_priority;
	int fstab_priority;
	const char *discard; /* as struct sc_fstab_entry: NULL, "", "once", "pages" */
	bool nofail;
	/* kernel */
	bool active;
	bool deleted; /* /proc/swaps marks it "(deleted)" */
	int active_priority;
	uint64_t active_used;
	/* disk */
	bool exists;
	bool regular;
	uint64_t file_size;
	uint64_t fs_free; /* bytes the filesystem can still give to root */
	uint64_t reserve; /* free space that must remain (swapfile.h) */
	const char *label; /* the old header's label, or NULL */
	const char *new_path; /* from sc_rotate_next_path() */
	/* the running kernel's resume target, not configured by swapctl hibernate */
	bool resume_target;
};

struct sc_rotate_request {
	enum sc_rotate_kind kind;
	uint64_t size; /* 0: keep each file's size (rotate); resize: the new size */
	int priority; /* -1: keep each file's (sc_rotate_priority_of); else the new one */
	bool force; /* --force: the resume-target refusal is skipped (the gate is the caller's) */
	bool offline; /* --root: nothing is enabled or disabled */
	const char *fstab; /* the fstab file (action targets) */
};

/* What one rotation does; the plan's actions first..first+n-1 belong to it. */
struct sc_rotation {
	char *old_path;
	char *new_path;
	uint64_t size;
	int priority; /* explicit (>= 0) */
	enum sc_discard discard;
	char *label;
	bool enable; /* the old area is active: enable the replacement */
	bool persist; /* the old area has an fstab entry: rewrite it */
	bool managed;
	bool nofail;
	uint64_t old_used;
	bool recovery; /* the rest of an interrupted rotation (from the journal) */
	bool rollback; /* recovery that undoes it instead */
	size_t first, n;
};

struct sc_rotate_plan {
	struct sc_plan plan;
	struct sc_rotation *units;
	size_t n_units;
};

void sc_rotate_plan_free(struct sc_rotate_plan *p);

/*
 * The explicit priority a replacement gets: the fstab entry's pri=, else the active area's
 * priority when it is explicit (>= 0), else SC_SWAPFILE_PRIORITY (add's default). Auto priorities are
 * never carried over: the kernel renumbers them when a swapoff starts
 * (docs/kernel-notes.md: swapoff).
 */
#define SC_ROTATE_PRIORITY_DEFAULT SC_SWAPFILE_PRIORITY
int sc_rotate_priority_of(const struct sc_rotate_target *t);

/*
 * Request + targets -> plan (appended to ret, which may already hold recovery units).
 * Refusals: a target that is not a regular swapfile, not a swap area at all, deleted, or a
 * possible resume target (exit 3 unless force); no room for the replacement next to the old
 * file (exit 3, naming how much is needed). A resize to the current size, or a priority
 * change (SC_ROTATE_PRIORITY: priority by rotation) to the priority the file already has in
 * the kernel and in fstab, adds nothing.
 */
int sc_rotate_plan(const struct sc_rotate_request *req, const struct sc_rotate_target *t, size_t n,
	struct sc_rotate_plan *ret, struct sc_err *err);

/* The journal of a rotation in progress. */
struct sc_rotate_journal {
	char *old_path;
	char *new_path;
	uint64_t size;
	int priority;
	enum sc_discard discard;
	bool enable;
	bool persist;
	bool managed;
	bool nofail;
};

int sc_rotate_journal_format(const struct sc_rotation *r, char **ret);
int sc_rotate_journal_parse(const char *text, struct sc_rotate_journal *ret);
/* "<fstab>.swapctl-rotation"; NULL when out of memory. */
char *sc_rotate_journal_path(const struct sc_ctx *c);
/* 1 and *ret filled when a journal exists, 0 when none, -errno (EINVAL: unreadable). */
int sc_rotate_journal_read(const struct sc_ctx *c, struct sc_rotate_journal *ret);
int sc_rotate_journal_write(const struct sc_ctx *c, const struct sc_rotation *r);
int sc_rotate_journal_remove(const struct sc_ctx *c);
void sc_rotate_journal_done(struct sc_rotate_journal *j);

/* What the recovery looks at. */
struct sc_rotate_observed {
	bool old_exists, new_exists;
	bool old_active, new_active;
	uint64_t old_used;
	bool fstab_old, fstab_new; /* fstab has an entry for it */
};

/*
 * Journal + observation -> the remaining actions, as one unit flagged recovery (and rollback
 * when it undoes). An empty unit (n == 0) means nothing is left but dropping the journal.
 * -EUCLEAN with err when the state contradicts the journal (edited by hand).
 */
int sc_rotate_recover(const struct sc_rotate_journal *j, const struct sc_rotate_observed *o,
	const char *fstab, struct sc_rotate_plan *ret, struct sc_err *err);

/* priority FILE|DEVICE N */
struct sc_priority_target {
	const char *path; /* as /proc/swaps or fstab names it */
	bool active;
	int active_priority;
	uint64_t active_used;
	bool in_fstab;
	bool has_priority;
	int fstab_priority;
	const char *discard;
};

/*
 * Plan: swapoff + swapon when the active priority differs, fstab-update when the entry's
 * pri= differs; nothing when both already say N. Not active and not in fstab: usage error.
 */
int sc_priority_plan(const struct sc_priority_target *t, int priority, const char *fstab,
	bool offline, struct sc_plan *ret, struct sc_err *err);
