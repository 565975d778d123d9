/*
 * Drift: where the running system and its configuration disagree, as records. A pure
 * function of an observation (observe.h): no I/O, so status and doctor, which both read
 * these records, can never disagree.
 *
 * The kinds, each with the record's indexes into the observation:
 *  - not-persisted: an active area (swap) that no fstab entry names; zram devices are
 *    persisted by swapctl's zram configuration instead and never drift here. Needs the
 *    fstab to have been read.
 *  - missing: an entry (entry) whose source does not exist. An image's device sources are
 *    not looked up and never missing.
 *  - inactive: an entry (entry) without noauto whose source exists but is not active (not
 *    for images, which have no active swap, nor for zram devices, which their manager
 *    activates when it sets them up).
 *  - duplicate: an entry (entry) naming what an earlier one (first) names: the same active
 *    area, the same source as either boot-time reader reads it, or the same file or device
 *    by identity. Reported once, against the earliest such entry.
 *  - rotation-pending: a rotation journal is left next to the fstab: a rotate, resize or
 *    priority --rotate stopped half-way; the next one completes or rolls it back.
 *  - orphaned: a swap area swapctl made (swapfile) that is not active, that no entry names
 *    (by identity, or by path when the entry's file is gone) and that no pending rotation
 *    is about. Needs the fstab to have been read: without it every file would look
 *    orphaned.
 * Records come in that order: areas, then entries in file order (missing or inactive, then
 * duplicate), the journal, the orphans.
 *
 * sc_drift_compute() returns 0 or -ENOMEM; sc_drift_done() frees the result.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "observe.h"

enum sc_drift_kind {
	SC_DRIFT_NOT_PERSISTED,
	SC_DRIFT_MISSING,
	SC_DRIFT_INACTIVE,
	SC_DRIFT_DUPLICATE,
	SC_DRIFT_ROTATION_PENDING,
	SC_DRIFT_ORPHANED,
};

/* "not-persisted", "missing", ... (status --json's "kind"). */
const char *sc_drift_kind_name(enum sc_drift_kind k);

struct sc_drift_record {
	enum sc_drift_kind kind;
	char *target; /* the path or source it is about */
	char *message; /* one sentence naming the object, the reason and what to do */
	ssize_t swap; /* not-persisted: index into obs->swaps.items; else -1 */
	ssize_t entry; /* missing, inactive, duplicate: index into obs->entries; else -1 */
	ssize_t first; /* duplicate: the earlier entry naming the same; else -1 */
	ssize_t swapfile; /* orphaned: index into obs->swapfiles; else -1 */
};

/* How one fstab entry relates to the kernel's view. */
struct sc_drift_entry {
	ssize_t swap; /* the active area it names (the last when several), -1 when none */
	bool exists; /* its file or device exists (or the kernel holds it) */
	bool unknown; /* an image's device: not looked up (exists is false) */
	const struct sc_obs_id *id; /* the identity of what it names, or NULL */
};

struct sc_drift {
	struct sc_drift_record *items;
	size_t n;
	struct sc_drift_entry *entries; /* one per obs->entries */
	ssize_t *swap_entry; /* per active area: the first entry naming it, or -1 */
};

int sc_drift_compute(const struct sc_observation *obs, struct sc_drift *ret);
void sc_drift_done(struct sc_drift *d);
/* The first record of kind k about entry (or swap, or swapfile) i, or NULL. */
const struct sc_drift_record *sc_drift_find(
	const struct sc_drift *d, enum sc_drift_kind k, ssize_t i);
