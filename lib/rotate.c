/* Make-before-break planning, the rotation journal and crash recovery. See rotate.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "macro.h"
#include "parse.h"
#include "rotate.h"
#include "util.h"

void sc_rotate_plan_free(struct sc_rotate_plan *p)
{
	for (size_t i = 0; i < p->n_units; i++) {
		free(p->units[i].old_path);
		free(p->units[i].new_path);
		free(p->units[i].label);
	}
	free(p->units);
	sc_plan_free(&p->plan);
	memset(p, 0, sizeof(*p));
}

/* ".<N>" with N decimal, no leading zero, 1..9 digits: the generation suffix. */
static bool parse_generation(const char *s, unsigned *ret)
{
	unsigned v = 0;
	size_t n = 0;

	if (s[0] < '1' || s[0] > '9')
		return false;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 9)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	*ret = v;
	return true;
}

int sc_rotate_split_name(const char *name, char **ret_base, unsigned *ret_generation)
{
	const char *dot = strrchr(name, '.');
	unsigned gen = 0;
	size_t len = strlen(name);

	if (dot && dot > name && parse_generation(dot + 1, &gen))
		len = (size_t)(dot - name);
	else
		gen = 0;
	*ret_base = strndup(name, len);
	if (!*ret_base)
		return -ENOMEM;
	*ret_generation = gen;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The generation of name in the family of base, or -1 when it is not a member. */
static long member_generation(const char *name, const char *base)
{
	_cleanup_free_ char *b = NULL;
	unsigned gen;

	if (sc_rotate_split_name(name, &b, &gen) < 0)
		return -1;
	return strcmp(b, base) == 0 ? (long)gen : -1;
}

int sc_rotate_next_path(const char *old_path, const char *const *dir_names, size_t n_names,
	const char *const *active_paths, size_t n_active, char **ret)
{
	const char *name = base_name(old_path);
	size_t dirlen = (size_t)(name - old_path);
	_cleanup_free_ char *base = NULL;
	unsigned gen;
	long max;
	int r;

	if (!*name)
		return -EINVAL;
	r = sc_rotate_split_name(name, &base, &gen);
	if (r < 0)
		return r;
	max = gen;
	for (size_t i = 0; i < n_names; i++)
		max = SC_MAX(max, member_generation(dir_names[i], base));
	for (size_t i = 0; i < n_active; i++) {
		const char *an = base_name(active_paths[i]);

		/* Only areas in the same directory share the namespace. */
		if ((size_t)(an - active_paths[i]) != dirlen ||
			strncmp(active_paths[i], old_path, dirlen) != 0)
			continue;
		max = SC_MAX(max, member_generation(an, base));
	}
	if (max >= (long)SC_ROTATE_MAX_GENERATION)
		return -ERANGE;
	if (asprintf(ret, "%.*s%s.%ld", (int)dirlen, old_path, base, max + 1) < 0)
		return -ENOMEM;
	return 0;
}

int sc_rotate_priority_of(const struct sc_rotate_target *t)
{
	if (t->in_fstab && t->has_priority && t->fstab_priority >= 0)
		return SC_MIN(t->fstab_priority, 32767);
	if (t->active && t->active_priority >= 0)
		return t->active_priority;
	return SC_ROTATE_PRIORITY_DEFAULT;
}

static struct sc_rotation *add_unit(struct sc_rotate_plan *p)
{
	struct sc_rotation *u = realloc(p->units, (p->n_units + 1) * sizeof(*u));

	if (!u)
		return NULL;
	p->units = u;
	u = &p->units[p->n_units++];
	memset(u, 0, sizeof(*u));
	u->first = p->plan.n;
	return u;
}

/* Append one action of unit u; NULL when out of memory. */
static struct sc_action *act(
	struct sc_rotate_plan *p, struct sc_rotation *u, enum sc_act kind, const char *target)
{
	struct sc_action *a = sc_plan_add(&p->plan, kind, target);

	if (!a)
		return NULL;
	u->n++;
	a->recovery = u->recovery;
	return a;
}

/* The actions of one rotation from step `from` on (recovery resumes part-way). */
enum step {
	STEP_CREATE,
	STEP_SWAPON,
	STEP_FSTAB,
	STEP_SWAPOFF,
	STEP_UNLINK,
};

static int add_steps(struct sc_rotate_plan *p, size_t ui, enum step from, const char *fstab,
	bool old_active, bool old_exists)
{
	struct sc_rotation *u = &p->units[ui];
	struct sc_action *a;

	if (from <= STEP_CREATE) {
		a = act(p, u, SC_ROT_ACT_CREATE, u->new_path);
		if (!a || sc_action_strdup(a, u->old_path, &a->u.rot_create.replaces) < 0)
			return -ENOMEM;
		a->u.rot_create.size = u->size;
		u = &p->units[ui];
	}
	if (from <= STEP_SWAPON && u->enable) {
		a = act(p, u, SC_ROT_ACT_SWAPON, u->new_path);
		if (!a)
			return -ENOMEM;
		a->u.rot_swapon.priority = u->priority;
		a->u.rot_swapon.discard = u->discard;
	}
	if (from <= STEP_FSTAB && u->persist) {
		a = act(p, u, SC_ROT_ACT_FSTAB_REPLACE, fstab);
		if (!a || sc_action_strdup(a, u->old_path, &a->u.fstab_replace.old_source) < 0 ||
			sc_action_strdup(a, u->new_path, &a->u.fstab_replace.new_source) < 0)
			return -ENOMEM;
		a->u.fstab_replace.priority = u->priority;
	}
	if (from <= STEP_SWAPOFF && old_active) {
		a = act(p, u, SC_ROT_ACT_SWAPOFF, u->old_path);
		if (!a)
			return -ENOMEM;
		a->u.rot_swapoff.used = u->old_used;
	}
	if (from <= STEP_UNLINK && old_exists) {
		a = act(p, u, SC_ROT_ACT_UNLINK, u->old_path);
		if (!a)
			return -ENOMEM;
	}
	return 0;
}

static int refuse_target(
	const struct sc_rotate_request *req, const struct sc_rotate_target *t, struct sc_err *err)
{
	const char *what = req->kind == SC_ROTATE_RESIZE ? "resize" : "rotate";

	if (t->deleted)
		return sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: the active swap area's file was deleted, so it cannot be replaced by "
			"name",
			t->path);
	if (!t->active && !t->in_fstab)
		return sc_err_set(err, SC_EXIT_USAGE, 0,
			"%s: not an active swap area or fstab swap entry", t->path);
	if (!t->exists)
		return sc_err_set(err, SC_EXIT_USAGE, ENOENT,
			"%s: cannot %s: the file does not exist", t->path, what);
	if (!t->regular)
		return sc_err_set(err, SC_EXIT_USAGE, 0,
			"%s: cannot %s: not a swapfile (only regular files are replaced; use "
			"priority for devices)",
			t->path, what);
	if (t->resume_target && !req->force) {
		sc_err_set(err, SC_EXIT_REFUSED, 0,
			"%s: is the running kernel's hibernation resume target "
			"(/sys/power/resume and resume_offset), set up outside swapctl; after a "
			"%s, resume would read the wrong blocks",
			t->path, what);
		sc_err_hint(err,
			"configure resume with swapctl hibernate %s first (swapctl then moves it "
			"to the replacement), or give --force and update resume= and "
			"resume_offset= yourself",
			t->path);
		return -EPERM;
	}
	return 0;
}

int sc_rotate_plan(const struct sc_rotate_request *req, const struct sc_rotate_target *t, size_t n,
	struct sc_rotate_plan *ret, struct sc_err *err)
{
	static const char other_place[] =
		"remove the swapfile and add one elsewhere (swapctl remove, swapctl add --path)";
	char b1[32], b2[32], b3[32];
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct sc_rotate_target *x = &t[i];
		struct sc_rotation *u;
		uint64_t size;
		size_t ui;

		r = refuse_target(req, x, err);
		if (r < 0)
			return r;
		size = req->size ? req->size : x->file_size;
		if (req->kind == SC_ROTATE_RESIZE && size == x->file_size)
			continue; /* already this size */
		if (req->kind == SC_ROTATE_PRIORITY &&
			(!x->active || x->active_priority == req->priority) &&
			(!x->in_fstab || (x->has_priority && x->fstab_priority == req->priority)))
			continue; /* already this priority */
		if (!x->new_path)
			return sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
				"%s: no name for the replacement", x->path);
		/* Both files exist until the old one is retired: the new one needs the room. */
		if (x->fs_free < x->reserve || size > x->fs_free - x->reserve) {
			sc_err_set(err, SC_EXIT_REFUSED, ENOSPC,
				"%s: no room for the replacement: "
				"it needs %s next to the old file, "
				"the filesystem has %s free and keeps a reserve of %s",
				x->path, sc_format_bytes(size, b1), sc_format_bytes(x->fs_free, b2),
				sc_format_bytes(x->reserve, b3));
			sc_err_hint(err, "free %s on the filesystem first, or %s",
				sc_format_bytes(
					size + x->reserve - SC_MIN(x->fs_free, size + x->reserve),
					b1),
				req->kind == SC_ROTATE_RESIZE ? "choose a smaller size"
							      : other_place);
			return -ENOSPC;
		}
		u = add_unit(ret);
		if (!u)
			return -ENOMEM;
		ui = (size_t)(u - ret->units);
		u->old_path = strdup(x->path);
		u->new_path = strdup(x->new_path);
		u->label = x->label ? strdup(x->label) : NULL;
		if (!u->old_path || !u->new_path || (x->label && !u->label))
			return -ENOMEM;
		u->size = size;
		u->priority = req->priority >= 0 ? req->priority : sc_rotate_priority_of(x);
		u->discard = sc_discard_from_fstab(x->in_fstab ? x->discard : NULL);
		u->enable = x->active && !req->offline;
		u->persist = x->in_fstab;
		u->managed = true; /* the replacement is swapctl's file */
		u->nofail = x->nofail;
		u->old_used = x->active_used;
		r = add_steps(ret, ui, STEP_CREATE, req->fstab, x->active && !req->offline, true);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- The journal ---- */

void sc_rotate_journal_done(struct sc_rotate_journal *j)
{
	free(j->old_path);
	free(j->new_path);
	memset(j, 0, sizeof(*j));
}

int sc_rotate_journal_format(const struct sc_rotation *r, char **ret)
{
	_cleanup_free_ char *o = NULL, *n = NULL;
	int k;

	if (sc_mangle(r->old_path, &o) < 0 || sc_mangle(r->new_path, &n) < 0)
		return -EINVAL;
	k = asprintf(ret,
		"# swapctl: a rotation in progress; the next swapctl rotate, resize or priority\n"
		"# completes or rolls it back (swapctl(8), CRASH RECOVERY). Do not edit.\n"
		"version=1\nold=%s\nnew=%s\nsize=%" PRIu64 "\npriority=%d\ndiscard=%s\n"
		"enable=%d\npersist=%d\nmanaged=%d\nnofail=%d\n",
		o, n, r->size, r->priority, sc_discard_name(r->discard), r->enable, r->persist,
		r->managed, r->nofail);
	return k < 0 ? -ENOMEM : 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "0") == 0)
		*ret = false;
	else if (strcmp(v, "1") == 0)
		*ret = true;
	else
		return -EINVAL;
	return 0;
}

int sc_rotate_journal_parse(const char *text, struct sc_rotate_journal *ret)
{
	struct sc_rotate_journal j = {0};
	const char *line = text;
	bool version = false, have_size = false, have_prio = false;
	int r = 0;

	while (line && *line && r == 0) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_cleanup_free_ char *l = strndup(line, len);
		char *eq, *v;
		int64_t num;

		line = nl ? nl + 1 : NULL;
		if (!l) {
			r = -ENOMEM;
			break;
		}
		if (!l[0] || l[0] == '#')
			continue;
		eq = strchr(l, '=');
		if (!eq) {
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(l, "version") == 0)
			version = strcmp(v, "1") == 0, r = version ? 0 : -EINVAL;
		else if (strcmp(l, "old") == 0 && !j.old_path)
			r = sc_unmangle(v, strlen(v), &j.old_path);
		else if (strcmp(l, "new") == 0 && !j.new_path)
			r = sc_unmangle(v, strlen(v), &j.new_path);
		else if (strcmp(l, "size") == 0) {
			r = sc_parse_int(v, 0, INT64_MAX, &num);
			j.size = (uint64_t)num;
			have_size = r == 0;
		} else if (strcmp(l, "priority") == 0) {
			r = sc_parse_int(v, 0, 32767, &num);
			j.priority = (int)num;
			have_prio = r == 0;
		} else if (strcmp(l, "discard") == 0) {
			r = sc_discard_from_name(v, &j.discard);
		} else if (strcmp(l, "enable") == 0)
			r = parse_bool(v, &j.enable);
		else if (strcmp(l, "persist") == 0)
			r = parse_bool(v, &j.persist);
		else if (strcmp(l, "managed") == 0)
			r = parse_bool(v, &j.managed);
		else if (strcmp(l, "nofail") == 0)
			r = parse_bool(v, &j.nofail);
		else
			r = -EINVAL;
	}
	if (r == 0 &&
		(!version || !j.old_path || !j.new_path || !have_size || !have_prio ||
			j.old_path[0] != '/' || j.new_path[0] != '/'))
		r = -EINVAL;
	if (r < 0) {
		sc_rotate_journal_done(&j);
		return r == -ERANGE ? -EINVAL : r;
	}
	*ret = j;
	return 0;
}

char *sc_rotate_journal_path(const struct sc_ctx *c)
{
	char *p;

	if (asprintf(&p, "%s%s", c->fstab, SC_ROTATE_JOURNAL_SUFFIX) < 0)
		return NULL;
	return p;
}

int sc_rotate_journal_read(const struct sc_ctx *c, struct sc_rotate_journal *ret)
{
	_cleanup_free_ char *path = sc_rotate_journal_path(c);
	_cleanup_free_ char *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_ctx_read(c, path, 64 << 10, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = sc_rotate_journal_parse(text, ret);
	return r < 0 ? r : 1;
}

int sc_rotate_journal_write(const struct sc_ctx *c, const struct sc_rotation *r)
{
	_cleanup_free_ char *path = sc_rotate_journal_path(c);
	_cleanup_free_ char *text = NULL;
	struct sc_atomic_opts opts = {.mode = 0600};
	int k;

	if (!path)
		return -ENOMEM;
	k = sc_rotate_journal_format(r, &text);
	if (k < 0)
		return k;
	return sc_atomic_replace(c, path, text, strlen(text), &opts);
}

int sc_rotate_journal_remove(const struct sc_ctx *c)
{
	_cleanup_free_ char *path = sc_rotate_journal_path(c);
	_cleanup_close_ int dirfd = -1;
	const char *name;
	int r;

	if (!path)
		return -ENOMEM;
	/* The journal sits next to the fstab: inside the root, as the fstab. */
	dirfd = sc_ctx_open_parent(c, path, &name);
	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	r = c->sys->unlinkat(dirfd, name, 0);
	return r == -ENOENT ? 0 : r;
}

/* ---- Recovery ---- */

int sc_rotate_recover(const struct sc_rotate_journal *j, const struct sc_rotate_observed *o,
	const char *fstab, struct sc_rotate_plan *ret, struct sc_err *err)
{
	struct sc_rotation *u;
	size_t ui;

	u = add_unit(ret);
	if (!u)
		return -ENOMEM;
	ui = (size_t)(u - ret->units);
	u->old_path = strdup(j->old_path);
	u->new_path = strdup(j->new_path);
	if (!u->old_path || !u->new_path)
		return -ENOMEM;
	u->size = j->size;
	u->priority = j->priority;
	u->discard = j->discard;
	u->enable = j->enable;
	u->persist = j->persist;
	u->managed = j->managed;
	u->nofail = j->nofail;
	u->old_used = o->old_used;
	u->recovery = true;

	if (j->persist && o->fstab_old && o->fstab_new)
		goto contradiction;
	if (j->persist && !o->fstab_old && !o->fstab_new) {
		/* Nothing in fstab any more: only safe when nothing was made yet. */
		if (!o->new_exists && !o->new_active) {
			u->rollback = true;
			return 0;
		}
		goto contradiction;
	}

	/*
	 * Committed: fstab names the replacement (or, without fstab, the replacement is live).
	 * Only the old area's retirement is left.
	 */
	if (j->persist ? o->fstab_new : o->new_active)
		return add_steps(ret, ui, STEP_SWAPOFF, fstab, o->old_active, o->old_exists);
	/* Live but not yet persisted: it may already hold pages, so go forward, never back. */
	if (o->new_active)
		return add_steps(ret, ui, STEP_FSTAB, fstab, o->old_active, o->old_exists);
	if (o->new_exists) {
		u->rollback = true;
		return act(ret, u, SC_ROT_ACT_UNLINK, j->new_path) ? 0 : -ENOMEM;
	}
	u->rollback = true; /* never created: nothing to undo */
	return 0;

contradiction:
	sc_err_set(err, SC_EXIT_FAILURE, EUCLEAN,
		"%s: an interrupted rotation to %s cannot be finished: fstab %s (edited since?)",
		j->old_path, j->new_path, o->fstab_old ? "names both files" : "names neither file");
	sc_err_hint(err,
		"make fstab name the file that should stay, then remove the journal "
		"<fstab>%s",
		SC_ROTATE_JOURNAL_SUFFIX);
	return -EUCLEAN;
}

/* ---- priority ---- */

int sc_priority_plan(const struct sc_priority_target *t, int priority, const char *fstab,
	bool offline, struct sc_plan *ret, struct sc_err *err)
{
	struct sc_action *a;

	if (priority < 0 || priority > 32767)
		return sc_err_set(err, SC_EXIT_USAGE, 0,
			"%d: not a swap priority (0..32767; swapctl gives every area it manages "
			"an explicit priority)",
			priority);
	if (!t->active && !t->in_fstab)
		return sc_err_set(err, SC_EXIT_USAGE, 0,
			"%s: not an active swap area or fstab swap entry", t->path);
	if (t->active && t->active_priority != priority && !offline) {
		a = sc_plan_add(ret, SC_ROT_ACT_SWAPOFF, t->path);
		if (!a)
			return -ENOMEM;
		a->u.rot_swapoff.used = t->active_used;
		a = sc_plan_add(ret, SC_ROT_ACT_SWAPON, t->path);
		if (!a)
			return -ENOMEM;
		a->u.rot_swapon.priority = priority;
		a->u.rot_swapon.has_old_priority = true;
		a->u.rot_swapon.old_priority = t->active_priority;
		a->u.rot_swapon.discard = sc_discard_from_fstab(t->in_fstab ? t->discard : NULL);
	}
	if (t->in_fstab && (!t->has_priority || t->fstab_priority != priority)) {
		a = sc_plan_add(ret, SC_ROT_ACT_FSTAB_UPDATE, fstab);
		if (!a || sc_action_strdup(a, t->path, &a->u.fstab_update.source) < 0)
			return -ENOMEM;
		a->u.fstab_update.priority = priority;
	}
	return 0;
}
