/* Layout files (strict parsing, rendering) and the layout planner (pure). */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "layout-plan.h"
#include "layout.h"
#include "macro.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static const char full[] = "# a comment\n"
			   "; another\n"
			   "[swapfile]\n"
			   "path = /swap/swapfile\n"
			   "size = 16G\n"
			   "priority = 10\n"
			   "discard = pages\n"
			   "label = data\n"
			   "\n"
			   "[swapfile]\n"
			   "  path=/swap/second\n"
			   "size = auto\n"
			   "[zram]\n"
			   "size = 50%\n"
			   "algorithm = zstd\n"
			   "algorithm-params = level=3\n"
			   "priority = 100\n"
			   "mem-limit = 1G\n"
			   "min-ram = 2G\n"
			   "max-ram = 64G\n"
			   "writeback-device = /dev/disk/by-partlabel/zram-wb\n"
			   "writeback-limit = 10G\n"
			   "recompress-algorithm = zstd\n"
			   "[zswap]\n"
			   "enabled = no\n"
			   "[sysctl]\n"
			   "profile = server\n"
			   "vm.swappiness = 10\n"
			   "[autoscale]\n"
			   "max = 8G\n"
			   "step = 512M\n"
			   "dir = /var/swap//dynamic/\n"
			   "quiet = 120\n"
			   "interval = 2\n";

static int parse(const char *text, struct sc_layout *l, struct sc_err *err)
{
	return sc_layout_parse("layout.conf", text, strlen(text), 4096, l, err);
}

static void test_parse(void **state)
{
	struct sc_layout l;
	struct sc_err err = {0};

	(void)state;
	assert_int_equal(parse(full, &l, &err), 0);
	assert_int_equal(l.n_swapfiles, 2);
	assert_string_equal(l.swapfiles[0].path, "/swap/swapfile");
	assert_int_equal(l.swapfiles[0].size, 16 * GiB);
	assert_true(l.swapfiles[0].has_priority);
	assert_int_equal(l.swapfiles[0].priority, 10);
	assert_true(l.swapfiles[0].has_discard);
	assert_int_equal(l.swapfiles[0].discard, SC_DISCARD_PAGES);
	assert_string_equal(l.swapfiles[0].label, "data");
	assert_int_equal(l.swapfiles[0].line, 3);
	assert_string_equal(l.swapfiles[1].path, "/swap/second");
	assert_int_equal(l.swapfiles[1].size, 0);
	assert_false(l.swapfiles[1].has_priority);
	assert_int_equal(l.n_zram, 1);
	assert_int_equal(l.zram[0].spec.size_kind, SC_ZRAM_SIZE_PERCENT);
	assert_int_equal(l.zram[0].spec.size, 50);
	assert_string_equal(l.zram[0].spec.algorithm, "zstd");
	assert_string_equal(l.zram[0].spec.params, "level=3");
	assert_int_equal(l.zram[0].spec.mem_limit, GiB);
	assert_int_equal(l.zram[0].spec.min_ram, 2 * GiB);
	assert_int_equal(l.zram[0].spec.max_ram, 64 * GiB);
	assert_string_equal(l.zram[0].spec.backing_dev, "/dev/disk/by-partlabel/zram-wb");
	assert_int_equal(l.zram[0].spec.writeback_limit, 10 * GiB);
	assert_string_equal(l.zram[0].spec.recomp_algorithm, "zstd");
	assert_true(l.has_zswap);
	assert_int_equal(l.zswap.enabled, 0);
	assert_true(l.has_sysctl);
	assert_string_equal(l.profile, "server");
	assert_true(l.sysctl.set[SC_VM_SWAPPINESS]);
	assert_int_equal(l.sysctl.v[SC_VM_SWAPPINESS], 10);
	assert_true(l.has_autoscale);
	assert_int_equal(l.autoscale.max, 8 * GiB);
	assert_int_equal(l.autoscale.step, 512 * MiB);
	assert_string_equal(l.autoscale.dir, "/var/swap/dynamic");
	assert_int_equal(l.autoscale.quiet_s, 120);
	assert_int_equal(l.autoscale.interval_s, 2);
	sc_layout_done(&l);
}

/* Every refusal names file:line:column; nothing is returned. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *where;
	} t[] = {
		{"[swap]\n", "layout.conf:1:2: unknown section [swap]"},
		{"size = 1G\n", "layout.conf:1:1: 'size' outside a section"},
		{"[swapfile]\npath = /a\nsize = 1G\ncolour = red\n",
			"layout.conf:4:1: unknown key 'colour'"},
		{"[swapfile]\npath = /a\nsize = 1G\nsize = 2G\n",
			"layout.conf:4:1: size given twice"},
		{"[swapfile]\npath = /a\nsize = 0x10G\n", "layout.conf:3:8: size '0x10G'"},
		{"[swapfile]\npath = /a\nsize =   1.7Q\n", "layout.conf:3:10: size '1.7Q'"},
		{"[swapfile]\npath = relative\nsize = 1G\n", "layout.conf:2:8: path 'relative'"},
		{"[swapfile]\npath = /a/../b\nsize = 1G\n", "layout.conf:2:8: path"},
		{"[swapfile]\npath = /a\n", "layout.conf:1:1: [swapfile] needs size"},
		{"[swapfile]\nsize = 1G\n[zram]\n", "layout.conf:1:1: [swapfile] needs path"},
		{"[swapfile]\npath = /a\nsize = 1G\npriority = 40000\n",
			"layout.conf:4:12: priority '40000'"},
		{"[swapfile]\npath = /a\nsize = 1G\ndiscard = none\n", "layout.conf:4:11: discard"},
		{"[swapfile]\npath = /a\nsize = 1G\nlabel = 0123456789abcdef\n",
			"layout.conf:4:9: label"},
		{"[swapfile]\npath = /a\nsize = 1G\n[swapfile]\npath = /a\nsize = 2G\n",
			"layout.conf:5:8: /a: already given"},
		{"[zram]\nsize = 300%\n", "layout.conf:2:8: size '300%'"},
		{"[zram]\nalgorithm-params = colour=3\n", "layout.conf:2:20: algorithm-params"},
		{"[zram]\nsize = 1G\n[zram]\nsize = 1G\n", "layout.conf:3:1: [zram] has the same"},
		{"[zram]\nmin-ram = 8G\nmax-ram = 4G\n",
			"layout.conf:1:1: [zram] min-ram is above"},
		{"[zram]\nwriteback-limit = 1G\n", "layout.conf:1:1: [zram] writeback-limit needs"},
		{"[zram]\nwriteback-device = sda\n", "layout.conf:2:20: writeback-device 'sda'"},
		{"[zram]\nwriteback-device = /dev/sdb\nwriteback-limit = 1K\n",
			"layout.conf:3:19: writeback-limit '1K'"},
		{"[zswap]\ncompressor = zstd\n", "layout.conf:1:1: [zswap] needs enabled"},
		{"[zswap]\nenabled = maybe\n", "layout.conf:2:11: enabled 'maybe'"},
		{"[zswap]\nenabled = yes\n[zswap]\n", "layout.conf:3:2: [zswap] given twice"},
		{"[sysctl]\nprofile = fast\n", "layout.conf:2:11: profile 'fast'"},
		{"[sysctl]\nvm.dirty_ratio = 5\n", "layout.conf:2:1: unknown key 'vm.dirty_ratio'"},
		{"[sysctl]\nvm.swappiness = 010\n", "layout.conf:2:17: "},
		{"[sysctl]\nvm.swappiness = 10\nvm.swappiness = 20\n",
			"layout.conf:3:1: vm.swappiness given twice"},
		{"[sysctl]\nvm.swappiness =\n",
			"layout.conf:2:16: vm.swappiness: the value is empty"},
		{"[sysctl]\r\n", "layout.conf:1:9: ends in CR LF"},
		{"[zram\n", "layout.conf:1:1: expected [section]"},
		{"[autoscale]\nmax = lots\n", "layout.conf:2:7: max 'lots'"},
		{"[autoscale]\ndir = swap\n", "layout.conf:2:7: dir 'swap'"},
		{"[autoscale]\nquiet = 0\n", "layout.conf:2:9: quiet '0'"},
		{"[autoscale]\ninterval = 3601\n", "layout.conf:2:12: interval '3601'"},
		{"[autoscale]\n[autoscale]\n", "layout.conf:2:2: [autoscale] given twice"},
		{"[zram]\njust words\n", "layout.conf:2:1: expected KEY = VALUE"},
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_layout l;
		struct sc_err err = {0};

		if (parse(t[i].text, &l, &err) != -EINVAL || err.kind != SC_EXIT_USAGE ||
			strncmp(err.msg, t[i].where, strlen(t[i].where)) != 0)
			fail_msg("%zu: %s -> %s", i, t[i].text, err.msg);
		assert_null(l.swapfiles);
		assert_int_equal(l.n_zram, 0);
	}
}

static void test_render_roundtrip(void **state)
{
	struct sc_layout a, b;
	struct sc_err err = {0};
	char *text = NULL, *again = NULL;

	(void)state;
	assert_int_equal(parse(full, &a, &err), 0);
	assert_int_equal(sc_layout_render(&a, &text), 0);
	assert_int_equal(parse(text, &b, &err), 0);
	assert_int_equal(sc_layout_render(&b, &again), 0);
	assert_string_equal(text, again);
	assert_non_null(strstr(text, "size = 16G\n"));
	assert_non_null(strstr(text, "size = auto\n"));
	assert_non_null(strstr(text, "size = 50%\n"));
	assert_non_null(strstr(text, "mem-limit = 1G\n"));
	assert_non_null(strstr(text, "min-ram = 2G\nmax-ram = 64G\n"));
	assert_non_null(strstr(text,
		"writeback-device = /dev/disk/by-partlabel/zram-wb\n"
		"writeback-limit = 10G\n"
		"recompress-algorithm = zstd\n"));
	assert_non_null(strstr(text, "vm.swappiness = 10\n"));
	assert_non_null(
		strstr(text, "[autoscale]\nmax = 8G\nstep = 512M\ndir = /var/swap/dynamic\n"));
	free(text);
	free(again);
	sc_layout_done(&a);
	sc_layout_done(&b);
}

static void test_format_size(void **state)
{
	char b[32];

	(void)state;
	sc_layout_format_size(16 * GiB, b);
	assert_string_equal(b, "16G");
	sc_layout_format_size(1536 * MiB, b);
	assert_string_equal(b, "1536M");
	sc_layout_format_size(4096 * 3, b);
	assert_string_equal(b, "12K");
	sc_layout_format_size(1000, b);
	assert_string_equal(b, "1000");
	sc_layout_format_size(UINT64_C(1) << 60, b);
	assert_string_equal(b, "1E");
}

static size_t count(const struct sc_layout_plan *p, enum sc_step_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_steps; i++)
		n += p->steps[i].kind == k;
	return n;
}

static const struct sc_diff *diff_of(const struct sc_layout_plan *p, const char *object)
{
	for (size_t i = 0; i < p->n_diff; i++)
		if (strcmp(p->diff[i].object, object) == 0)
			return &p->diff[i];
	fail_msg("no diff for %s", object);
	return NULL;
}

static void test_plan(void **state)
{
	struct sc_layout want;
	struct sc_layout_observed_file files[] = {
		/* a rotated replacement of /swap/swapfile, smaller, priority 5 */
		{.path = (char *)"/swap/swapfile.2",
			.exists = true,
			.size = 8 * GiB,
			.active = true,
			.active_priority = 5,
			.has_priority = true,
			.priority = 5},
		/* managed, not in the layout */
		{.path = (char *)"/swap/old",
			.exists = true,
			.size = GiB,
			.active = true,
			.active_priority = 10,
			.has_priority = true,
			.priority = 10},
	};
	struct sc_layout_observed_zram zram[] = {{.device = 3}};
	struct sc_layout_observed have = {.files = files, .n_files = 2, .zram = zram, .n_zram = 1};
	struct sc_layout_plan p;
	struct sc_err err = {0};

	(void)state;
	sc_zswap_settings_init(&have.zswap);
	sc_zram_spec_init(&zram[0].spec);
	assert_int_equal(parse(full, &want, &err), 0);

	/* Without --prune: /swap/old is kept; the changed zram entry is still replaced. */
	assert_int_equal(sc_layout_plan(&want, &have, false, &p, &err), 0);
	assert_int_equal(count(&p, SC_STEP_SWAPFILE_RESIZE), 1);
	assert_int_equal(count(&p, SC_STEP_SWAPFILE_PRIORITY), 1);
	assert_int_equal(count(&p, SC_STEP_SWAPFILE_ADD), 1); /* /swap/second */
	assert_int_equal(count(&p, SC_STEP_SWAPFILE_REMOVE), 0);
	assert_int_equal(count(&p, SC_STEP_ZRAM_ADD), 1);
	assert_int_equal(count(&p, SC_STEP_ZRAM_REMOVE), 1);
	assert_string_equal(diff_of(&p, "swapfile /swap/old")->change, "kept");
	assert_string_equal(diff_of(&p, "swapfile /swap/swapfile")->change, "update");
	assert_string_equal(diff_of(&p, "swapfile /swap/second")->change, "create");
	assert_string_equal(diff_of(&p, "zram 1")->change, "update");
	/* Make-before-break: removals after every addition; the vm.* values last. */
	for (size_t i = 0; i < p.n_steps; i++) {
		if (p.steps[i].kind == SC_STEP_ZRAM_REMOVE)
			for (size_t j = i; j < p.n_steps; j++)
				assert_true(p.steps[j].kind == SC_STEP_ZRAM_REMOVE ||
					p.steps[j].kind == SC_STEP_SWAPFILE_REMOVE ||
					p.steps[j].kind == SC_STEP_SYSCTL);
		if (p.steps[i].kind == SC_STEP_SWAPFILE_RESIZE) {
			assert_string_equal(p.steps[i].u.resize.path, "/swap/swapfile.2");
			assert_int_equal(p.steps[i].u.resize.size, 16 * GiB);
		}
	}
	assert_int_equal(p.steps[p.n_steps - 1].kind, SC_STEP_SYSCTL);
	sc_layout_plan_done(&p);

	/* --prune removes what the layout does not list. */
	assert_int_equal(sc_layout_plan(&want, &have, true, &p, &err), 0);
	assert_int_equal(count(&p, SC_STEP_SWAPFILE_REMOVE), 1);
	assert_string_equal(diff_of(&p, "swapfile /swap/old")->change, "remove");
	sc_layout_plan_done(&p);

	/* A zram entry with no device cannot be replaced make-before-break. */
	zram[0].device = -1;
	assert_int_equal(sc_layout_plan(&want, &have, false, &p, &err), -ENODEV);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "zram.conf entry 1"));
	assert_null(p.steps);
	sc_layout_done(&want);
}

/* The layout of the machine itself plans to nothing but "ensure" steps, all unchanged. */
static void test_plan_unchanged(void **state)
{
	struct sc_layout_observed_file files[] = {
		{.path = (char *)"/swap/swapfile",
			.exists = true,
			.size = 2 * GiB,
			.active = true,
			.active_priority = -2},
	};
	struct sc_layout_observed have = {.files = files, .n_files = 1};
	struct sc_layout want;
	struct sc_layout_plan p;
	struct sc_err err = {0};

	(void)state;
	sc_zswap_settings_init(&have.zswap);
	assert_int_equal(sc_layout_of_have(&have, &want), 0);
	assert_int_equal(want.swapfiles[0].priority, -1);
	assert_int_equal(sc_layout_plan(&want, &have, true, &p, &err), 0);
	assert_int_equal(p.n_steps, 1);
	assert_int_equal(p.steps[0].kind, SC_STEP_SWAPFILE_ADD);
	assert_string_equal(p.diff[0].change, "none");
	assert_int_equal(p.diff[0].n_fields, 0);
	sc_layout_plan_done(&p);
	sc_layout_done(&want);
}

/* hibernate = yes: one file; created with add --hibernate, else a hibernate step after the
 * file's own steps, none once swapctl's record names the file as it is named now. */
static void test_plan_hibernate(void **state)
{
	static const char text[] = "[swapfile]\npath = /swap/hib\nsize = 8G\nhibernate = yes\n"
				   "[swapfile]\npath = /swap/new\nsize = 1G\nhibernate = no\n";
	struct sc_layout_observed_file files[] = {
		{.path = (char *)"/swap/hib.1",
			.exists = true,
			.size = 4 * GiB,
			.active = true,
			.active_priority = 10,
			.has_priority = true,
			.priority = 10},
	};
	struct sc_layout_observed have = {.files = files, .n_files = 1};
	struct sc_layout want, back;
	struct sc_layout_plan p;
	struct sc_err err = {0};
	size_t k = 0;

	(void)state;
	sc_zswap_settings_init(&have.zswap);
	assert_int_equal(parse(text, &want, &err), 0);
	assert_true(want.swapfiles[0].hibernate);
	assert_false(want.swapfiles[1].hibernate);
	assert_int_equal(sc_layout_plan(&want, &have, false, &p, &err), 0);
	/* the resize renames the file: the hibernate step follows it, after the resize */
	for (; k < p.n_steps && p.steps[k].kind != SC_STEP_SWAPFILE_RESIZE; k++)
		;
	assert_true(k + 1 < p.n_steps);
	assert_int_equal(p.steps[k + 1].kind, SC_STEP_HIBERNATE);
	assert_string_equal(p.steps[k + 1].u.hibernate.layout_path, "/swap/hib");
	assert_string_equal(p.steps[k + 1].u.hibernate.path, "/swap/hib.1");
	assert_non_null(diff_of(&p, "swapfile /swap/hib"));
	for (k = 0; k < p.n_steps; k++)
		if (p.steps[k].kind == SC_STEP_SWAPFILE_ADD)
			assert_false(p.steps[k].u.add.hibernate); /* /swap/new */
	sc_layout_plan_done(&p);

	/* swapctl's record names it: nothing but the resize */
	files[0].size = 8 * GiB;
	have.hibernate = (char *)"/swap/hib.1";
	assert_int_equal(sc_layout_plan(&want, &have, false, &p, &err), 0);
	assert_int_equal(count(&p, SC_STEP_HIBERNATE), 0);
	assert_string_equal(diff_of(&p, "swapfile /swap/hib")->change, "none");
	sc_layout_plan_done(&p);

	/* export says so, and reads back */
	assert_int_equal(sc_layout_of_have(&have, &back), 0);
	assert_true(back.swapfiles[0].hibernate);
	sc_layout_done(&back);

	/* a new file: add --hibernate */
	have.n_files = 0;
	have.hibernate = NULL;
	assert_int_equal(sc_layout_plan(&want, &have, false, &p, &err), 0);
	assert_int_equal(count(&p, SC_STEP_HIBERNATE), 0);
	assert_int_equal(p.steps[0].kind, SC_STEP_SWAPFILE_ADD);
	assert_true(p.steps[0].u.add.hibernate);
	sc_layout_plan_done(&p);
	sc_layout_done(&want);

	assert_int_equal(parse("[swapfile]\npath = /a\nsize = 1G\nhibernate = yes\n"
			       "[swapfile]\npath = /b\nsize = 1G\nhibernate = yes\n",
				 &want, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "layout.conf:8:13: hibernate: the [swapfile] of line 1"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(
		parse("[swapfile]\npath = /a\nsize = 1G\nhibernate = maybe\n", &want, &err),
		-EINVAL);
	assert_non_null(strstr(err.msg, "hibernate 'maybe'"));
}

static void test_find_file(void **state)
{
	struct sc_layout_observed_file files[] = {
		{.path = (char *)"/swap/swapfile.12"},
		{.path = (char *)"/swap/swapfile.x"},
		{.path = (char *)"/swap/swapfile.01"},
	};
	struct sc_layout_observed have = {.files = files, .n_files = 3};

	(void)state;
	assert_ptr_equal(sc_layout_find_file(&have, "/swap/swapfile"), &files[0]);
	assert_ptr_equal(sc_layout_find_file(&have, "/swap/swapfile.x"), &files[1]);
	assert_null(sc_layout_find_file(&have, "/swap/swap"));
	have.n_files = 1;
	files[0].path = (char *)"/swap/swapfile.";
	assert_null(sc_layout_find_file(&have, "/swap/swapfile"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_render_roundtrip),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_unchanged),
		cmocka_unit_test(test_plan_hibernate),
		cmocka_unit_test(test_find_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
