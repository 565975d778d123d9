/*
 * Boot-order resolution of vm.* settings (systemd-sysctl and procps) on fixture layouts:
 * Debian's 99-sysctl.conf -> ../sysctl.conf, masking by name, /run and /usr/lib, links to
 * /dev/null, glob keys, and --sysctl-dir replacing /etc/sysctl.d.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

struct layout {
	char *root;
	struct sc_ctx ctx;
	struct sc_sysctl_boot boot;
};

static void layout_init(struct layout *l, const char *sysctl_dir_rel)
{
	char *dir = NULL;

	l->root = sc_test_mkdtemp();
	if (sysctl_dir_rel)
		assert_true(asprintf(&dir, "%s/%s", l->root, sysctl_dir_rel) > 0);
	assert_int_equal(sc_ctx_init(&l->ctx, &sc_sys_real, l->root, NULL, NULL, dir), 0);
	free(dir);
}

static void layout_link(struct layout *l, const char *target, const char *rel)
{
	char *p;

	/* Make the parent directories by writing (then removing) a file next to the link. */
	assert_true(asprintf(&p, "%s.tmp", rel) > 0);
	sc_test_write(l->root, p, "");
	free(p);
	assert_true(asprintf(&p, "%s/%s.tmp", l->root, rel) > 0);
	assert_int_equal(unlink(p), 0);
	free(p);
	assert_true(asprintf(&p, "%s/%s", l->root, rel) > 0);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void layout_resolve(struct layout *l)
{
	assert_int_equal(sc_sysctl_boot_resolve(&l->ctx, &l->boot), 0);
}

static void layout_done(struct layout *l)
{
	sc_sysctl_boot_done(&l->boot);
	sc_ctx_done(&l->ctx);
	sc_test_rmtree(l->root);
	free(l->root);
}

static void test_debian_sysctl_conf_overrides_dropin(void **state)
{
	struct layout l;
	const struct sc_sysctl_setting *s, *o;

	layout_init(&l, NULL);
	sc_test_write(l.root, "etc/sysctl.d/90-swapctl.conf", "vm.swappiness = 30\n");
	sc_test_write(l.root, "etc/sysctl.conf",
		"# comment\n"
		"vm.swappiness=0\n");
	sc_test_write(l.root, "etc/sysctl.d/README.sysctl", "vm.swappiness = 99\n");
	layout_link(&l, "../sysctl.conf", "etc/sysctl.d/99-sysctl.conf");
	layout_resolve(&l);

	s = &l.boot.systemd[SC_VM_SWAPPINESS];
	assert_string_equal(s->file, "/etc/sysctl.d/99-sysctl.conf");
	assert_string_equal(s->via, "/etc/sysctl.conf");
	assert_int_equal(s->line, 2);
	assert_string_equal(s->value, "0");
	assert_true(s->after_dropin);
	o = sc_sysctl_boot_override(&l.boot, SC_VM_SWAPPINESS);
	assert_ptr_equal(o, s);

	/* procps reads /etc/sysctl.conf once more, last. */
	assert_string_equal(l.boot.procps[SC_VM_SWAPPINESS].file, "/etc/sysctl.conf");
	/* Keys nobody sets stay unset. */
	assert_null(l.boot.systemd[SC_VM_PAGE_CLUSTER].file);
	assert_null(sc_sysctl_boot_override(&l.boot, SC_VM_PAGE_CLUSTER));
	layout_done(&l);
}

static void test_procps_only_override(void **state)
{
	struct layout l;
	const struct sc_sysctl_setting *o;

	/* No 99-sysctl.conf link (Debian 13, other distributions): only procps reads it. */
	layout_init(&l, NULL);
	sc_test_write(l.root, "etc/sysctl.d/90-swapctl.conf", "vm.swappiness = 30\n");
	sc_test_write(l.root, "etc/sysctl.conf", "vm.swappiness = 5\n");
	layout_resolve(&l);
	assert_string_equal(l.boot.systemd[SC_VM_SWAPPINESS].file, "/etc/sysctl.d/90-swapctl.conf");
	o = sc_sysctl_boot_override(&l.boot, SC_VM_SWAPPINESS);
	assert_ptr_equal(o, &l.boot.procps[SC_VM_SWAPPINESS]);
	assert_string_equal(o->file, "/etc/sysctl.conf");
	assert_string_equal(o->value, "5");
	layout_done(&l);
}

static void test_absolute_link_resolves_under_root(void **state)
{
	struct layout l;

	layout_init(&l, NULL);
	sc_test_write(l.root, "etc/sysctl.conf", "vm.page-cluster = 1\n");
	layout_link(&l, "/etc/sysctl.conf", "etc/sysctl.d/99-sysctl.conf");
	layout_resolve(&l);
	assert_string_equal(l.boot.systemd[SC_VM_PAGE_CLUSTER].via, "/etc/sysctl.conf");
	assert_string_equal(l.boot.systemd[SC_VM_PAGE_CLUSTER].value, "1");
	layout_done(&l);
}

static void test_dropin_wins_when_nothing_sorts_after(void **state)
{
	struct layout l;

	layout_init(&l, NULL);
	sc_test_write(l.root, "usr/lib/sysctl.d/50-default.conf", "vm.swappiness = 60\n");
	sc_test_write(l.root, "etc/sysctl.d/90-swapctl.conf", "vm.swappiness = 30\n");
	sc_test_write(l.root, "etc/sysctl.conf", "# vm.swappiness = 0\n");
	layout_resolve(&l);
	assert_string_equal(l.boot.systemd[SC_VM_SWAPPINESS].file, "/etc/sysctl.d/90-swapctl.conf");
	assert_false(l.boot.systemd[SC_VM_SWAPPINESS].after_dropin);
	assert_null(sc_sysctl_boot_override(&l.boot, SC_VM_SWAPPINESS));
	layout_done(&l);
}

static void test_masking_and_directory_priority(void **state)
{
	struct layout l;
	const struct sc_sysctl_setting *s;

	layout_init(&l, NULL);
	/* Same name: /etc masks /run masks /usr/local/lib masks /usr/lib. */
	sc_test_write(l.root, "usr/lib/sysctl.d/95-tune.conf", "vm.page-cluster = 5\n");
	sc_test_write(l.root, "run/sysctl.d/95-tune.conf", "vm.page-cluster = 4\n");
	sc_test_write(l.root, "etc/sysctl.d/95-tune.conf", "# emptied by the admin\n");
	/* /run masks /usr/lib, whatever the content. */
	sc_test_write(l.root, "usr/lib/sysctl.d/96-run.conf", "vm.watermark_scale_factor = 7\n");
	sc_test_write(l.root, "run/sysctl.d/96-run.conf", "vm.watermark_scale_factor = 8\n");
	/* Different names sort by basename across directories. */
	sc_test_write(l.root, "run/sysctl.d/10-early.conf", "vm.swappiness = 1\n");
	sc_test_write(l.root, "usr/lib/sysctl.d/20-late.conf", "vm.swappiness = 2\n");
	sc_test_write(l.root, "usr/local/lib/sysctl.d/30-later.conf", "vm.swappiness = 3\n");
	/* Not *.conf, hidden: ignored. */
	sc_test_write(l.root, "usr/lib/sysctl.d/99-x.conf.disabled", "vm.swappiness = 9\n");
	sc_test_write(l.root, "usr/lib/sysctl.d/.99-hidden.conf", "vm.swappiness = 9\n");
	layout_resolve(&l);

	assert_null(l.boot.systemd[SC_VM_PAGE_CLUSTER].file);
	s = &l.boot.systemd[SC_VM_WATERMARK_SCALE_FACTOR];
	assert_string_equal(s->file, "/run/sysctl.d/96-run.conf");
	assert_string_equal(s->value, "8");
	assert_true(s->after_dropin);
	s = &l.boot.systemd[SC_VM_SWAPPINESS];
	assert_string_equal(s->file, "/usr/local/lib/sysctl.d/30-later.conf");
	assert_string_equal(s->value, "3");
	assert_false(s->after_dropin);
	layout_done(&l);
}

static void test_dev_null_link_masks(void **state)
{
	struct layout l;

	layout_init(&l, NULL);
	sc_test_write(l.root, "usr/lib/sysctl.d/99-vendor.conf", "vm.swappiness = 5\n");
	layout_link(&l, "/dev/null", "etc/sysctl.d/99-vendor.conf");
	layout_resolve(&l);
	assert_null(l.boot.systemd[SC_VM_SWAPPINESS].file);
	layout_done(&l);
}

static void test_spellings_and_globs(void **state)
{
	struct layout l;
	const struct sc_sysctl_setting *s;

	layout_init(&l, NULL);
	sc_test_write(l.root, "usr/lib/sysctl.d/10-a.conf",
		"vm/page-cluster = 2\n"
		"  -vm.vfs_cache_pressure=  50  \n"
		"; vm.swappiness = 1\n"
		"vm.swappiness = 30\n"
		"vm.watermark_boost_factor\n");
	/* A glob in a later file does not beat an explicit key (systemd-sysctl). */
	sc_test_write(l.root, "usr/lib/sysctl.d/20-glob.conf",
		"vm.swap*ness = 20\n"
		"vm.watermark_*_factor = 0\n");
	layout_resolve(&l);

	s = &l.boot.systemd[SC_VM_PAGE_CLUSTER];
	assert_string_equal(s->value, "2");
	assert_int_equal(s->line, 1);
	assert_string_equal(l.boot.systemd[SC_VM_VFS_CACHE_PRESSURE].value, "50");
	s = &l.boot.systemd[SC_VM_SWAPPINESS];
	assert_string_equal(s->value, "30");
	assert_false(s->pattern);
	s = &l.boot.systemd[SC_VM_WATERMARK_BOOST_FACTOR];
	assert_string_equal(s->file, "/usr/lib/sysctl.d/20-glob.conf");
	assert_true(s->pattern);
	assert_string_equal(l.boot.systemd[SC_VM_WATERMARK_SCALE_FACTOR].value, "0");
	layout_done(&l);
}

static void test_sysctl_dir_replaces_etc_sysctl_d(void **state)
{
	struct layout l;
	const struct sc_sysctl_setting *s;

	layout_init(&l, "staging");
	sc_test_write(l.root, "staging/90-swapctl.conf", "vm.swappiness = 30\n");
	sc_test_write(l.root, "etc/sysctl.d/99-ignored.conf", "vm.swappiness = 0\n");
	sc_test_write(l.root, "usr/lib/sysctl.d/95-seen.conf", "vm.page-cluster = 0\n");
	layout_resolve(&l);
	s = &l.boot.systemd[SC_VM_SWAPPINESS];
	/* Outside the boot tree's /etc: shown by its full path. */
	assert_non_null(strstr(s->file, "/staging/90-swapctl.conf"));
	assert_string_equal(s->value, "30");
	assert_string_equal(
		l.boot.systemd[SC_VM_PAGE_CLUSTER].file, "/usr/lib/sysctl.d/95-seen.conf");
	layout_done(&l);
}

static void test_empty_tree(void **state)
{
	struct layout l;

	layout_init(&l, NULL);
	layout_resolve(&l);
	for (size_t k = 0; k < SC_VM_N; k++) {
		assert_null(l.boot.systemd[k].file);
		assert_null(l.boot.procps[k].file);
	}
	layout_done(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_sysctl_conf_overrides_dropin),
		cmocka_unit_test(test_procps_only_override),
		cmocka_unit_test(test_absolute_link_resolves_under_root),
		cmocka_unit_test(test_dropin_wins_when_nothing_sorts_after),
		cmocka_unit_test(test_masking_and_directory_priority),
		cmocka_unit_test(test_dev_null_link_masks),
		cmocka_unit_test(test_spellings_and_globs),
		cmocka_unit_test(test_sysctl_dir_replaces_etc_sysctl_d),
		cmocka_unit_test(test_empty_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
