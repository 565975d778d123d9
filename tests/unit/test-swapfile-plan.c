/*
 * The add and remove planners on synthetic state: which actions, in which order, with which
 * details, and which refusals (exit 3) and failures -- pure code, no files.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "swapfile.h"
#include "plan-fields.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static const struct sc_add_host facts = {.mem_total = 16 * GiB, .capable = true, .page_size = 4096};

static struct sc_add_request request(uint64_t size)
{
	struct sc_add_request r = {
		.path = "/swap/swapfile",
		.boot_path = "/swap/swapfile",
		.fstab = "/etc/fstab",
		.size = size,
		.priority = -1,
		.enable = true,
		.persist = true,
		.reserve = UINT64_MAX,
		.default_path = true,
	};
	return r;
}

/* A filesystem of 100 GiB with 50 GiB free, the directory there, no file. */
static struct sc_swapfile_observed fresh(void)
{
	struct sc_swapfile_observed st = {.dir_exists = true, .fs_known = true};

	st.fs.kind = SC_FS_EXT4;
	snprintf(st.fs.name, sizeof(st.fs.name), "ext4");
	st.fs.total_bytes = 100 * GiB;
	st.fs.avail_bytes = 50 * GiB;
	return st;
}

/* The swapfile swapctl made: valid header of size, 0600 root, one link. */
static struct sc_swapfile_observed existing(uint64_t size, bool active)
{
	struct sc_swapfile_observed st = fresh();

	st.exists = st.regular = true;
	st.uid = 0;
	st.mode = 0100600;
	st.nlink = 1;
	st.file_size = size;
	st.header_read = true;
	st.header.status = SC_HEADER_OK;
	st.header.npages = size / 4096;
	st.active = active;
	st.active_as = active ? (char *)"/swap/swapfile" : NULL;
	st.active_priority = SC_SWAPFILE_PRIORITY;
	return st;
}

static const struct sc_swapfile_fstab managed_entry = {
	.present = true, .managed = true, .has_priority = true, .priority = SC_SWAPFILE_PRIORITY};

static void expect_actions(const struct sc_plan *p, const char *want)
{
	char got[256] = "";

	for (size_t i = 0; i < p->n; i++) {
		strcat(got, i ? " " : "");
		strcat(got, p->actions[i].action);
	}
	if (strcmp(got, want) != 0)
		fail_msg("actions '%s', want '%s'", got, want);
}

static int64_t field(const struct sc_plan *p, const char *action, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->actions[i].action, action)) {
			const struct sc_field *f = sc_test_field(&p->actions[i], key);
			assert_non_null(f);
			return f->num;
		}
	fail_msg("no %s action", action);
	return -1;
}

static void test_fresh_default(void **state)
{
	struct sc_add_request req = request(16 * GiB);
	struct sc_swapfile_observed st = fresh();
	struct sc_swapfile_fstab fst = {0};
	struct sc_plan p = {0};
	struct sc_err err = {0};

	st.dir_exists = false; /* /swap is made first */
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "mkdir create swapon fstab-add");
	assert_int_equal(field(&p, "create", "size_bytes"), (int64_t)(16 * GiB));
	assert_int_equal(field(&p, "create", "reserve_bytes"), (int64_t)GiB); /* min(5%, 1 GiB) */
	assert_int_equal(field(&p, "swapon", "priority"), SC_SWAPFILE_PRIORITY);
	assert_int_equal(field(&p, "fstab-add", "priority"), SC_SWAPFILE_PRIORITY);
	assert_false(field(&p, "mkdir", "subvolume"));
	sc_plan_free(&p);

	/* on btrfs the directory is a subvolume and the file NOCOW */
	st.fs.kind = SC_FS_BTRFS;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	assert_true(field(&p, "mkdir", "subvolume"));
	assert_true(field(&p, "create", "nocow"));
	sc_plan_free(&p);

	/* --path into a directory that does not exist: not created, exit 1 */
	req.default_path = false;
	assert_true(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "/swap: directory does not exist"));
	sc_plan_free(&p);
}

static void test_options(void **state)
{
	struct sc_add_request req = request(GiB);
	struct sc_swapfile_observed st = fresh();
	struct sc_swapfile_fstab fst = {0};
	struct sc_plan p = {0};
	struct sc_err err = {0};

	req.enable = false;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "create fstab-add");
	sc_plan_free(&p);

	req.enable = true;
	req.persist = false;
	req.priority = 32767;
	req.priority_given = true;
	req.discard = SC_DISCARD_ONCE;
	req.discard_given = true;
	req.label = "swap0";
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "create swapon");
	assert_int_equal(field(&p, "swapon", "priority"), 32767);
	assert_string_equal(sc_test_field(&p.actions[1], "discard")->str, "once");
	assert_string_equal(sc_test_field(&p.actions[0], "label")->str, "swap0");
	sc_plan_free(&p);

	/* --root: never swapon */
	{
		struct sc_add_host offline = facts;
		offline.offline = true;
		req.persist = true;
		assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &offline, &p, &err), 0);
		expect_actions(&p, "create fstab-add");
		sc_plan_free(&p);
	}
}

static void test_idempotent_and_completion(void **state)
{
	struct sc_add_request req = request(GiB);
	struct sc_swapfile_observed st = existing(GiB, true);
	struct sc_swapfile_fstab fst = managed_entry;
	struct sc_plan p = {0};
	struct sc_err err = {0};

	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "");

	/* crash after create: activate and persist what is there */
	st = existing(GiB, false);
	fst.present = false;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "swapon fstab-add");
	assert_int_equal(field(&p, "swapon", "size_bytes"), (int64_t)GiB);
	sc_plan_free(&p);

	/* an unmanaged entry for the path is taken over in place */
	st = existing(GiB, true);
	fst = managed_entry;
	fst.managed = false;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "fstab-update");
	sc_plan_free(&p);

	/* the entry's own priority is kept when none is asked for */
	fst = managed_entry;
	fst.priority = 5;
	st.active_priority = 5;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "");

	/* auto is satisfied by an existing swapfile of any size */
	req.size = 0;
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err), 0);
	expect_actions(&p, "");

	/* ... unless it is meant for hibernation and smaller than RAM */
	req.hibernate = true;
	assert_true(sc_swapfile_plan_add(&req, &st, &fst, &facts, &p, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.hint, "swapctl resize /swap/swapfile 24G"));
}

static void expect_refusal(struct sc_add_request *req, struct sc_swapfile_observed *st,
	const struct sc_swapfile_fstab *fst, const char *msg, const char *hint)
{
	struct sc_plan p = {0};
	struct sc_err err = {0};

	assert_true(sc_swapfile_plan_add(req, st, fst, &facts, &p, &err) < 0);
	if (err.kind != SC_EXIT_REFUSED || !strstr(err.msg, msg))
		fail_msg("got kind %d '%s', want a refusal with '%s'", err.kind, err.msg, msg);
	if (hint && !strstr(err.hint, hint))
		fail_msg("hint '%s' lacks '%s'", err.hint, hint);
	assert_int_equal(p.n, 0);
	sc_plan_free(&p);
}

static void test_refusals(void **state)
{
	struct sc_add_request req = request(GiB);
	struct sc_swapfile_observed st;
	struct sc_swapfile_fstab none = {0};

	st = existing(2 * GiB, true);
	expect_refusal(&req, &st, &managed_entry, "exists with 2 GiB, not the 1 GiB asked for",
		"swapctl resize /swap/swapfile 1G");

	st = existing(GiB, false);
	st.header.status = SC_HEADER_NO_SIGNATURE;
	snprintf(st.foreign, sizeof(st.foreign), "xfs");
	expect_refusal(&req, &st, &none, "it holds a xfs signature", "move it away");
	st.foreign[0] = '\0';
	st.header.status = SC_HEADER_HIBERNATION;
	snprintf(st.header.signature, sizeof(st.header.signature), "S1SUSPEND");
	expect_refusal(&req, &st, &none, "hibernation image signature S1SUSPEND", NULL);

	st = existing(GiB, false);
	st.symlink = true;
	st.regular = false;
	expect_refusal(&req, &st, &none, "symbolic link", NULL);

	st = existing(GiB, false);
	st.mode = 0100644;
	expect_refusal(&req, &st, &none, "insecure swapfile (owner uid 0, mode 0644, 1 links)",
		"chmod 0600");
	st = existing(GiB, false);
	st.nlink = 2;
	expect_refusal(&req, &st, &none, "2 links", NULL);

	st = existing(GiB, false);
	snprintf(st.loopdev, sizeof(st.loopdev), "loop7");
	expect_refusal(&req, &st, &none, "backs the loop device /dev/loop7", "losetup -d");

	st = existing(GiB, true);
	st.active_as = "/mnt/bind/swapfile";
	expect_refusal(&req, &st, &none, "already active as /mnt/bind/swapfile", NULL);

	st = existing(GiB, true);
	req.priority = 20;
	req.priority_given = true;
	expect_refusal(&req, &st, &managed_entry, "active with priority 10, not 20",
		"swapctl priority /swap/swapfile 20");
	req.priority_given = false;

	st = fresh();
	st.n_active_areas = SC_SWAP_AREAS_MAX;
	expect_refusal(&req, &st, &none, "kernel swap area limit reached (28 areas active)", NULL);

	/* space: 50 GiB free, reserve 1 GiB */
	st = fresh();
	req.size = 50 * GiB;
	expect_refusal(&req, &st, &none, "too little free space", "--reserve");
	req.reserve = 0;
	{
		struct sc_plan p = {0};
		struct sc_err err = {0};
		assert_int_equal(sc_swapfile_plan_add(&req, &st, &none, &facts, &p, &err), 0);
		sc_plan_free(&p);
	}
	req.reserve = UINT64_MAX;
	req.force = true; /* --force: the reserve goes, the file must still fit */
	{
		struct sc_plan p = {0};
		struct sc_err err = {0};
		assert_int_equal(sc_swapfile_plan_add(&req, &st, &none, &facts, &p, &err), 0);
		sc_plan_free(&p);
	}
	req.size = 51 * GiB;
	expect_refusal(&req, &st, &none, "too little free space", NULL);
	req.force = false;

	/* hibernation needs at least RAM */
	req.size = 8 * GiB;
	req.hibernate = true;
	expect_refusal(&req, &st, &none, "cannot hold a hibernation image of 16 GiB of RAM", NULL);
}

static void test_no_capability(void **state)
{
	struct sc_add_request req = request(GiB);
	struct sc_swapfile_observed st = fresh();
	struct sc_swapfile_fstab none = {0};
	struct sc_add_host f = facts;
	struct sc_plan p = {0};
	struct sc_err err = {0};

	f.capable = false;
	assert_true(sc_swapfile_plan_add(&req, &st, &none, &f, &p, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_FAILURE);
	assert_non_null(strstr(err.msg, "CAP_SYS_ADMIN"));
	sc_plan_free(&p);
	/* ... which --no-enable does not need */
	req.enable = false;
	sc_err_clear(&err);
	assert_int_equal(sc_swapfile_plan_add(&req, &st, &none, &f, &p, &err), 0);
	sc_plan_free(&p);
}

static void test_auto(void **state)
{
	static const struct {
		uint64_t mem;
		bool hib;
		uint64_t want;
	} t[] = {
		{1 * GiB, false, 2 * GiB},
		{2 * GiB, false, 4 * GiB},
		{2 * GiB, true, 6 * GiB},
		{3 * GiB, false, 3 * GiB},
		{8 * GiB, true, 16 * GiB},
		{8 * GiB + 4096, false, 4 * GiB},
		{24 * GiB, false, 4 * GiB},
		{24 * GiB, true, 36 * GiB},
		{64 * GiB, true, 96 * GiB},
		{128 * GiB, false, 4 * GiB},
		{128 * GiB, true, 128 * GiB},
		{(7 * GiB) + 123456789, false, ((7 * GiB) + 123456789) / MiB * MiB},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t got = sc_swapfile_auto_size(t[i].mem, t[i].hib);
		if (got != t[i].want)
			fail_msg("mem %llu hibernate %d: %llu, want %llu",
				(unsigned long long)t[i].mem, t[i].hib, (unsigned long long)got,
				(unsigned long long)t[i].want);
		/* hibernation always gets at least RAM */
		if (t[i].hib && got < t[i].mem / MiB * MiB)
			fail_msg("hibernation size below RAM");
	}

	/* auto is capped by the free space after the reserve; hibernation is not capped */
	{
		struct sc_add_request req = request(0);
		struct sc_swapfile_observed st = fresh();
		struct sc_swapfile_fstab none = {0};
		struct sc_plan p = {0};
		struct sc_err err = {0};

		st.fs.avail_bytes = 3 * GiB + 12345;
		assert_int_equal(sc_swapfile_plan_add(&req, &st, &none, &facts, &p, &err), 0);
		assert_int_equal(field(&p, "create", "size_bytes"),
			(int64_t)((2 * GiB + 12345) / 4096 * 4096));
		sc_plan_free(&p);
		req.hibernate = true;
		assert_true(sc_swapfile_plan_add(&req, &st, &none, &facts, &p, &err) < 0);
		assert_int_equal(err.kind, SC_EXIT_REFUSED);
		sc_plan_free(&p);
	}
}

static void test_remove_plans(void **state)
{
	struct sc_remove_request req = {.fstab = "/etc/fstab"};
	struct sc_swapfile_observed a = existing(GiB, true), b = existing(GiB, false);
	struct sc_swapfile_observed gone = fresh(), notswap = existing(GiB, false);
	struct sc_remove_target t[2] = {
		{.path = "/swap/a", .boot_path = "/swap/a", .st = &a, .fstab = managed_entry},
		{.path = "/swap/b", .boot_path = "/swap/b", .st = &b, .fstab = managed_entry},
	};
	struct sc_plan p = {0};
	struct sc_err err = {0};

	a.active_as = "/swap/a";
	a.active_used = 5 * MiB;
	/* all swapoffs, then the entries, then the files */
	assert_int_equal(sc_swapfile_plan_remove(&req, t, 2, &p, &err), 0);
	expect_actions(&p, "swapoff fstab-remove fstab-remove unlink unlink");
	assert_int_equal(field(&p, "swapoff", "used_bytes"), (int64_t)(5 * MiB));
	sc_plan_free(&p);

	req.keep_file = true;
	assert_int_equal(sc_swapfile_plan_remove(&req, t, 2, &p, &err), 0);
	expect_actions(&p, "swapoff fstab-remove fstab-remove");
	sc_plan_free(&p);
	req.keep_file = false;

	/* --root: no swapoff */
	req.offline = true;
	assert_int_equal(sc_swapfile_plan_remove(&req, t, 1, &p, &err), 0);
	expect_actions(&p, "fstab-remove unlink");
	sc_plan_free(&p);
	req.offline = false;

	/* already gone: nothing */
	t[0].st = &gone;
	t[0].fstab.present = false;
	t[0].named = true;
	assert_int_equal(sc_swapfile_plan_remove(&req, t, 1, &p, &err), 0);
	expect_actions(&p, "");

	/* a named file without a swap signature is not deleted: refused */
	notswap.header.status = SC_HEADER_NO_SIGNATURE;
	t[0].st = &notswap;
	assert_true(sc_swapfile_plan_remove(&req, t, 2, &p, &err) < 0);
	assert_int_equal(err.kind, SC_EXIT_REFUSED);
	assert_non_null(strstr(err.msg, "carries no swap signature"));
	assert_int_equal(p.n, 0); /* the refusal stops the other target too */
	sc_plan_free(&p);

	/* zram belongs to swapctl zram remove */
	sc_err_clear(&err);
	a.active_as = "/dev/zram3";
	a.regular = false;
	a.block_device = true;
	t[0].st = &a;
	assert_true(sc_swapfile_plan_remove(&req, t, 1, &p, &err) < 0);
	assert_non_null(strstr(err.hint, "swapctl zram remove /dev/zram3"));
	sc_plan_free(&p);

	/* a block device: swapoff and entry, never unlink */
	sc_err_clear(&err);
	a.active_as = "/dev/sdb2";
	t[0].fstab = managed_entry;
	assert_int_equal(sc_swapfile_plan_remove(&req, t, 1, &p, &err), 0);
	expect_actions(&p, "swapoff fstab-remove");
	sc_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_default),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_idempotent_and_completion),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_capability),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_remove_plans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
