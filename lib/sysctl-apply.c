/*
 * Applying a sysctl plan with sc_plan_apply(): the drop-in written atomically, then each live
 * value (one write of canonical decimal at offset 0, read back); on any failure the previous
 * live values and the previous drop-in are restored. The top of the sysctl files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "sysctl.h"

static int write_live(const struct sc_ctx *c, size_t k, int64_t v, struct sc_err *err)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;
	const char *name = sc_sysctl_keys[k].name;
	char buf[32];
	int64_t back;
	int r;

	if (asprintf(&rel, "/proc/sys/vm/%s", name) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	/*
	 * Canonical decimal in one write() at offset 0 (write_attr): the kernel would parse
	 * "010" as octal, and with sysctl_writes_strict a second write at an offset is dropped.
	 */
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	r = c->sys->write_attr(path, buf);
	if (r == -EINVAL)
		return sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
			"vm.%s: the kernel rejected %s (Invalid argument)", name, buf);
	if (r < 0) {
		r = sc_err_set(err, SC_EXIT_FAILURE, -r, "vm.%s: cannot write %s: %s", name, rel,
			strerror(-r));
		if (r == -EACCES || r == -EPERM || r == -EROFS)
			sc_err_hint(err,
				"run as root, outside a container that mounts /proc/sys read-only");
		return r;
	}
	r = sc_sysctl_read_live(c, name, &back);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "vm.%s: cannot read back %s: %s", name,
			rel, strerror(-r));
	if (back != v)
		return sc_err_set(err, SC_EXIT_FAILURE, EIO,
			"vm.%s: wrote %s but the kernel reports %" PRId64, name, buf, back);
	return 0;
}

struct sysctl_run {
	const struct sc_ctx *c;
	const struct sc_sysctl_observed *s;
	const struct sc_sysctl_plan *p;
	bool dropin_written;
};

/*
 * The drop-in is one file: the first write-dropin action replaces it whole (atomically, if
 * nobody changed it since it was read), the others are done with it.
 */
static int write_dropin(struct sysctl_run *x, struct sc_err *err)
{
	const struct sc_ctx *c = x->c;
	const struct sc_sysctl_dropin *d = &x->s->dropin;
	struct sc_atomic_opts opts = {.mode = 0644, .expect = &d->id};
	int r;

	r = sc_config_mkdir(c, c->sysctl_dir, 0755);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create: %s", c->sysctl_dir,
			strerror(-r));
	r = sc_atomic_replace(c, d->path, x->p->dropin_text, strlen(x->p->dropin_text), &opts);
	if (r == -ESTALE) {
		r = sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
			"%s: changed by someone else while swapctl was working", d->path);
		sc_err_hint(err, "run the command again");
		return r;
	}
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", d->path, strerror(-r));
	x->dropin_written = true;
	return 0;
}

/* The previous drop-in back (or none, as before). */
static int restore_dropin(struct sysctl_run *x, struct sc_err *err)
{
	const struct sc_ctx *c = x->c;
	const struct sc_sysctl_dropin *d = &x->s->dropin;
	struct sc_atomic_opts back = {.mode = 0644};
	int r;

	if (!x->dropin_written)
		return 0;
	if (d->exists)
		r = sc_atomic_replace(c, d->path, d->text, d->len, &back);
	else
		r = c->sys->unlinkat(AT_FDCWD, d->path, 0);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot restore: %s", d->path, strerror(-r));
	x->dropin_written = false;
	return 0;
}

static int sysctl_step(void *data, struct sc_action *a, struct sc_err *err)
{
	struct sysctl_run *x = data;

	if (a->kind == SC_SYSCTL_WRITE_DROPIN)
		return x->dropin_written ? 0 : write_dropin(x, err);
	if (a->kind == SC_SYSCTL_SET_LIVE)
		return write_live(x->c, (size_t)sc_sysctl_key_index(a->u.sysctl_live.key),
			a->u.sysctl_live.new, err);
	return 0;
}

static int sysctl_undo(void *data, struct sc_action *a, struct sc_err *err)
{
	struct sysctl_run *x = data;

	if (a->kind == SC_SYSCTL_WRITE_DROPIN)
		return restore_dropin(x, err);
	if (a->kind == SC_SYSCTL_SET_LIVE)
		return write_live(x->c, (size_t)sc_sysctl_key_index(a->u.sysctl_live.key),
			a->u.sysctl_live.old, err);
	return 0;
}

int sc_sysctl_apply(const struct sc_ctx *c, const struct sc_sysctl_observed *s,
	struct sc_sysctl_plan *p, struct sc_err *err)
{
	struct sysctl_run x = {c, s, p, false};
	const struct sc_applier ops = {sysctl_step, sysctl_undo, &x};

	size_t n;
	int r;

	/* The plan puts the drop-in first: a value that cannot persist is not set live either. */
	r = sc_plan_apply(&p->plan, &ops, err);
	if (r < 0 && err && !sc_plan_changed(&p->plan)) {
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, "; the previous values were restored");
	}
	return r;
}
