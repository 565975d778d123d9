/*
 * Hibernation: what is observed (read only) and the texts of the files swapctl writes. The
 * plan is in hibernate-plan.c, the applier in hibernate-apply.c. See hibernate.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config.h"
#include "fsinfo.h"
#include "parse.h"
#include "hibernate.h"
#include "macro.h"
#include "procfs.h"
#include "resume-offset.h"
#include "util.h"

#define SECURE_BOOT_VAR "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

/* A decimal or (for resume_offset, which the kernel parses with base 0) any C number. */
static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*ret = strtoull(s, &end, 0);
	return errno == 0 && end != s && (*end == '\0' || *end == '\n');
}

/* Does the device a resume= value names exist? /dev/disk/by-* is udev's: -1 without it. */
static int resume_exists(const struct sc_ctx *c, const char *v)
{
	static const struct {
		const char *tag, *dir;
	} tags[] = {
		{"UUID=", "/dev/disk/by-uuid/"},
		{"PARTUUID=", "/dev/disk/by-partuuid/"},
		{"LABEL=", "/dev/disk/by-label/"},
		{"PARTLABEL=", "/dev/disk/by-partlabel/"},
	};
	char path[512];
	struct stat st;

	if (v[0] == '/') {
		snprintf(path, sizeof(path), "%s", v);
	} else {
		size_t i;

		for (i = 0; i < ELEMENTSOF(tags) && !sc_startswith(v, tags[i].tag); i++)
			;
		if (i == ELEMENTSOF(tags) || strchr(v + strlen(tags[i].tag), '/'))
			return -1; /* MAJ:MIN or hex: the kernel's own forms */
		if (c->sys->fstatat(AT_FDCWD, "/dev/disk", &st, 0) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s%s", tags[i].dir, v + strlen(tags[i].tag));
	}
	return c->sys->fstatat(AT_FDCWD, path, &st, 0) == 0 && S_ISBLK(st.st_mode);
}

void sc_hib_power_read(const struct sc_ctx *c, struct sc_hib_power *p)
{
	_cleanup_free_ char *resume = NULL, *state = NULL, *size = NULL, *offset = NULL;
	_cleanup_free_ char *lockdown = NULL, *cmdline = NULL;
	unsigned ma, mi;

	memset(p, 0, sizeof(*p));
	p->secure_boot = -1;
	if (sc_ctx_read_sys(c, "/sys/power/resume", 64, &resume) == 0) {
		p->present = true;
		if (sscanf(resume, "%u:%u", &ma, &mi) == 2) {
			p->has_resume = true;
			p->resume_major = ma;
			p->resume_minor = mi;
		}
	}
	if (sc_ctx_read_sys(c, "/sys/power/state", 256, &state) == 0)
		for (char *t = strtok(state, " \n"); t; t = strtok(NULL, " \n"))
			if (strcmp(t, "disk") == 0)
				p->disk = true;
	if (sc_ctx_read_sys(c, "/sys/power/image_size", 64, &size) == 0)
		p->has_image_size = parse_u64(size, &p->image_size);
	if (sc_ctx_read_sys(c, "/sys/power/resume_offset", 64, &offset) == 0)
		p->has_resume_offset = parse_u64(offset, &p->resume_offset);
	/* "none [integrity] confidentiality": the bracketed one is in force */
	if (sc_ctx_read_sys(c, "/sys/kernel/security/lockdown", 256, &lockdown) == 0) {
		char *a = strchr(lockdown, '['), *b = a ? strchr(a, ']') : NULL;

		if (a && b && (size_t)(b - a - 1) < sizeof(p->lockdown))
			snprintf(p->lockdown, sizeof(p->lockdown), "%.*s", (int)(b - a - 1), a + 1);
	}
	/* efivarfs: 4 bytes of attributes, then the value */
	{
		_cleanup_free_ char *path = sc_ctx_sys_path(c, SECURE_BOOT_VAR);
		unsigned char buf[8];
		int fd = path ? c->sys->openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0) : -1;

		if (fd >= 0) {
			if (c->sys->pread(fd, buf, sizeof(buf), 0) == 5)
				p->secure_boot = buf[4] == 1;
			sc_closep(&fd);
		}
	}
	if (sc_ctx_read_sys(c, "/proc/cmdline", 1 << 16, &cmdline) == 0)
		for (char *t = strtok(cmdline, " \t\n"); t; t = strtok(NULL, " \t\n")) {
			if (strcmp(t, "nohibernate") == 0 || strcmp(t, "hibernate=no") == 0)
				p->nohibernate = true;
			else if (sc_startswith(t, "resume=")) {
				free(p->cmdline_resume);
				p->cmdline_resume = strdup(t + strlen("resume="));
			} else if (sc_startswith(t, "resume_offset="))
				p->has_cmdline_offset =
					parse_u64(t + strlen("resume_offset="), &p->cmdline_offset);
		}
	p->cmdline_resume_exists = p->cmdline_resume ? resume_exists(c, p->cmdline_resume) : -1;
}

/*
 * The block device a file lives on: the source of its mount in mountinfo, checked to be a
 * block device. The mount is the one whose device is st_dev; btrfs gives every subvolume an
 * anonymous st_dev of its own, so there it is the last, longest mount point above the file's
 * canonical path, when that is a btrfs mount.
 */
static void locate(const struct sc_ctx *c, dev_t dev, const char *canon, struct sc_hib_file *f)
{
	struct sc_mounts mounts = {0};
	const char *src = NULL, *btrfs_src = NULL;
	size_t best = 0;
	struct stat st;
	bool found = false;

	if (sc_mountinfo_read(c, &mounts) < 0)
		return;
	for (size_t i = 0; i < mounts.n && !found; i++) {
		const struct sc_mount *m = &mounts.items[i];
		size_t len = strlen(m->point);

		if (m->major == major(dev) && m->minor == minor(dev)) {
			found = c->sys->fstatat(AT_FDCWD, m->source, &st, 0) == 0 &&
				S_ISBLK(st.st_mode);
			src = found ? m->source : NULL;
			continue;
		}
		/* the mount the file's path is under: the last, longest one (btrfs only) */
		if (!canon ||
			!(strcmp(m->point, "/") == 0 ||
				(sc_startswith(canon, m->point) && canon[len] == '/')) ||
			len < best)
			continue;
		best = len;
		btrfs_src = strcmp(m->fstype, "btrfs") == 0 ? m->source : NULL;
	}
	if (!found && btrfs_src) {
		src = btrfs_src;
		found = c->sys->fstatat(AT_FDCWD, src, &st, 0) == 0 && S_ISBLK(st.st_mode);
	}
	if (found && strlen(src) < sizeof(f->device)) {
		f->located = true;
		f->major = major(st.st_rdev);
		f->minor = minor(st.st_rdev);
		snprintf(f->device, sizeof(f->device), "%s", src);
	}
	sc_mounts_free(&mounts);
}

static void inspect_file(
	const struct sc_ctx *c, const struct sc_swaps *swaps, struct sc_hib_file *f)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *canon = NULL;
	const struct sc_swap *sw;
	struct stat st;

	fd = sc_ctx_open(c, f->full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0);
	if (fd < 0 || c->sys->fstatat(fd, "", &st, AT_EMPTY_PATH) < 0 || !S_ISREG(st.st_mode)) {
		f->offset_err = fd < 0 ? fd : -EINVAL;
		if (fd < 0)
			sc_err_set(&f->offset_msg, SC_EXIT_USAGE, -fd, "%s: cannot open: %s",
				f->path, strerror(-fd));
		else
			sc_err_set(&f->offset_msg, SC_EXIT_USAGE, EINVAL,
				"%s: is not a regular file; hibernate resumes from swapfiles",
				f->path);
		return;
	}
	f->exists = true;
	f->size = (uint64_t)st.st_size;
	if (sc_fsinfo_canonical(c, f->full, &canon) > 0 && !c->offline &&
		(sw = sc_swaps_find(swaps, canon))) {
		f->active = true;
		f->size = sw->size_bytes;
		f->used = sw->used_bytes;
	}
	locate(c, st.st_dev, canon, f);
	if (sc_resume_offset(c, fd, f->path, &f->offset, &f->offset_msg) == 0)
		f->has_offset = true;
	else
		f->offset_err = -(f->offset_msg.errnum ? f->offset_msg.errnum : EINVAL);
}

static int add_file(const struct sc_ctx *c, struct sc_hib_observed *o, const char *boot,
	bool in_fstab, bool managed)
{
	struct sc_hib_file *n;

	for (size_t i = 0; i < o->n_files; i++)
		if (strcmp(o->files[i].path, boot) == 0) {
			o->files[i].in_fstab |= in_fstab;
			o->files[i].managed |= managed;
			return 0;
		}
	n = realloc(o->files, (o->n_files + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	o->files = n;
	n = &o->files[o->n_files];
	memset(n, 0, sizeof(*n));
	n->path = strdup(boot);
	n->full = sc_ctx_root_path(c, boot);
	if (!n->path || !n->full) {
		free(n->path);
		free(n->full);
		return -ENOMEM;
	}
	n->in_fstab = in_fstab;
	n->managed = managed;
	o->n_files++;
	return 0;
}

/* f->full read into f, with its identity (a missing file has the identity of none). */
static int read_file(const struct sc_ctx *c, struct sc_hib_conf *f)
{
	int r = sc_ctx_read(c, f->full, 1 << 20, &f->text, &f->len);

	if (r == -ENOENT)
		return sc_file_identity(c, f->full, "", 0, &f->id);
	if (r < 0)
		return r;
	f->exists = true;
	return sc_file_identity(c, f->full, f->text, f->len, &f->id);
}

static int read_conf(const struct sc_ctx *c, const char *abs, struct sc_hib_conf *f)
{
	f->full = sc_ctx_root_path(c, abs);
	return f->full ? read_file(c, f) : -ENOMEM;
}

static int parse_record(const char *text, void *ret, struct sc_err *err)
{
	return sc_hib_record_parse(text, ret, err);
}

int sc_hib_record_load(const struct sc_ctx *c, struct sc_hib_record *ret, struct sc_err *err)
{
	memset(ret, 0, sizeof(*ret));
	return sc_config_load(c, SC_HIB_CONFIG, parse_record, ret, NULL, err);
}

int sc_hibernate_observe(const struct sc_ctx *c, const char *full, const char *const *fstab_files,
	const bool *fstab_managed, size_t n, struct sc_hib_observed *o, struct sc_err *err)
{
	struct sc_swaps swaps = {0};
	struct stat st;
	int r;

	memset(o, 0, sizeof(*o));
	o->offline = c->offline;
	o->power.secure_boot = -1;
	if (!c->offline)
		sc_hib_power_read(c, &o->power);

	/* The record: parsed from the bytes the plan compares and replaces. */
	o->record_conf.full = sc_config_path(c, SC_HIB_CONFIG);
	if (!o->record_conf.full)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "hibernate: out of memory");
	r = read_file(c, &o->record_conf);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s",
			o->record_conf.full, strerror(-r));
	if (o->record_conf.exists &&
		(r = sc_config_parse(o->record_conf.full, SC_HIB_CONFIG, parse_record,
			 o->record_conf.text, &o->record, err)) < 0)
		return r;
	if (full) {
		r = add_file(c, o, sc_ctx_boot_path(c, full), false, false);
		if (r < 0)
			goto oom;
	}
	if (o->record.present && (r = add_file(c, o, o->record.file, false, false)) < 0)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if ((r = add_file(c, o, fstab_files[i], true, fstab_managed[i])) < 0)
			goto oom;
	if (!c->offline && sc_swaps_read(c, &swaps) == 0)
		for (size_t i = 0; i < swaps.n; i++)
			if (swaps.items[i].type == SC_SWAP_FILE && !swaps.items[i].deleted &&
				(r = add_file(c, o, swaps.items[i].path, false, false)) < 0)
				goto oom;
	for (size_t i = 0; i < o->n_files; i++)
		inspect_file(c, &swaps, &o->files[i]);
	sc_swaps_free(&swaps);

	{
		_cleanup_free_ char *grub = sc_ctx_root_path(c, SC_HIB_GRUB_DEFAULT);
		_cleanup_free_ char *itools = sc_ctx_root_path(c, SC_HIB_INITRAMFS_DIR);

		if (!grub || !itools)
			return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "hibernate: out of memory");
		o->grub = sc_ctx_stat(c, grub, true, &st) == 0 && S_ISREG(st.st_mode);
		o->initramfs_tools = sc_ctx_stat(c, itools, true, &st) == 0 && S_ISDIR(st.st_mode);
	}
	{
		const char *paths[] = {SC_HIB_GRUB_DROPIN, SC_HIB_INITRAMFS_CONF,
			SC_HIB_KERNEL_CMDLINE, SC_HIB_GRUB_DEFAULT};
		struct sc_hib_conf *confs[] = {
			&o->grub_dropin, &o->initramfs_conf, &o->kernel_cmdline, &o->grub_default};

		for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
			r = read_conf(c, paths[i], confs[i]);
			if (r < 0)
				return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s",
					confs[i]->full ? confs[i]->full : paths[i], strerror(-r));
		}
	}
	return 0;
oom:
	sc_swaps_free(&swaps);
	return sc_err_set(err, SC_EXIT_FAILURE, -r, "hibernate: %s", strerror(-r));
}

void sc_hib_power_done(struct sc_hib_power *p)
{
	free(p->cmdline_resume);
	p->cmdline_resume = NULL;
}

static void conf_done(struct sc_hib_conf *f)
{
	free(f->full);
	free(f->text);
}

void sc_hib_record_done(struct sc_hib_record *r)
{
	free(r->file);
	free(r->resume);
	memset(r, 0, sizeof(*r));
}

void sc_hibernate_observed_done(struct sc_hib_observed *o)
{
	sc_hib_power_done(&o->power);
	for (size_t i = 0; i < o->n_files; i++) {
		free(o->files[i].path);
		free(o->files[i].full);
	}
	free(o->files);
	conf_done(&o->grub_dropin);
	conf_done(&o->initramfs_conf);
	conf_done(&o->kernel_cmdline);
	conf_done(&o->grub_default);
	conf_done(&o->record_conf);
	sc_hib_record_done(&o->record);
	memset(o, 0, sizeof(*o));
}

const struct sc_hib_file *sc_hib_find(const struct sc_hib_observed *o, const char *path)
{
	for (size_t i = 0; i < o->n_files; i++)
		if (strcmp(o->files[i].path, path) == 0)
			return &o->files[i];
	return NULL;
}

/* Texts. Each names its origin, so an admin who finds the file knows what owns it. */

char *sc_hib_grub_text(const struct sc_hib_target *t)
{
	char *s;

	if (asprintf(&s,
		    "# Resume from hibernation in the swapfile %s.\n"
		    "# Written by swapctl hibernate; run update-grub after changing it.\n"
		    "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX %s\"\n",
		    t->file->path, t->cmdline) < 0)
		return NULL;
	return s;
}

char *sc_hib_initramfs_text(const struct sc_hib_target *t)
{
	char *s;

	if (asprintf(&s,
		    "# Resume from hibernation in a swapfile on this device (its resume_offset "
		    "is read\n"
		    "# from the kernel command line). Written by swapctl hibernate; run\n"
		    "# update-initramfs -u after changing it.\n"
		    "RESUME=%s\n",
		    t->resume) < 0)
		return NULL;
	return s;
}

char *sc_hib_record_text(const struct sc_hib_target *t)
{
	char *s;

	if (asprintf(&s,
		    "# The hibernation resume target swapctl configured (swapctl hibernate).\n"
		    "file = %s\nresume = %s\nresume_offset = %" PRIu64 "\n",
		    t->file->path, t->resume, t->offset) < 0)
		return NULL;
	return s;
}

char *sc_hib_kernel_cmdline_text(const char *old, const char *cmdline)
{
	size_t cap = strlen(old) + (cmdline ? strlen(cmdline) : 0) + 3, n = 0;
	char *out = malloc(cap);
	const char *p = old;

	if (!out)
		return NULL;
	/* the words of the first line, but resume= and resume_offset=, as written */
	while (*p && *p != '\n') {
		const char *w;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len = (size_t)(p - w);
		if (!len || (len >= 7 && strncmp(w, "resume=", 7) == 0) ||
			(len >= 14 && strncmp(w, "resume_offset=", 14) == 0))
			continue;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, w, len);
		n += len;
	}
	if (cmdline) {
		if (n)
			out[n++] = ' ';
		memcpy(out + n, cmdline, strlen(cmdline));
		n += strlen(cmdline);
	}
	out[n++] = '\n';
	out[n] = '\0';
	return out;
}

int sc_hib_record_parse(const char *text, struct sc_hib_record *ret, struct sc_err *err)
{
	struct sc_hib_record r = {0};
	_cleanup_free_ char *copy = strdup(text);
	unsigned line = 0;
	bool has_offset = false;
	int64_t off;

	if (!copy)
		return sc_err_set(err, SC_EXIT_FAILURE, ENOMEM, "%s: out of memory", SC_HIB_CONFIG);
	for (char *l = copy, *next; l; l = next) {
		char *eq, *k, *v;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		line++;
		k = l + strspn(l, " \t");
		if (!*k || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq)
			goto bad;
		v = eq + 1 + strspn(eq + 1, " \t");
		while (eq > k && (eq[-1] == ' ' || eq[-1] == '\t'))
			eq--;
		*eq = '\0';
		v[strcspn(v, " \t")] = '\0';
		if (strcmp(k, "file") == 0 && *v == '/' && !r.file)
			r.file = strdup(v);
		else if (strcmp(k, "resume") == 0 && *v && !r.resume)
			r.resume = strdup(v);
		else if (strcmp(k, "resume_offset") == 0 && !has_offset &&
			sc_parse_int(v, 0, INT64_MAX, &off) == 0) {
			has_offset = true;
			r.offset = (uint64_t)off;
		} else
			goto bad;
	}
	if (!r.file || !r.resume || !has_offset) {
		line = 0;
		goto bad;
	}
	r.present = true;
	*ret = r;
	return 0;
bad:
	sc_hib_record_done(&r);
	if (line)
		sc_err_set(err, SC_EXIT_FAILURE, EINVAL,
			"%s: line %u: expected file = /PATH, resume = DEVICE or resume_offset = N",
			SC_HIB_CONFIG, line);
	else
		sc_err_set(err, SC_EXIT_FAILURE, EINVAL, "%s: needs file, resume and resume_offset",
			SC_HIB_CONFIG);
	/* swapctl's own record: without it, only the resume words it put in a cmdline stay */
	sc_err_hint(err, "correct it, or delete it and run swapctl hibernate again");
	return -EINVAL;
}
