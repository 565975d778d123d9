/*
 * swapctl doctor: observe the box (observe.h, the observation status shows too), gather
 * doctor's own extras (lib/doctor), run the checks and render the findings. Exit 4 when any
 * finding is a warning or an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hibernate-cli.h"
#include "doctor.h"
#include "observe.h"

static void render_human(const struct sc_findings *f)
{
	size_t count[3] = {0};

	for (size_t i = 0; i < f->n; i++) {
		const struct sc_finding *x = &f->items[i];

		printf("%s%s: %s\n  %s\n  fix: %s\n", i ? "\n" : "", sc_severity_name(x->severity),
			x->id, x->message, x->fix);
		count[x->severity]++;
	}
	if (f->n == 0)
		printf("no problems found\n");
	else
		printf("\n%zu error%s, %zu warning%s, %zu note%s\n", count[SC_SEV_ERROR],
			count[SC_SEV_ERROR] == 1 ? "" : "s", count[SC_SEV_WARNING],
			count[SC_SEV_WARNING] == 1 ? "" : "s", count[SC_SEV_INFO],
			count[SC_SEV_INFO] == 1 ? "" : "s");
}

static void render_json(const struct sc_findings *f)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < f->n; i++) {
		const struct sc_finding *x = &f->items[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "id", json_object_new_string(x->id));
		json_object_object_add(
			e, "severity", json_object_new_string(sc_severity_name(x->severity)));
		json_object_object_add(e, "message", json_object_new_string(x->message));
		json_object_object_add(e, "fix", json_object_new_string(x->fix));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "findings", a);
	json_object_object_add(o, "problems", json_object_new_boolean(sc_findings_problems(f)));
	sc_json_print(o);
}

int sc_cmd_doctor(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_doctor_observed s = {0};
	struct sc_findings f = {0};
	struct sc_err err = {0};
	int c, ret, r;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "doctor: unexpected argument '%s'", argv[optind]);

	s.fstab_path = strdup(sc_ctx_boot_path(&cli->ctx, cli->ctx.fstab));
	if (!s.fstab_path)
		return sc_report_errno(cli, -ENOMEM, "doctor", "cannot start");
	r = sc_observe(&cli->ctx, SC_DOCTOR_OBSERVE, &s.obs);
	if (r < 0) {
		ret = sc_report_errno(cli, r, "doctor", "cannot gather the state");
		goto out;
	}
	if (s.obs.fstab_err < 0)
		sc_warn(cli, "%s, skipping the fstab checks",
			s.obs.fstab_msg.msg[0] ? s.obs.fstab_msg.msg : strerror(-s.obs.fstab_err));
	s.hib_ok = sc_hibernate_gather(cli, NULL, &s.hib, &err) == 0;
	if (!s.hib_ok) {
		sc_warn(cli, "%s, skipping the hibernation checks", err.msg);
		sc_err_clear(&err);
	}
	r = sc_doctor_gather(&cli->ctx, &s, &err);
	if (r < 0) {
		ret = err.msg[0] ? sc_report(cli, &err)
				 : sc_report_errno(cli, r, "doctor", "cannot gather the state");
		goto out;
	}
	r = sc_doctor_check(&s, &f);
	if (r < 0) {
		ret = sc_report_errno(cli, r, "doctor", "cannot run the checks");
		goto out;
	}
	if (cli->json)
		render_json(&f);
	else
		render_human(&f);
	ret = sc_findings_problems(&f) ? SC_EXIT_PROBLEMS : SC_EXIT_OK;
out:
	sc_findings_free(&f);
	sc_doctor_observed_done(&s);
	return ret;
}
