/* What the files of swapctl add (cmd-add.c, add-args.c, add-steps.c) share. */
#pragma once

#include "cli.h"
#include "fstab.h"
#include "swapfile.h"

struct add_run {
	struct sc_cli *cli;
	struct sc_fstab *fstab;
	const char *boot_path;
};

/* add-args.c: argv into req and the --path; -1 to go on, or an exit code (reported). */
int sc_add_parse_args(
	struct sc_cli *cli, int argc, char **argv, struct sc_add_request *req, char **ret_boot);

/* add-steps.c */
/* The managed swap line for action a (of struct add_run data) on document f. */
int sc_add_stage_set(void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err);
/* The applier's hooks (struct sc_swapfile_hooks): stage on, and commit, the loaded fstab. */
int sc_add_stage_fstab(void *data, const struct sc_action *a, struct sc_err *err);
int sc_add_commit_fstab(void *data, struct sc_err *err);
/* Without --path: the managed default swapfile fstab already names, else the default. */
int sc_add_default_boot_path(struct sc_fstab *f, char **ret);
/* st->foreign: what an existing file that is no usable swap area holds (libblkid). */
void sc_add_name_foreign(const struct sc_ctx *c, const char *path, struct sc_swapfile_observed *st);
/* Warn when the device under the filesystem cannot discard. */
void sc_add_warn_discard(struct sc_cli *cli, const struct sc_swapfile_observed *st);
void sc_add_not_durable(
	struct sc_cli *cli, const struct sc_plan *plan, const char *boot_path, struct sc_err *err);
