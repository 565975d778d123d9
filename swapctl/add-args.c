/* swapctl add: the command line (options and operands) into a request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "macro.h"
#include "parse.h"
#include "swapfile.h"
#include "util.h"
#include "add-cli.h"

/*
 * Parse add's options and operands into req; *ret_boot gets the normalised --path (NULL
 * without one). Returns -1 to go on, or the exit code of the usage error reported.
 */
int sc_add_parse_args(
	struct sc_cli *cli, int argc, char **argv, struct sc_add_request *req, char **ret_boot)
{
	enum {
		OPT_PATH = 0x100,
		OPT_PRIO,
		OPT_DISCARD,
		OPT_LABEL,
		OPT_HIBERNATE,
		OPT_NO_ENABLE,
		OPT_NO_PERSIST,
		OPT_RESERVE,
		OPT_FORCE
	};
	static const struct option opts[] = {
		{"path", required_argument, NULL, OPT_PATH},
		{"priority", required_argument, NULL, OPT_PRIO},
		{"discard", optional_argument, NULL, OPT_DISCARD},
		{"label", required_argument, NULL, OPT_LABEL},
		{"hibernate", no_argument, NULL, OPT_HIBERNATE},
		{"no-enable", no_argument, NULL, OPT_NO_ENABLE},
		{"no-persist", no_argument, NULL, OPT_NO_PERSIST},
		{"reserve", required_argument, NULL, OPT_RESERVE},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const struct sc_ctx *c = &cli->ctx;
	_cleanup_free_ char *path_arg = NULL;
	const char *size_arg = NULL;
	int opt, ret, r;
	int64_t v;

	while ((opt = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (opt) {
		case OPT_PATH:
			free(path_arg);
			path_arg = strdup(optarg);
			if (!path_arg)
				return sc_report_errno(cli, -ENOMEM, "add", "out of memory");
			break;
		case OPT_PRIO:
			if (sc_parse_int(optarg, -1, 32767, &v) < 0)
				return sc_usage_error(cli,
					"add: priority '%s' is not a number from -1 to 32767",
					optarg);
			req->priority = (int)v;
			req->priority_given = true;
			break;
		case OPT_DISCARD:
			req->discard_given = true;
			if (sc_discard_from_option(optarg, &req->discard) < 0)
				return sc_usage_error(cli,
					"add: --discard takes 'once' or 'pages', not '%s'", optarg);
			break;
		case OPT_LABEL:
			if (strlen(optarg) == 0)
				return sc_usage_error(cli,
					"add: the label is empty; give 1 to %d bytes",
					SC_HEADER_LABEL_MAX);
			/* Refused, not cut as mkswap does, maybe inside a UTF-8 character. */
			if (strlen(optarg) > SC_HEADER_LABEL_MAX)
				return sc_usage_error(cli,
					"add: label '%s' is %zu bytes; "
					"a swap label holds at most %d",
					optarg, strlen(optarg), SC_HEADER_LABEL_MAX);
			req->label = optarg;
			break;
		case OPT_HIBERNATE:
			req->hibernate = true;
			break;
		case OPT_NO_ENABLE:
			req->enable = false;
			break;
		case OPT_NO_PERSIST:
			req->persist = false;
			break;
		case OPT_RESERVE:
			if (sc_parse_size(optarg, &req->reserve) < 0 || req->reserve == UINT64_MAX)
				return sc_usage_error(
					cli, "add: reserve '%s' is not a size", optarg);
			break;
		case OPT_FORCE:
			req->force = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind >= argc)
		return sc_usage_error(cli, "add: a size (or 'auto') is required");
	size_arg = argv[optind++];
	if (optind < argc)
		return sc_usage_error(cli, "add: unexpected argument '%s'", argv[optind]);
	if (strcmp(size_arg, "auto") != 0) {
		r = sc_cli_swap_size(cli, size_arg, &req->size);
		if (r != 0)
			return r;
	}
	if (path_arg) {
		if (c->root[0] && path_arg[0] != '/')
			return sc_usage_error(cli,
				"add: --path must be absolute with --root (as the image will see "
				"it)");
		r = sc_swapfile_normalize(path_arg, ret_boot);
		if (r < 0)
			return sc_usage_error(cli, "add: '%s' does not name a file", path_arg);
	}
	return -1;
}
