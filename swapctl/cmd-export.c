/*
 * swapctl export: print the layout swapctl manages on this machine (managed swapfiles,
 * zram.conf, zswap.conf, the sysctl drop-in) in the format apply reads, so that
 * `swapctl export | swapctl apply -` changes nothing. Read-only; with --json the text is the
 * "layout" member.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "apply-cli.h"

int sc_cmd_export(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct sc_layout_observed have = {0};
	struct sc_layout l = {0};
	char *text = NULL;
	int ret = -1, c;

	while ((c = sc_cli_getopt(cli, argc, argv, "", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "export: unexpected argument '%s'", argv[optind]);

	ret = sc_apply_observe(cli, &have);
	if (ret != 0)
		return ret;
	if (sc_layout_of_have(&have, &l) < 0 || sc_layout_render(&l, &text) < 0) {
		sc_layout_observed_done(&have);
		sc_layout_done(&l);
		return sc_report_errno(cli, -ENOMEM, "export", "out of memory");
	}
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "layout", json_object_new_string(text));
		sc_json_print(o);
	} else
		fputs(text, stdout);
	free(text);
	sc_layout_done(&l);
	sc_layout_observed_done(&have);
	return SC_EXIT_OK;
}
