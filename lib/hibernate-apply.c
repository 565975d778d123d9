/*
 * Applying a hibernate plan with sc_plan_apply(): each boot file replaced atomically (or
 * removed), the live values written and read back, the regeneration commands run; on failure
 * the files get their previous content back and the live values their previous values.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hibernate.h"
#include "macro.h"
#include "util.h"

struct hib_run {
	const struct sc_ctx *c;
	const struct sc_hib_observed *o;
};

/* The observed state of the file an action targets. */
static const struct sc_hib_conf *conf_of(const struct sc_hib_observed *o, const struct sc_action *a)
{
	const struct sc_hib_conf *all[] = {
		&o->grub_dropin, &o->initramfs_conf, &o->kernel_cmdline, &o->record_conf};

	for (size_t i = 0; i < ELEMENTSOF(all); i++)
		if (all[i]->full && strcmp(all[i]->full, a->target) == 0)
			return all[i];
	return NULL;
}

/* mkdir of the file's directory when missing (grub.d and conf.d; not their parents). */
static int make_dir(const struct sc_ctx *c, const char *full)
{
	_cleanup_free_ char *dir = strdup(full);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (!slash)
		return -ENOMEM;
	*slash = '\0';
	return sc_config_mkdir(c, dir, 0755);
}

static int put(const struct sc_ctx *c, const struct sc_hib_conf *f, const char *text, size_t len,
	bool check, struct sc_err *err)
{
	struct sc_atomic_opts opts = {.mode = 0644, .expect = check ? &f->id : NULL};
	int r;

	r = make_dir(c, f->full);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create its directory: %s",
			f->full, strerror(-r));
	r = sc_atomic_replace(c, f->full, text, len, &opts);
	if (r == -ESTALE) {
		r = sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
			"%s: changed by someone else while swapctl was working", f->full);
		sc_err_hint(err, "run the command again");
		return r;
	}
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", f->full, strerror(-r));
	return 0;
}

static int drop(const struct sc_ctx *c, const char *full, struct sc_err *err)
{
	_cleanup_close_ int dfd = -1;
	const char *name;
	int r;

	dfd = sc_ctx_open_parent(c, full, &name);
	r = dfd < 0 ? dfd : c->sys->unlinkat(dfd, name, 0);
	if (r < 0 && r != -ENOENT)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot remove: %s", full, strerror(-r));
	return 0;
}

/* One live attribute: written, then read back (resume reads as MAJ:MIN, the offset as N). */
static int set_live(const struct sc_ctx *c, const char *attr, const char *value, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, attr), *back = NULL;
	int r;

	if (!path)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "%s: out of memory", attr);
	r = c->sys->write_attr(path, value);
	if (r < 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write %s: %s", attr, value,
			strerror(-r));
		if (r == -EACCES || r == -EPERM || r == -EROFS)
			sc_err_hint(err,
				"run as root, outside a container that mounts /sys "
				"read-only");
		return r;
	}
	r = sc_ctx_read_sys(c, attr, 64, &back);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read back: %s", attr, strerror(-r));
	back[strcspn(back, "\n")] = '\0';
	if (strcmp(back, value) != 0)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"%s: wrote %s but the kernel reports %s", attr, value, back);
	return 0;
}

static int run_command(const struct sc_ctx *c, const char *cmd, struct sc_err *err)
{
	char *argv[4] = {0};
	_cleanup_free_ char *copy = strdup(cmd);
	size_t n = 0;
	int r;

	if (!copy)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "%s: out of memory", cmd);
	for (char *t = strtok(copy, " "); t && n < ELEMENTSOF(argv) - 1; t = strtok(NULL, " "))
		argv[n++] = t;
	r = c->sys->run(argv);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot run: %s", cmd, strerror(-r));
	if (r > 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, EIO, "%s: exited with status %d", cmd, r);
		sc_err_hint(err, "run %s by hand to see why, then swapctl hibernate again", cmd);
		return r;
	}
	return 0;
}

static int hib_step(void *data, struct sc_action *a, struct sc_err *err)
{
	struct hib_run *x = data;
	const struct sc_hib_conf *f;

	switch (a->kind) {
	case SC_HIB_WRITE_CONF:
		f = conf_of(x->o, a);
		if (!f)
			return sc_err_set(
				err, SC_EXIT_FAILURE, EINVAL, "%s: not planned", a->target);
		return put(x->c, f, a->u.hib_conf.text, strlen(a->u.hib_conf.text), true, err);
	case SC_HIB_REMOVE_CONF:
		return drop(x->c, a->target, err);
	case SC_HIB_SET_LIVE:
		return set_live(x->c, a->target, a->u.hib_live.new, err);
	case SC_HIB_REGENERATE:
		return run_command(x->c, a->target, err);
	default:
		return 0;
	}
}

static int hib_undo(void *data, struct sc_action *a, struct sc_err *err)
{
	struct hib_run *x = data;
	const struct sc_hib_conf *f = conf_of(x->o, a);

	switch (a->kind) {
	case SC_HIB_WRITE_CONF:
	case SC_HIB_REMOVE_CONF:
		if (!f)
			return 0;
		if (!f->exists)
			return drop(x->c, f->full, err);
		return put(x->c, f, f->text, f->len, false, err);
	case SC_HIB_SET_LIVE:
		/* never written before (no value read): nothing to restore */
		return a->u.hib_live.old ? set_live(x->c, a->target, a->u.hib_live.old, err) : 0;
	default:
		return 0;
	}
}

int sc_hibernate_apply(const struct sc_ctx *c, const struct sc_hib_observed *o,
	struct sc_hib_plan *p, struct sc_err *err)
{
	struct hib_run x = {c, o};
	const struct sc_applier ops = {hib_step, hib_undo, &x};
	int r;

	r = sc_plan_apply(&p->plan, &ops, err);
	if (r < 0 && err && !sc_plan_changed(&p->plan)) {
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n,
			"; the previous configuration was restored");
	}
	return r;
}
