/*
 * Applying a sysctl plan: the drop-in written atomically, then each live value (one write of
 * canonical decimal at offset 0, read back); on any failure the previous live values and the
 * previous drop-in are restored. The top of the sysctl files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
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

static void append_msg(struct sc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void append_msg(struct sc_err *err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!err)
		return;
	n = strlen(err->msg);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

int sc_sysctl_apply(const struct sc_ctx *c, const struct sc_sysctl_observed *s,
	struct sc_sysctl_plan *p, struct sc_err *err)
{
	const struct sc_sysctl_dropin *d = &s->dropin;
	struct sc_atomic_opts opts = {.mode = 0644, .expect = &d->id};
	bool wrote_dropin = false, restore_failed = false;
	size_t i;
	int r = 0;

	if (p->dropin_text) {
		r = sc_config_mkdir(c, c->sysctl_dir, 0755);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create: %s",
				c->sysctl_dir, strerror(-r));
		r = sc_atomic_replace(c, d->path, p->dropin_text, strlen(p->dropin_text), &opts);
		if (r == -ESTALE) {
			r = sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
				"%s: changed by someone else while swapctl was working", d->path);
			sc_err_hint(err, "run the command again");
			return r;
		}
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", d->path,
				strerror(-r));
		wrote_dropin = true;
		for (i = 0; i < p->plan.n; i++)
			if (p->plan.actions[i].kind == SC_SYSCTL_WRITE_DROPIN)
				p->plan.actions[i].done = true;
	}

	for (i = 0; i < p->plan.n; i++) {
		struct sc_action *a = &p->plan.actions[i];
		int k;

		if (a->kind != SC_SYSCTL_SET_LIVE)
			continue;
		k = sc_sysctl_key_index(a->u.sysctl_live.key);
		r = write_live(c, (size_t)k, a->u.sysctl_live.new, err);
		if (r < 0)
			break;
		a->done = true;
	}
	if (r >= 0)
		return 0;

	/* Roll back: live values in reverse order, then the drop-in. */
	while (i-- > 0) {
		struct sc_action *a = &p->plan.actions[i];
		struct sc_err rerr = {0};
		int k, q;

		if (a->kind != SC_SYSCTL_SET_LIVE || !a->done)
			continue;
		k = sc_sysctl_key_index(a->u.sysctl_live.key);
		q = write_live(c, (size_t)k, a->u.sysctl_live.old, &rerr);
		if (q < 0) {
			append_msg(err, "; restoring %s to %" PRId64 " failed too: %s",
				a->u.sysctl_live.key, a->u.sysctl_live.old, rerr.msg);
			restore_failed = true;
			continue;
		}
		a->done = false;
	}
	if (wrote_dropin) {
		int q;
		struct sc_atomic_opts back = {.mode = 0644};

		if (d->exists)
			q = sc_atomic_replace(c, d->path, d->text, d->len, &back);
		else
			q = c->sys->unlinkat(AT_FDCWD, d->path, 0);
		if (q < 0) {
			append_msg(err, "; restoring %s failed too: %s", d->path, strerror(-q));
			restore_failed = true;
		} else
			for (size_t j = 0; j < p->plan.n; j++)
				if (p->plan.actions[j].kind == SC_SYSCTL_WRITE_DROPIN)
					p->plan.actions[j].done = false;
	}
	if (!restore_failed)
		append_msg(err, "; the previous values were restored");
	else if (err)
		sc_err_hint(err,
			"compare `swapctl sysctl show` with the values above and fix what is left "
			"by hand");
	return r;
}
