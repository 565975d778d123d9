/* What the zram subcommands (cmd-zram*.c) share. */
#pragma once

#include <stdint.h>

#include "cli.h"
#include "plan.h"

extern const char sc_zram_usage_add[];
extern const char sc_zram_usage_remove[];
extern const char sc_zram_usage_estimate[];
extern const char sc_zram_usage_writeback[];
extern const char sc_zram_usage_recompress[];

int sc_zram_cmd_add(struct sc_cli *cli, int argc, char **argv);
int sc_zram_cmd_remove(struct sc_cli *cli, int argc, char **argv);
int sc_zram_cmd_estimate(struct sc_cli *cli, int argc, char **argv);
/* zram writeback and zram recompress (cli->command tells which) */
int sc_zram_cmd_writeback(struct sc_cli *cli, int argc, char **argv);
/* N from "/dev/zramN" or "zramN", or -EINVAL. */
int sc_zram_cli_parse_device(const char *s);

/* The swapctl lock, unless --dry-run (*fd = -1 then). */
int sc_zram_cli_lock(struct sc_cli *cli, int *fd, struct sc_err *err);
/* A size option's value, or a usage error reported and -EINVAL. */
int sc_zram_cli_parse_size(struct sc_cli *cli, const char *opt, const char *v, uint64_t *ret);
/* The plan's action of kind on target, or NULL. */
const struct sc_action *sc_zram_cli_find_action(
	const struct sc_plan *plan, enum sc_act kind, const char *target);
/* One line per device brought up, per device removed and per configuration change. */
void sc_zram_cli_render_summary(struct sc_cli *cli, const struct sc_plan *plan);
