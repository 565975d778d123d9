/*
 * Exit codes (swapctl(8), EXIT STATUS) and the error record a library call fills when a plain -errno cannot
 * say enough: a refusal with figures, a parse error with a line number. The library never
 * prints; the CLI prints err->msg (and err->hint) and exits with err->kind.
 *
 * Messages name the object and the reason ("/swap/swapfile: filesystem tmpfs cannot hold
 * swapfiles"); hints say what to do ("put the swapfile on ext4, xfs or btrfs, or use zram").
 * No trailing period, no "swapctl: " prefix (the CLI adds it).
 */
#pragma once

enum sc_exit {
	SC_EXIT_OK = 0,
	SC_EXIT_FAILURE = 1, /* the operation failed; nothing half-done remains */
	SC_EXIT_USAGE = 2, /* bad usage or bad input */
	SC_EXIT_REFUSED = 3, /* refused by a safety check */
	SC_EXIT_PROBLEMS = 4, /* doctor found problems */
	SC_EXIT_LOCKED = 5, /* another swapctl holds the lock */
};

struct sc_err {
	enum sc_exit kind;
	int errnum; /* positive errno behind it, or 0 */
	char msg[1024];
	char hint[512];
};

/*
 * Fill err (if non-NULL and not already set) and return -errnum (or -EPERM for refusals
 * without an errno, -EINVAL for usage errors, -EIO otherwise), so callers can write
 *	return sc_err_set(err, SC_EXIT_REFUSED, 0, "%s: ...", path);
 */
int sc_err_set(struct sc_err *err, enum sc_exit kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Add or replace the "what to do" sentence. */
void sc_err_hint(struct sc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sc_err_clear(struct sc_err *err);
