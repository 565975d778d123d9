/*
 * swapctl apply [FILE|-] [--check] [--prune]: converge the machine to a layout file.
 *
 * request (the layout, lib/layout.c) -> observe (the managed state, lib/layout-observe.c)
 * -> plan (typed steps and the diff, lib/layout-plan.c, pure) -> apply (each step through the
 * command it names: its own planner, gate, applier and rollback; apply-steps.c) -> render.
 * --check is --dry-run: every step runs its command's dry run, so the exit code and actions
 * are the real run's up to the first effect.
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <string.h>

#include "apply-cli.h"
#include "lock.h"
#include "macro.h"
#include "observe.h"
#include "signals.h"

int sc_apply_observe(struct sc_cli *cli, struct sc_layout_observed *ret)
{
	struct sc_observation obs = {0};
	struct sc_err err = {0};
	int r;

	r = sc_observe(&cli->ctx, SC_OBS_SWAPS | SC_OBS_FSTAB, &obs);
	if (r < 0) {
		sc_observation_done(&obs);
		return sc_report_errno(cli, r, "apply", "cannot observe the system");
	}
	r = sc_layout_observe(&cli->ctx, &obs, ret, &err);
	sc_observation_done(&obs);
	if (r < 0)
		return sc_report(cli, &err);
	return 0;
}

static struct json_object *diff_json(const struct sc_layout_plan *p)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < p->n_diff; i++) {
		const struct sc_diff *d = &p->diff[i];
		struct json_object *o = json_object_new_object(), *f = json_object_new_object();

		json_object_object_add(o, "object", json_object_new_string(d->object));
		json_object_object_add(o, "change", json_object_new_string(d->change));
		for (size_t k = 0; k < d->n_fields; k++) {
			const struct sc_diff_field *x = &d->fields[k];
			struct json_object *c = json_object_new_object();

			json_object_object_add(c, "from",
				!x->has_from	     ? NULL
					: x->numeric ? json_object_new_int64(x->from_n)
						     : json_object_new_string(x->from_s));
			json_object_object_add(c, "to",
				!x->has_to	     ? NULL
					: x->numeric ? json_object_new_int64(x->to_n)
						     : json_object_new_string(x->to_s));
			json_object_object_add(f, x->key, c);
		}
		json_object_object_add(o, "fields", f);
		json_object_array_add(a, o);
	}
	return a;
}

static void print_diff(const struct sc_cli *cli, const struct sc_layout_plan *p)
{
	for (size_t i = 0; i < p->n_diff && !cli->quiet; i++) {
		const struct sc_diff *d = &p->diff[i];

		if (strcmp(d->change, "none") == 0)
			continue;
		printf("%s: %s", d->object, d->change);
		for (size_t k = 0; k < d->n_fields; k++) {
			const struct sc_diff_field *x = &d->fields[k];

			printf("%s %s ", k ? "," : "", x->key);
			if (!x->has_from)
				fputs("(none)", stdout);
			else if (x->numeric)
				printf("%" PRId64, x->from_n);
			else
				fputs(x->from_s, stdout);
			fputs(" -> ", stdout);
			if (!x->has_to)
				fputs("(profile)", stdout);
			else if (x->numeric)
				printf("%" PRId64, x->to_n);
			else
				fputs(x->to_s, stdout);
		}
		if (strcmp(d->change, "kept") == 0)
			fputs(" (not in the layout; --prune removes it)", stdout);
		putchar('\n');
	}
}

/* A step's actions, each marked with the object it changes, and its "changed". */
static bool take_actions(struct json_object *all, struct json_object *res, const char *object)
{
	struct json_object *acts, *ch;
	bool changed = false;

	if (!res)
		return false;
	if (json_object_object_get_ex(res, "changed", &ch))
		changed = json_object_get_boolean(ch);
	if (!json_object_object_get_ex(res, "actions", &acts))
		return changed;
	for (size_t i = 0; i < json_object_array_length(acts); i++) {
		struct json_object *a = json_object_array_get_idx(acts, i);

		if (object)
			json_object_object_add(a, "object", json_object_new_string(object));
		json_object_array_add(all, json_object_get(a));
	}
	return changed;
}

static void print_actions(const struct sc_cli *cli, struct json_object *acts)
{
	for (size_t i = 0; i < json_object_array_length(acts) && !cli->quiet; i++) {
		struct json_object *a = json_object_array_get_idx(acts, i), *v;

		printf("%s", cli->dry_run ? "would " : "");
		json_object_object_foreach(a, key, val)
		{
			if (!strcmp(key, "object") || !strcmp(key, "done"))
				continue;
			if (!strcmp(key, "action") || !strcmp(key, "target"))
				printf("%s ", json_object_get_string(val));
			else
				printf("%s=%s ", key, json_object_get_string(val));
		}
		(void)v;
		putchar('\n');
	}
}

/* Before a step on a swapfile an earlier step replaced: the file as it is named now. */
static int resolve_path(struct sc_cli *cli, const char *layout_path, char **ret)
{
	struct sc_layout_observed now = {0};
	const struct sc_layout_observed_file *f;
	int r = sc_apply_observe(cli, &now);

	if (r != 0)
		return r;
	f = sc_layout_find_file(&now, layout_path);
	*ret = f ? strdup(f->path) : NULL;
	sc_layout_observed_done(&now);
	return 0;
}

static int run_steps(struct sc_cli *cli, struct sc_layout_plan *p, int *leaving,
	struct json_object *actions, bool *changed, struct json_object **ret_error)
{
	size_t n_leaving = 0;

	for (size_t i = 0; i < p->n_steps; i++) {
		struct sc_step *s = &p->steps[i];
		_cleanup_free_ char *now = NULL, *line = NULL;
		struct json_object *res = NULL, *e;
		bool step_changed;
		int r;

		if (sc_signals_pending()) {
			sc_error(
				"apply: stopped by a signal before '%s'; run apply again to finish",
				s->object);
			return SC_EXIT_FAILURE;
		}
		/* A resize renames the file (<path>.<N>): a later step on it follows. */
		if (*changed && !cli->dry_run && s->kind == SC_STEP_SWAPFILE_PRIORITY) {
			r = resolve_path(cli, s->u.priority.layout_path, &now);
			if (r != 0)
				return r;
			if (now)
				s->u.priority.path = now;
		}
		if (*changed && !cli->dry_run && s->kind == SC_STEP_HIBERNATE) {
			r = resolve_path(cli, s->u.hibernate.layout_path, &now);
			if (r != 0)
				return r;
			if (now)
				s->u.hibernate.path = now;
		}
		if (i > 0)
			sc_apply_note_step(cli, &p->steps[i - 1], leaving, &n_leaving);
		line = sc_apply_step_command(s);
		if (line)
			sc_debug(cli, "apply: %s: swapctl %s", s->object, line);
		r = sc_apply_run_step(cli, s, &res);
		step_changed = take_actions(actions, res, s->object);
		*changed |= step_changed && !cli->dry_run;
		if (r != SC_EXIT_OK) {
			/* Some commands' "error" is only the message. */
			if (res && json_object_object_get_ex(res, "error", &e)) {
				if (json_object_is_type(e, json_type_object))
					*ret_error = json_object_get(e);
				else {
					*ret_error = json_object_new_object();
					json_object_object_add(*ret_error, "message",
						json_object_new_string(json_object_get_string(e)));
				}
			}
			if (res)
				json_object_put(res);
			sc_error("apply: stopped at %s ('swapctl %s' failed)%s", s->object,
				line ? line : "?",
				*changed ? "; what was done before stays, and apply can be run "
					   "again"
					 : "");
			return r;
		}
		if (res)
			json_object_put(res);
	}
	return SC_EXIT_OK;
}

int sc_cmd_apply(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'c'},
		{"prune", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct sc_layout want = {0};
	struct sc_layout_observed have = {0};
	struct sc_layout_plan plan = {0};
	struct json_object *actions = NULL, *error = NULL;
	struct sc_err err = {0};
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ int *leaving = NULL;
	const char *file = NULL;
	bool prune = false, changed = false;
	int ret = -1, c, lock_fd = -1;

	while ((c = sc_cli_getopt(cli, argc, argv, "", opts, &ret)) != -1)
		switch (c) {
		case 'c':
			cli->dry_run = cli->ctx.dry_run = true;
			break;
		case 'P':
			prune = true;
			break;
		}
	if (ret >= 0)
		return ret;
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return sc_usage_error(cli, "apply: unexpected argument '%s'", argv[optind]);

	if (sc_layout_load(&cli->ctx, file, &want, &name, &err) < 0)
		return sc_report(cli, &err);
	if (!cli->dry_run) {
		if (sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock_fd, &err) < 0) {
			sc_layout_done(&want);
			return sc_report(cli, &err);
		}
		cli->ctx.lock_held = true;
	}
	ret = sc_apply_observe(cli, &have);
	if (ret != 0)
		goto out;
	if (sc_layout_plan(&want, &have, prune, &plan, &err) < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	if (!cli->json)
		print_diff(cli, &plan);

	/* Each step is one command's change, completed or rolled back; stop between them. */
	actions = json_object_new_array();
	leaving = calloc(plan.n_steps + 1, sizeof(*leaving));
	if (!leaving) {
		ret = SC_EXIT_FAILURE;
		goto out;
	}
	sc_signals_hold();
	ret = run_steps(cli, &plan, leaving, actions, &changed, &error);
	cli->ctx.zram_leaving = NULL;
	cli->ctx.n_zram_leaving = 0;
	cli->ctx.fast_swap_planned = false;
	if (cli->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "changed", json_object_new_boolean(changed));
		json_object_object_add(o, "actions", json_object_get(actions));
		json_object_object_add(o, "diff", diff_json(&plan));
		if (ret != SC_EXIT_OK) {
			if (!error) {
				error = json_object_new_object();
				json_object_object_add(
					error, "message", json_object_new_string("apply failed"));
			}
			json_object_object_add(error, "exit_code", json_object_new_int(ret));
			json_object_object_add(o, "error", error);
			error = NULL;
		}
		sc_json_print(o);
	} else {
		print_actions(cli, actions);
		if (ret == SC_EXIT_OK && !cli->quiet && !json_object_array_length(actions))
			printf("%s: in place; nothing to do\n", name);
	}
out:
	if (error)
		json_object_put(error);
	if (actions)
		json_object_put(actions);
	sc_layout_plan_done(&plan);
	sc_layout_observed_done(&have);
	sc_layout_done(&want);
	cli->ctx.lock_held = false;
	sc_lock_release(&cli->ctx, lock_fd);
	return ret;
}
