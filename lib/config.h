/*
 * swapctl's own configuration files in <config_dir> (<root>/etc/swapctl): zram.conf and
 * zswap.conf, both read by `swapctl boot`. This module owns how such a file is found, read
 * and replaced; the modules that own a file's format (zram-config.c, zswap.c) parse and
 * render its text.
 *
 * Calling order: sc_config_load() with the format's parser (its identity is taken from the
 * same bytes that are parsed), change the parsed value, render it, then sc_config_write()
 * with that identity, which refuses (-ESTALE) if another editor changed the file in between.
 * Errors: -errno with err filled, naming the file as it is on disk.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "atomic.h"
#include "ctx.h"
#include "error.h"

/* "<config_dir>/<name>"; NULL when out of memory. */
char *sc_config_path(const struct sc_ctx *c, const char *name);

/*
 * Parse text into ret. A parse error fills err with a message that starts with the file's
 * name ("zram.conf: line 3: ..."); sc_config_load() replaces that name by the full path.
 */
typedef int sc_config_parse_fn(const char *text, void *ret, struct sc_err *err);

/*
 * Read <config_dir>/<name> and parse it. A missing file is 0 with ret untouched (the caller
 * initialises it to "nothing configured") and a zeroed identity. ret_id may be NULL.
 */
int sc_config_load(const struct sc_ctx *c, const char *name, sc_config_parse_fn *parse, void *ret,
	struct sc_file_id *ret_id, struct sc_err *err);

/*
 * Parse text already read from path (the file <name>), naming path in a parse error as
 * sc_config_load() does: for a caller that keeps the bytes it parsed.
 */
int sc_config_parse(const char *path, const char *name, sc_config_parse_fn *parse, const char *text,
	void *ret, struct sc_err *err);

/*
 * Atomically replace <config_dir>/<name> with text (mode 0644 for a new file), creating
 * config_dir itself (not its parents: /etc is the system's) when missing. expect: the
 * identity sc_config_load() returned, or NULL to skip the concurrent-edit check.
 */
int sc_config_write(const struct sc_ctx *c, const char *name, const char *text,
	const struct sc_file_id *expect, struct sc_err *err);

/*
 * mkdir of dir's last component unless it exists as a directory (-ENOTDIR if not one); dir
 * is resolved inside the root (sc_ctx_open()).
 */
int sc_config_mkdir(const struct sc_ctx *c, const char *dir, mode_t mode);
