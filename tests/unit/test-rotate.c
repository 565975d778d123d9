/*
 * The rotation planner (pure): generation names, the make-before-break order and invariant,
 * refusals, the journal format, crash-recovery decisions and the priority planner.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "rotate.h"
#include "plan-fields.h"

static void test_split_name(void **state)
{
	static const struct {
		const char *in, *base;
		unsigned gen;
	} t[] = {
		{"swapfile", "swapfile", 0},
		{"swapfile.1", "swapfile", 1},
		{"swapfile.42", "swapfile", 42},
		{"swapfile.012", "swapfile.012", 0}, /* leading zero: not a generation */
		{"swapfile.0", "swapfile.0", 0},
		{"swap.img", "swap.img", 0},
		{"swap.img.3", "swap.img", 3},
		{"swapfile.", "swapfile.", 0},
		{".1", ".1", 0}, /* a hidden name, not generation 1 of "" */
		{"a.999999999", "a", 999999999},
		{"a.1000000000", "a.1000000000", 0}, /* 10 digits */
		{"a.1x", "a.1x", 0},
		{"a.-1", "a.-1", 0},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		char *base;
		unsigned gen;

		assert_int_equal(sc_rotate_split_name(t[i].in, &base, &gen), 0);
		if (strcmp(base, t[i].base) != 0 || gen != t[i].gen)
			fail_msg("%s: got %s/%u want %s/%u", t[i].in, base, gen, t[i].base,
				t[i].gen);
		free(base);
	}
}

static void test_next_path(void **state)
{
	const char *names[] = {"swapfile", "swapfile.3", "other.9", "swapfile.x", "swapfile.07"};
	const char *active[] = {
		"/swap/swapfile.5", "/elsewhere/swapfile.9", "/swap/sub/swapfile.8"};
	const char *names2[] = {"swap file.2"};
	char *p;

	assert_int_equal(sc_rotate_next_path("/swap/swapfile", names, 5, active, 3, &p), 0);
	assert_string_equal(p, "/swap/swapfile.6"); /* 5 is active in the same directory */
	free(p);
	assert_int_equal(sc_rotate_next_path("/swap/swapfile", names, 5, NULL, 0, &p), 0);
	assert_string_equal(p, "/swap/swapfile.4");
	free(p);
	assert_int_equal(sc_rotate_next_path("/swap/swapfile", NULL, 0, NULL, 0, &p), 0);
	assert_string_equal(p, "/swap/swapfile.1");
	free(p);
	assert_int_equal(sc_rotate_next_path("/swap/swapfile.3", names, 5, NULL, 0, &p), 0);
	assert_string_equal(p, "/swap/swapfile.4");
	free(p);
	assert_int_equal(sc_rotate_next_path("/s/swap file.2", names2, 1, NULL, 0, &p), 0);
	assert_string_equal(p, "/s/swap file.3");
	free(p);
	{
		const char *full[] = {"f.999999999"};
		assert_int_equal(sc_rotate_next_path("/s/f", full, 1, NULL, 0, &p), -ERANGE);
	}
}

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

static struct sc_rotate_target target(const char *path, const char *new_path)
{
	struct sc_rotate_target t = {
		.path = path,
		.new_path = new_path,
		.in_fstab = true,
		.managed = true,
		.has_priority = true,
		.fstab_priority = 10,
		.active = true,
		.active_priority = 10,
		.active_used = 100 * MIB,
		.exists = true,
		.regular = true,
		.file_size = GIB,
		.fs_free = 10 * GIB,
		.reserve = GIB,
	};
	return t;
}

static void expect_actions(const struct sc_plan *p, const char *const *names, size_t n)
{
	if (p->n != n)
		fail_msg("%zu actions, want %zu (first: %s)", p->n, n,
			p->n ? p->actions[0].action : "-");
	for (size_t i = 0; i < n; i++)
		if (strcmp(p->actions[i].action, names[i]) != 0)
			fail_msg("action %zu: %s, want %s", i, p->actions[i].action, names[i]);
}

static int64_t field_int(const struct sc_action *a, const char *key)
{
	const struct sc_field *f = sc_test_field(a, key);

	assert_non_null(f);
	return f->num;
}

static const char *field_str(const struct sc_action *a, const char *key)
{
	const struct sc_field *f = sc_test_field(a, key);

	assert_non_null(f);
	return f->str;
}

static void test_plan_rotate(void **state)
{
	struct sc_rotate_target t[2] = {
		target("/swap/swapfile", "/swap/swapfile.1"),
		target("/data/swapfile.4", "/data/swapfile.5"),
	};
	struct sc_rotate_request req = {
		.kind = SC_ROTATE_ROTATE, .fstab = "/etc/fstab", .priority = -1};
	struct sc_rotate_plan p = {0};
	struct sc_err err = {0};
	static const char *const want[] = {"create", "swapon", "fstab-replace", "swapoff", "unlink",
		"create", "fstab-replace", "unlink"};

	t[1].active = false; /* an inactive entry gets an inactive replacement */
	t[1].discard = "once";
	t[1].has_priority = false;
	assert_int_equal(sc_rotate_plan(&req, t, 2, &p, &err), 0);
	expect_actions(&p.plan, want, ELEMENTSOF(want));
	assert_int_equal(p.n_units, 2);
	assert_int_equal(p.units[0].first, 0);
	assert_int_equal(p.units[0].n, 5);
	assert_int_equal(p.units[1].first, 5);
	assert_int_equal(p.units[1].n, 3);
	/* Same size, same explicit priority, same options. */
	assert_int_equal(field_int(&p.plan.actions[0], "size_bytes"), GIB);
	assert_string_equal(field_str(&p.plan.actions[0], "replaces"), "/swap/swapfile");
	assert_string_equal(p.plan.actions[1].target, "/swap/swapfile.1");
	assert_int_equal(field_int(&p.plan.actions[1], "priority"), 10);
	assert_string_equal(field_str(&p.plan.actions[1], "discard"), "none");
	assert_string_equal(p.plan.actions[2].target, "/etc/fstab");
	assert_string_equal(field_str(&p.plan.actions[2], "old_source"), "/swap/swapfile");
	assert_string_equal(field_str(&p.plan.actions[2], "new_source"), "/swap/swapfile.1");
	assert_string_equal(p.plan.actions[3].target, "/swap/swapfile");
	assert_int_equal(field_int(&p.plan.actions[3], "used_bytes"), 100 * MIB);
	assert_string_equal(p.plan.actions[4].target, "/swap/swapfile");
	assert_true(p.units[0].enable && p.units[0].persist && p.units[0].managed);
	assert_false(p.units[1].enable);
	assert_int_equal(p.units[1].discard, SC_DISCARD_ONCE);
	assert_int_equal(p.units[1].priority, SC_ROTATE_PRIORITY_DEFAULT);
	sc_rotate_plan_free(&p);
}

/*
 * The make-before-break invariant, by simulation: walk the plan and track the active swap
 * total; it never drops below the total before the command, for rotations and for growing
 * resizes.
 */
static void simulate(const struct sc_rotate_plan *p, uint64_t start_total, uint64_t old_size)
{
	uint64_t total = start_total;

	for (size_t i = 0; i < p->plan.n; i++) {
		const struct sc_action *a = &p->plan.actions[i];
		const struct sc_rotation *u = NULL;

		for (size_t k = 0; k < p->n_units; k++)
			if (i >= p->units[k].first && i < p->units[k].first + p->units[k].n)
				u = &p->units[k];
		assert_non_null(u);
		if (a->kind == SC_ROT_ACT_SWAPON)
			total += u->size;
		else if (a->kind == SC_ROT_ACT_SWAPOFF)
			total -= old_size;
		if (total < start_total)
			fail_msg("total %llu below %llu after %s %s", (unsigned long long)total,
				(unsigned long long)start_total, a->action, a->target);
		/* The old area is retired only after fstab names the replacement. */
		if (a->kind == SC_ROT_ACT_SWAPOFF) {
			bool fstab_done = false;
			for (size_t k = u->first; k < i; k++)
				fstab_done |= p->plan.actions[k].kind == SC_ROT_ACT_FSTAB_REPLACE;
			assert_true(fstab_done || !u->persist);
		}
	}
}

static void test_invariant(void **state)
{
	struct sc_rotate_target t[3] = {
		target("/swap/a", "/swap/a.1"),
		target("/swap/b", "/swap/b.1"),
		target("/swap/c.7", "/swap/c.8"),
	};
	struct sc_rotate_request req = {
		.kind = SC_ROTATE_ROTATE, .fstab = "/etc/fstab", .priority = -1};
	struct sc_rotate_plan p = {0};
	struct sc_err err = {0};

	t[1].in_fstab = false; /* active, not persisted: no fstab step */
	assert_int_equal(sc_rotate_plan(&req, t, 3, &p, &err), 0);
	simulate(&p, 3 * GIB, GIB);
	sc_rotate_plan_free(&p);

	req.kind = SC_ROTATE_RESIZE;
	req.size = 2 * GIB;
	assert_int_equal(sc_rotate_plan(&req, t, 1, &p, &err), 0);
	assert_int_equal(p.units[0].size, 2 * GIB);
	simulate(&p, 3 * GIB, GIB);
	sc_rotate_plan_free(&p);
}

static void test_priority_by_rotation(void **state)
{
	struct sc_rotate_target t = target("/swap/a", "/swap/a.1");
	struct sc_rotate_request req = {.kind = SC_ROTATE_PRIORITY, .priority = 30};
	struct sc_rotate_plan p = {0};
	struct sc_err err = {0};

	assert_int_equal(sc_rotate_plan(&req, &t, 1, &p, &err), 0);
	assert_int_equal(p.plan.n, 5);
	assert_int_equal(p.units[0].priority, 30);
	assert_int_equal(field_int(&p.plan.actions[1], "priority"), 30);
	assert_int_equal(field_int(&p.plan.actions[2], "priority"), 30);
	assert_int_equal(p.units[0].size, GIB);
	sc_rotate_plan_free(&p);
	/* Already 30 in the kernel and in fstab: nothing. */
	t.active_priority = t.fstab_priority = 30;
	assert_int_equal(sc_rotate_plan(&req, &t, 1, &p, &err), 0);
	assert_int_equal(p.plan.n, 0);
	/* fstab lacks pri=: the rotation writes it. */
	t.has_priority = false;
	assert_int_equal(sc_rotate_plan(&req, &t, 1, &p, &err), 0);
	assert_int_equal(p.plan.n, 5);
	sc_rotate_plan_free(&p);
}

static void test_resize_same_size(void **state)
{
	struct sc_rotate_target t = target("/swap/a", "/swap/a.1");
	struct sc_rotate_request req = {.kind = SC_ROTATE_RESIZE, .size = GIB, .priority = -1};
	struct sc_rotate_plan p = {0};
	struct sc_err err = {0};

	assert_int_equal(sc_rotate_plan(&req, &t, 1, &p, &err), 0);
	assert_int_equal(p.plan.n, 0);
	assert_int_equal(p.n_units, 0);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *name;
		int field; /* which mutation */
		int want_r;
		enum sc_exit kind;
		const char *msg_part;
	} t[] = {
		{"no room", 0, -ENOSPC, SC_EXIT_REFUSED,
			"no room for the replacement: it needs 1 GiB"},
		{"device", 1, -EINVAL, SC_EXIT_USAGE, "not a swapfile"},
		{"missing file", 2, -ENOENT, SC_EXIT_USAGE, "does not exist"},
		{"not swap", 3, -EINVAL, SC_EXIT_USAGE, "not an active swap area or fstab"},
		{"deleted", 4, -EPERM, SC_EXIT_REFUSED, "was deleted"},
		{"resume", 5, -EPERM, SC_EXIT_REFUSED, "hibernation resume target"},
		{"reserve eats it", 6, -ENOSPC, SC_EXIT_REFUSED, "reserve of 1 GiB"},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_rotate_target x = target("/swap/a", "/swap/a.1");
		struct sc_rotate_request req = {.kind = SC_ROTATE_ROTATE, .priority = -1};
		struct sc_rotate_plan p = {0};
		struct sc_err err = {0};
		int r;

		switch (t[i].field) {
		case 0:
			x.fs_free = GIB + GIB / 2;
			break;
		case 1:
			x.regular = false;
			break;
		case 2:
			x.exists = false;
			break;
		case 3:
			x.active = x.in_fstab = false;
			break;
		case 4:
			x.deleted = true;
			break;
		case 5:
			x.resume_target = true;
			break;
		case 6:
			x.fs_free = 2 * GIB - 1; /* 1 GiB needed + 1 GiB reserve */
			break;
		}
		r = sc_rotate_plan(&req, &x, 1, &p, &err);
		if (r != t[i].want_r || err.kind != t[i].kind || !strstr(err.msg, t[i].msg_part))
			fail_msg("%s: r=%d kind=%d msg=%s", t[i].name, r, err.kind, err.msg);
		assert_int_equal(p.plan.n, 0);
		sc_rotate_plan_free(&p);
	}
	/* --force passes the resume-target refusal (only that one). */
	{
		struct sc_rotate_target x = target("/swap/a", "/swap/a.1");
		struct sc_rotate_request req = {
			.kind = SC_ROTATE_ROTATE, .force = true, .priority = -1};
		struct sc_rotate_plan p = {0};
		struct sc_err err = {0};

		x.resume_target = true;
		assert_int_equal(sc_rotate_plan(&req, &x, 1, &p, &err), 0);
		assert_int_equal(p.plan.n, 5);
		sc_rotate_plan_free(&p);
		x.fs_free = 0;
		assert_int_equal(sc_rotate_plan(&req, &x, 1, &p, &err), -ENOSPC);
		sc_rotate_plan_free(&p);
	}
}

static void test_priority_of(void **state)
{
	struct sc_rotate_target t = target("/swap/a", "/swap/a.1");

	t.fstab_priority = 5;
	t.active_priority = 7;
	assert_int_equal(sc_rotate_priority_of(&t), 5); /* fstab wins: it is what boot does */
	t.has_priority = false;
	assert_int_equal(sc_rotate_priority_of(&t), 7);
	t.active_priority = -2; /* auto: renumbered by the kernel, never carried over */
	assert_int_equal(sc_rotate_priority_of(&t), SC_ROTATE_PRIORITY_DEFAULT);
	t.active_priority = 0;
	assert_int_equal(sc_rotate_priority_of(&t), 0);
	t.has_priority = true;
	t.fstab_priority = 40000; /* swapon clamps pri= to 32767 */
	assert_int_equal(sc_rotate_priority_of(&t), 32767);
}

static void test_offline(void **state)
{
	struct sc_rotate_target t = target("/img/swap/swapfile", "/img/swap/swapfile.1");
	struct sc_rotate_request req = {
		.kind = SC_ROTATE_RESIZE, .size = 2 * GIB, .offline = true, .priority = -1};
	struct sc_rotate_plan p = {0};
	struct sc_err err = {0};
	static const char *const want[] = {"create", "fstab-replace", "unlink"};

	assert_int_equal(sc_rotate_plan(&req, &t, 1, &p, &err), 0);
	expect_actions(&p.plan, want, ELEMENTSOF(want));
	sc_rotate_plan_free(&p);
}

static void test_journal_roundtrip(void **state)
{
	struct sc_rotation r = {
		.old_path = "/swap/my swap",
		.new_path = "/swap/my swap.1",
		.size = 17179869184u,
		.priority = 32767,
		.discard = SC_DISCARD_PAGES,
		.enable = true,
		.persist = true,
		.managed = true,
		.nofail = false,
	};
	struct sc_rotate_journal j;
	char *text;

	assert_int_equal(sc_rotate_journal_format(&r, &text), 0);
	assert_non_null(strstr(text, "old=/swap/my\\040swap\n"));
	assert_int_equal(sc_rotate_journal_parse(text, &j), 0);
	assert_string_equal(j.old_path, r.old_path);
	assert_string_equal(j.new_path, r.new_path);
	assert_int_equal(j.size, r.size);
	assert_int_equal(j.priority, r.priority);
	assert_int_equal(j.discard, r.discard);
	assert_true(j.enable && j.persist && j.managed && !j.nofail);
	sc_rotate_journal_done(&j);
	free(text);
}

static void test_journal_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"old=/a\nnew=/b\nsize=1\npriority=1\n", /* no version */
		"version=2\nold=/a\nnew=/b\nsize=1\npriority=1\n",
		"version=1\nold=/a\nnew=/b\nsize=1\n", /* no priority */
		"version=1\nold=a\nnew=/b\nsize=1\npriority=1\n", /* relative */
		"version=1\nold=/a\nnew=/b\nsize=1\npriority=40000\n",
		"version=1\nold=/a\nnew=/b\nsize=-1\npriority=1\n",
		"version=1\nold=/a\nnew=/b\nsize=1\npriority=1\nenable=yes\n",
		"version=1\nold=/a\nnew=/b\nsize=1\npriority=1\nfrobnicate=1\n",
		"version=1\nold=/a\nnew=/b\nsize=1\npriority=1\ngarbage\n",
		"version=1\nold=/a\nnew=/b\nsize=1\npriority=1\ndiscard=sometimes\n",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		struct sc_rotate_journal j;
		if (sc_rotate_journal_parse(bad[i], &j) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_recover(void **state)
{
	static const struct {
		const char *name;
		bool persist;
		struct sc_rotate_observed o;
		int want_r;
		bool rollback;
		const char *actions[4];
	} t[] = {
		{"never created", true, {.old_exists = true, .old_active = true, .fstab_old = true},
			0, true, {NULL}},
		{"created, not enabled: roll back", true,
			{.old_exists = true,
				.old_active = true,
				.new_exists = true,
				.fstab_old = true},
			0, true, {"unlink"}},
		{"enabled, fstab still old: resume at fstab", true,
			{.old_exists = true,
				.old_active = true,
				.new_exists = true,
				.new_active = true,
				.fstab_old = true},
			0, false, {"fstab-replace", "swapoff", "unlink"}},
		{"fstab new, old active: resume at swapoff", true,
			{.old_exists = true,
				.old_active = true,
				.new_exists = true,
				.new_active = true,
				.fstab_new = true},
			0, false, {"swapoff", "unlink"}},
		{"fstab new, old off: unlink", true,
			{.old_exists = true,
				.new_exists = true,
				.new_active = true,
				.fstab_new = true},
			0, false, {"unlink"}},
		{"all done but the journal", true,
			{.new_exists = true, .new_active = true, .fstab_new = true}, 0, false,
			{NULL}},
		{"rebooted before fstab: new inactive, roll back", true,
			{.old_exists = true,
				.old_active = true,
				.new_exists = true,
				.fstab_old = true},
			0, true, {"unlink"}},
		{"rebooted after fstab: old inactive leftover", true,
			{.old_exists = true,
				.new_exists = true,
				.new_active = true,
				.fstab_new = true},
			0, false, {"unlink"}},
		{"both in fstab", true,
			{.old_exists = true,
				.new_exists = true,
				.fstab_old = true,
				.fstab_new = true},
			-EUCLEAN, false, {NULL}},
		{"neither in fstab, replacement exists", true,
			{.old_exists = true, .new_exists = true}, -EUCLEAN, false, {NULL}},
		{"neither in fstab, nothing made", true, {.old_exists = true}, 0, true, {NULL}},
		{"not persistent, new live", false,
			{.old_exists = true,
				.old_active = true,
				.new_exists = true,
				.new_active = true},
			0, false, {"swapoff", "unlink"}},
		{"not persistent, new not live", false,
			{.old_exists = true, .old_active = true, .new_exists = true}, 0, true,
			{"unlink"}},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_rotate_journal j = {
			.old_path = "/swap/swapfile",
			.new_path = "/swap/swapfile.1",
			.size = GIB,
			.priority = 10,
			.enable = true,
			.persist = t[i].persist,
			.managed = true,
		};
		struct sc_rotate_plan p = {0};
		struct sc_err err = {0};
		size_t n = 0;
		int r;

		while (n < ELEMENTSOF(t[i].actions) && t[i].actions[n])
			n++;
		r = sc_rotate_recover(&j, &t[i].o, "/etc/fstab", &p, &err);
		if (r != t[i].want_r)
			fail_msg("%s: r=%d (%s)", t[i].name, r, err.msg);
		if (r == 0) {
			assert_int_equal(p.n_units, 1);
			assert_true(p.units[0].recovery);
			if (p.units[0].rollback != t[i].rollback)
				fail_msg("%s: rollback=%d", t[i].name, p.units[0].rollback);
			expect_actions(&p.plan, t[i].actions, n);
			for (size_t k = 0; k < p.plan.n; k++) {
				const struct sc_field *f =
					sc_test_field(&p.plan.actions[k], "recovery");
				assert_non_null(f);
				assert_true(f->num);
			}
			if (t[i].rollback && p.plan.n)
				assert_string_equal(p.plan.actions[0].target, "/swap/swapfile.1");
			else
				for (size_t k = 0; k < p.plan.n; k++)
					if (p.plan.actions[k].kind == SC_ROT_ACT_UNLINK ||
						p.plan.actions[k].kind == SC_ROT_ACT_SWAPOFF)
						assert_string_equal(
							p.plan.actions[k].target, "/swap/swapfile");
		} else
			assert_int_equal(err.kind, SC_EXIT_FAILURE);
		sc_rotate_plan_free(&p);
	}
}

static void test_priority_plan(void **state)
{
	static const struct {
		const char *name;
		struct sc_priority_target t;
		int prio;
		bool offline;
		int want_r;
		const char *actions[3];
	} t[] = {
		{"unchanged", {"/swap/a", true, 5, 0, true, true, 5, NULL}, 5, false, 0, {NULL}},
		{"active differs", {"/swap/a", true, 5, 0, true, true, 5, NULL}, 20, false, 0,
			{"swapoff", "swapon", "fstab-update"}},
		{"fstab lacks pri=", {"/swap/a", true, 20, 0, true, false, 0, NULL}, 20, false, 0,
			{"fstab-update"}},
		{"not persistent", {"/dev/zram1", true, 100, 0, false, false, 0, NULL}, 50, false,
			0, {"swapoff", "swapon"}},
		{"inactive entry", {"/swap/a", false, 0, 0, true, true, 5, NULL}, 6, false, 0,
			{"fstab-update"}},
		{"offline", {"/swap/a", true, 5, 0, true, true, 5, NULL}, 6, true, 0,
			{"fstab-update"}},
		{"nothing", {"/swap/x", false, 0, 0, false, false, 0, NULL}, 6, false, -EINVAL,
			{NULL}},
		{"auto refused", {"/swap/a", true, 5, 0, true, true, 5, NULL}, -1, false, -EINVAL,
			{NULL}},
		{"too big", {"/swap/a", true, 5, 0, true, true, 5, NULL}, 32768, false, -EINVAL,
			{NULL}},
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		struct sc_plan p = {0};
		struct sc_err err = {0};
		size_t n = 0;
		int r;

		while (n < ELEMENTSOF(t[i].actions) && t[i].actions[n])
			n++;
		r = sc_priority_plan(&t[i].t, t[i].prio, "/etc/fstab", t[i].offline, &p, &err);
		if (r != t[i].want_r)
			fail_msg("%s: r=%d (%s)", t[i].name, r, err.msg);
		if (r < 0)
			assert_int_equal(err.kind, SC_EXIT_USAGE);
		expect_actions(&p, t[i].actions, n);
		sc_plan_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_name),
		cmocka_unit_test(test_next_path),
		cmocka_unit_test(test_plan_rotate),
		cmocka_unit_test(test_invariant),
		cmocka_unit_test(test_resize_same_size),
		cmocka_unit_test(test_priority_by_rotation),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_priority_of),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_journal_roundtrip),
		cmocka_unit_test(test_journal_malformed),
		cmocka_unit_test(test_recover),
		cmocka_unit_test(test_priority_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
