/*
 * Atomic replacement of a configuration file (fstab, sysctl drop-ins, swapctl's own config).
 *
 * Calling order: sc_file_identity() when reading the original; build the new content; then
 * sc_atomic_replace() with that identity as `expect`. The replacement:
 *  - resolves a symlinked path and replaces the *target* (the symlink stays a symlink),
 *    resolving every link inside the root (sc_ctx_resolve()): nothing outside it is
 *    written, the backup included;
 *  - writes a temp file in the target's directory (O_CREAT|O_EXCL|O_NOFOLLOW, the original's
 *    mode and owner, or opts->mode for a new file), checking every write, then fsyncs it;
 *  - re-checks the original's identity (dev, ino, size, mtime, content hash) and refuses with
 *    -ESTALE if another editor changed it since it was read;
 *  - keeps the previous version as "<target><backup_suffix>" (a hard link) when asked;
 *  - renames into place and fsyncs the directory.
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT are held off while the temp file exists, so an
 * interrupt never leaves one behind; on any failure the temp file is removed and the original
 * is untouched. All side effects go through c->sys. Returns 0 or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ctx.h"

struct sc_file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint64_t hash;
};

/* FNV-1a-style 64-bit hash: only to notice concurrent edits, not a security boundary. */
uint64_t sc_hash(const void *data, size_t len);

/*
 * Identity of path (a file of the configured tree, see sc_ctx_open()), whose current content
 * is data/len (pass NULL to read it). A missing file is 0 with ret->exists false.
 */
int sc_file_identity(const struct sc_ctx *c, const char *path, const void *data, size_t len,
	struct sc_file_id *ret);

struct sc_atomic_opts {
	mode_t mode; /* for a file that does not exist yet */
	const struct sc_file_id *expect; /* NULL: do not check for concurrent edits */
	const char *backup_suffix; /* NULL: keep no backup */
	struct sc_file_id *ret_id; /* NULL, or set to the new file's identity once renamed */
};

int sc_atomic_replace(const struct sc_ctx *c, const char *path, const void *data, size_t len,
	const struct sc_atomic_opts *opts);
