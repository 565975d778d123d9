/*
 * What every command implementation (cmd-*.c) shares: the parsed global options, the
 * context, and the output layer (output.c). Commands parse their own options with
 * sc_cli_getopt(), build a request, plan, apply, and render; they return an exit code
 * (lib/error.h). Only this layer prints.
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "ctx.h"
#include "error.h"
#include "plan.h"

struct sc_cli {
	struct sc_ctx ctx;
	const char *command; /* "add", "zram add", ... for messages and usage */
	const char *usage; /* the command's synopsis and options */
	bool json;
	bool quiet;
	bool verbose;
	bool dry_run;
	unsigned lock_timeout_ms;
};

/*
 * What swapctl takes from its environment, read once at the entry point (main.c) and passed
 * down like the system layer; NULL or "" = not set. All but the lock timeout are for tests
 * (swapctl(8), ENVIRONMENT):
 *   SWAPCTL_SYSROOT          /proc, /sys and /run below this directory
 *   SWAPCTL_ROOT             a whole fixture machine: its configured tree (not offline)
 *   SWAPCTL_CONFIG_DIR       swapctl's configuration directory (default <root>/etc/swapctl)
 *   SWAPCTL_LOCK_TIMEOUT_MS  how long a mutating command waits for the lock
 */
struct sc_env {
	const char *sysroot;
	const char *root;
	const char *config_dir;
	const char *lock_timeout_ms;
};
void sc_env_from_environ(struct sc_env *ret);

/*
 * The whole command line: global options, dispatch, exit code. sys is the system layer every
 * command uses: sc_sys_real in swapctl, a fault-injecting copy in tests.
 */
int sc_main(int argc, char **argv, const struct sc_sys *sys, const struct sc_env *env);
/* Commands: argv[0] is the command name, options and operands follow. */
int sc_cmd_status(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_add(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_remove(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_autoscale(struct sc_cli *cli, int argc, char **argv);

/* After an fstab edit: systemctl daemon-reload when systemd runs the box (not under --root). */
void sc_cli_daemon_reload(struct sc_cli *cli);
int sc_cmd_sysctl(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_doctor(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_rotate(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_resize(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_priority(struct sc_cli *cli, int argc, char **argv);
/*
 * Finish or roll back a rotation that a crash or kill interrupted (its journal next to the
 * fstab), as rotate, resize and priority do first. Returns 0 or an exit code; the recovery's
 * actions go to *ret_actions (may be NULL) for --json.
 */
struct json_object;
int sc_rotate_recover_pending(struct sc_cli *cli, struct json_object **ret_actions);
/*
 * After swapoffs: say which areas with automatic priorities the kernel renumbered (a swapoff
 * moves the automatic priorities of the others). before is /proc/swaps as read before the
 * first swapoff.
 */
struct sc_swaps;
void sc_report_auto_priorities(struct sc_cli *cli, const struct sc_swaps *before);
/* priority --rotate: a make-before-break rotation of file whose replacement gets priority. */
int sc_priority_by_rotation(struct sc_cli *cli, char *file, int priority, bool force);
int sc_cmd_zram(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_zswap(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_boot(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_apply(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_export(struct sc_cli *cli, int argc, char **argv);
int sc_cmd_hibernate(struct sc_cli *cli, int argc, char **argv);

/*
 * getopt_long over a command's own options. Handles --help (prints cli->usage, returns -1 with
 * *exit_code = 0) and unknown options (message, *exit_code = 2). Returns the option character
 * like getopt_long otherwise; -1 at the end (then *exit_code is -1 if nothing went wrong).
 */
int sc_cli_getopt(struct sc_cli *cli, int argc, char **argv, const char *shortopts,
	const struct option *longopts, int *exit_code);

/* Messages on stderr: "swapctl: <text>". info is silenced by -q; debug needs -v. */
void sc_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sc_warn(const struct sc_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_info(const struct sc_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_debug(const struct sc_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print err (and its hint); returns its exit code. */
int sc_report(const struct sc_cli *cli, const struct sc_err *err);
/* Report an unexpected -errno from an operation on object: exit 1. */
int sc_report_errno(const struct sc_cli *cli, int r, const char *object, const char *what);
/* "bad usage" message plus the command's synopsis hint: exit 2. */
int sc_usage_error(const struct sc_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parse a swap area size argument (lib/parse.h sc_parse_swap_size) or report it as bad usage:
 * returns 0, or exit code 2 after the message.
 */
int sc_cli_swap_size(const struct sc_cli *cli, const char *s, uint64_t *ret);

/* JSON: the {"changed", "actions"} object of a mutating command (swapctl(8)). */
struct json_object *sc_json_result(const struct sc_plan *plan, bool changed);
struct json_object *sc_json_action(const struct sc_action *a);
/*
 * The swapoff safety gate's figures (lib/gate.h) as the "gate" member of a command's JSON:
 * allowed, the byte figures, which checks failed, blocking cgroups with their figures.
 */
struct sc_gate_report;
struct json_object *sc_json_gate(const struct sc_gate_report *r);
/* The "error" member of a failed command's JSON: message, hint, exit_code. */
void sc_json_add_error(struct json_object *o, const struct sc_err *err, int exit_code);
/* Print exactly one JSON object on stdout and release it. */
int sc_json_print(struct json_object *o);
/*
 * From here, sc_json_print() hands its object to *slot (replacing one there) instead of
 * printing it, until sc_json_capture(NULL): how `apply` runs a command and reads its result.
 */
void sc_json_capture(struct json_object **slot);
/*
 * Run one command of the command table (argv[0] its name) with cli's context and options:
 * what `apply` uses to carry out a step. Returns its exit code.
 */
int sc_run_command(struct sc_cli *cli, int argc, char **argv);
/*
 * Under --json, a command that failed before printing its object (bad usage, a refusal found
 * early) still prints one: {"changed": false, "actions": [], "error": {"message", "exit_code"}}.
 */
void sc_json_fallback(const struct sc_cli *cli, int exit_code);
/* Human rendering of a plan: "would <action> <target> (details)" under --dry-run. */
void sc_print_plan(const struct sc_cli *cli, const struct sc_plan *plan);

/*
 * Stage the plan's fstab actions (kinds first_kind..last_kind, in plan order) on a copy of
 * the loaded document f and validate the result, before anything is applied: an edit that
 * fstab/ refuses is then a planning error, with the same exit code under --dry-run and in the
 * real run. stage() edits the document it is given. ret_diff (may be NULL) receives the
 * unified diff of the staged edit ("" for none). Returns 0, or -errno with err filled.
 */
struct sc_fstab;
typedef int (*sc_fstab_stage_fn)(
	void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err);
int sc_cli_stage_fstab(const struct sc_cli *cli, const struct sc_plan *plan, enum sc_act first_kind,
	enum sc_act last_kind, sc_fstab_stage_fn stage, void *data, const struct sc_fstab *f,
	struct sc_err *err, char **ret_diff);
/* Under --dry-run with human output: print the staged fstab diff after the plan. */
void sc_print_fstab_diff(const struct sc_cli *cli, const char *diff);

/* Flush and close stdout, reporting write errors (swapctl status > /dev/full fails). */
int sc_close_stdout(void);
