/*
 * swapctl: options, dispatch, exit codes (sc_main; main.c only calls it).
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
#include "signals.h"
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
	{"add", sc_cmd_add,
		"Usage: swapctl add SIZE|auto [--path FILE] [--priority N]\n"
		"                  [--discard[=once|pages]] [--label TEXT] [--hibernate]\n"
		"                  [--no-enable] [--no-persist] [--reserve SIZE] [--force]\n"
		"\n"
		"Create a swapfile (default /swap/swapfile), enable it and add it to fstab.\n"
		"Running it again with the same size changes nothing.\n"
		"\n"
		"  SIZE               bytes, or with K, M, G, T (powers of 1024; KB, MB...\n"
		"                     powers of 1000)\n"
		"  auto               from RAM (Red Hat's table, see swapctl(8)), capped by\n"
		"                     the free space\n"
		"  --path FILE        where to create it (the directory must exist, owned\n"
		"                     by root and writable by root only)\n"
		"  --priority N       -1 (the kernel's automatic) or 0..32767 (default 10)\n"
		"  --discard[=once|pages]  discard freed space on the device\n"
		"  --label TEXT       header label, at most 15 bytes\n"
		"  --hibernate        size for hibernation: at least RAM\n"
		"  --no-enable        do not swapon\n"
		"  --no-persist       do not add an fstab entry\n"
		"  --reserve SIZE     free space to leave on the filesystem (default: 5%\n"
		"                     of it, at most 1 GiB)\n"
		"  --force            ignore the free-space reserve\n"},
	{"remove", sc_cmd_remove,
		"Usage: swapctl remove FILE|DEVICE... | --all [--keep-file] [--force]\n"
		"\n"
		"Swapoff (only when the used pages fit in memory), remove the fstab entry,\n"
		"delete the file. --all removes every swapfile swapctl manages (fstab\n"
		"x-swapctl entries); other swap is removed only when named.\n"
		"\n"
		"  --all              every managed swapfile\n"
		"  --keep-file        keep the file (swapoff and fstab only)\n"
		"  --force            swapoff even when the memory check refuses\n"},
	{"sysctl", sc_cmd_sysctl,
		"Usage: swapctl sysctl show [--json]\n"
		"       swapctl sysctl apply [--profile NAME] [--set vm.KEY=VALUE]...\n"
		"                            [--no-persist] [--force]\n"
		"\n"
		"show: each vm.* key swapctl manages with its live value, the kernel's default,\n"
		"swapctl's persisted value and the file that sets it at boot.\n"
		"apply: validate, write the drop-in 90-swapctl.conf and the live values, and\n"
		"roll back on failure. Profiles: default, zram, server, database, desktop.\n"
		"See 'swapctl sysctl apply --help' and swapctl(8).\n"},
	{"doctor", sc_cmd_doctor,
		"Usage: swapctl doctor [--json]\n"
		"\n"
		"Diagnose the risks that lead to OOM kills and broken swap: each finding has an "
		"id,\n"
		"a severity (info, warning, error), a message and a fix. Exit status 4 when any\n"
		"finding is a warning or an error. The ids are listed in swapctl(8).\n"},
	{"rotate", sc_cmd_rotate,
		"Usage: swapctl rotate [FILE...] [--size SIZE] [--force]\n"
		"\n"
		"Replace every managed swapfile (or the named ones) make-before-break: create a\n"
		"new file next to it (<base>.<N>), enable it with the same priority and options,\n"
		"point fstab at it, then retire the old area after the swapoff safety gate.\n"
		"\n"
		"  -s, --size SIZE   give the replacements this size (default: the same)\n"
		"  -f, --force       retire the old area even when the gate refuses\n"
		"  -h, --help        show this help\n"},
	{"resize", sc_cmd_resize,
		"Usage: swapctl resize FILE SIZE [--force]\n"
		"\n"
		"Resize a swapfile make-before-break: a replacement of SIZE is created and\n"
		"enabled before the old file is retired (the kernel cannot resize an active\n"
		"swapfile).\n"
		"\n"
		"  -f, --force       retire the old area even when the gate refuses\n"
		"  -h, --help        show this help\n"},
	{"priority", sc_cmd_priority,
		"Usage: swapctl priority FILE|DEVICE N [--rotate] [--force]\n"
		"\n"
		"Give a swap area the priority N (0..32767): swapoff after the safety gate,\n"
		"swapon with N, and pri=N in its fstab entry. The kernel cannot change it in\n"
		"place.\n"
		"\n"
		"  -r, --rotate      for a swapfile: rotate it instead, the replacement gets N\n"
		"  -f, --force       go ahead even when the gate refuses the swapoff\n"
		"  -h, --help        show this help\n"},
	{"zram", sc_cmd_zram,
		"Usage: swapctl zram add [SIZE|N%|auto] [--algorithm NAME] [--priority N]\n"
		"                        [--mem-limit SIZE] [--no-persist]\n"
		"       swapctl zram remove DEVICE... | --all [--force]\n"
		"       swapctl zram estimate [--sample SIZE] [--pid PID]...\n"
		"\n"
		"Compressed swap in RAM: create (and persist) a zram swap device, remove "
		"swapctl's\n"
		"devices, or measure how well this machine's memory compresses.\n"
		"See 'swapctl zram SUBCOMMAND --help'.\n"},
	{"zswap", sc_cmd_zswap,
		"Usage: swapctl zswap enable|disable [--compressor NAME] [--max-pool-percent N]\n"
		"                     [--no-persist]\n"
		"\n"
		"Turn the zswap compressed cache on or off through /sys/module/zswap/parameters "
		"and\n"
		"persist the settings in swapctl's zswap.conf (applied at boot by 'swapctl "
		"boot').\n"
		"\n"
		"      --compressor NAME       crypto API compressor (lzo-rle, zstd, ...)\n"
		"      --max-pool-percent N    the pool's share of RAM, 1..100\n"
		"      --no-persist            change the running kernel only\n"
		"  -h, --help                  show this help\n"},
	{"boot", sc_cmd_boot,
		"Usage: swapctl boot [--force]\n"
		"\n"
		"Re-create the zram devices in swapctl's zram.conf and apply zswap.conf; what the\n"
		"shipped swapctl.service runs at boot. Idempotent. No zram devices with\n"
		"swapctl.zram=0 or systemd.zram=0 on the kernel command line, in a container, or "
		"for\n"
		"entries whose min_ram/max_ram exclude this machine; each skip is reported.\n"
		"\n"
		"  -f, --force     create them in a container and whatever the memory bounds\n"
		"                  (swapctl.zram=1 on the kernel command line does the same)\n"
		"  -h, --help      show this help\n"},
	{"apply", sc_cmd_apply,
		"Usage: swapctl apply [FILE|-] [--check] [--prune]\n"
		"\n"
		"Converge the machine to a layout file (default /etc/swapctl/layout.conf; - reads\n"
		"standard input): create, enable, resize (make-before-break) and re-prioritise "
		"the\n"
		"swapfiles it lists, create its zram devices, set zswap and the vm.* values. See\n"
		"swapctl(8), LAYOUT FILE. Running it again changes nothing.\n"
		"\n"
		"      --check     change nothing; print the plan (a dry run)\n"
		"      --prune     also remove the swapfiles and zram devices swapctl manages\n"
		"                  that the layout does not list (after the swapoff gate)\n"
		"  -h, --help      show this help\n"},
	{"autoscale", sc_cmd_autoscale,
		"Usage: swapctl autoscale [--max SIZE] [--step SIZE] [--dir DIR] [--once]\n"
		"\n"
		"Dynamic swap: add a swapfile of --step (DIR/dynamic.N, no fstab entry) when\n"
		"memory pressure (a PSI trigger) or swap running low says so, never past --max of\n"
		"dynamic swap; retire an idle one through the swapoff gate. Runs until stopped\n"
		"(swapctl-autoscale.service), or decides once. See swapctl(8), AUTOSCALE.\n"
		"\n"
		"      --max SIZE   cap on all dynamic swapfiles together (default: MemTotal)\n"
		"      --step SIZE  size of each file (default: max/4, 64M..1G)\n"
		"      --dir DIR    where they go (default /swap)\n"
		"      --once       one decision, then exit (for timers and tests)\n"
		"  -h, --help       show this help\n"},
	{"hibernate", sc_cmd_hibernate,
		"Usage: swapctl hibernate [FILE] [--no-bootloader] [--regenerate] [--off]\n"
		"\n"
		"Configure resume from hibernation in a swapfile: FILE, or the one configured\n"
		"before, or the largest active swapfile of at least /sys/power/image_size. Writes\n"
		"resume=UUID=... resume_offset=N to a GRUB drop-in, /etc/kernel/cmdline (where it\n"
		"exists) and initramfs-tools' RESUME=, and sets /sys/power/resume_offset and\n"
		"/sys/power/resume for the running kernel. Running it again changes nothing. See\n"
		"swapctl(8), HIBERNATION.\n"
		"\n"
		"      --no-bootloader  leave the GRUB drop-in and /etc/kernel/cmdline alone\n"
		"      --regenerate     regenerate the initramfs and grub.cfg for what changed\n"
		"      --off            remove swapctl's resume configuration\n"
		"  -h, --help           show this help\n"},
	{"export", sc_cmd_export,
		"Usage: swapctl export\n"
		"\n"
		"Print the layout swapctl manages on this machine (managed swapfiles, zram.conf,\n"
		"zswap.conf, the sysctl drop-in) in the format 'swapctl apply' reads.\n"},
};

static const char main_usage[] =
	"Usage: swapctl [global options] COMMAND [ARGS]\n"
	"\n"
	"  status                 swap areas, fstab entries, zram, zswap, vm.* and memory, with "
	"drift\n"
	"  add SIZE|auto [--path FILE] [--priority N] [--discard[=once|pages]] [--label TEXT]\n"
	"      [--hibernate] [--no-enable] [--no-persist] [--reserve SIZE] [--force]\n"
	"  remove FILE|DEVICE... | --all [--keep-file] [--force]\n"
	"  resize FILE SIZE [--force]                  make-before-break\n"
	"  rotate [FILE...] [--size SIZE] [--force]     make-before-break\n"
	"  priority FILE|DEVICE N [--rotate] [--force]\n"
	"  zram add [SIZE|N%|auto] [--algorithm NAME] [--priority N] [--mem-limit SIZE]\n"
	"      [--min-ram SIZE] [--max-ram SIZE] [--writeback-device DEV]\n"
	"      [--writeback-limit SIZE] [--recompress-algorithm NAME] [--no-persist]\n"
	"  zram remove DEVICE... | --all [--force]\n"
	"  zram estimate [--sample SIZE] [--pid PID]...\n"
	"  zram writeback [DEVICE...] [--idle AGE] [--huge]\n"
	"  zram recompress [DEVICE...] [--idle AGE] [--huge] [--algorithm NAME]\n"
	"  zswap enable|disable [--compressor NAME] [--max-pool-percent N] [--no-persist]\n"
	"  sysctl show\n"
	"  sysctl apply [--profile NAME] [--set vm.KEY=VALUE]... [--no-persist] [--force]\n"
	"  doctor                 diagnose the risks that lead to OOM kills and broken swap\n"
	"  boot [--force]         re-create zram devices and zswap settings (the boot unit)\n"
	"  apply [FILE|-] [--check] [--prune]   converge to a layout file\n"
	"  export                 print the managed layout in the format apply reads\n"
	"  autoscale [--max SIZE] [--step SIZE] [--dir DIR] [--once]   dynamic swapfiles\n"
	"  hibernate [FILE] [--no-bootloader] [--regenerate] [--off]   resume from a swapfile\n"
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

int sc_run_command(struct sc_cli *cli, int argc, char **argv)
{
	const struct command *cmd = argc > 0 ? find_command(argv[0]) : NULL;
	const char *command = cli->command, *usage = cli->usage;
	int r;

	if (!cmd)
		return SC_EXIT_FAILURE;
	cli->command = cmd->name;
	cli->usage = cmd->usage;
	/* 0, not 1: glibc's getopt then forgets the scan of the previous argv as well. */
	optind = 0;
	r = cmd->fn(cli, argc, argv);
	cli->command = command;
	cli->usage = usage;
	return r;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

void sc_env_from_environ(struct sc_env *ret)
{
	ret->sysroot = nonempty(getenv("SWAPCTL_SYSROOT"));
	ret->root = nonempty(getenv("SWAPCTL_ROOT"));
	ret->config_dir = nonempty(getenv("SWAPCTL_CONFIG_DIR"));
	ret->lock_timeout_ms = nonempty(getenv("SWAPCTL_LOCK_TIMEOUT_MS"));
}

static unsigned lock_timeout(const struct sc_env *env)
{
	int64_t v;

	if (env->lock_timeout_ms && sc_parse_int(env->lock_timeout_ms, 0, 3600000, &v) == 0)
		return (unsigned)v;
	return SC_LOCK_TIMEOUT_MS_DEFAULT;
}

static void trace_line(const char *line)
{
	fprintf(stderr, "swapctl: %s\n", line);
}

int sc_main(int argc, char **argv, const struct sc_sys *sys, const struct sc_env *env)
{
	struct globals g = {0};
	struct sc_cli cli = {0};
	const struct command *cmd = NULL;
	char **rest;
	int nrest = 0, r, ret;
	bool dashdash = false, live_root;

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
	cli.lock_timeout_ms = lock_timeout(env);
	/* -v: every side effect is explained as it happens. */
	if (g.verbose)
		sys = sc_sys_trace(sys, trace_line);
	/*
	 * SWAPCTL_ROOT (tests only): a fixture of a whole running machine, its configured tree
	 * below that directory and its kernel below SWAPCTL_SYSROOT. Unlike --root it is not
	 * offline, so doctor and status read the fixture's live state.
	 */
	live_root = !g.root && env->root;
	r = sc_ctx_init(
		&cli.ctx, sys, live_root ? env->root : g.root, env->sysroot, g.fstab, g.sysctl_dir);
	if (r < 0) {
		free(rest);
		sc_error("out of memory");
		return SC_EXIT_FAILURE;
	}
	if (live_root)
		cli.ctx.offline = false;
	cli.ctx.dry_run = g.dry_run;
	if (env->config_dir) {
		free(cli.ctx.config_dir);
		cli.ctx.config_dir = strdup(env->config_dir);
		if (!cli.ctx.config_dir) {
			sc_ctx_done(&cli.ctx);
			free(rest);
			sc_error("out of memory");
			return SC_EXIT_FAILURE;
		}
	}

	optind = 1;
	ret = cmd->fn(&cli, nrest, rest);
	sc_json_fallback(&cli, ret);
	sc_ctx_done(&cli.ctx);
	free(rest);
	r = sc_close_stdout();
	/* A signal held while the command applied its change ends the process now. */
	sc_signals_end();
	return ret != SC_EXIT_OK ? ret : r;
}
