/*
 * swapctl autoscale: dynamic swapfiles, grown under memory pressure and retired when idle
 * (lib/autoscale.h). Each step is carried out by `add` or `remove`, as apply's steps are, so
 * it passes their checks and the swapoff gate, and takes the lock only while it runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "autoscale.h"
#include "cli.h"
#include "config.h"
#include "fsinfo.h"
#include "layout-plan.h"
#include "macro.h"
#include "parse.h"
#include "signals.h"
#include "swapfile.h"

struct run {
	struct sc_cli *cli;
	struct sc_autoscale_config cfg;
	char *dir; /* normalized --dir */
	const char *last_why; /* the last "none" reported, so a steady state prints once */
};

static const char *event_name(enum sc_autoscale_verdict v)
{
	return v == SC_AUTOSCALE_GROW ? "grow" : v == SC_AUTOSCALE_RETIRE ? "retire" : "none";
}

/* One event: a JSON line with --json, else one line for people. */
static void report(struct run *x, const char *event, const struct sc_autoscale_decision *d,
	const struct sc_autoscale_observed *o, int exit_code, struct json_object *error)
{
	struct sc_cli *cli = x->cli;
	char b[32];

	if (cli->json) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "event", json_object_new_string(event));
		if (d && d->path[0])
			json_object_object_add(e, "path", json_object_new_string(d->path));
		if (d && d->size)
			json_object_object_add(
				e, "size_bytes", json_object_new_int64((int64_t)d->size));
		if (d && d->why)
			json_object_object_add(e, "why", json_object_new_string(d->why));
		if (d && d->reason[0])
			json_object_object_add(e, "reason", json_object_new_string(d->reason));
		if (o) {
			json_object_object_add(e, "dynamic_bytes",
				json_object_new_int64((int64_t)sc_autoscale_dynamic_bytes(o)));
			json_object_object_add(e, "swap_total_bytes",
				json_object_new_int64((int64_t)o->swap_total));
			json_object_object_add(
				e, "swap_free_bytes", json_object_new_int64((int64_t)o->swap_free));
			if (o->psi_some_avg10 >= 0)
				json_object_object_add(e, "psi_some_avg10",
					json_object_new_double(o->psi_some_avg10));
		}
		json_object_object_add(e, "dry_run", json_object_new_boolean(cli->dry_run));
		if (exit_code)
			json_object_object_add(e, "exit_code", json_object_new_int(exit_code));
		if (error)
			json_object_object_add(e, "error", json_object_get(error));
		printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
		json_object_put(e);
	} else if (!cli->quiet || exit_code) {
		if (d && d->verdict == SC_AUTOSCALE_GROW)
			printf("autoscale: %sgrow: %s of %s (%s)\n", cli->dry_run ? "would " : "",
				d->path, sc_format_bytes(d->size, b), d->reason);
		else if (d && d->verdict == SC_AUTOSCALE_RETIRE)
			printf("autoscale: %sretire: %s (%s)\n", cli->dry_run ? "would " : "",
				d->path, d->reason);
		else if (d)
			printf("autoscale: %s: %s\n", event, d->reason);
		else
			printf("autoscale: %s\n", event);
	}
	fflush(stdout);
}

/* Carry out a grow or retire through add or remove; its exit code, its error in *ret_error. */
static int run_step(struct run *x, const char *what, const char *path, uint64_t size,
	struct json_object **ret_error)
{
	struct sc_cli sub = *x->cli;
	struct json_object *res = NULL, *e;
	char sz[32], prio[16];
	char *add[] = {"add", sz, "--path", (char *)path, "--no-persist", "--priority", prio,
		"--label", SC_AUTOSCALE_LABEL, NULL};
	char *rm[] = {"remove", (char *)path, NULL};
	int r;

	snprintf(sz, sizeof(sz), "%" PRIu64, size);
	snprintf(prio, sizeof(prio), "%d", SC_AUTOSCALE_PRIORITY);
	sub.json = true;
	sc_json_capture(&res);
	if (strcmp(what, "add") == 0)
		r = sc_run_command(&sub, (int)ELEMENTSOF(add) - 1, add);
	else
		r = sc_run_command(&sub, (int)ELEMENTSOF(rm) - 1, rm);
	sc_json_fallback(&sub, r);
	sc_json_capture(NULL);
	*ret_error = NULL;
	if (r != SC_EXIT_OK && res && json_object_object_get_ex(res, "error", &e))
		*ret_error = json_object_get(e);
	if (res)
		json_object_put(res);
	return r;
}

/*
 * Observe, decide, act: one decision. once: the single decision of --once, which reports a
 * steady state too and takes its pressure from PSI's avg10. Returns the step's exit code.
 */
static int decide_once(struct run *x, struct sc_autoscale_history *h, bool once)
{
	struct sc_autoscale_observed o;
	struct sc_autoscale_decision d;
	struct json_object *error = NULL;
	struct sc_err err = {0};
	int r;

	r = sc_autoscale_observe(&x->cli->ctx, &x->cfg, &o, &err);
	if (r < 0)
		return sc_report(x->cli, &err);
	sc_autoscale_note(h, &o);
	if (once)
		h->pressure = o.psi_some_avg10 >= (double)x->cfg.psi_avg10;
	sc_autoscale_decide(&x->cfg, &o, h, &d);
	if (d.verdict == SC_AUTOSCALE_NONE) {
		if (once || !x->last_why || strcmp(x->last_why, d.why) != 0)
			report(x, "none", &d, &o, 0, NULL);
		x->last_why = d.why;
		sc_autoscale_observed_done(&o);
		return SC_EXIT_OK;
	}
	x->last_why = NULL;
	r = run_step(x, d.verdict == SC_AUTOSCALE_GROW ? "add" : "remove", d.path, d.size, &error);
	if (r == SC_EXIT_OK && d.verdict == SC_AUTOSCALE_GROW)
		h->last_grow = h->now;
	sc_autoscale_observed_done(&o);
	/* the figures after the step */
	if (sc_autoscale_observe(&x->cli->ctx, &x->cfg, &o, &err) == 0) {
		report(x, event_name(d.verdict), &d, &o, r, error);
		sc_autoscale_observed_done(&o);
	} else
		report(x, event_name(d.verdict), &d, NULL, r, error);
	if (error)
		json_object_put(error);
	return r;
}

/*
 * At the start of the daemon: dynamic files a crash left inactive are removed (they hold
 * nothing); active ones are kept and managed from here on. Files named like ours without our
 * label are never touched.
 */
static void cleanup_at_start(struct run *x)
{
	struct sc_autoscale_observed o;
	struct sc_err err = {0};

	if (sc_autoscale_observe(&x->cli->ctx, &x->cfg, &o, &err) < 0) {
		sc_report(x->cli, &err);
		return;
	}
	for (size_t i = 0; i < o.n_files; i++) {
		struct sc_autoscale_decision d = {.verdict = SC_AUTOSCALE_RETIRE, .why = "crash"};
		struct json_object *error = NULL;
		int r;

		if (!o.files[i].ours) {
			sc_warn(x->cli,
				"%s: named like a dynamic swapfile but not labelled %s; left alone",
				o.files[i].path, SC_AUTOSCALE_LABEL);
			continue;
		}
		if (o.files[i].active)
			continue;
		snprintf(d.path, sizeof(d.path), "%s", o.files[i].path);
		snprintf(d.reason, sizeof(d.reason), "left inactive by an earlier run");
		r = run_step(x, "remove", d.path, 0, &error);
		report(x, "cleanup", &d, NULL, r, error);
		if (error)
			json_object_put(error);
	}
	sc_autoscale_observed_done(&o);
}

static int daemon_loop(struct run *x)
{
	const struct sc_ctx *c = &x->cli->ctx;
	struct sc_autoscale_history h = {0};
	struct sc_err err = {0};
	int fd, r;

	cleanup_at_start(x);
	fd = sc_autoscale_trigger(c, &x->cfg, &err);
	if (fd < 0) {
		/* Still useful without PSI: swap running low is seen every interval. */
		sc_warn(x->cli, "%s; watching swap free every %u s only", err.msg,
			x->cfg.interval_s);
		sc_err_clear(&err);
	}
	report(x, "start", NULL, NULL, 0, NULL);
	h.now = h.last_grow = sc_autoscale_now(c); /* files adopted at start count as new */
	sc_signals_hold();
	while (!sc_signals_pending()) {
		r = sc_autoscale_wait(c, fd, sc_autoscale_next_wait_ms(&x->cfg, &h));
		if (sc_signals_pending() || r == -EINTR)
			break;
		if (r < 0) {
			sc_error("autoscale: waiting for memory pressure failed: %s; restart it "
				 "(systemctl restart swapctl-autoscale.service)",
				strerror(-r));
			sc_closep(&fd);
			return SC_EXIT_FAILURE;
		}
		h.now = sc_autoscale_now(c);
		h.pressure = r == 1;
		if (h.pressure)
			h.last_pressure = h.now;
		(void)decide_once(x, &h, false);
	}
	report(x, "stop", NULL, NULL, 0, NULL);
	sc_closep(&fd);
	return SC_EXIT_OK;
}

/*
 * The [autoscale] section of the layout file (config_dir/layout.conf), when there is one,
 * for what the command line did not give. 0, or an exit code after the message.
 */
static int layout_settings(struct run *x, bool max_given, bool step_given)
{
	_cleanup_free_ char *path = sc_config_path(&x->cli->ctx, SC_LAYOUT_NAME), *name = NULL;
	struct sc_layout l;
	struct sc_err err = {0};
	int r;

	if (!path)
		return sc_report_errno(x->cli, -ENOMEM, "autoscale", "out of memory");
	if (!sc_fsinfo_exists(&x->cli->ctx, path))
		return 0;
	r = sc_layout_load(&x->cli->ctx, NULL, &l, &name, &err);
	if (r < 0)
		return sc_report(x->cli, &err);
	if (l.has_autoscale) {
		const struct sc_layout_autoscale *a = &l.autoscale;

		if (a->max && !max_given)
			x->cfg.max = a->max;
		if (a->step && !step_given)
			x->cfg.step = a->step;
		if (a->dir && !x->dir)
			x->dir = strdup(a->dir);
		if (a->quiet_s)
			x->cfg.quiet_s = a->quiet_s;
		if (a->interval_s)
			x->cfg.interval_s = a->interval_s;
	}
	sc_layout_done(&l);
	return 0;
}

int sc_cmd_autoscale(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"max", required_argument, NULL, 'm'},
		{"step", required_argument, NULL, 's'},
		{"dir", required_argument, NULL, 'd'},
		{"once", no_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct run x = {.cli = cli};
	bool once = false, max_given = false, step_given = false;
	int c, ret, r;

	sc_autoscale_config_init(&x.cfg);
	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		uint64_t *slot = c == 'm' ? &x.cfg.max : &x.cfg.step;

		switch (c) {
		case 'm':
		case 's':
			if (sc_parse_swap_size(optarg, cli->ctx.page_size, slot) < 0)
				return sc_usage_error(cli,
					"autoscale: invalid --%s '%s': use a size such as 1G",
					c == 'm' ? "max" : "step", optarg);
			*(c == 'm' ? &max_given : &step_given) = true;
			break;
		case 'd':
			free(x.dir);
			x.dir = NULL;
			if (sc_autoscale_normalize_dir(optarg, &x.dir) < 0)
				return sc_usage_error(cli,
					"autoscale: invalid --dir '%s': use an absolute directory",
					optarg);
			break;
		case 'o':
			once = true;
			break;
		}
	}
	if (ret >= 0) {
		free(x.dir);
		return ret;
	}
	if (optind < argc) {
		free(x.dir);
		return sc_usage_error(cli, "autoscale: unexpected argument '%s'", argv[optind]);
	}
	r = layout_settings(&x, max_given, step_given);
	if (r != 0) {
		free(x.dir);
		return r;
	}
	x.cfg.dir = x.dir;
	if (x.cfg.max && x.cfg.step > x.cfg.max) {
		free(x.dir);
		return sc_usage_error(cli, "autoscale: --step is larger than --max");
	}
	if (cli->ctx.offline) {
		free(x.dir);
		return sc_usage_error(
			cli, "autoscale: works on the running system, not with --root");
	}
	if (once) {
		struct sc_autoscale_history h = {.now = sc_autoscale_now(&cli->ctx)};

		r = decide_once(&x, &h, true);
	} else
		r = daemon_loop(&x);
	free(x.dir);
	return r;
}
