/*
 * The hibernate planner (pure): the resume target, the boot files that must change, the
 * live values and what has to be regenerated. See hibernate.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hibernate.h"
#include "macro.h"
#include "parse.h"
#include "util.h"

void sc_hib_why_blocked(const struct sc_hib_power *pw, char *buf, size_t len)
{
	if (pw->nohibernate)
		snprintf(buf, len, "the kernel was booted with nohibernate");
	else if (pw->lockdown[0] && strcmp(pw->lockdown, "none") != 0)
		snprintf(buf, len, "the kernel is locked down (%s%s)", pw->lockdown,
			pw->secure_boot == 1 ? ", Secure Boot is on" : "");
	else if (pw->secure_boot == 1)
		snprintf(buf, len, "Secure Boot is on, which locks the kernel down");
	else
		snprintf(buf, len,
			"the kernel does not offer it now (a secret memory area or lockdown)");
}

/* The target: the named file, swapctl's record, or the largest fitting active swapfile. */
static int pick(const struct sc_hib_request *req, const struct sc_hib_observed *o,
	const struct sc_hib_file **ret, struct sc_err *err)
{
	const struct sc_hib_file *best = NULL, *f;
	uint64_t need = o->power.has_image_size ? o->power.image_size : 0;
	char a[32], b[32];

	if (req->file) {
		f = sc_hib_find(o, req->file);
		if (!f || !f->exists)
			return sc_err_set(err, SC_EXIT_USAGE, ENOENT, "%s: %s", req->file,
				f && f->offset_msg.msg[0] ? f->offset_msg.msg : "no such swapfile");
		*ret = f;
		return 0;
	}
	if (o->record.present && (f = sc_hib_find(o, o->record.file)) && f->exists &&
		(o->offline ? f->in_fstab : f->active)) {
		*ret = f;
		return 0;
	}
	for (size_t i = 0; i < o->n_files; i++) {
		f = &o->files[i];
		if (!f->exists || !f->has_offset || !(o->offline ? f->in_fstab : f->active))
			continue;
		if (!best || (f->managed && !best->managed) ||
			(f->managed == best->managed && f->size > best->size))
			best = f;
	}
	if (!best) {
		sc_err_set(err, SC_EXIT_REFUSED, ENOENT,
			"hibernate: no %s swapfile can be a resume target",
			o->offline ? "persisted" : "active");
		sc_err_hint(err, "create one with swapctl add %s --hibernate, or name it",
			need ? sc_format_bytes(need, a) : "SIZE");
		return -ENOENT;
	}
	if (need && best->size < need) {
		sc_err_set(err, SC_EXIT_REFUSED, ENOSPC,
			"hibernate: the largest active swapfile, %s (%s), is smaller than the "
			"hibernation image size %s (/sys/power/image_size)",
			best->path, sc_format_bytes(best->size, a), sc_format_bytes(need, b));
		sc_err_hint(err, "create one with swapctl add %s --hibernate",
			sc_format_bytes(need, b));
		return -ENOSPC;
	}
	*ret = best;
	return 0;
}

int sc_hib_power_check(const struct sc_hib_power *pw, bool offline, struct sc_err *err)
{
	char why[160];
	int r;

	if (!offline && !pw->present) {
		r = sc_err_set(err, SC_EXIT_REFUSED, EOPNOTSUPP,
			"hibernate: this kernel cannot hibernate (no /sys/power/resume: built "
			"without CONFIG_HIBERNATION)");
		sc_err_hint(err,
			"boot a kernel built with it (Debian's linux-image-amd64 is), "
			"or configure an image offline with --root");
		return r;
	}
	if (!offline && !pw->disk) {
		sc_hib_why_blocked(pw, why, sizeof(why));
		r = sc_err_set(err, SC_EXIT_REFUSED, EPERM,
			"hibernate: /sys/power/state does not offer disk: %s", why);
		sc_err_hint(err,
			"hibernation needs a kernel without lockdown: turn Secure Boot "
			"off or boot without nohibernate");
		return r;
	}
	return 0;
}

/* Can f take a hibernation image on this system? */
static int check(const struct sc_hib_observed *o, const struct sc_hib_file *f, struct sc_err *err)
{
	const struct sc_hib_power *pw = &o->power;
	char a[32], b[32];
	int r;

	if (!f->has_offset) {
		*err = f->offset_msg;
		if (!err->kind)
			err->kind = SC_EXIT_FAILURE;
		return f->offset_err ? f->offset_err : -EINVAL;
	}
	if (o->offline && !f->in_fstab) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ENOENT,
			"%s: has no swap entry in the image's fstab, so it is not active when the "
			"system hibernates",
			f->path);
		sc_err_hint(
			err, "persist it first: swapctl --root DIR add SIZE --path %s", f->path);
		return r;
	}
	if (!o->offline && !f->active) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ENOENT,
			"%s: is not an active swap area; the kernel writes the image only into an "
			"active one",
			f->path);
		sc_err_hint(err, "enable it first: swapctl add SIZE --path %s", f->path);
		return r;
	}
	if (!o->offline && pw->has_image_size && f->size < pw->image_size) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ENOSPC,
			"%s: %s is smaller than the hibernation image size %s "
			"(/sys/power/image_size)",
			f->path, sc_format_bytes(f->size, a), sc_format_bytes(pw->image_size, b));
		sc_err_hint(err, "grow it with swapctl resize %s %s", f->path,
			sc_format_bytes(pw->image_size, b));
		return r;
	}
	if (!f->located) {
		r = sc_err_set(err, SC_EXIT_REFUSED, ENODEV,
			"%s: its filesystem is not on a block device the kernel can resume from",
			f->path);
		sc_err_hint(err,
			"use a swapfile on a disk or partition's ext4, xfs or btrfs "
			"(not overlay, tmpfs or a network filesystem)");
		return r;
	}
	return 0;
}

static int add_conf(struct sc_plan *plan, enum sc_act kind, const struct sc_hib_conf *f,
	const char *purpose, const char *setting, const char *text)
{
	struct sc_action *a = sc_plan_add(plan, kind, f->full);

	if (!a)
		return -ENOMEM;
	a->u.hib_conf.purpose = purpose;
	if (sc_action_strdup(a, setting, &a->u.hib_conf.setting) < 0 ||
		sc_action_strdup(a, text, &a->u.hib_conf.text) < 0)
		return -ENOMEM;
	return 0;
}

/* Plan writing f with text unless it says that already. 1 when planned. */
static int want_conf(struct sc_plan *plan, const struct sc_hib_conf *f, const char *purpose,
	const char *setting, const char *text)
{
	int r;

	if (!text)
		return -ENOMEM;
	if (f->exists && f->len == strlen(text) && memcmp(f->text, text, f->len) == 0)
		return 0;
	r = add_conf(plan, SC_HIB_WRITE_CONF, f, purpose, setting, text);
	return r < 0 ? r : 1;
}

static int add_live(struct sc_plan *plan, const char *attr, const char *old, const char *new)
{
	struct sc_action *a = sc_plan_add(plan, SC_HIB_SET_LIVE, attr);

	if (!a || sc_action_strdup(a, old, &a->u.hib_live.old) < 0 ||
		sc_action_strdup(a, new, &a->u.hib_live.new) < 0)
		return -ENOMEM;
	return 0;
}

static void regenerate(struct sc_hib_plan *p, const char *cmd)
{
	p->regenerate[p->n_regenerate++] = cmd;
}

/* --regenerate: the runs, last, after every file they read has been written. */
static int add_runs(struct sc_hib_plan *p, const struct sc_hib_request *req)
{
	for (size_t i = 0; req->regenerate && i < p->n_regenerate; i++)
		if (!sc_plan_add(&p->plan, SC_HIB_REGENERATE, p->regenerate[i]))
			return -ENOMEM;
	return 0;
}

/* Does a resume= of its own sit in /etc/default/grub (outside swapctl's drop-in)? */
static bool grub_has_resume(const struct sc_hib_observed *o)
{
	const char *t = o->grub_default.text;

	for (; t && (t = strstr(t, "resume")); t++)
		if ((t[6] == '=' || sc_startswith(t + 6, "_offset=")) &&
			(t == o->grub_default.text || t[-1] == ' ' || t[-1] == '"' ||
				t[-1] == '\''))
			return true;
	return false;
}

static int plan_off(
	const struct sc_hib_request *req, const struct sc_hib_observed *o, struct sc_hib_plan *p)
{
	const struct sc_hib_conf *files[] = {&o->grub_dropin, &o->initramfs_conf};
	const char *purposes[] = {"grub", "initramfs"};
	const char *cmds[] = {"update-grub", "update-initramfs -u"};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		if (!files[i]->exists)
			continue;
		r = add_conf(&p->plan, SC_HIB_REMOVE_CONF, files[i], purposes[i], NULL, NULL);
		if (r < 0)
			return r;
		regenerate(p, cmds[i]);
	}
	/* /etc/kernel/cmdline: the words swapctl put there go, the admin's stay */
	if (o->kernel_cmdline.exists && o->record.present) {
		_cleanup_free_ char *mine = NULL, *text = NULL;

		if (asprintf(&mine, "resume=%s resume_offset=%" PRIu64, o->record.resume,
			    o->record.offset) < 0)
			return -ENOMEM;
		if (strstr(o->kernel_cmdline.text, mine)) {
			text = sc_hib_kernel_cmdline_text(o->kernel_cmdline.text, NULL);
			if ((r = want_conf(&p->plan, &o->kernel_cmdline, "kernel-cmdline", NULL,
				     text)) < 0)
				return r;
		}
	}
	if (o->record_conf.exists &&
		(r = add_conf(
			 &p->plan, SC_HIB_REMOVE_CONF, &o->record_conf, "record", NULL, NULL)) < 0)
		return r;
	if (!o->offline && o->power.has_resume_offset && o->power.resume_offset)
		if ((r = sc_strv_appendf(&p->notes, &p->n_notes,
			     "the running kernel keeps resume_offset=%" PRIu64
			     " until the next boot: a hibernation now still writes to it",
			     o->power.resume_offset)) < 0)
			return r;
	return 0;
}

int sc_hibernate_plan(const struct sc_hib_request *req, const struct sc_hib_observed *o,
	struct sc_hib_plan *p, struct sc_err *err)
{
	struct sc_hib_target *t = &p->target;
	const struct sc_hib_file *f = NULL;
	bool boot_configured = false;
	int r;

	memset(p, 0, sizeof(*p));
	if (req->off) {
		r = plan_off(req, o, p);
		goto out;
	}
	r = sc_hib_power_check(&o->power, o->offline, err);
	if (r < 0)
		return r;
	r = pick(req, o, &f, err);
	if (r < 0)
		return r;
	r = check(o, f, err);
	if (r < 0)
		return r;

	p->has_target = true;
	t->file = f;
	t->offset = f->offset;
	snprintf(t->devno, sizeof(t->devno), "%u:%u", f->major, f->minor);
	if (f->uuid[0])
		snprintf(t->resume, sizeof(t->resume), "UUID=%s", f->uuid);
	else
		snprintf(t->resume, sizeof(t->resume), "%s", f->device);
	snprintf(t->cmdline, sizeof(t->cmdline), "resume=%s resume_offset=%" PRIu64, t->resume,
		t->offset);

	if (o->initramfs_tools) {
		_cleanup_free_ char *text = sc_hib_initramfs_text(t), *set = NULL;

		if (asprintf(&set, "RESUME=%s", t->resume) < 0)
			return -ENOMEM;
		r = want_conf(&p->plan, &o->initramfs_conf, "initramfs", set, text);
		if (r > 0)
			regenerate(p, "update-initramfs -u");
		if (r < 0)
			goto out;
	}
	if (!req->no_bootloader && o->grub) {
		_cleanup_free_ char *text = sc_hib_grub_text(t);

		r = want_conf(&p->plan, &o->grub_dropin, "grub", t->cmdline, text);
		if (r > 0)
			regenerate(p, "update-grub");
		if (r < 0)
			goto out;
		boot_configured = true;
		if (grub_has_resume(o) &&
			(r = sc_strv_appendf(&p->notes, &p->n_notes,
				 "%s sets resume= or resume_offset= of its own "
				 "after swapctl's; remove them there",
				 o->grub_default.full)) < 0)
			goto out;
	}
	if (!req->no_bootloader && o->kernel_cmdline.exists) {
		_cleanup_free_ char *text =
			sc_hib_kernel_cmdline_text(o->kernel_cmdline.text, t->cmdline);

		r = want_conf(&p->plan, &o->kernel_cmdline, "kernel-cmdline", t->cmdline, text);
		if (r > 0)
			r = sc_strv_appendf(&p->notes, &p->n_notes,
				"%s changed: reinstall the boot entries (kernel-install add) for "
				"it "
				"to take effect",
				o->kernel_cmdline.full);
		if (r < 0)
			goto out;
		boot_configured = true;
	}
	if (!boot_configured &&
		(r = sc_strv_appendf(&p->notes, &p->n_notes,
			 "add %s to the kernel command line of the boot loader", t->cmdline)) < 0)
		goto out;
	{
		_cleanup_free_ char *text = sc_hib_record_text(t);

		if ((r = want_conf(&p->plan, &o->record_conf, "record", t->cmdline, text)) < 0)
			goto out;
	}

	if (!o->offline) {
		const struct sc_hib_power *pw = &o->power;
		char old[32], new[32];

		/* the offset first: writing resume makes the kernel look for an image there */
		if (!pw->has_resume_offset || pw->resume_offset != t->offset) {
			snprintf(old, sizeof(old), "%" PRIu64, pw->resume_offset);
			snprintf(new, sizeof(new), "%" PRIu64, t->offset);
			if ((r = add_live(&p->plan, "/sys/power/resume_offset",
				     pw->has_resume_offset ? old : NULL, new)) < 0)
				goto out;
		}
		if (!pw->has_resume || pw->resume_major != f->major ||
			pw->resume_minor != f->minor) {
			snprintf(old, sizeof(old), "%u:%u", pw->resume_major, pw->resume_minor);
			if ((r = add_live(&p->plan, "/sys/power/resume",
				     pw->has_resume ? old : NULL, t->devno)) < 0)
				goto out;
		}
		if (!f->in_fstab &&
			(r = sc_strv_appendf(&p->notes, &p->n_notes,
				 "%s has no fstab entry: after a reboot it is not active, and the "
				 "next hibernation fails",
				 f->path)) < 0)
			goto out;
	}
	r = 0;
out:
	if (r == 0)
		r = add_runs(p, req);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "hibernate: %s", strerror(-r));
	return 0;
}

void sc_hibernate_plan_done(struct sc_hib_plan *p)
{
	sc_plan_free(&p->plan);
	for (size_t i = 0; i < p->n_notes; i++)
		free(p->notes[i]);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}
