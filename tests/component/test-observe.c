/*
 * The observation (observe.h) gathered from fixture trees: the live parts of a running
 * system, an image's (offline) parts only, the fstab entries as plain data and where their
 * sources are, and parts that cannot be read recorded instead of failing the call.
 */
#include "fixture.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "header.h"
#include "observe.h"

static const char fstab_text[] = "# fixture\n"
				 "/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n"
				 "UUID=0b7e0a52-3f0a-4c1e-9b55-0d0c7f0c6a11 none swap noauto 0 0\n"
				 "/dev/sdz9 none swap sw 0 0\n";

/* A running system: the sysroot fixture's kernel, a configured tree with one swapfile. */
static void test_live(void **state)
{
	char *tree = sc_test_mkdtemp(), *sysroot, *fstab;
	struct sc_observation o = {0};
	struct sc_ctx c;

	assert_true(asprintf(&sysroot, "%s/sysroot-basic", SC_FIXTURE_DIR) > 0);
	sc_test_write(tree, "etc/fstab", fstab_text);
	assert_true(asprintf(&fstab, "%s/etc/fstab", tree) > 0);
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, sysroot, fstab, NULL), 0);
	assert_int_equal(sc_observe(&c, SC_OBS_ALL & ~SC_OBS_TAGS, &o), 0);

	assert_false(o.offline);
	assert_string_equal(o.fstab, fstab);
	assert_int_equal(o.swaps_err, 0);
	assert_int_equal(o.swaps.n, 3);
	assert_string_equal(o.swaps.items[1].path, "/srv/sp ace.swap");
	assert_non_null(o.swap_ids);
	assert_int_equal(o.mem_err, 0);
	assert_true(o.mem.total > 0);
	assert_int_equal(o.zram_err, 0);
	assert_int_equal(o.n_zram, 1);
	assert_true(o.sysctl_present[SC_VM_SWAPPINESS]);
	assert_int_equal(o.sysctl[SC_VM_SWAPPINESS], 60);

	assert_true(o.fstab_ok);
	assert_int_equal(o.fstab_err, 0);
	assert_int_equal(o.n_entries, 3);
	assert_int_equal(o.entries[0].line, 2);
	assert_string_equal(o.entries[0].source, "/swap/swapfile");
	assert_string_equal(o.entries[0].options, "defaults,pri=10,x-swapctl,nofail");
	assert_true(o.entries[0].managed);
	assert_true(o.entries[0].has_priority);
	assert_int_equal(o.entries[0].priority, 10);
	assert_true(o.entries[1].noauto);
	assert_null(o.entries[1].device); /* SC_OBS_TAGS not asked for */
	/* Every source of a running system is looked up. */
	for (size_t i = 0; i < o.n_entries; i++)
		assert_true(o.entries[i].at[0].located);
	assert_false(o.entries[2].at[0].id.known); /* no /dev/sdz9 */
	assert_false(o.rotation_pending);
	sc_observation_done(&o);

	/* Only what is asked for. */
	assert_int_equal(sc_observe(&c, SC_OBS_FSTAB, &o), 0);
	assert_int_equal(o.swaps.n, 0);
	assert_int_equal(o.n_zram, 0);
	assert_int_equal(o.mem.total, 0);
	assert_int_equal(o.n_entries, 3);
	sc_observation_done(&o);

	sc_ctx_done(&c);
	sc_test_rmtree(tree);
	free(tree);
	free(sysroot);
	free(fstab);
}

/* A 16-page swap area (header and zeroes) at <dir>/<rel>, mode 0600. */
static void write_area(const char *dir, const char *rel, size_t page_size)
{
	uint8_t uuid[16] = {1, 2, 3};
	char *buf = calloc(16, page_size), *path;
	FILE *f;

	assert_non_null(buf);
	assert_int_equal(sc_header_encode(buf, page_size, 16, uuid, NULL, false), 0);
	assert_true(asprintf(&path, "%s/%s", dir, rel) > 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, page_size, 16, f), 16);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
	free(path);
	free(buf);
}

/* An image: its fstab, journal and swapfiles; no kernel, and no device looked up. */
static void test_offline(void **state)
{
	char *tree = sc_test_mkdtemp(), *fstab, *journal, *area;
	struct stat st;
	struct sc_observation o = {0};
	struct sc_ctx c;

	sc_test_write(tree, "etc/fstab", fstab_text);
	sc_test_write(tree, "swap/swapfile", "not a swap area");
	sc_test_write(tree, "etc/fstab.swapctl-rotation", "version=1\nold=/swap/a\n");
	assert_true(asprintf(&fstab, "%s/etc/fstab", tree) > 0);
	assert_true(asprintf(&journal, "%s/etc/fstab.swapctl-rotation", tree) > 0);
	/* The sysroot is the running machine's: an image's observation never reads it. */
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, tree, "/nonexistent", fstab, NULL), 0);
	assert_true(c.offline);
	assert_int_equal(sc_observe(&c, SC_OBS_ALL, &o), 0);

	assert_true(o.offline);
	assert_int_equal(o.swaps_err, 0);
	assert_int_equal(o.swaps.n, 0);
	assert_int_equal(o.mem_err, 0);
	assert_int_equal(o.mem.total, 0);
	assert_int_equal(o.n_zram, 0);
	assert_int_equal(o.zswap_err, 0);
	assert_false(o.sysctl_present[SC_VM_SWAPPINESS]);

	assert_int_equal(o.n_entries, 3);
	assert_true(o.entries[0].at[0].located);
	assert_true(o.entries[0].at[0].id.known); /* <root>/swap/swapfile */
	assert_false(o.entries[1].at[0].located); /* a tag names the booting machine's device */
	assert_false(o.entries[2].at[0].located); /* and so does /dev/... */

	/* The journal is the image's, and cannot be parsed. */
	assert_true(o.rotation_pending);
	assert_string_equal(o.rotation_journal, journal);
	assert_true(o.rotation_err < 0);
	assert_null(o.rotation_old);
	/* No swap header: not one of swapctl's swap areas. */
	assert_int_equal(o.n_swapfiles, 0);
	sc_observation_done(&o);

	/* A swap area in swapctl's directory: a candidate orphan, named as the image sees it. */
	write_area(tree, "swap/swapfile.3", c.page_size);
	assert_int_equal(sc_observe(&c, SC_OBS_SWAPFILES, &o), 0);
	assert_int_equal(o.n_swapfiles, 1);
	assert_string_equal(o.swapfiles[0].path, "/swap/swapfile.3");
	assert_true(asprintf(&area, "%s/swap/swapfile.3", tree) > 0);
	assert_string_equal(o.swapfiles[0].full, area);
	assert_int_equal(stat(area, &st), 0);
	assert_true(o.swapfiles[0].dev == st.st_dev && o.swapfiles[0].ino == st.st_ino);
	sc_observation_done(&o);
	free(area);

	sc_ctx_done(&c);
	sc_test_rmtree(tree);
	free(tree);
	free(fstab);
	free(journal);
}

/* What cannot be read is recorded, not fatal: the command decides. */
static void test_unreadable_parts(void **state)
{
	char *tree = sc_test_mkdtemp(), *fstab;
	struct sc_observation o = {0};
	struct sc_ctx c;

	sc_test_write(tree, "etc/fstab/x", "a directory, not a file");
	assert_true(asprintf(&fstab, "%s/etc/fstab", tree) > 0);
	/* An empty sysroot: no /proc/swaps, no meminfo, no zswap. */
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, tree, fstab, NULL), 0);
	assert_int_equal(sc_observe(&c, SC_OBS_ALL, &o), 0);
	assert_int_equal(o.swaps_err, -ENOENT);
	assert_true(o.mem_err < 0);
	assert_false(o.fstab_ok);
	assert_true(o.fstab_err < 0);
	assert_true(o.fstab_msg.msg[0] != '\0');
	assert_int_equal(o.n_entries, 0);
	sc_observation_done(&o);

	sc_ctx_done(&c);
	sc_test_rmtree(tree);
	free(tree);
	free(fstab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_unreadable_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
