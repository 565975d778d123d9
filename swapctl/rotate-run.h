/*
 * What the files of rotate, resize and priority --rotate share (cmd-rotate.c, rotate-run.c,
 * rotate-gather.c, rotate-apply.c, rotate-recover.c): the state of one run and its helpers.
 *
 * Signals (lib/signals.h): a termination signal lets the step under way finish (a swapoff
 * child gets a terminal's signal too and returns EINTR, leaving its area active), then stops
 * the rotation at that step boundary with the journal kept for the next run, which finishes
 * or rolls it back.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "fstab.h"
#include "gate.h"
#include "hibernate.h"
#include "procfs.h"
#include "rotate.h"

struct run {
	struct sc_cli *cli;
	struct sc_ctx *c;
	bool force;
	struct sc_fstab *fstab;
	struct sc_rotate_plan rp;
	struct json_object *gates;
	uint64_t start_total; /* active swap before the command */
	size_t n_recovered;
	struct sc_err last_err; /* what --json reports as "error" on failure */
	/* the resume setup before (hib_ok: observed), and its update for a replacement */
	struct sc_hib_observed hib;
	bool hib_ok;
	struct sc_hib_observed hib_new; /* what hib_plan points into */
	struct sc_hib_plan hib_plan;
	bool hib_planned;
};

/* A target as gathered: the planner's view and the strings it points to. */
struct target_buf {
	struct sc_rotate_target t;
	char *full;
	char *new_path;
	char *discard;
	char *label;
};

/* rotate-run.c */
/*
 * Is the file (full) the running kernel's resume target, though swapctl did not configure
 * it (rotating it away would leave resume pointing at freed blocks)? And is it swapctl's?
 */
bool sc_rot_foreign_resume_target(const struct run *run, const char *full, dev_t dev);
bool sc_rot_our_resume_target(const struct run *run, const char *full);
/* After the rotations: move swapctl's resume configuration to the replacement. */
int sc_rot_update_resume(struct run *run);
/* --dry-run: what sc_rot_update_resume() would do, which needs the new file to exist. */
void sc_rot_note_resume(const struct run *run);
/* Print err and remember it for the JSON object; returns its exit code. */
int sc_rot_fail(struct run *run, const struct sc_err *err);
void sc_rot_run_done(struct run *run);
/* After each step: where a test layer can stop the process as a crash would. */
void sc_rot_checkpoint(const struct run *run, const char *step);
/* The size of every active swap area together (0 when /proc/swaps cannot be read). */
uint64_t sc_rot_active_total(const struct sc_ctx *c);
/* (Re)load run->fstab. */
int sc_rot_load_fstab(struct run *run, struct sc_err *err);
/* stage: "plan" (before anything is made, replacement counted) or "apply" (the real check). */
void sc_rot_add_gate_json(
	struct run *run, const char *target, const char *stage, const struct sc_gate_report *rep);
/* fstab entry for a full path, looked up by the path the booted system sees. */
int sc_rot_find_entry(struct run *run, const char *full, struct sc_fstab_entry *ret);
/* Action k of unit u, and whether u has an action of kind. */
struct sc_action *sc_rot_unit_action(struct run *run, const struct sc_rotation *u, size_t k);
bool sc_rot_unit_has(struct run *run, const struct sc_rotation *u, enum sc_act kind);
/* Every planned fstab rewrite, staged on a copy of the document (diff in *ret_diff). */
int sc_rot_stage_fstab(struct run *run, char **ret_diff);
/* The command's JSON object (or the --dry-run plan); returns code. */
int sc_rot_output(struct run *run, int code);

/* rotate-apply.c */
/* Rewrite the line of the unit's old file to name its replacement, on document f. */
int sc_rot_replace_entry(
	const struct run *run, struct sc_fstab *f, const struct sc_rotation *u, struct sc_err *err);
/* Apply one rotation, journaled; stops at a step boundary on a held signal (lib/signals.h). */
int sc_rot_apply_unit(struct run *run, struct sc_rotation *u, struct sc_err *err);

/* rotate-recover.c */
/* Finish or roll back an interrupted rotation: 0 (also when none) or an exit code. */
int sc_rot_recover(struct run *run);

/* rotate-gather.c */
void sc_rot_targets_free(struct target_buf *tb, size_t n);
/* The named files, or every managed swapfile of fstab: 0 or an exit code (reported). */
int sc_rot_gather(
	struct run *run, char **files, size_t n_files, struct target_buf **ret, size_t *ret_n);
