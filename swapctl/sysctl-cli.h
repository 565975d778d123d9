/* What the files of swapctl sysctl (cmd-sysctl.c, sysctl-show.c) share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "sysctl.h"

extern const char sc_sysctl_show_usage[];
int sc_sysctl_cmd_show(struct sc_cli *cli, int argc, char **argv);
/* "file:line", "file -> target:line" or "-": where a setting comes from, written into buf. */
const char *sc_sysctl_cli_where(const struct sc_sysctl_setting *s, char *buf, size_t n);
/* The value a setting writes, when it is canonical decimal; false otherwise. */
bool sc_sysctl_cli_value(size_t k, const struct sc_sysctl_setting *s, int64_t *ret);
/*
 * Warn about every key of swapctl's drop-in that another file overrides at boot with a
 * different value; returns how many.
 */
size_t sc_sysctl_cli_warn_overrides(const struct sc_cli *cli, const struct sc_sysctl_values *ours,
	const struct sc_sysctl_boot *b);
