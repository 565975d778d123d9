/*
 * The hibernate planner on hand-built observations: the target it picks, the refusals, the
 * files and live values it plans (and nothing on a second run), --off, and the texts.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hibernate.h"

#define MiB  (UINT64_C(1) << 20)
#define GiB  (UINT64_C(1) << 30)
#define UUID "0a1b2c3d-1111-2222-3333-444455556666"

static struct sc_hib_file files[4];
static struct sc_hib_observed O;

static struct sc_hib_file *file(size_t i, const char *path, uint64_t size, uint64_t offset)
{
	struct sc_hib_file *f = &files[i];

	memset(f, 0, sizeof(*f));
	f->path = (char *)path;
	f->full = (char *)path;
	f->exists = f->active = f->in_fstab = f->managed = true;
	f->size = size;
	f->located = f->has_offset = true;
	f->major = 254;
	f->minor = 1;
	snprintf(f->device, sizeof(f->device), "/dev/vda1");
	snprintf(f->uuid, sizeof(f->uuid), "%s", UUID);
	f->offset = offset;
	if (O.n_files <= i)
		O.n_files = i + 1;
	return f;
}

/* A live system that can hibernate: GRUB and initramfs-tools, nothing configured yet. */
static void live(void)
{
	memset(&O, 0, sizeof(O));
	O.files = files;
	O.power.present = O.power.disk = true;
	O.power.has_image_size = true;
	O.power.image_size = 800 * MiB;
	O.power.has_resume = true; /* 0:0 */
	O.power.has_resume_offset = true; /* 0 */
	O.power.secure_boot = -1;
	O.grub = O.initramfs_tools = true;
	O.grub_dropin.full = (char *)SC_HIB_GRUB_DROPIN;
	O.initramfs_conf.full = (char *)SC_HIB_INITRAMFS_CONF;
	O.kernel_cmdline.full = (char *)SC_HIB_KERNEL_CMDLINE;
	O.record_conf.full = (char *)"/etc/swapctl/hibernate.conf";
	O.grub_default.full = (char *)SC_HIB_GRUB_DEFAULT;
}

static int plan(const struct sc_hib_request *req, struct sc_hib_plan *p, struct sc_err *err)
{
	memset(err, 0, sizeof(*err));
	return sc_hibernate_plan(req, &O, p, err);
}

static const struct sc_action *find(
	const struct sc_hib_plan *p, enum sc_act kind, const char *target)
{
	for (size_t i = 0; i < p->plan.n; i++)
		if (p->plan.actions[i].kind == kind &&
			strcmp(p->plan.actions[i].target, target) == 0)
			return &p->plan.actions[i];
	return NULL;
}

/* Make the observed files say what the plan would write, and the live values match. */
static void settle(const struct sc_hib_plan *p)
{
	static char texts[4][1024];
	size_t k = 0;

	for (size_t i = 0; i < p->plan.n; i++) {
		const struct sc_action *a = &p->plan.actions[i];
		struct sc_hib_conf *all[] = {
			&O.grub_dropin, &O.initramfs_conf, &O.kernel_cmdline, &O.record_conf};

		if (a->kind != SC_HIB_WRITE_CONF)
			continue;
		for (size_t j = 0; j < 4; j++)
			if (strcmp(all[j]->full, a->target) == 0) {
				snprintf(texts[k], sizeof(texts[k]), "%s", a->u.hib_conf.text);
				all[j]->exists = true;
				all[j]->text = texts[k];
				all[j]->len = strlen(texts[k++]);
			}
	}
	O.power.resume_major = p->target.file->major;
	O.power.resume_minor = p->target.file->minor;
	O.power.resume_offset = p->target.offset;
}

static void test_configure_then_unchanged(void **state)
{
	struct sc_hib_request req = {0};
	struct sc_hib_plan p;
	struct sc_err err;
	const struct sc_action *a;

	(void)state;
	live();
	file(0, "/swap/swapfile", 2 * GiB, 34816);
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_true(p.has_target);
	assert_string_equal(p.target.cmdline, "resume=UUID=" UUID " resume_offset=34816");
	assert_string_equal(p.target.devno, "254:1");
	/* the boot files, swapctl's record, then the offset before the device */
	assert_int_equal(p.plan.n, 5);
	assert_int_equal(p.plan.actions[0].kind, SC_HIB_WRITE_CONF);
	assert_string_equal(p.plan.actions[0].target, SC_HIB_INITRAMFS_CONF);
	assert_string_equal(p.plan.actions[0].u.hib_conf.setting, "RESUME=UUID=" UUID);
	assert_string_equal(p.plan.actions[1].target, SC_HIB_GRUB_DROPIN);
	assert_non_null(strstr(p.plan.actions[1].u.hib_conf.text,
		"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX resume=UUID=" UUID
		" resume_offset=34816\"\n"));
	assert_string_equal(p.plan.actions[2].u.hib_conf.purpose, "record");
	assert_string_equal(p.plan.actions[3].target, "/sys/power/resume_offset");
	assert_string_equal(p.plan.actions[3].u.hib_live.old, "0");
	assert_string_equal(p.plan.actions[3].u.hib_live.new, "34816");
	a = find(&p, SC_HIB_SET_LIVE, "/sys/power/resume");
	assert_ptr_equal(a, &p.plan.actions[4]);
	assert_string_equal(a->u.hib_live.old, "0:0");
	assert_string_equal(a->u.hib_live.new, "254:1");
	assert_int_equal(p.n_regenerate, 2);
	assert_string_equal(p.regenerate[0], "update-initramfs -u");
	assert_string_equal(p.regenerate[1], "update-grub");
	assert_null(find(&p, SC_HIB_REGENERATE, "update-grub")); /* not asked to */

	/* a second run: everything already says so */
	settle(&p);
	sc_hibernate_plan_done(&p);
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_int_equal(p.plan.n, 0);
	assert_int_equal(p.n_regenerate, 0);
	sc_hibernate_plan_done(&p);

	/* the file moved (a resize re-created it): the offset changes everywhere */
	files[0].offset = 99840;
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_non_null(find(&p, SC_HIB_WRITE_CONF, SC_HIB_GRUB_DROPIN));
	assert_non_null(find(&p, SC_HIB_WRITE_CONF, "/etc/swapctl/hibernate.conf"));
	assert_non_null(find(&p, SC_HIB_SET_LIVE, "/sys/power/resume_offset"));
	assert_null(find(&p, SC_HIB_SET_LIVE, "/sys/power/resume"));
	/* initramfs-tools' RESUME= names the device only: unchanged, no update-initramfs */
	assert_null(find(&p, SC_HIB_WRITE_CONF, SC_HIB_INITRAMFS_CONF));
	assert_int_equal(p.n_regenerate, 1);
	sc_hibernate_plan_done(&p);
}

static void test_pick(void **state)
{
	struct sc_hib_request req = {0};
	struct sc_hib_plan p;
	struct sc_err err;

	(void)state;
	live();
	file(0, "/small", GiB / 2, 100); /* below image_size */
	file(1, "/foreign", 4 * GiB, 200)->managed = false;
	file(2, "/managed", 2 * GiB, 300);
	file(3, "/zram-like", 8 * GiB, 400)->active = false;
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_string_equal(p.target.file->path, "/managed");
	sc_hibernate_plan_done(&p);

	/* swapctl's record wins while that file is active */
	O.record.present = true;
	O.record.file = (char *)"/foreign";
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_string_equal(p.target.file->path, "/foreign");
	sc_hibernate_plan_done(&p);

	/* a named one is checked, not replaced */
	req.file = "/small";
	assert_int_equal(plan(&req, &p, &err), -ENOSPC);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "/sys/power/image_size"));
	assert_non_null(strstr(err.hint, "swapctl resize /small"));
	req.file = "/zram-like";
	assert_int_equal(plan(&req, &p, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "not an active swap area"));
	req.file = "/nowhere";
	assert_int_equal(plan(&req, &p, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_USAGE);

	/* nothing fits */
	req.file = NULL;
	O.record.present = false;
	O.n_files = 1;
	assert_int_equal(plan(&req, &p, &err), -ENOSPC);
	assert_non_null(strstr(err.hint, "swapctl add 800 MiB --hibernate"));
	O.n_files = 0;
	assert_int_equal(plan(&req, &p, &err), -ENOENT);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
}

static void test_refusals(void **state)
{
	struct sc_hib_request req = {0};
	struct sc_hib_plan p;
	struct sc_err err;
	struct sc_hib_file *f;

	(void)state;
	live();
	f = file(0, "/swapfile", 2 * GiB, 34816);
	O.power.present = false;
	assert_int_equal(plan(&req, &p, &err), -EOPNOTSUPP);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "CONFIG_HIBERNATION"));
	assert_non_null(strstr(err.hint, "boot a kernel built with it"));

	live();
	O.power.disk = false;
	snprintf(O.power.lockdown, sizeof(O.power.lockdown), "integrity");
	O.power.secure_boot = 1;
	assert_int_equal(plan(&req, &p, &err), -EPERM);
	assert_non_null(strstr(err.msg, "locked down (integrity, Secure Boot is on)"));
	O.power.lockdown[0] = '\0';
	O.power.nohibernate = true;
	assert_int_equal(plan(&req, &p, &err), -EPERM);
	assert_non_null(strstr(err.msg, "nohibernate"));

	/* the offset could not be computed: its reason, as the offset code gave it */
	live();
	O.n_files = 1;
	f->has_offset = false;
	f->offset_err = -EINVAL;
	sc_err_set(&f->offset_msg, SC_EXIT_REFUSED, EINVAL, "/swapfile: not page aligned");
	req.file = "/swapfile";
	assert_int_equal(plan(&req, &p, &err), -EINVAL);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_string_equal(err.msg, "/swapfile: not page aligned");
	f->has_offset = true;
	f->located = false;
	assert_int_equal(plan(&req, &p, &err), -ENODEV);
}

static void test_offline(void **state)
{
	struct sc_hib_request req = {.no_bootloader = true};
	struct sc_hib_plan p;
	struct sc_err err;

	(void)state;
	live();
	memset(&O.power, 0, sizeof(O.power)); /* an image: the host's kernel is not read */
	O.offline = true;
	file(0, "/swapfile", 64 * MiB, 4096)->active = false;
	assert_int_equal(plan(&req, &p, &err), 0);
	for (size_t i = 0; i < p.plan.n; i++)
		assert_int_not_equal(p.plan.actions[i].kind, SC_HIB_SET_LIVE);
	assert_null(find(&p, SC_HIB_WRITE_CONF, SC_HIB_GRUB_DROPIN));
	assert_non_null(find(&p, SC_HIB_WRITE_CONF, SC_HIB_INITRAMFS_CONF));
	/* no boot loader file: the admin is told what to add */
	assert_int_equal(p.n_notes, 1);
	assert_non_null(strstr(p.notes[0], "add resume=UUID=" UUID " resume_offset=4096"));
	sc_hibernate_plan_done(&p);

	files[0].in_fstab = false;
	assert_int_equal(plan(&req, &p, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no persisted swapfile"));
}

static void test_kernel_cmdline_and_regenerate(void **state)
{
	struct sc_hib_request req = {.regenerate = true};
	struct sc_hib_plan p;
	struct sc_err err;
	const struct sc_action *a;
	char *s;

	(void)state;
	s = sc_hib_kernel_cmdline_text("root=/dev/vda1 resume=/dev/sdb2  quiet resume_offset=9\n"
				       "ignored second line\n",
		"resume=UUID=x resume_offset=1");
	assert_string_equal(s, "root=/dev/vda1 quiet resume=UUID=x resume_offset=1\n");
	free(s);
	s = sc_hib_kernel_cmdline_text("resume=UUID=x resume_offset=1 rw", NULL);
	assert_string_equal(s, "rw\n");
	free(s);

	live();
	file(0, "/swapfile", 2 * GiB, 34816);
	O.kernel_cmdline.exists = true;
	O.kernel_cmdline.text = (char *)"root=UUID=abc ro quiet\n";
	O.kernel_cmdline.len = strlen(O.kernel_cmdline.text);
	O.grub_default.exists = true;
	O.grub_default.text = (char *)"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet resume=/dev/sda2\"\n";
	assert_int_equal(plan(&req, &p, &err), 0);
	a = find(&p, SC_HIB_WRITE_CONF, SC_HIB_KERNEL_CMDLINE);
	assert_non_null(a);
	assert_string_equal(a->u.hib_conf.text,
		"root=UUID=abc ro quiet resume=UUID=" UUID " resume_offset=34816\n");
	/* the runs come last, after every file they read */
	assert_int_equal(p.plan.actions[p.plan.n - 1].kind, SC_HIB_REGENERATE);
	assert_int_equal(p.plan.actions[p.plan.n - 3].kind, SC_HIB_SET_LIVE);
	assert_non_null(find(&p, SC_HIB_REGENERATE, "update-grub"));
	assert_non_null(find(&p, SC_HIB_REGENERATE, "update-initramfs -u"));
	/* /etc/default/grub's own resume= would win over the drop-in's: said */
	assert_true(p.n_notes >= 1);
	assert_non_null(strstr(p.notes[0], "/etc/default/grub sets resume="));
	sc_hibernate_plan_done(&p);
}

static void test_off(void **state)
{
	struct sc_hib_request req = {.off = true};
	struct sc_hib_plan p;
	struct sc_err err;
	const struct sc_action *a;

	(void)state;
	live();
	O.grub_dropin.exists = O.record_conf.exists = O.kernel_cmdline.exists = true;
	O.kernel_cmdline.text = (char *)"rw resume=UUID=u resume_offset=7 quiet\n";
	O.kernel_cmdline.len = strlen(O.kernel_cmdline.text);
	O.record.present = true;
	O.record.file = (char *)"/swapfile";
	O.record.resume = (char *)"UUID=u";
	O.record.offset = 7;
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_false(p.has_target);
	assert_non_null(find(&p, SC_HIB_REMOVE_CONF, SC_HIB_GRUB_DROPIN));
	assert_null(find(&p, SC_HIB_REMOVE_CONF, SC_HIB_INITRAMFS_CONF)); /* not there */
	assert_non_null(find(&p, SC_HIB_REMOVE_CONF, "/etc/swapctl/hibernate.conf"));
	a = find(&p, SC_HIB_WRITE_CONF, SC_HIB_KERNEL_CMDLINE);
	assert_non_null(a);
	assert_string_equal(a->u.hib_conf.text, "rw quiet\n");
	assert_int_equal(p.n_regenerate, 1);
	sc_hibernate_plan_done(&p);

	/* an admin's own resume= on /etc/kernel/cmdline is not swapctl's to remove */
	O.kernel_cmdline.text = (char *)"rw resume=/dev/sda2\n";
	O.kernel_cmdline.len = strlen(O.kernel_cmdline.text);
	assert_int_equal(plan(&req, &p, &err), 0);
	assert_null(find(&p, SC_HIB_WRITE_CONF, SC_HIB_KERNEL_CMDLINE));
	sc_hibernate_plan_done(&p);
}

static void test_record_parse(void **state)
{
	struct sc_hib_record r;
	struct sc_err err = {0};
	struct sc_hib_target t = {.offset = 42};
	struct sc_hib_file f = {.path = (char *)"/swap/hib"};
	char *text;

	(void)state;
	t.file = &f;
	snprintf(t.resume, sizeof(t.resume), "UUID=abc");
	text = sc_hib_record_text(&t);
	assert_int_equal(sc_hib_record_parse(text, &r, &err), 0);
	assert_true(r.present);
	assert_string_equal(r.file, "/swap/hib");
	assert_string_equal(r.resume, "UUID=abc");
	assert_int_equal(r.offset, 42);
	sc_hib_record_done(&r);
	free(text);

	assert_int_equal(
		sc_hib_record_parse("file = /x\nresume = /dev/sda\nbogus\n", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 3"));
	sc_err_clear(&err);
	assert_int_equal(sc_hib_record_parse("file = /x\nresume_offset = -1\n", &r, &err), -EINVAL);
	sc_err_clear(&err);
	assert_int_equal(sc_hib_record_parse("file = /x\nresume = u\n", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "needs file, resume and resume_offset"));
	assert_int_equal(sc_hib_record_parse("file = relative\n", &r, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure_then_unchanged),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_kernel_cmdline_and_regenerate),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_record_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
