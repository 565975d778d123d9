/*
 * A second document over the same loaded file: what planning stages its edits on, so a
 * refused edit is found before anything is applied and the real document stays untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int sc_fstab_dup_loaded(const struct sc_fstab *f, struct sc_fstab **ret, struct sc_err *err)
{
	struct sc_fstab *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	if (f->path) {
		g->path = strdup(f->path);
		if (!g->path) {
			free(g);
			return -ENOMEM;
		}
	}
	g->is_new = f->is_new;
	g->has_id = f->has_id;
	g->id = f->id;
	g->resolve = f->resolve;
	g->resolve_data = f->resolve_data;
	r = sc_fstab_build(g, f->orig ? f->orig : (char *)"", f->orig_len, false, f, err);
	if (r < 0) {
		sc_fstab_free(g);
		return r;
	}
	*ret = g;
	return 0;
}
