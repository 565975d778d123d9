/*
 * Discard policies and their one spelling table. A policy is written four ways: on the
 * command line (--discard, --discard=once|pages), in fstab (discard, discard=once|pages), in
 * plans, journals and JSON ("none", "both", "once", "pages"), and as swapon(2) flags
 * (sc_swap_flags() in swapfile.h). Every conversion goes through this table.
 */
#pragma once

enum sc_discard {
	SC_DISCARD_NONE,
	SC_DISCARD_BOTH, /* --discard: swapon-time and per-cluster */
	SC_DISCARD_ONCE, /* --discard=once */
	SC_DISCARD_PAGES, /* --discard=pages */
};

/* "none", "both", "once", "pages": plans, the rotation journal, JSON. */
const char *sc_discard_name(enum sc_discard d);
/* The reverse of sc_discard_name(): 0, or -EINVAL for any other string. */
int sc_discard_from_name(const char *s, enum sc_discard *ret);
/* --discard[=VALUE]: value NULL (plain --discard), "once" or "pages"; else -EINVAL. */
int sc_discard_from_option(const char *value, enum sc_discard *ret);
/* The fstab spelling: NULL (no option), "" (plain "discard"), "once", "pages". */
const char *sc_discard_fstab(enum sc_discard d);
/*
 * What an fstab entry's discard option means (NULL: none, "": plain discard). A value other
 * than once or pages is plain discard, as util-linux swapon reads it.
 */
enum sc_discard sc_discard_from_fstab(const char *value);
