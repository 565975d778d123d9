/*
 * swapctl zram add | remove | estimate | writeback | recompress: compressed swap in RAM.
 *
 * add and remove: argv -> request -> world (lib/zram.h) -> plan -> (gate) -> apply -> render.
 * estimate: read-only sampling of this machine's anonymous memory (lib/estimate.h).
 * This file: the subcommand dispatcher and what add and remove share (the lock, size options,
 * the one-line summaries); the subcommands are in cmd-zram-add.c, cmd-zram-remove.c,
 * cmd-zram-estimate.c and cmd-zram-writeback.c (writeback and recompress).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"
#include "zram-cli.h"

int sc_zram_cli_lock(struct sc_cli *cli, int *fd, struct sc_err *err)
{
	*fd = -1;
	if (cli->dry_run)
		return 0;
	return sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, fd, err);
}

int sc_zram_cli_parse_size(struct sc_cli *cli, const char *opt, const char *v, uint64_t *ret)
{
	if (sc_parse_size(v, ret) < 0) {
		sc_usage_error(cli, "%s: invalid %s '%s': a size such as 512M or 2G", cli->command,
			opt, v);
		return -EINVAL;
	}
	return 0;
}

int sc_zram_cli_parse_device(const char *s)
{
	int64_t id;

	if (sc_startswith(s, "/dev/"))
		s += strlen("/dev/");
	if (!sc_startswith(s, "zram") || sc_parse_int(s + 4, 0, INT32_MAX, &id) < 0)
		return -EINVAL;
	return (int)id;
}

const struct sc_action *sc_zram_cli_find_action(
	const struct sc_plan *plan, enum sc_act kind, const char *target)
{
	for (size_t i = 0; i < plan->n; i++)
		if (plan->actions[i].kind == kind && strcmp(plan->actions[i].target, target) == 0)
			return &plan->actions[i];
	return NULL;
}

/* One line per device brought up, per device removed and per configuration change. */
void sc_zram_cli_render_summary(struct sc_cli *cli, const struct sc_plan *plan)
{
	if (cli->verbose)
		sc_print_plan(cli, plan);
	for (size_t i = 0; i < plan->n; i++) {
		const struct sc_action *a = &plan->actions[i], *x;
		char b[32];

		if (!a->done)
			continue;
		switch (a->kind) {
		case SC_ZRAM_SWAPON:
			x = sc_zram_cli_find_action(plan, SC_ZRAM_SET_DISKSIZE, a->target);
			printf("%s: swap on %s of zram", a->target,
				x ? sc_format_bytes(x->u.zram.size, b) : "?");
			x = sc_zram_cli_find_action(plan, SC_ZRAM_SET_ALGORITHM, a->target);
			if (x && x->u.zram.algorithm)
				printf(" (%s)", x->u.zram.algorithm);
			printf(", priority %d\n", a->u.zram.priority);
			break;
		case SC_ZRAM_HOT_REMOVE:
			printf("%s: removed\n", a->target);
			break;
		case SC_ZRAM_RESET:
			if (!sc_zram_cli_find_action(plan, SC_ZRAM_HOT_REMOVE, a->target))
				printf("%s: swapped off and reset (not created by swapctl: left "
				       "in place)\n",
					a->target);
			break;
		case SC_ZRAM_CONFIG_ADD:
		case SC_ZRAM_CONFIG_REMOVE:
			printf("%s: %s '%s'\n", a->target,
				a->kind == SC_ZRAM_CONFIG_ADD ? "added" : "removed",
				a->u.zram.entry);
			break;
		default:
			break;
		}
	}
}

int sc_cmd_zram(struct sc_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct sc_cli *cli, int argc, char **argv);
		const char *command, *usage;
	} subs[] = {
		{"add", sc_zram_cmd_add, "zram add", sc_zram_usage_add},
		{"remove", sc_zram_cmd_remove, "zram remove", sc_zram_usage_remove},
		{"estimate", sc_zram_cmd_estimate, "zram estimate", sc_zram_usage_estimate},
		{"writeback", sc_zram_cmd_writeback, "zram writeback", sc_zram_usage_writeback},
		{"recompress", sc_zram_cmd_writeback, "zram recompress", sc_zram_usage_recompress},
	};

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2) {
			fputs(cli->usage, stderr);
			return SC_EXIT_USAGE;
		}
		fputs(cli->usage, stdout);
		return SC_EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			cli->command = subs[i].command;
			cli->usage = subs[i].usage;
			optind = 0; /* glibc: also forget the previous scan */
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	return sc_usage_error(cli,
		"zram: unknown subcommand '%s' (add, remove, estimate, writeback, recompress)",
		argv[1]);
}
