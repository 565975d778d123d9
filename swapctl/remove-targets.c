/*
 * swapctl remove: the list of targets (named paths made canonical, or --all's managed
 * entries) and the fstab hooks the applier runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fsinfo.h"
#include "fstab.h"
#include "macro.h"
#include "swapfile.h"
#include "util.h"
#include "remove-cli.h"

int sc_remove_stage(void *data, struct sc_fstab *f, const struct sc_action *a, struct sc_err *err)
{
	struct remove_run *x = data;
	const char *path = a->u.fstab_remove.path ? a->u.fstab_remove.path : a->target;
	int r = sc_fstab_remove_swap(f, path);

	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r,
			"%s: cannot remove the entry for %s: %s", x->cli->ctx.fstab, path,
			strerror(-r));
	return 0;
}

int sc_remove_stage_fstab(void *data, const struct sc_action *a, struct sc_err *err)
{
	struct remove_run *x = data;

	return sc_remove_stage(data, x->fstab, a, err);
}

int sc_remove_commit_fstab(void *data, struct sc_err *err)
{
	struct remove_run *x = data;
	int r = sc_fstab_commit(&x->cli->ctx, x->fstab, err);

	/* Rebased onto the new version: only its directory fsync failed (fstab.h). */
	return r < 0 && !sc_fstab_modified(x->fstab) ? 1 : r;
}

void sc_remove_targets_free(struct target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].full);
		sc_swapfile_observed_done(&t[i].st);
		sc_fstab_entry_done(&t[i].entry);
	}
	free(t);
}

/*
 * A named path as the kernel and fstab spell it: made absolute and canonical, with symlinks
 * resolved when it exists (/proc/swaps shows resolved paths). Under --root, inside the tree.
 */
int sc_remove_target_path(const struct sc_ctx *c, const char *arg, char **ret)
{
	_cleanup_free_ char *norm = NULL, *full = NULL;
	int r;

	r = sc_swapfile_normalize(arg, &norm);
	if (r < 0)
		return r;
	full = sc_ctx_root_path(c, norm);
	if (!full)
		return -ENOMEM;
	if (!c->root[0]) {
		r = sc_fsinfo_canonical(c, full, ret);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	*ret = TAKE_PTR(full);
	return 0;
}

int sc_remove_add_target(struct target **t, size_t *n, char *full, bool named)
{
	struct target *nt;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*t)[i].full, full) == 0) {
			(*t)[i].named = (*t)[i].named || named;
			free(full);
			return 0;
		}
	nt = realloc(*t, (*n + 1) * sizeof(**t));
	if (!nt) {
		free(full);
		return -ENOMEM;
	}
	*t = nt;
	memset(&nt[*n], 0, sizeof(nt[*n]));
	nt[*n].full = full;
	nt[*n].named = named;
	(*n)++;
	return 0;
}
