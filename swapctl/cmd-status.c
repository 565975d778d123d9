/*
 * swapctl status: every active swap area, fstab swap entry, zram device, zswap state, the
 * companion vm.* values and memory figures, with drift flagged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fstab.h"
#include "macro.h"
#include "parse.h"
#include "procfs.h"
#include "rotate.h"
#include "swapfile.h"
#include "sysctl.h"
#include "util.h"
#include "zram.h"
#include "zswap.h"

/* An fstab swap entry seen beside the kernel's view. */
struct fstab_view {
	struct sc_fstab_entry e;
	const struct sc_swap *active; /* the active area it names, or NULL */
	bool exists; /* the file or device exists */
	dev_t dev; /* its identity, when it exists */
	ino_t ino;
	bool unknown; /* an image's device source: not looked up (exists is false) */
};

struct status {
	struct sc_swaps swaps;
	struct fstab_view *fstab;
	size_t n_fstab;
	bool fstab_readable;
	int *swap_entry; /* per active area: index into fstab, or -1 */
	struct drift {
		const char *kind;
		char *target;
		char *message;
	} * drift;
	size_t n_drift;
	struct sc_meminfo mem;
	struct sc_zram_dev *zram;
	size_t n_zram;
	struct sc_zswap zswap;
	struct sc_zram_state zram_owned; /* the devices swapctl created */
	int64_t sysctl[16];
	bool sysctl_present[16];
};

static void status_done(struct status *s)
{
	for (size_t i = 0; i < s->n_fstab; i++)
		sc_fstab_entry_done(&s->fstab[i].e);
	free(s->fstab);
	free(s->swap_entry);
	for (size_t i = 0; i < s->n_drift; i++) {
		free(s->drift[i].target);
		free(s->drift[i].message);
	}
	free(s->drift);
	sc_swaps_free(&s->swaps);
	sc_zram_list_free(s->zram, s->n_zram);
	sc_zram_state_free(&s->zram_owned);
}

/*
 * Where an fstab source lives on this system: a path (under --root for an image), or a
 * UUID=/LABEL=/PARTUUID= tag through the udev symlinks in /dev/disk. An image's devices are
 * those of the machine it will boot on: NULL, not looked up.
 */
static char *entry_location(const struct sc_ctx *c, const char *source)
{
	char *link;
	int r = sc_fstab_tag_link(source, &link);

	if (c->offline && (r != 0 || sc_startswith(source, "/dev/"))) {
		free(link);
		return NULL;
	}
	if (r != 0)
		return link;
	return source[0] == '/' ? sc_ctx_root_path(c, source) : strdup(source);
}

/* Same file or device? Identity, never path text (FAILURE-MODES F-18). */
static bool same_object(const struct stat *a, const struct stat *b)
{
	if (S_ISBLK(a->st_mode) || S_ISBLK(b->st_mode))
		return S_ISBLK(a->st_mode) && S_ISBLK(b->st_mode) && a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int gather_fstab(struct sc_cli *cli, struct status *s)
{
	const struct sc_ctx *c = &cli->ctx;
	struct sc_fstab_entry *entries = NULL;
	struct sc_fstab *f = NULL;
	struct sc_err err = {0};
	struct stat *active_st;
	bool *active_ok;
	size_t n = 0;
	int r;

	s->swap_entry = malloc((s->swaps.n + 1) * sizeof(int));
	active_st = calloc(s->swaps.n + 1, sizeof(*active_st));
	active_ok = calloc(s->swaps.n + 1, sizeof(*active_ok));
	if (!s->swap_entry || !active_st || !active_ok) {
		free(active_st);
		free(active_ok);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->swaps.n; i++) {
		s->swap_entry[i] = -1;
		active_ok[i] = stat(s->swaps.items[i].path, &active_st[i]) == 0;
	}

	r = sc_fstab_load(c, c->fstab, &f, &err);
	if (r < 0) {
		sc_warn(cli, "%s, skipping fstab", err.msg[0] ? err.msg : strerror(-r));
		r = 0;
		goto out;
	}
	s->fstab_readable = true;
	r = sc_fstab_list_swap(f, &entries, &n);
	if (r < 0)
		goto out;
	s->fstab = calloc(n + 1, sizeof(*s->fstab));
	if (!s->fstab) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct fstab_view *v = &s->fstab[s->n_fstab++];
		/* Each boot-time reader's path: libmount's, and glibc getmntent's when it differs. */
		const char *src[2] = {entries[i].source, entries[i].glibc_source};
		struct stat st[2];
		bool have_st[2] = {false, false}, located = false;

		for (unsigned m = 0; m < 2 && src[m]; m++) {
			_cleanup_free_ char *loc = entry_location(c, src[m]);

			located |= loc != NULL;
			have_st[m] = loc && sc_ctx_stat(c, loc, true, &st[m]) == 0;
		}
		v->e = entries[i];
		memset(&entries[i], 0, sizeof(entries[i]));
		v->exists = have_st[0] || have_st[1];
		v->unknown = !located && c->offline;
		if (v->exists) {
			v->dev = have_st[0] ? st[0].st_dev : st[1].st_dev;
			v->ino = have_st[0] ? st[0].st_ino : st[1].st_ino;
		}
		for (size_t k = 0; k < s->swaps.n && !c->offline; k++) {
			bool match = false;

			for (unsigned m = 0; m < 2 && src[m] && !match; m++)
				match = have_st[m] && active_ok[k]
					? same_object(&st[m], &active_st[k])
					: sc_streq(src[m], s->swaps.items[k].path);
			if (!match)
				continue;
			v->active = &s->swaps.items[k];
			if (s->swap_entry[k] < 0)
				s->swap_entry[k] = (int)i;
		}
		/* The kernel holds what it lists (a sysroot fixture has no such files). */
		if (v->active && !v->active->deleted)
			v->exists = true;
	}
out:
	sc_fstab_entries_free(entries, n);
	sc_fstab_free(f);
	free(active_st);
	free(active_ok);
	return r;
}

static int add_drift(struct status *s, const char *kind, const char *target, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int add_drift(struct status *s, const char *kind, const char *target, const char *fmt, ...)
{
	struct drift *d = realloc(s->drift, (s->n_drift + 1) * sizeof(*d));
	va_list ap;
	int r;

	if (!d)
		return -ENOMEM;
	s->drift = d;
	d = &s->drift[s->n_drift];
	d->kind = kind;
	d->target = strdup(target);
	va_start(ap, fmt);
	r = vasprintf(&d->message, fmt, ap);
	va_end(ap);
	if (!d->target || r < 0) {
		free(d->target);
		return -ENOMEM;
	}
	s->n_drift++;
	return 0;
}

/*
 * Drift between the kernel's view and fstab. zram devices are persisted by swapctl's zram
 * configuration, not fstab, so they are not "not persisted" here.
 */
/*
 * A rotation journal left behind: a rotate, resize or priority --rotate stopped half-way
 * (rotate.h); the next one of those commands completes or rolls it back.
 */
static int rotation_drift(const struct sc_ctx *c, struct status *s)
{
	_cleanup_free_ char *path = NULL;
	struct sc_rotate_journal j = {0};
	int r;

	r = sc_rotate_journal_read(c, &j);
	if (r == 0 || r == -ENOMEM)
		return r;
	path = sc_rotate_journal_path(c);
	if (!path)
		r = -ENOMEM;
	else if (r > 0)
		r = add_drift(s, "rotation-pending", path,
			"%s: the rotation of %s to %s was interrupted; run swapctl rotate to "
			"complete or roll it back",
			path, j.old_path, j.new_path);
	else
		r = add_drift(s, "rotation-pending", path,
			"%s: a rotation was interrupted (the journal cannot be read: %s); run "
			"swapctl rotate to complete or roll it back",
			path, strerror(-r));
	sc_rotate_journal_done(&j);
	return r;
}

/*
 * Swap areas in swapctl's swap directory that nothing uses: not active, named by no fstab
 * entry (by identity, or by path when the entry's file is gone) and not part of a pending
 * rotation. A remove that could not delete a file, or a crash that brought an old fstab
 * back, leaves one; nothing else would ever name it again.
 */
static int orphan_drift(const struct sc_ctx *c, struct status *s)
{
	struct sc_rotate_journal j = {0};
	struct sc_swapfile_found *f = NULL;
	size_t n = 0;
	int r;

	if (!s->fstab_readable)
		return 0;
	r = sc_swapfile_list_inactive(c, &f, &n);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	if (sc_rotate_journal_read(c, &j) < 0)
		memset(&j, 0, sizeof(j));
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *boot = sc_ctx_boot_path(c, f[i].path);
		bool named = sc_streq(f[i].path, j.old_path) || sc_streq(f[i].path, j.new_path) ||
			sc_streq(boot, j.old_path) || sc_streq(boot, j.new_path);

		for (size_t k = 0; k < s->n_fstab && !named; k++)
			named = (s->fstab[k].exists && s->fstab[k].dev == f[i].dev &&
					s->fstab[k].ino == f[i].ino) ||
				sc_streq(s->fstab[k].e.source, boot);
		if (!named)
			r = add_drift(s, "orphaned", boot,
				"%s is a swap area in swapctl's directory that no entry in %s "
				"names "
				"and that is not active; remove it with swapctl remove %s",
				boot, c->fstab, boot);
	}
	sc_rotate_journal_done(&j);
	sc_swapfile_found_free(f, n);
	return r;
}

/* Two entries any boot-time reader takes for the same source (see sc_fstab_find_swap). */
static bool same_source(const struct sc_fstab_entry *a, const struct sc_fstab_entry *b)
{
	return sc_streq(a->source, b->source) ||
		(a->glibc_source && sc_streq(a->glibc_source, b->source)) ||
		(b->glibc_source && sc_streq(a->source, b->glibc_source)) ||
		(a->glibc_source && b->glibc_source && sc_streq(a->glibc_source, b->glibc_source));
}

static int compute_drift(const struct sc_ctx *c, struct status *s)
{
	int r = 0;

	for (size_t i = 0; i < s->swaps.n && r == 0; i++) {
		const struct sc_swap *w = &s->swaps.items[i];
		if (w->type != SC_SWAP_ZRAM && s->swap_entry[i] < 0 && s->fstab_readable)
			r = add_drift(s, "not-persisted", w->path,
				"%s is active but has no entry in %s: it will be gone after a "
				"reboot",
				w->path, c->fstab);
	}
	for (size_t i = 0; i < s->n_fstab && r == 0; i++) {
		const struct fstab_view *v = &s->fstab[i];
		if (!v->exists && !v->unknown)
			r = add_drift(s, "missing", v->e.source,
				"%s line %zu names %s, which does not exist", c->fstab, v->e.line,
				v->e.source);
		else if (!v->active && !v->e.noauto && !c->offline)
			r = add_drift(s, "inactive", v->e.source,
				"%s line %zu names %s, which is not active", c->fstab, v->e.line,
				v->e.source);
		for (size_t k = 0; k < i && r == 0; k++) {
			const struct fstab_view *u = &s->fstab[k];
			if ((u->active && u->active == v->active) || same_source(&u->e, &v->e)) {
				r = add_drift(s, "duplicate", v->e.source,
					"%s lines %zu and %zu both name %s; at boot the first one "
					"wins",
					c->fstab, u->e.line, v->e.line, v->e.source);
				break;
			}
		}
	}
	if (r == 0)
		r = rotation_drift(c, s);
	if (r == 0)
		r = orphan_drift(c, s);
	return r;
}

static int gather(struct sc_cli *cli, struct status *s)
{
	const struct sc_ctx *c = &cli->ctx;
	int r;

	/*
	 * An offline image (--root) has no running swap, memory, zram, zswap or live vm.*
	 * values (the running kernel's are this machine's): only its fstab is shown.
	 */
	if (!c->offline) {
		r = sc_swaps_read(c, &s->swaps);
		if (r < 0)
			return sc_report_errno(cli, r, "/proc/swaps", "cannot read");
	}
	r = gather_fstab(cli, s);
	if (r == 0)
		r = compute_drift(c, s);
	if (r < 0)
		return sc_report_errno(cli, r, c->fstab, "cannot read");
	if (c->offline)
		return 0;
	r = sc_meminfo_read(c, &s->mem);
	if (r < 0)
		return sc_report_errno(cli, r, "/proc/meminfo", "cannot read");
	r = sc_zram_list(c, &s->zram, &s->n_zram);
	if (r < 0)
		return sc_report_errno(cli, r, "/sys/block", "cannot list zram devices");
	if (sc_zram_state_load(c, &s->zram_owned) < 0)
		memset(&s->zram_owned, 0, sizeof(s->zram_owned));
	r = sc_zswap_read(c, &s->zswap);
	if (r < 0)
		return sc_report_errno(cli, r, "/sys/module/zswap", "cannot read");
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++)
		s->sysctl_present[i] =
			sc_sysctl_read_live(c, sc_sysctl_keys[i].name, &s->sysctl[i]) == 0;
	return 0;
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* zswap sits in front of every swap device, zram included: pages get compressed twice. */
static bool zram_swap_active(const struct status *s)
{
	for (size_t i = 0; i < s->swaps.n; i++)
		if (s->swaps.items[i].type == SC_SWAP_ZRAM)
			return true;
	return false;
}

static struct json_object *render_json(const struct status *s, bool offline)
{
	struct json_object *o = json_object_new_object(), *a, *e;

	a = json_object_new_array();
	for (size_t i = 0; i < s->swaps.n; i++) {
		const struct sc_swap *w = &s->swaps.items[i];
		e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(w->path));
		json_object_object_add(
			e, "type", json_object_new_string(sc_swap_type_name(w->type)));
		json_object_object_add(e, "size_bytes", json_u64(w->size_bytes));
		json_object_object_add(e, "used_bytes", json_u64(w->used_bytes));
		json_object_object_add(e, "priority", json_object_new_int(w->priority));
		int k = s->swap_entry[i];
		json_object_object_add(
			e, "managed", json_object_new_boolean(k >= 0 && s->fstab[k].e.managed));
		json_object_object_add(e, "persistent", json_object_new_boolean(k >= 0));
		json_object_object_add(e, "deleted", json_object_new_boolean(w->deleted));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "swaps", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->n_fstab; i++) {
		const struct fstab_view *v = &s->fstab[i];
		e = json_object_new_object();
		json_object_object_add(e, "source", json_object_new_string(v->e.source));
		json_object_object_add(e, "line", json_object_new_int64((int64_t)v->e.line));
		json_object_object_add(e, "options", json_object_new_string(v->e.options));
		json_object_object_add(e, "priority",
			v->e.has_priority ? json_object_new_int(v->e.priority) : NULL);
		json_object_object_add(e, "managed", json_object_new_boolean(v->e.managed));
		json_object_object_add(
			e, "exists", v->unknown ? NULL : json_object_new_boolean(v->exists));
		json_object_object_add(e, "active", json_object_new_boolean(v->active != NULL));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "fstab", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->n_drift; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "kind", json_object_new_string(s->drift[i].kind));
		json_object_object_add(e, "target", json_object_new_string(s->drift[i].target));
		json_object_object_add(e, "message", json_object_new_string(s->drift[i].message));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "drift", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->n_zram; i++) {
		const struct sc_zram_dev *z = &s->zram[i];
		char dev[48];
		snprintf(dev, sizeof(dev), "/dev/%s", z->name);
		e = json_object_new_object();
		json_object_object_add(e, "device", json_object_new_string(dev));
		json_object_object_add(e, "disksize_bytes", json_u64(z->disksize));
		json_object_object_add(
			e, "algorithm", z->algorithm ? json_object_new_string(z->algorithm) : NULL);
		json_object_object_add(e, "orig_data_bytes", json_u64(z->orig_data));
		json_object_object_add(e, "compr_data_bytes", json_u64(z->compr_data));
		json_object_object_add(e, "mem_used_bytes", json_u64(z->mem_used));
		json_object_object_add(e, "initialized", json_object_new_boolean(z->initialized));
		json_object_object_add(e, "managed",
			json_object_new_boolean(sc_zram_state_find(&s->zram_owned, z->id) != NULL));
		json_object_object_add(e, "priority",
			sc_swaps_find(&s->swaps, dev)
				? json_object_new_int(sc_swaps_find(&s->swaps, dev)->priority)
				: NULL);
		json_object_object_add(e, "ratio",
			z->compr_data ? json_object_new_double(
						(double)z->orig_data / (double)z->compr_data)
				      : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "zram", a);

	e = json_object_new_object();
	json_object_object_add(e, "available", json_object_new_boolean(s->zswap.present));
	json_object_object_add(e, "enabled", json_object_new_boolean(s->zswap.enabled));
	if (s->zswap.present) {
		json_object_object_add(
			e, "compressor", json_object_new_string(s->zswap.compressor));
		if (s->zswap.zpool[0])
			json_object_object_add(e, "zpool", json_object_new_string(s->zswap.zpool));
		if (s->zswap.max_pool_percent >= 0)
			json_object_object_add(e, "max_pool_percent",
				json_object_new_int(s->zswap.max_pool_percent));
		json_object_object_add(e, "pool_bytes", json_u64(s->mem.zswap));
		json_object_object_add(e, "stored_bytes", json_u64(s->mem.zswapped));
		json_object_object_add(e, "in_front_of_zram",
			json_object_new_boolean(s->zswap.enabled && zram_swap_active(s)));
	}
	json_object_object_add(o, "zswap", e);

	e = json_object_new_object();
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++) {
		char key[64];
		if (!s->sysctl_present[i])
			continue;
		snprintf(key, sizeof(key), "vm.%s", sc_sysctl_keys[i].name);
		json_object_object_add(e, key, json_object_new_int64(s->sysctl[i]));
	}
	json_object_object_add(o, "sysctl", e);

	if (offline) { /* an image has no memory figures */
		json_object_object_add(o, "memory", NULL);
		return o;
	}
	e = json_object_new_object();
	json_object_object_add(e, "total_bytes", json_u64(s->mem.total));
	json_object_object_add(e, "available_bytes", json_u64(s->mem.available));
	json_object_object_add(e, "swap_total_bytes", json_u64(s->mem.swap_total));
	json_object_object_add(e, "swap_free_bytes", json_u64(s->mem.swap_free));
	json_object_object_add(e, "committed_bytes", json_u64(s->mem.committed_as));
	json_object_object_add(e, "commit_limit_bytes", json_u64(s->mem.commit_limit));
	json_object_object_add(o, "memory", e);
	return o;
}

/* The running system's memory and swap areas (an offline image has neither). */
static void render_live(const struct status *s)
{
	char b1[32], b2[32], b3[32], b4[32];

	printf("Memory: %s total, %s available; swap %s total, %s free\n",
		sc_format_bytes(s->mem.total, b1), sc_format_bytes(s->mem.available, b2),
		sc_format_bytes(s->mem.swap_total, b3), sc_format_bytes(s->mem.swap_free, b4));

	printf("\nSwap areas:\n");
	if (s->swaps.n == 0)
		printf("  (none active)\n");
	else
		printf("  %-40s %-9s %10s %10s %5s  %s\n", "PATH", "TYPE", "SIZE", "USED", "PRIO",
			"FSTAB");
	for (size_t i = 0; i < s->swaps.n; i++) {
		const struct sc_swap *w = &s->swaps.items[i];
		int k = s->swap_entry[i];
		const char *where = w->type == SC_SWAP_ZRAM ? "-"
			: k < 0				    ? "not in fstab"
			: s->fstab[k].e.managed		    ? "managed"
							    : "in fstab";

		printf("  %-40s %-9s %10s %10s %5d  %s%s\n", w->path, sc_swap_type_name(w->type),
			sc_format_bytes(w->size_bytes, b1), sc_format_bytes(w->used_bytes, b2),
			w->priority, where, w->deleted ? "  (deleted)" : "");
	}

	printf("\n");
}

static void render_human(const struct status *s, bool offline)
{
	char b1[32], b2[32], b3[32];

	if (!offline)
		render_live(s);
	printf("fstab swap entries:\n");
	if (s->n_fstab == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < s->n_fstab; i++) {
		const struct fstab_view *v = &s->fstab[i];
		printf("  %-40s %-8s %s\n", v->e.source,
			v->active	     ? "active"
				: v->unknown ? "unchecked"
				: !v->exists ? "missing"
				: offline    ? "present"
					     : "inactive",
			v->e.managed ? "managed" : "unmanaged");
	}
	if (offline) {
		for (size_t i = 0; i < s->n_drift; i++)
			printf("%s  %s: %s\n", i ? "" : "\nDrift:\n", s->drift[i].kind,
				s->drift[i].message);
		return;
	}

	printf("\nzram devices:\n");
	if (s->n_zram == 0)
		printf("  (none)\n");
	for (size_t i = 0; i < s->n_zram; i++) {
		const struct sc_zram_dev *z = &s->zram[i];
		if (!z->initialized) {
			printf("  /dev/%-10s not initialised\n", z->name);
			continue;
		}
		printf("  /dev/%-10s %s %s, data %s compressed to %s", z->name,
			sc_format_bytes(z->disksize, b1), z->algorithm ? z->algorithm : "?",
			sc_format_bytes(z->orig_data, b2), sc_format_bytes(z->compr_data, b3));
		if (z->compr_data > 0)
			printf(" (ratio %.2f)", (double)z->orig_data / (double)z->compr_data);
		printf(", memory used %s\n", sc_format_bytes(z->mem_used, b1));
	}

	printf("\nzswap: ");
	if (!s->zswap.present)
		printf("not available in this kernel\n");
	else
		printf("%s (compressor %s, max pool %d%%)\n",
			s->zswap.enabled ? "enabled" : "disabled", s->zswap.compressor,
			s->zswap.max_pool_percent);
	if (s->zswap.present && s->zswap.enabled && zram_swap_active(s))
		printf("  warning: zswap sits in front of zram swap: pages are compressed twice "
		       "(swapctl zswap disable)\n");

	if (s->n_drift > 0) {
		printf("\nDrift:\n");
		for (size_t i = 0; i < s->n_drift; i++)
			printf("  %s: %s\n", s->drift[i].kind, s->drift[i].message);
	}

	printf("\nvm sysctls:\n");
	for (size_t i = 0; i < sc_sysctl_n_keys && i < ELEMENTSOF(s->sysctl); i++)
		if (s->sysctl_present[i])
			printf("  vm.%-26s %" PRId64 "\n", sc_sysctl_keys[i].name, s->sysctl[i]);
}

int sc_cmd_status(struct sc_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct status s = {0};
	int c, ret;

	while ((c = sc_cli_getopt(cli, argc, argv, "h", opts, &ret)) != -1)
		;
	if (ret >= 0)
		return ret;
	if (optind < argc)
		return sc_usage_error(cli, "status: unexpected argument '%s'", argv[optind]);

	ret = gather(cli, &s);
	if (ret == 0) {
		if (cli->json)
			sc_json_print(render_json(&s, cli->ctx.offline));
		else
			render_human(&s, cli->ctx.offline);
	}
	status_done(&s);
	return ret;
}
