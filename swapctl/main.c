/*
 * swapctl: options, dispatch, exit codes.
 *
 * Global options may stand before or after the command; they are taken out of argv here and
 * the rest is handed to the command, which parses its own options.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lock.h"
#include "parse.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(struct sc_cli *cli, int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{"status", sc_cmd_status,
		"Usage: swapctl status [--json]\n"
		"\n"
		"Show every active swap area, fstab swap entry, zram device, the zswap state, the\n"
		"companion vm.* values and memory figures, with drift flagged.\n"},
};

static const char main_usage[] =
	"Usage: swapctl [global options] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  status                      show swap areas, fstab entries, zram, zswap, vm.* and "
	"memory\n"
	"\n"
	"Global options:\n"
	"      --json              print one JSON object on stdout\n"
	"  -n, --dry-run           change nothing; print the plan\n"
	"      --root DIR          prepare the offline tree DIR; no kernel changes\n"
	"      --fstab FILE        fstab to read and edit (default /etc/fstab)\n"
	"      --sysctl-dir DIR    sysctl drop-in directory (default /etc/sysctl.d)\n"
	"  -q, --quiet             print only warnings and errors\n"
	"  -v, --verbose           explain each step\n"
	"  -h, --help              show this help (or a command's: swapctl COMMAND --help)\n"
	"  -V, --version           show the version\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 bad usage or input, 3 refused by a safety check,\n"
	"4 doctor found problems, 5 another swapctl holds the lock. See swapctl(8).\n";

struct globals {
	bool json, dry_run, quiet, verbose, help, version;
	const char *root, *fstab, *sysctl_dir;
};

/* Returns 1 when argv[*i] was a global option (consumed), 0 if not, -1 on a missing value. */
static int take_global(int argc, char **argv, int *i, struct globals *g)
{
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
		{"--root", offsetof(struct globals, root)},
		{"--fstab", offsetof(struct globals, fstab)},
		{"--sysctl-dir", offsetof(struct globals, sysctl_dir)},
	};
	const char *a = argv[*i];

	if (!strcmp(a, "--json"))
		g->json = true;
	else if (!strcmp(a, "-n") || !strcmp(a, "--dry-run"))
		g->dry_run = true;
	else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
		g->quiet = true;
	else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
		g->verbose = true;
	else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		g->version = true;
	else {
		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			size_t n = strlen(valued[k].name);
			const char **slot = (const char **)((char *)g + valued[k].off);

			if (strncmp(a, valued[k].name, n) != 0)
				continue;
			if (a[n] == '=') {
				*slot = a + n + 1;
				return 1;
			}
			if (a[n] == '\0') {
				if (*i + 1 >= argc)
					return -1;
				*slot = argv[++*i];
				return 1;
			}
		}
		return 0;
	}
	return 1;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static unsigned lock_timeout_from_env(void)
{
	const char *s = getenv("SWAPCTL_LOCK_TIMEOUT_MS");
	int64_t v;

	if (s && sc_parse_int(s, 0, 3600000, &v) == 0)
		return (unsigned)v;
	return SC_LOCK_TIMEOUT_MS_DEFAULT;
}

static int run(int argc, char **argv)
{
	struct globals g = {0};
	struct sc_cli cli = {0};
	const struct command *cmd = NULL;
	char **rest;
	int nrest = 0, r, ret;
	bool dashdash = false;

	rest = calloc((size_t)argc + 1, sizeof(char *));
	if (!rest) {
		sc_error("out of memory");
		return SC_EXIT_FAILURE;
	}
	for (int i = 1; i < argc; i++) {
		if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = true;
			rest[nrest++] = argv[i];
			continue;
		}
		if (!dashdash) {
			r = take_global(argc, argv, &i, &g);
			if (r < 0) {
				free(rest);
				sc_error("option '%s' needs a value", argv[i]);
				return SC_EXIT_USAGE;
			}
			if (r > 0)
				continue;
			if (!cmd && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) {
				g.help = true;
				continue;
			}
		}
		if (!cmd && argv[i][0] != '-') {
			cmd = find_command(argv[i]);
			if (!cmd) {
				free(rest);
				sc_error("unknown command '%s'", argv[i]);
				fprintf(stderr, "Try 'swapctl --help' for more information.\n");
				return SC_EXIT_USAGE;
			}
		}
		if (cmd || argv[i][0] != '-')
			rest[nrest++] = argv[i];
		else {
			free(rest);
			sc_error("unknown option '%s'", argv[i]);
			fprintf(stderr, "Try 'swapctl --help' for more information.\n");
			return SC_EXIT_USAGE;
		}
	}

	if (g.version) {
		free(rest);
		printf("swapctl %s\n", SC_VERSION);
		return sc_close_stdout();
	}
	if (g.help || !cmd) {
		free(rest);
		if (!g.help) {
			fputs(main_usage, stderr);
			return SC_EXIT_USAGE;
		}
		fputs(main_usage, stdout);
		return sc_close_stdout();
	}

	cli.command = cmd->name;
	cli.usage = cmd->usage;
	cli.json = g.json;
	cli.quiet = g.quiet;
	cli.verbose = g.verbose;
	cli.dry_run = g.dry_run;
	cli.lock_timeout_ms = lock_timeout_from_env();
	r = sc_ctx_init(
		&cli.ctx, &sc_sys_real, g.root, getenv("SWAPCTL_SYSROOT"), g.fstab, g.sysctl_dir);
	if (r < 0) {
		free(rest);
		sc_error("out of memory");
		return SC_EXIT_FAILURE;
	}
	cli.ctx.dry_run = g.dry_run;
	if (getenv("SWAPCTL_CONFIG_DIR") && *getenv("SWAPCTL_CONFIG_DIR")) {
		free(cli.ctx.config_dir);
		cli.ctx.config_dir = strdup(getenv("SWAPCTL_CONFIG_DIR"));
		if (!cli.ctx.config_dir) {
			sc_ctx_done(&cli.ctx);
			free(rest);
			sc_error("out of memory");
			return SC_EXIT_FAILURE;
		}
	}

	optind = 1;
	ret = cmd->fn(&cli, nrest, rest);
	sc_ctx_done(&cli.ctx);
	free(rest);
	r = sc_close_stdout();
	return ret != SC_EXIT_OK ? ret : r;
}

int main(int argc, char **argv)
{
	return run(argc, argv);
}
