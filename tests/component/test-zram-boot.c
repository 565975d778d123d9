/*
 * The boot rules for zram (lib/zram-boot.c): the kernel command line switches, container
 * detection on fake /proc, /run and / trees, each entry's memory bounds, and what the boot
 * planner makes of them (no devices, one skip per entry with its rule and reason).
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "zram.h"

#define GiB (UINT64_C(1) << 30)

static struct {
	char *root;
	struct sc_ctx ctx;
} F;

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.root = sc_test_mkdtemp();
	sc_test_write(F.root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet\n");
	assert_int_equal(sc_ctx_init(&F.ctx, &sc_sys_real, NULL, F.root, NULL, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	sc_ctx_done(&F.ctx);
	sc_test_rmtree(F.root);
	free(F.root);
	return 0;
}

static void test_cmdline(void **state)
{
	static const struct {
		const char *in;
		enum sc_zram_cmdline want;
		const char *word;
	} t[] = {
		{"quiet root=/dev/sda1", SC_ZRAM_CMDLINE_NONE, ""},
		{"quiet swapctl.zram=0", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=0"},
		{"swapctl.zram=off ro", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=off"},
		{"systemd.zram=0", SC_ZRAM_CMDLINE_OFF, "systemd.zram=0"},
		{"systemd.zram=no\n", SC_ZRAM_CMDLINE_OFF, "systemd.zram=no"},
		/* zram-generator's "make the default device" means nothing to swapctl */
		{"systemd.zram=1", SC_ZRAM_CMDLINE_NONE, ""},
		{"systemd.zram", SC_ZRAM_CMDLINE_NONE, ""},
		/* swapctl's switch wins, whatever the order */
		{"systemd.zram=0 swapctl.zram=1", SC_ZRAM_CMDLINE_ON, "swapctl.zram=1"},
		{"swapctl.zram=1 systemd.zram=0", SC_ZRAM_CMDLINE_ON, "swapctl.zram=1"},
		{"swapctl.zram", SC_ZRAM_CMDLINE_ON, "swapctl.zram"},
		/* the last of a switch counts, as the kernel's own parameters */
		{"swapctl.zram=0 swapctl.zram=1", SC_ZRAM_CMDLINE_ON, "swapctl.zram=1"},
		{"swapctl.zram=1 swapctl.zram=0", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=0"},
		/* an unknown value leaves the earlier one, or nothing */
		{"swapctl.zram=maybe", SC_ZRAM_CMDLINE_NONE, ""},
		{"swapctl.zram=0 swapctl.zram=maybe systemd.zram=0", SC_ZRAM_CMDLINE_OFF,
			"systemd.zram=0"},
		{"\"swapctl.zram=0\"", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=0"},
		{"swapctl.zram=\"0\"", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=0"},
		{"x=\"a b swapctl.zram=0\"", SC_ZRAM_CMDLINE_NONE, ""},
		{"swapctl.zramx=0 xswapctl.zram=0 swapctl.zram.x=0", SC_ZRAM_CMDLINE_NONE, ""},
		/* after "--" the words are init's */
		{"quiet -- swapctl.zram=0", SC_ZRAM_CMDLINE_NONE, ""},
		{"swapctl.zram=0 -- swapctl.zram=1", SC_ZRAM_CMDLINE_OFF, "swapctl.zram=0"},
		{"", SC_ZRAM_CMDLINE_NONE, ""},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		char word[64] = "junk";
		enum sc_zram_cmdline got = sc_zram_cmdline_parse(t[i].in, word);

		if (got != t[i].want || strcmp(word, t[i].word) != 0)
			fail_msg("'%s': got %d '%s', want %d '%s'", t[i].in, got, word, t[i].want,
				t[i].word);
	}
}

static void assert_container(const char *name, const char *source)
{
	struct sc_zram_boot_env env;

	assert_int_equal(sc_zram_boot_env_read(&F.ctx, &env), 0);
	assert_string_equal(env.container, name);
	assert_string_equal(env.container_source, source);
}

static void rm_rel(const char *rel)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", F.root, rel) > 0);
	sc_test_rmtree(p);
	free(p);
}

static void test_container_detection(void **state)
{
	static const char environ_plain[] = "PATH=/usr/bin\0HOME=/\0";
	static const char environ_lxc[] = "PATH=/usr/bin\0container=lxc\0TERM=linux\0";
	struct sc_zram_boot_env env;
	char *p;
	FILE *f;

	/* a plain machine: nothing */
	assert_int_equal(sc_zram_boot_env_read(&F.ctx, &env), 0);
	assert_int_equal(env.cmdline, SC_ZRAM_CMDLINE_NONE);
	assert_container("", "");

	assert_true(asprintf(&p, "%s/proc/1/environ", F.root) > 0);
	sc_test_write(F.root, "proc/1/environ", "");
	f = fopen(p, "w");
	assert_non_null(f);
	fwrite(environ_plain, 1, sizeof(environ_plain) - 1, f);
	fclose(f);
	assert_container("", "");

	/* the well-known files, weakest first: each later one is found before it */
	sc_test_write(F.root, ".dockerenv", "");
	assert_container("docker", "/.dockerenv");
	sc_test_write(F.root, "run/.containerenv", "engine=\"podman-4.3\"\n");
	assert_container("podman", "/run/.containerenv");
	f = fopen(p, "w");
	assert_non_null(f);
	fwrite(environ_lxc, 1, sizeof(environ_lxc) - 1, f);
	fclose(f);
	free(p);
	assert_container("lxc", "/proc/1/environ");
	sc_test_write(F.root, "run/host/container-manager", "systemd-nspawn\n");
	assert_container("systemd-nspawn", "/run/host/container-manager");
	sc_test_write(F.root, "run/systemd/container", "docker\n");
	assert_container("docker", "/run/systemd/container");
	/* an empty file says nothing */
	sc_test_write(F.root, "run/systemd/container", "");
	assert_container("systemd-nspawn", "/run/host/container-manager");

	/* OpenVZ: /proc/vz inside a container, /proc/vz and /proc/bc on its host */
	rm_rel("run");
	rm_rel("proc/1");
	rm_rel(".dockerenv");
	sc_test_write(F.root, "proc/vz/.keep", "");
	assert_container("openvz", "/proc/vz");
	sc_test_write(F.root, "proc/bc/.keep", "");
	assert_container("", "");

	sc_test_write(F.root, "proc/cmdline", "ro swapctl.zram=0\n");
	assert_int_equal(sc_zram_boot_env_read(&F.ctx, &env), 0);
	assert_int_equal(env.cmdline, SC_ZRAM_CMDLINE_OFF);
	assert_string_equal(env.cmdline_word, "swapctl.zram=0");
	/* no /proc/cmdline (a chroot without /proc): no switch */
	rm_rel("proc/cmdline");
	assert_int_equal(sc_zram_boot_env_read(&F.ctx, &env), 0);
	assert_int_equal(env.cmdline, SC_ZRAM_CMDLINE_NONE);
}

static void test_fits(void **state)
{
	struct sc_zram_spec s;
	char why[256] = "";

	sc_zram_spec_init(&s);
	assert_true(sc_zram_spec_fits(&s, 1, why, sizeof(why)));
	s.min_ram = 4 * GiB;
	assert_true(sc_zram_spec_fits(&s, 4 * GiB, why, sizeof(why)));
	assert_false(sc_zram_spec_fits(&s, 4 * GiB - 1, why, sizeof(why)));
	assert_non_null(strstr(why, "below the entry's min_ram of 4 GiB"));
	s.max_ram = 8 * GiB;
	assert_true(sc_zram_spec_fits(&s, 8 * GiB, why, sizeof(why)));
	assert_false(sc_zram_spec_fits(&s, 8 * GiB + 1, why, sizeof(why)));
	assert_non_null(strstr(why, "above the entry's max_ram of 8 GiB"));
}

/* The boot planner over a world with no devices and the given zram.conf entries. */
static int plan(const char *conf, const struct sc_zram_boot_env *env, bool force, struct sc_plan *p,
	struct sc_zram_skips *skips)
{
	struct sc_zram_observed w = {.mem_total = 4 * GiB, .control_present = true};
	struct sc_err err = {0};
	int r;

	assert_int_equal(sc_zram_config_parse(conf, &w.config, &err), 0);
	r = sc_zram_plan_boot(&F.ctx, &w, env, force, p, skips, &err);
	sc_zram_config_free(&w.config);
	return r;
}

static size_t count_kind(const struct sc_plan *p, enum sc_act kind)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->actions[i].kind == kind;
	return n;
}

static void test_plan_container_and_cmdline(void **state)
{
	static const char conf[] = "size=1G\nsize=25% priority=50\n";
	struct sc_zram_boot_env env = {0};
	struct sc_zram_skips skips = {0};
	struct sc_plan p = {0};

	snprintf(env.container, sizeof(env.container), "docker");
	snprintf(env.container_source, sizeof(env.container_source), "/.dockerenv");
	assert_int_equal(plan(conf, &env, false, &p, &skips), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(skips.n, 2);
	assert_string_equal(skips.v[0].rule, "container");
	assert_string_equal(
		skips.v[0].entry, "size=1073741824 algorithm=auto priority=100 mem_limit=0");
	assert_non_null(strstr(skips.v[0].reason, "docker, found by /.dockerenv"));
	assert_string_equal(skips.v[1].entry, "size=25% algorithm=auto priority=50 mem_limit=0");
	sc_zram_skips_free(&skips);

	/* --force, or swapctl.zram=1: both devices */
	assert_int_equal(plan(conf, &env, true, &p, &skips), 0);
	assert_int_equal(count_kind(&p, SC_ZRAM_HOT_ADD), 2);
	assert_int_equal(skips.n, 0);
	sc_plan_free(&p);
	env.cmdline = SC_ZRAM_CMDLINE_ON;
	assert_int_equal(plan(conf, &env, false, &p, &skips), 0);
	assert_int_equal(count_kind(&p, SC_ZRAM_HOT_ADD), 2);
	sc_plan_free(&p);

	/* swapctl.zram=0 is not overridden by --force, in a container or not */
	env.cmdline = SC_ZRAM_CMDLINE_OFF;
	snprintf(env.cmdline_word, sizeof(env.cmdline_word), "systemd.zram=0");
	env.container[0] = '\0';
	assert_int_equal(plan(conf, &env, true, &p, &skips), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(skips.n, 2);
	assert_string_equal(skips.v[1].rule, "cmdline");
	assert_string_equal(skips.v[1].reason, "the kernel command line has systemd.zram=0");
	sc_zram_skips_free(&skips);

	/* an entry whose device is up is neither created nor reported as skipped */
	{
		struct sc_zram_observed w = {.mem_total = 4 * GiB, .control_present = true};
		struct sc_zram_owned own = {.id = 3, .diskseq = 9};
		struct sc_err err = {0};

		assert_int_equal(sc_zram_config_parse(conf, &w.config, &err), 0);
		own.spec = w.config.entries[1];
		w.state.devs = &own;
		w.state.n = 1;
		assert_int_equal(sc_swaps_parse("Filename Type Size Used Priority\n"
						"/dev/zram3 partition 1048572 0 50\n",
					 &w.swaps),
			0);
		assert_int_equal(sc_zram_plan_boot(&F.ctx, &w, &env, false, &p, &skips, &err), 0);
		assert_int_equal(p.n, 0);
		assert_int_equal(skips.n, 1);
		assert_non_null(strstr(skips.v[0].entry, "size=1073741824 "));
		sc_zram_skips_free(&skips);
		sc_swaps_free(&w.swaps);
		sc_zram_config_free(&w.config);
	}

	/* nothing configured: nothing skipped */
	assert_int_equal(plan("", &env, false, &p, &skips), 0);
	assert_int_equal(skips.n, 0);
}

static void test_plan_memory_bounds(void **state)
{
	/* the machine has 4 GiB: the first entry is for bigger ones, the third for smaller */
	static const char conf[] = "size=2G min_ram=8G\n"
				   "size=1G min_ram=2G max_ram=4G\n"
				   "size=512M max_ram=3G\n";
	struct sc_zram_boot_env env = {0};
	struct sc_zram_skips skips = {0};
	struct sc_plan p = {0};

	assert_int_equal(plan(conf, &env, false, &p, &skips), 0);
	assert_int_equal(count_kind(&p, SC_ZRAM_HOT_ADD), 1);
	for (size_t i = 0; i < p.n; i++)
		if (p.actions[i].kind == SC_ZRAM_SET_DISKSIZE)
			assert_int_equal(p.actions[i].u.zram.size, GiB);
	assert_int_equal(skips.n, 2);
	assert_string_equal(skips.v[0].rule, "min_ram");
	assert_non_null(strstr(skips.v[0].entry, "min_ram=8589934592"));
	assert_non_null(strstr(skips.v[0].reason, "MemTotal 4 GiB is below"));
	assert_string_equal(skips.v[1].rule, "max_ram");
	assert_non_null(strstr(skips.v[1].reason, "above the entry's max_ram of 3 GiB"));
	sc_zram_skips_free(&skips);
	sc_plan_free(&p);

	/* --force creates all three */
	assert_int_equal(plan(conf, &env, true, &p, &skips), 0);
	assert_int_equal(count_kind(&p, SC_ZRAM_HOT_ADD), 3);
	assert_int_equal(skips.n, 0);
	sc_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test_setup_teardown(test_container_detection, setup, teardown),
		cmocka_unit_test(test_fits),
		cmocka_unit_test_setup_teardown(test_plan_container_and_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_memory_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
