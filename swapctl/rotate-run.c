/*
 * rotate, resize and priority --rotate: the shared state of a run -- its fstab, plan, gate
 * figures and error -- with the lookups, the fstab staging and the output every step uses.
 */
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "fsinfo.h"
#include "hibernate-cli.h"
#include "rotate-run.h"

/* Print err and remember it for the JSON object. */
int sc_rot_fail(struct run *run, const struct sc_err *err)
{
	if (!run->last_err.msg[0])
		run->last_err = *err;
	return sc_report(run->cli, err);
}

bool sc_rot_our_resume_target(const struct run *run, const char *full)
{
	const struct sc_hib_record *rec = &run->hib.record;

	return run->hib_ok && rec->present &&
		strcmp(rec->file, sc_ctx_boot_path(run->c, full)) == 0;
}

bool sc_rot_foreign_resume_target(const struct run *run, const char *full, dev_t dev)
{
	const struct sc_hib_power *pw = &run->hib.power;
	const struct sc_hib_file *f;

	if (sc_rot_our_resume_target(run, full))
		return false;
	if (!run->hib_ok)
		return sc_fsinfo_resume_device(run->c, dev);
	f = sc_hib_find(&run->hib, sc_ctx_boot_path(run->c, full));
	return f && f->located && f->has_offset && pw->has_resume && pw->has_resume_offset &&
		pw->resume_offset && f->major == pw->resume_major && f->minor == pw->resume_minor &&
		f->offset == pw->resume_offset;
}

/* The rotation that replaces swapctl's resume file, or NULL. */
static const struct sc_rotation *resume_unit(const struct run *run)
{
	for (size_t i = 0; i < run->rp.n_units; i++) {
		const struct sc_rotation *u = &run->rp.units[i];

		if (!u->rollback && sc_rot_our_resume_target(run, u->old_path))
			return u;
	}
	return NULL;
}

int sc_rot_update_resume(struct run *run)
{
	const struct sc_rotation *u = resume_unit(run);
	struct sc_hib_request req = {0};
	struct sc_err err = {0};
	int r;

	if (!u)
		return 0;
	req.file = sc_ctx_boot_path(run->c, u->new_path);
	r = sc_hibernate_configure(run->cli, &req, &run->hib_new, &run->hib_plan, &err);
	run->hib_planned = true;
	if (r < 0) {
		size_t n = strlen(err.msg);

		snprintf(err.msg + n, sizeof(err.msg) - n,
			"; %s replaced %s, but resume still names the old file", req.file,
			sc_ctx_boot_path(run->c, u->old_path));
		sc_err_hint(&err, "run swapctl hibernate %s", req.file);
		return sc_rot_fail(run, &err);
	}
	return 0;
}

void sc_rot_note_resume(const struct run *run)
{
	const struct sc_rotation *u = resume_unit(run);

	if (u)
		sc_warn(run->cli,
			"resume from %s would follow to %s once it exists: its offset is read "
			"then, and the boot files and /sys/power/resume_offset are updated",
			sc_ctx_boot_path(run->c, u->old_path),
			sc_ctx_boot_path(run->c, u->new_path));
}

void sc_rot_run_done(struct run *run)
{
	sc_hibernate_observed_done(&run->hib);
	if (run->hib_planned)
		sc_hibernate_plan_done(&run->hib_plan);
	sc_hibernate_observed_done(&run->hib_new);
	sc_fstab_free(run->fstab);
	sc_rotate_plan_free(&run->rp);
	if (run->gates)
		json_object_put(run->gates);
}

/* After each step: where a test layer can stop the process as a crash would. */
void sc_rot_checkpoint(const struct run *run, const char *step)
{
	sc_checkpoint(run->c, step);
}

uint64_t sc_rot_active_total(const struct sc_ctx *c)
{
	struct sc_swaps sw = {0};
	uint64_t t = 0;

	if (sc_swaps_read(c, &sw) < 0)
		return 0;
	for (size_t i = 0; i < sw.n; i++)
		t += sw.items[i].size_bytes;
	sc_swaps_free(&sw);
	return t;
}

int sc_rot_load_fstab(struct run *run, struct sc_err *err)
{
	sc_fstab_free(run->fstab);
	run->fstab = NULL;
	return sc_fstab_load(run->c, run->c->fstab, &run->fstab, err);
}

/* stage: "plan" (before anything is made, replacement counted) or "apply" (the real check). */
void sc_rot_add_gate_json(
	struct run *run, const char *target, const char *stage, const struct sc_gate_report *rep)
{
	struct json_object *g = sc_json_gate(rep);

	if (!run->gates)
		run->gates = json_object_new_array();
	json_object_object_add(g, "target", json_object_new_string(target));
	json_object_object_add(g, "stage", json_object_new_string(stage));
	json_object_array_add(run->gates, g);
}

/* fstab entry for a full path, looked up by the path the booted system sees. */
int sc_rot_find_entry(struct run *run, const char *full, struct sc_fstab_entry *ret)
{
	return sc_fstab_find_swap(run->fstab, sc_ctx_boot_path(run->c, full), ret);
}

struct sc_action *sc_rot_unit_action(struct run *run, const struct sc_rotation *u, size_t k)
{
	return &run->rp.plan.actions[u->first + k];
}

bool sc_rot_unit_has(struct run *run, const struct sc_rotation *u, enum sc_act kind)
{
	for (size_t k = 0; k < u->n; k++)
		if (sc_rot_unit_action(run, u, k)->kind == kind)
			return true;
	return false;
}

/* A rotation's fstab step, staged on document f; a recovered unit's step is already done. */
static int stage_replace(
	void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err)
{
	struct run *run = data;
	size_t k = (size_t)(a - run->rp.plan.actions);

	for (size_t i = run->n_recovered; i < run->rp.n_units; i++) {
		const struct sc_rotation *u = &run->rp.units[i];

		if (k >= u->first && k < u->first + u->n)
			return sc_rot_replace_entry(run, f, u, err);
	}
	return 0;
}

/*
 * Planning: every unit's fstab rewrite, tried on a copy of the loaded document before
 * anything is created, so an edit fstab/ refuses stops --dry-run and the real run alike.
 */
int sc_rot_stage_fstab(struct run *run, char **ret_diff)
{
	struct sc_err err = {0};

	if (sc_cli_stage_fstab(run->cli, &run->rp.plan, SC_ROT_ACT_FSTAB_REPLACE,
		    SC_ROT_ACT_FSTAB_REPLACE, stage_replace, run, run->fstab, &err, ret_diff) < 0)
		return sc_rot_fail(run, &err);
	return 0;
}

int sc_rot_output(struct run *run, int code)
{
	struct sc_cli *cli = run->cli;

	if (cli->json) {
		struct json_object *o =
			sc_json_result(&run->rp.plan, sc_plan_changed(&run->rp.plan));

		if (run->hib_planned) {
			struct json_object *acts;

			if (json_object_object_get_ex(o, "actions", &acts))
				for (size_t i = 0; i < run->hib_plan.plan.n; i++)
					json_object_array_add(acts,
						sc_json_action(&run->hib_plan.plan.actions[i]));
			sc_json_add_hibernate(o, &run->hib_plan);
		}
		if (code != SC_EXIT_OK)
			sc_json_add_error(o, &run->last_err, code);
		json_object_object_add(o, "gates",
			run->gates ? json_object_get(run->gates) : json_object_new_array());
		json_object_object_add(
			o, "recovered", json_object_new_boolean(run->n_recovered > 0));
		sc_json_print(o);
	} else if (cli->dry_run)
		sc_print_plan(cli, &run->rp.plan);
	if (run->hib_planned) {
		if (!cli->json && !cli->quiet) {
			if (run->hib_plan.has_target)
				printf("resume from %s: %s\n", run->hib_plan.target.file->path,
					run->hib_plan.target.cmdline);
			sc_print_plan(cli, &run->hib_plan.plan);
		}
		sc_hibernate_print_after(cli, &run->hib_plan);
	}
	return code;
}
