/*
 * swapctl add: what the flow in cmd-add.c calls around the library -- the fstab hooks the
 * applier runs, the default path, naming what an existing file holds, the discard warning,
 * and the report of a change that is in place but not durable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "probe.h"
#include "swapfile.h"
#include "util.h"
#include "add-cli.h"

int sc_add_stage_set(void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;
	struct sc_swap_spec spec = {
		.path = x->boot_path,
		.priority = a->u.fstab_set.priority,
		.discard = sc_discard_fstab(a->u.fstab_set.discard),
		.managed = true,
		/* A missing file must never hold up the boot: nofail, so systemd does not wait for it. */
		.nofail = true,
	};
	int r = sc_fstab_set_swap(f, &spec, err);

	return r < 0 ? r : 0;
}

int sc_add_stage_fstab(void *data, const struct sc_action *a, struct sc_err *err)
{
	struct add_run *x = data;

	return sc_add_stage_set(data, x->fstab, a, err);
}

int sc_add_commit_fstab(void *data, struct sc_err *err)
{
	struct add_run *x = data;
	int r = sc_fstab_commit(&x->cli->ctx, x->fstab, err);

	/* Rebased onto the new version: only its directory fsync failed (fstab.h). */
	return r < 0 && !sc_fstab_modified(x->fstab) ? 1 : r;
}

/* "/swap/swapfile" or a generation of it ("/swap/swapfile.3", see swapctl rotate). */
static bool is_default_name(const char *boot_path)
{
	size_t n = strlen(SC_SWAPFILE_DEFAULT);
	const char *p;

	if (strncmp(boot_path, SC_SWAPFILE_DEFAULT, n) != 0)
		return false;
	p = boot_path + n;
	if (*p == '\0')
		return true;
	if (*p++ != '.' || !*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* Without --path: the managed default swapfile fstab already names, else the default. */
int sc_add_default_boot_path(struct sc_fstab *f, char **ret)
{
	struct sc_fstab_entry *e = NULL;
	size_t n = 0;
	int r;

	r = sc_fstab_list_swap(f, &e, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (e[i].managed && e[i].source && is_default_name(e[i].source)) {
			*ret = strdup(e[i].source);
			sc_fstab_entries_free(e, n);
			return *ret ? 0 : -ENOMEM;
		}
	sc_fstab_entries_free(e, n);
	*ret = strdup(SC_SWAPFILE_DEFAULT);
	return *ret ? 0 : -ENOMEM;
}

/*
 * An existing file that is not a usable swap area is never overwritten; libblkid names what
 * it holds instead (an ext4 image, a hibernation image, a partition table...).
 */
void sc_add_name_foreign(const struct sc_ctx *c, const char *path, struct sc_swapfile_observed *st)
{
	if (!st->exists || !st->regular || (st->header_read && st->header.status == SC_HEADER_OK))
		return;
	(void)sc_probe_foreign(c, path, st->foreign, sizeof(st->foreign));
}

/*
 * The kernel ignores discard flags on a device that cannot discard: say so rather than
 * let the option look effective. btrfs has no single device to ask.
 */
void sc_add_warn_discard(struct sc_cli *cli, const struct sc_swapfile_observed *st)
{
	if (sc_fsinfo_discard(&cli->ctx, st->fs.dev) == 0)
		sc_warn(cli,
			"the device under this filesystem does not support discard; the "
			"kernel will ignore --discard");
}

/*
 * After sc_swapfile_apply_add() returned > 0 (every step done, only a directory fsync after the
 * fstab rename failed; nothing was undone): err says exactly what is in place.
 */
void sc_add_not_durable(
	struct sc_cli *cli, const struct sc_plan *plan, const char *boot_path, struct sc_err *err)
{
	const struct sc_ctx *c = &cli->ctx;
	char reason[sizeof(err->msg)];
	int errnum = err->errnum ? err->errnum : EIO;
	bool created = false, enabled = false;

	for (size_t i = 0; i < plan->n; i++) {
		created = created || plan->actions[i].kind == SC_SWAPFILE_ACT_CREATE;
		enabled = enabled || plan->actions[i].kind == SC_SWAPFILE_ACT_SWAPON;
	}
	snprintf(reason, sizeof(reason), "%s", err->msg);
	sc_err_clear(err);
	sc_err_set(err, SC_EXIT_FAILURE, errnum,
		"%s: in place and named in %s%s, but the new %s may not survive a "
		"crash (%s)",
		boot_path, c->fstab,
		created && enabled ? " (created and active)"
			: created  ? " (created)"
			: enabled  ? " (active)"
				   : "",
		c->fstab, reason);
	sc_err_hint(err,
		"nothing was rolled back: every reader already sees the new fstab; run "
		"sync and check the disk; if a crash brings back the old fstab, run the "
		"command again");
}
