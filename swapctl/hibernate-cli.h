/* What the commands that touch a resume target share with `swapctl hibernate`. */
#pragma once

#include "cli.h"
#include "hibernate.h"

/* The observation alone (file: a boot path or NULL), for doctor. 0, or -errno with err. */
int sc_hibernate_gather(
	struct sc_cli *cli, const char *file, struct sc_hib_observed *o, struct sc_err *err);
/*
 * Observe (the fstab's swapfiles, UUIDs from libblkid), plan req and, unless --dry-run or
 * nothing is to change, apply it. The caller holds the lock and frees o and p. 0, or -errno
 * with err.
 */
int sc_hibernate_configure(struct sc_cli *cli, const struct sc_hib_request *req,
	struct sc_hib_observed *o, struct sc_hib_plan *p, struct sc_err *err);
/*
 * Add to a command's JSON object "resume" (file, device, devno, uuid, offset_pages, cmdline,
 * size_bytes; empty for --off) and "regenerate" (the commands the boot needs run).
 */
void sc_json_add_hibernate(struct json_object *j, const struct sc_hib_plan *p);
/* Notes, and the regeneration commands still to run. */
void sc_hibernate_print_after(const struct sc_cli *cli, const struct sc_hib_plan *p);
