/* What the files of swapctl remove (cmd-remove.c, remove-targets.c, remove-report.c) share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "fstab.h"
#include "gate.h"
#include "swapfile.h"

struct target {
	char *full; /* under --root */
	const char *boot; /* points into full */
	bool named;
	struct sc_swapfile_observed st;
	struct sc_fstab_entry entry;
	bool has_entry;
};

struct remove_run {
	struct sc_cli *cli;
	struct sc_fstab *fstab;
};

/* remove-targets.c */
/* Remove the swap line of action a (of struct remove_run data) from document f. */
int sc_remove_stage(void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err);
/* The applier's hooks (struct sc_swapfile_hooks): stage on, and commit, the loaded fstab. */
int sc_remove_stage_fstab(void *data, const struct sc_action *a, struct sc_err *err);
int sc_remove_commit_fstab(void *data, struct sc_err *err);
void sc_remove_targets_free(struct target *t, size_t n);
/*
 * A named path as the kernel and fstab spell it: made absolute and canonical, with symlinks
 * resolved when it exists (/proc/swaps shows resolved paths). Under --root, inside the tree.
 */
int sc_remove_target_path(const struct sc_ctx *c, const char *arg, char **ret);
/* Add full (taken over) to the targets, once. */
int sc_remove_add_target(struct target **t, size_t *n, char *full, bool named);

/* remove-report.c: the output; applied: the plan was applied (else nothing was done yet). */
int sc_remove_finish(struct sc_cli *cli, struct sc_plan *plan, const struct sc_gate_report *gate,
	struct sc_err *err, int code, bool applied);
