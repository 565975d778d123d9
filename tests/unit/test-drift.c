/*
 * Drift (pure): records computed from hand-built observations, the matching of fstab entries
 * to active areas, the kinds, their messages and their order.
 */
#include "fixture.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drift.h"
#include "macro.h"
#include "observe.h"

static void obs_init(struct sc_observation *o, bool offline)
{
	memset(o, 0, sizeof(*o));
	o->offline = offline;
	o->fstab = strdup("/etc/fstab");
	o->fstab_ok = true;
	assert_non_null(o->fstab);
}

static struct sc_obs_id file_id(dev_t dev, ino_t ino)
{
	return (struct sc_obs_id){.known = true, .mode = S_IFREG | 0600, .dev = dev, .ino = ino};
}

static struct sc_obs_id blk_id(dev_t rdev, ino_t ino)
{
	return (struct sc_obs_id){
		.known = true, .mode = S_IFBLK | 0660, .dev = 5, .ino = ino, .rdev = rdev};
}

/* An active area; id may be NULL (its path could not be looked up). */
static void add_swap(struct sc_observation *o, const char *path, enum sc_swap_type type,
	const struct sc_obs_id *id)
{
	size_t n = o->swaps.n;

	o->swaps.items = realloc(o->swaps.items, (n + 1) * sizeof(*o->swaps.items));
	o->swap_ids = realloc(o->swap_ids, (n + 1) * sizeof(*o->swap_ids));
	o->swap_dynamic = realloc(o->swap_dynamic, (n + 1) * sizeof(*o->swap_dynamic));
	assert_non_null(o->swaps.items);
	assert_non_null(o->swap_ids);
	assert_non_null(o->swap_dynamic);
	o->swaps.items[n] = (struct sc_swap){.path = strdup(path), .type = type, .priority = -2};
	o->swap_ids[n] = id ? *id : (struct sc_obs_id){0};
	o->swap_dynamic[n] = false;
	o->swaps.n++;
}

/* An entry whose libmount reading was located (and found, when id is given). */
static struct sc_obs_entry *add_entry(
	struct sc_observation *o, size_t line, const char *source, const struct sc_obs_id *id)
{
	struct sc_obs_entry e = {.line = line, .source = (char *)source, .options = "defaults"};

	e.at[0].located = true;
	if (id)
		e.at[0].id = *id;
	assert_int_equal(sc_observation_add_entry(o, &e), 0);
	return &o->entries[o->n_entries - 1];
}

static void add_swapfile(struct sc_observation *o, const char *path, dev_t dev, ino_t ino)
{
	size_t n = o->n_swapfiles;

	o->swapfiles = realloc(o->swapfiles, (n + 1) * sizeof(*o->swapfiles));
	assert_non_null(o->swapfiles);
	o->swapfiles[n] = (struct sc_obs_swapfile){strdup(path), strdup(path), dev, ino};
	o->n_swapfiles++;
}

/* "kind target" of every record, one a line. */
static char *summary(const struct sc_drift *d)
{
	char *s = strdup(""), *t;

	for (size_t i = 0; i < d->n; i++) {
		assert_true(asprintf(&t, "%s%s %s\n", s, sc_drift_kind_name(d->items[i].kind),
				    d->items[i].target) > 0);
		free(s);
		s = t;
	}
	return s;
}

static void expect(const struct sc_observation *o, const char *want)
{
	struct sc_drift d;
	char *got;

	assert_int_equal(sc_drift_compute(o, &d), 0);
	got = summary(&d);
	assert_string_equal(got, want);
	free(got);
	sc_drift_done(&d);
}

static void test_not_persisted(void **state)
{
	struct sc_observation o;
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, NULL);
	add_swap(&o, "/dev/zram0", SC_SWAP_ZRAM, NULL); /* persisted by zram.conf, not fstab */
	add_swap(&o, "/dev/sda2", SC_SWAP_PARTITION, NULL);
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.items[0].kind, SC_DRIFT_NOT_PERSISTED);
	assert_int_equal(d.items[0].swap, 0);
	assert_int_equal(d.items[0].entry, -1);
	assert_string_equal(d.items[0].message,
		"/swap/swapfile is active but has no entry in /etc/fstab: it will be gone after a "
		"reboot");
	assert_int_equal(d.items[1].swap, 2);
	assert_int_equal(d.swap_entry[0], -1);
	assert_ptr_equal(sc_drift_find(&d, SC_DRIFT_NOT_PERSISTED, 2), &d.items[1]);
	assert_null(sc_drift_find(&d, SC_DRIFT_NOT_PERSISTED, 1));
	sc_drift_done(&d);

	/* A file of swapctl autoscale is meant to be gone after a reboot. */
	o.swap_dynamic[0] = true;
	expect(&o, "not-persisted /dev/sda2\n");
	o.swap_dynamic[0] = false;

	/* Without a readable fstab nothing can be said about persistence. */
	o.fstab_ok = false;
	expect(&o, "");
	sc_observation_done(&o);
}

static void test_match_by_identity(void **state)
{
	struct sc_observation o;
	struct sc_obs_id f = file_id(8, 12), b = blk_id(0x802, 99), other = file_id(8, 13);
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, &f);
	add_swap(&o, "/dev/sda2", SC_SWAP_PARTITION, &b);
	add_swap(&o, "/srv/text.swap", SC_SWAP_FILE, NULL);
	add_entry(&o, 3, "/swap//swapfile", &f); /* other text, same file */
	add_entry(&o, 4, "UUID=abc", &b); /* a tag: the device behind /dev/disk */
	add_entry(&o, 5, "/srv/text.swap", NULL); /* not stat-able: its text matches */
	add_entry(&o, 6, "/swap/swapfile.old", &other); /* another file: not active */
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.swap_entry[0], 0);
	assert_int_equal(d.swap_entry[1], 1);
	assert_int_equal(d.swap_entry[2], 2);
	assert_int_equal(d.entries[0].swap, 0);
	assert_int_equal(d.entries[1].swap, 1);
	assert_int_equal(d.entries[2].swap, 2);
	assert_true(d.entries[2].exists); /* the kernel holds it */
	assert_int_equal(d.entries[3].swap, -1);
	assert_true(d.entries[3].exists);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].kind, SC_DRIFT_INACTIVE);
	assert_int_equal(d.items[0].entry, 3);
	assert_string_equal(d.items[0].message,
		"/etc/fstab line 6 names /swap/swapfile.old, which is not active");
	sc_drift_done(&d);
	sc_observation_done(&o);
}

/* A path whose text matches but whose identity differs is another file. */
static void test_identity_beats_text(void **state)
{
	struct sc_observation o;
	struct sc_obs_id a = file_id(8, 12), b = file_id(9, 12);

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, &a);
	add_entry(&o, 1, "/swap/swapfile", &b);
	expect(&o, "not-persisted /swap/swapfile\ninactive /swap/swapfile\n");
	sc_observation_done(&o);
}

/* glibc getmntent's reading of the line names the active area. */
/* Without identities (nothing stat-able), paths compare lexically cleaned. */
static void test_lexical_paths(void **state)
{
	struct sc_observation o;
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, NULL);
	add_entry(&o, 1, "/swap//swapfile", NULL);
	add_entry(&o, 2, "/swap/./swapfile", NULL);
	add_entry(&o, 3, "swap/swapfile", NULL); /* relative: only as written */
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.swap_entry[0], 0);
	assert_int_equal(d.entries[1].swap, 0);
	assert_int_equal(d.entries[2].swap, -1);
	sc_drift_done(&d);
	expect(&o, "duplicate /swap/./swapfile\nmissing swap/swapfile\n");
	sc_observation_done(&o);
}

static void test_glibc_reading(void **state)
{
	struct sc_observation o;
	struct sc_obs_entry *e;

	obs_init(&o, false);
	add_swap(&o, "/srv/a b", SC_SWAP_FILE, NULL);
	e = add_entry(&o, 1, "/srv/a\\b", NULL);
	e->glibc_source = strdup("/srv/a b");
	expect(&o, "");
	sc_observation_done(&o);
}

static void test_missing_and_inactive(void **state)
{
	struct sc_observation o;
	struct sc_obs_id f = file_id(8, 12);
	struct sc_obs_entry *e;
	struct sc_drift d;

	obs_init(&o, false);
	add_entry(&o, 2, "/nonexistent.swap", NULL);
	e = add_entry(&o, 3, "/swap/spare", &f);
	e->noauto = true; /* not activated at boot: not inactive */
	add_entry(&o, 4, "/swap/off",
		&(struct sc_obs_id){.known = true, .mode = S_IFREG, .dev = 8, .ino = 14});
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.items[0].kind, SC_DRIFT_MISSING);
	assert_int_equal(d.items[0].entry, 0);
	assert_string_equal(d.items[0].message,
		"/etc/fstab line 2 names /nonexistent.swap, which does not exist");
	assert_int_equal(d.items[1].kind, SC_DRIFT_INACTIVE);
	assert_int_equal(d.items[1].entry, 2);
	sc_drift_done(&d);

	/* A deleted active file does not exist any more for the boot that reads fstab. */
	sc_observation_done(&o);
	obs_init(&o, false);
	add_swap(&o, "/swap/gone", SC_SWAP_FILE, NULL);
	o.swaps.items[0].deleted = true;
	add_entry(&o, 1, "/swap/gone", NULL);
	expect(&o, "missing /swap/gone\n");
	sc_observation_done(&o);
}

/* An image: no active swap, its devices are not looked up, nothing is "inactive". */
static void test_offline(void **state)
{
	struct sc_observation o;
	struct sc_obs_id f = file_id(8, 12);
	struct sc_obs_entry *e;
	struct sc_drift d;

	obs_init(&o, true);
	add_entry(&o, 1, "/swap/swapfile", &f);
	e = add_entry(&o, 2, "UUID=abc", NULL);
	e->at[0].located = false;
	add_entry(&o, 3, "/swap/missing", NULL);
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_true(d.entries[1].unknown);
	assert_false(d.entries[1].exists);
	assert_false(d.entries[0].unknown);
	sc_drift_done(&d);
	expect(&o, "missing /swap/missing\n");
	sc_observation_done(&o);
}

/* zram devices are activated by whatever sets them up, not by fstab: never inactive. */
static void test_zram_entry(void **state)
{
	struct sc_observation o;
	struct sc_obs_id z = blk_id(0xfb01, 3);
	struct sc_obs_entry *e;

	obs_init(&o, false);
	add_entry(&o, 1, "/dev/zram1", &z);
	e = add_entry(&o, 2, "LABEL=zswap", &z);
	e->device = strdup("/dev/zram1");
	add_entry(&o, 3, "/dev/sdc1",
		&(struct sc_obs_id){.known = true, .mode = S_IFBLK, .rdev = 0x821, .ino = 4});
	expect(&o, "duplicate LABEL=zswap\ninactive /dev/sdc1\n");
	sc_observation_done(&o);
}

static void test_duplicate(void **state)
{
	struct sc_observation o;
	struct sc_obs_id f = file_id(8, 12), g = file_id(8, 20), b = blk_id(0x802, 1);
	struct sc_obs_entry *e;
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, &f);
	add_swap(&o, "/dev/sdb1", SC_SWAP_PARTITION, NULL);
	add_entry(&o, 1, "/swap/swapfile", &f);
	add_entry(&o, 2, "/swap//swapfile", &f); /* same file by identity */
	add_entry(&o, 3, "/swap/other", &g);
	add_entry(&o, 4, "/swap/other", &g); /* same text */
	add_entry(&o, 5, "/dev/sda2", &b);
	add_entry(&o, 6, "UUID=x",
		&(struct sc_obs_id){.known = true,
			.mode = S_IFBLK,
			.rdev = 0x802,
			.ino = 77}); /* the same device */
	e = add_entry(&o, 7, "/srv/p\\q", NULL);
	e->glibc_source = strdup("/srv/p q");
	add_entry(&o, 8, "/srv/p q", NULL); /* what getmntent reads line 7 as */
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 11);
	assert_int_equal(d.items[1].kind, SC_DRIFT_DUPLICATE);
	assert_int_equal(d.items[1].entry, 1);
	assert_int_equal(d.items[1].first, 0);
	assert_string_equal(d.items[1].message,
		"/etc/fstab lines 1 and 2 both name /swap//swapfile; at boot the first one wins");
	sc_drift_done(&d);
	expect(&o,
		"not-persisted /dev/sdb1\n"
		"duplicate /swap//swapfile\n"
		"inactive /swap/other\n"
		"inactive /swap/other\n"
		"duplicate /swap/other\n"
		"inactive /dev/sda2\n"
		"inactive UUID=x\n"
		"duplicate UUID=x\n"
		"missing /srv/p\\q\n"
		"missing /srv/p q\n"
		"duplicate /srv/p q\n");
	sc_observation_done(&o);
}

/* Two entries naming one active area (here by text) are duplicates; reported once. */
static void test_duplicate_of_earliest(void **state)
{
	struct sc_observation o;
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile", SC_SWAP_FILE, NULL);
	add_entry(&o, 1, "/swap/swapfile", NULL);
	add_entry(&o, 2, "/swap/swapfile", NULL);
	add_entry(&o, 3, "/swap/swapfile", NULL);
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.items[0].first, 0);
	assert_int_equal(d.items[1].entry, 2);
	assert_int_equal(d.items[1].first, 0);
	assert_int_equal(d.swap_entry[0], 0);
	sc_drift_done(&d);
	sc_observation_done(&o);
}

static void test_rotation_pending(void **state)
{
	struct sc_observation o;
	struct sc_drift d;

	obs_init(&o, false);
	o.rotation_pending = true;
	o.rotation_journal = strdup("/etc/fstab.swapctl-rotation");
	o.rotation_old = strdup("/swap/swapfile");
	o.rotation_new = strdup("/swap/swapfile.1");
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].kind, SC_DRIFT_ROTATION_PENDING);
	assert_string_equal(d.items[0].target, "/etc/fstab.swapctl-rotation");
	assert_string_equal(d.items[0].message,
		"/etc/fstab.swapctl-rotation: the rotation of /swap/swapfile to /swap/swapfile.1 "
		"was interrupted; run swapctl rotate to complete or roll it back");
	assert_ptr_equal(sc_drift_find(&d, SC_DRIFT_ROTATION_PENDING, -1), &d.items[0]);
	sc_drift_done(&d);

	free(o.rotation_old);
	free(o.rotation_new);
	o.rotation_old = o.rotation_new = NULL;
	o.rotation_err = -EINVAL;
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].message,
		"/etc/fstab.swapctl-rotation: a rotation was interrupted (the journal cannot be "
		"read: Invalid argument); run swapctl rotate to complete or roll it back");
	sc_drift_done(&d);
	sc_observation_done(&o);
}

static void test_orphaned(void **state)
{
	struct sc_observation o;
	struct sc_obs_id f = file_id(8, 12);
	struct sc_drift d;

	obs_init(&o, false);
	add_swap(&o, "/swap/swapfile.3", SC_SWAP_FILE, NULL);
	add_entry(&o, 1, "/swap/swapfile.3", NULL);
	add_entry(&o, 2, "/swap/by-link", &f)->noauto = true; /* swapfile.1, by identity */
	add_entry(&o, 3, "/swap/swapfile.2", NULL); /* names it by path, the file gone */
	add_swapfile(&o, "/swap/swapfile.1", 8, 12);
	add_swapfile(&o, "/swap/swapfile.2", 8, 40);
	add_swapfile(&o, "/swap/swapfile.4", 8, 41); /* the journal's new file */
	add_swapfile(&o, "/swap/swapfile.5", 8, 42); /* nothing names it */
	o.rotation_pending = true;
	o.rotation_journal = strdup("/etc/fstab.swapctl-rotation");
	o.rotation_old = strdup("/swap/swapfile.3");
	o.rotation_new = strdup("/swap/swapfile.4");
	assert_int_equal(sc_drift_compute(&o, &d), 0);
	assert_int_equal(d.n, 3); /* missing line 3, rotation-pending, orphaned .5 */
	assert_int_equal(d.items[2].kind, SC_DRIFT_ORPHANED);
	assert_int_equal(d.items[2].swapfile, 3);
	assert_string_equal(d.items[2].message,
		"/swap/swapfile.5 is a swap area in swapctl's directory that no entry in "
		"/etc/fstab names and that is not active; remove it with swapctl remove "
		"/swap/swapfile.5");
	sc_drift_done(&d);

	/* Without the journal the new file of the rotation is an orphan too. */
	o.rotation_pending = false;
	free(o.rotation_new);
	o.rotation_new = NULL;
	expect(&o,
		"missing /swap/swapfile.2\norphaned /swap/swapfile.4\norphaned "
		"/swap/swapfile.5\n");

	/* Without fstab every file would look orphaned: none is reported. */
	o.fstab_ok = false;
	expect(&o, "missing /swap/swapfile.2\n");
	sc_observation_done(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_persisted),
		cmocka_unit_test(test_match_by_identity),
		cmocka_unit_test(test_identity_beats_text),
		cmocka_unit_test(test_lexical_paths),
		cmocka_unit_test(test_glibc_reading),
		cmocka_unit_test(test_missing_and_inactive),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_zram_entry),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_duplicate_of_earliest),
		cmocka_unit_test(test_rotation_pending),
		cmocka_unit_test(test_orphaned),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
