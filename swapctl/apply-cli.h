/*
 * What apply and export share (cmd-apply.c, apply-steps.c, cmd-export.c): carrying out a
 * layout step through the command it names.
 */
#pragma once

#include <json-c/json.h>

#include "cli.h"
#include "layout-plan.h"

/* The step as the command line that carries it out ("resize /swap/swapfile 4294967296"). */
char *sc_apply_step_command(const struct sc_step *s);
/*
 * Run the step's command inside apply (the lock is held, JSON captured): its exit code, and
 * its JSON object ({"changed", "actions", ...}) in *ret, or NULL.
 */
int sc_apply_run_step(struct sc_cli *cli, const struct sc_step *s, struct json_object **ret);
/*
 * Observe the managed state (layout-plan.h) for cli's context: 0, or an exit code after the
 * message.
 */
int sc_apply_observe(struct sc_cli *cli, struct sc_layout_observed *ret);
/*
 * After step s ran (or, with --check, was planned): what it leaves for the vm.* rules of a
 * later sysctl step, in cli's context (ctx.h: fast_swap_planned, zram_leaving). leaving has
 * room for one entry per step; *n counts them.
 */
void sc_apply_note_step(struct sc_cli *cli, const struct sc_step *s, int *leaving, size_t *n);
