/*
 * swapctl hibernate [FILE] [--no-bootloader] [--regenerate] [--off]: resume from a swapfile.
 *
 * The fstab's swapfiles and the filesystems' UUIDs (libblkid) are gathered here, the rest by
 * lib/hibernate.c; plan (pure) and apply are lib/'s. add --hibernate, rotate, resize and
 * remove call sc_hibernate_configure() with the lock already held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fstab.h"
#include "hibernate.h"
#include "lock.h"
#include "macro.h"
#include "probe.h"
#include "signals.h"
#include "util.h"
#include "hibernate-cli.h"

/* The fstab's swap entries that name a file (an absolute path), with their managed flag. */
static int fstab_files(
	struct sc_cli *cli, char ***ret, bool **ret_managed, size_t *ret_n, struct sc_err *err)
{
	struct sc_fstab *f = NULL;
	struct sc_fstab_entry *e = NULL;
	size_t n = 0, k = 0;
	char **paths = NULL;
	bool *managed = NULL;
	int r;

	r = sc_fstab_load(&cli->ctx, cli->ctx.fstab, &f, err);
	if (r < 0)
		return r;
	r = sc_fstab_list_swap(f, &e, &n);
	if (r < 0) {
		sc_fstab_free(f);
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot list entries: %s",
			cli->ctx.fstab, strerror(-r));
	}
	paths = calloc(n + 1, sizeof(*paths));
	managed = calloc(n + 1, sizeof(*managed));
	for (size_t i = 0; paths && managed && i < n; i++) {
		if (!e[i].source || e[i].source[0] != '/' || sc_startswith(e[i].source, "/dev/"))
			continue;
		managed[k] = e[i].managed;
		if (!(paths[k++] = strdup(e[i].source)))
			break;
	}
	sc_fstab_entries_free(e, n);
	sc_fstab_free(f);
	if (!paths || !managed || (k && !paths[k - 1])) {
		for (size_t i = 0; paths && i < k; i++)
			free(paths[i]);
		free(paths);
		free(managed);
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "hibernate: out of memory");
	}
	*ret = paths;
	*ret_managed = managed;
	*ret_n = k;
	return 0;
}

/* The UUID of each located file's filesystem, read from its device with libblkid. */
static void fill_uuids(struct sc_cli *cli, struct sc_hib_observed *o)
{
	for (size_t i = 0; i < o->n_files; i++)
		if (o->files[i].located)
			(void)sc_probe_fs_uuid(&cli->ctx, o->files[i].device, o->files[i].uuid,
				sizeof(o->files[i].uuid));
}

int sc_hibernate_gather(
	struct sc_cli *cli, const char *file, struct sc_hib_observed *o, struct sc_err *err)
{
	_cleanup_free_ char *full = NULL;
	char **paths = NULL;
	bool *managed = NULL;
	size_t n = 0;
	int r;

	if (file && !(full = sc_ctx_root_path(&cli->ctx, file)))
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "hibernate: out of memory");
	r = fstab_files(cli, &paths, &managed, &n, err);
	if (r < 0)
		return r;
	r = sc_hibernate_observe(&cli->ctx, full, (const char *const *)paths, managed, n, o, err);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(managed);
	if (r < 0)
		return r;
	fill_uuids(cli, o);
	return 0;
}

int sc_hibernate_configure(struct sc_cli *cli, const struct sc_hib_request *req,
	struct sc_hib_observed *o, struct sc_hib_plan *p, struct sc_err *err)
{
	int r = sc_hibernate_gather(cli, req->file, o, err);

	if (r < 0)
		return r;
	r = sc_hibernate_plan(req, o, p, err);
	if (r < 0 || cli->dry_run || p->plan.n == 0)
		return r;
	sc_signals_hold();
	return sc_hibernate_apply(&cli->ctx, o, p, err);
}

static struct json_object *resume_json(const struct sc_hib_plan *p);

void sc_json_add_hibernate(struct json_object *j, const struct sc_hib_plan *p)
{
	struct json_object *regen = json_object_new_array();

	json_object_object_add(j, "resume", resume_json(p));
	for (size_t i = 0; i < p->n_regenerate; i++)
		json_object_array_add(regen, json_object_new_string(p->regenerate[i]));
	json_object_object_add(j, "regenerate", regen);
}

static struct json_object *resume_json(const struct sc_hib_plan *p)
{
	struct json_object *o = json_object_new_object();

	if (p->has_target) {
		const struct sc_hib_target *t = &p->target;

		json_object_object_add(o, "file", json_object_new_string(t->file->path));
		json_object_object_add(o, "device", json_object_new_string(t->file->device));
		json_object_object_add(o, "devno", json_object_new_string(t->devno));
		json_object_object_add(
			o, "uuid", t->file->uuid[0] ? json_object_new_string(t->file->uuid) : NULL);
		json_object_object_add(
			o, "offset_pages", json_object_new_int64((int64_t)t->offset));
		json_object_object_add(o, "cmdline", json_object_new_string(t->cmdline));
		json_object_object_add(
			o, "size_bytes", json_object_new_int64((int64_t)t->file->size));
	}
	return o;
}

/* After the plan: the regeneration still to do, unless it ran. */
void sc_hibernate_print_after(const struct sc_cli *cli, const struct sc_hib_plan *p)
{
	bool ran = false;

	for (size_t i = 0; i < p->n_notes; i++)
		sc_warn(cli, "%s", p->notes[i]);
	for (size_t i = 0; i < p->plan.n; i++)
		ran |= p->plan.actions[i].kind == SC_HIB_REGENERATE;
	if (ran || p->n_regenerate == 0)
		return;
	sc_info(cli, "run %s%s%s so the next boot %s", p->regenerate[0],
		p->n_regenerate > 1 ? " and " : "", p->n_regenerate > 1 ? p->regenerate[1] : "",
		p->has_target ? "resumes from the swapfile" : "no longer resumes");
}

int sc_cmd_hibernate(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-bootloader", no_argument, NULL, 'B'},
		{"regenerate", no_argument, NULL, 'R'},
		{"off", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct sc_hib_request req = {0};
	struct sc_hib_observed o = {0};
	struct sc_hib_plan p = {0};
	struct sc_err err = {0};
	int c, ret, r, lock = -1;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1) {
		switch (c) {
		case 'B':
			req.no_bootloader = true;
			break;
		case 'R':
			req.regenerate = true;
			break;
		case 'O':
			req.off = true;
			break;
		}
	}
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		if (argv[optind][0] != '/')
			return sc_usage_error(cli,
				"hibernate: %s: give the swapfile's absolute path", argv[optind]);
		req.file = argv[optind++];
	}
	if (optind < argc)
		return sc_usage_error(cli, "hibernate: unexpected argument '%s'", argv[optind]);
	if (req.off && req.file)
		return sc_usage_error(cli, "hibernate: --off takes no FILE");
	if (req.regenerate && cli->ctx.offline)
		return sc_usage_error(cli,
			"hibernate: --regenerate runs the host's tools; not "
			"with --root (run them inside the image)");

	if (!cli->dry_run && !cli->ctx.lock_held &&
		sc_lock_acquire(&cli->ctx, cli->lock_timeout_ms, &lock, &err) < 0)
		return sc_report(cli, &err);
	r = sc_hibernate_configure(cli, &req, &o, &p, &err);
	if (cli->json) {
		struct json_object *j = sc_json_result(&p.plan, sc_plan_changed(&p.plan));

		sc_json_add_hibernate(j, &p);
		if (r < 0)
			sc_json_add_error(j, &err, err.kind ? err.kind : SC_EXIT_FAILURE);
		sc_json_print(j);
	}
	if (r < 0) {
		ret = sc_report(cli, &err);
		goto out;
	}
	if (!cli->json && !cli->quiet) {
		if (p.has_target)
			printf("resume from %s: %s\n", p.target.file->path, p.target.cmdline);
		if (p.plan.n == 0)
			printf("%s\n",
				req.off ? "no resume configuration of swapctl's; nothing to do"
					: "already configured; nothing to do");
		else
			sc_print_plan(cli, &p.plan);
	}
	sc_hibernate_print_after(cli, &p);
	ret = SC_EXIT_OK;
out:
	sc_hibernate_plan_done(&p);
	sc_hibernate_observed_done(&o);
	sc_lock_release(&cli->ctx, lock);
	return ret;
}
