/*
 * Dynamic swap: swapfiles that `swapctl autoscale` adds under memory pressure or when swap
 * runs low, and retires when they have been idle, within a cap.
 *
 * A dynamic file is DIR/dynamic.N (N = 1, 2, ...) whose swap header carries the label
 * SC_AUTOSCALE_LABEL; it gets SC_AUTOSCALE_PRIORITY (below swapctl's swapfiles, so the
 * static areas fill first and a dynamic file holds the overflow) and no fstab entry: it is
 * gone after a reboot, and the daemon's start removes the inactive ones a crash left.
 *
 * The daemon is a planner on the same seam as every command: observe (this file), decide
 * (sc_autoscale_decide(), pure), and the step is carried out by `add` or `remove` -- the same
 * checks, the same swapoff gate.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "error.h"

#define SC_AUTOSCALE_LABEL    "swapctl-dynamic"
#define SC_AUTOSCALE_PRIORITY 5
#define SC_AUTOSCALE_DIR      "/swap"
#define SC_AUTOSCALE_PREFIX   "dynamic."

struct sc_autoscale_config {
	uint64_t max; /* total dynamic swap; 0: MemTotal */
	uint64_t step; /* one file; 0: min(1 GiB, max / 4), at least 64 MiB */
	const char *dir; /* as the booted system names it; NULL: SC_AUTOSCALE_DIR */
	unsigned grow_below; /* grow when less than this percent of all swap is free (25) */
	unsigned retire_above; /* retire only if this percent stays free without it (50) */
	unsigned quiet_s; /* seconds without pressure or growth before retiring (600) */
	/*
	 * The PSI trigger on /proc/pressure/memory: "some STALL WINDOW" in microseconds. A
	 * window that is a multiple of 2 s needs no CAP_SYS_RESOURCE (which containers and
	 * hardened units often lack).
	 */
	unsigned psi_stall_us; /* 200000 */
	unsigned psi_window_us; /* 2000000 */
	unsigned psi_avg10; /* --once: pressure when "some avg10" is at least this percent (10) */
	unsigned interval_s; /* how often the daemon looks at swap free without an event (5) */
};

/* The defaults above. */
void sc_autoscale_config_init(struct sc_autoscale_config *c);
/* An absolute directory made canonical ("/var//swap/" -> "/var/swap"): 0, or -EINVAL. */
int sc_autoscale_normalize_dir(const char *dir, char **ret);

struct sc_autoscale_file {
	char *path; /* as the booted system names it */
	unsigned n; /* the N of dynamic.N */
	uint64_t size; /* of the file */
	bool active;
	uint64_t used; /* bytes swapped out to it, when active */
	bool ours; /* its header carries SC_AUTOSCALE_LABEL */
};

struct sc_autoscale_observed {
	uint64_t mem_total;
	uint64_t swap_total, swap_free; /* every active area */
	size_t n_areas;
	double psi_some_avg10; /* percent; negative when the kernel has no PSI */
	struct sc_autoscale_file *files; /* DIR/dynamic.N, by N */
	size_t n_files;
};

/* Read what a decision needs. 0, or -errno with err. */
int sc_autoscale_observe(const struct sc_ctx *c, const struct sc_autoscale_config *cfg,
	struct sc_autoscale_observed *ret, struct sc_err *err);
void sc_autoscale_observed_done(struct sc_autoscale_observed *o);

/* What the daemon remembers between decisions (CLOCK_MONOTONIC nanoseconds). */
struct sc_autoscale_history {
	uint64_t now;
	uint64_t last_pressure; /* 0: never */
	uint64_t last_grow; /* 0: never */
	bool pressure; /* the trigger fired since the last decision (or avg10 says so) */
	bool looked; /* swap_used and looked_at below are from an earlier look */
	uint64_t looked_at; /* when it was */
	uint64_t swap_used; /* swap in use at the last look, every active area */
	bool filling; /* swap in use grew by more than 1 MiB between the last two looks */
	uint64_t fill_rate; /* bytes per second it grew by between them; 0 when it did not */
	/* (a look less than a second after the last one changes none of these) */
};

/*
 * Time a growth step needs once decided: a file made (written out where the filesystem has
 * no fallocate) and enabled. Swap that would be full within the next look plus this is
 * grown now, however much of it is still free.
 */
#define SC_AUTOSCALE_LEAD_S 3

/*
 * Record a look at the machine in h, taken at h->now: swap in use, whether it is filling and
 * how fast, measured over a second at least. Swap in use, not swap free, so an area added
 * between the looks is not mistaken for swap emptying.
 */
void sc_autoscale_note(struct sc_autoscale_history *h, const struct sc_autoscale_observed *o);
/*
 * How long to wait for the trigger before the next look: interval_s, or 1 s while swap is
 * filling or under pressure, so a small swap area that fills within one interval is still
 * seen before it is full; an idle machine is looked at every interval_s only.
 */
unsigned sc_autoscale_next_wait_ms(
	const struct sc_autoscale_config *cfg, const struct sc_autoscale_history *h);

enum sc_autoscale_verdict {
	SC_AUTOSCALE_NONE,
	SC_AUTOSCALE_GROW, /* add a file of size at path */
	SC_AUTOSCALE_RETIRE, /* remove the file at path */
};

struct sc_autoscale_decision {
	enum sc_autoscale_verdict verdict;
	char path[4096];
	uint64_t size;
	const char *why; /* "pressure", "swap-low", "filling", "quiet", "at-max", ... */
	char reason[256]; /* one sentence for people */
};

/* Total size of the active dynamic files. */
uint64_t sc_autoscale_dynamic_bytes(const struct sc_autoscale_observed *o);

/*
 * The pure decision. Grow by one step when the trigger fired or avg10 is high, when less
 * than grow_below percent of all swap is free, or when swap fills so fast (h->fill_rate) that
 * it would be full before the next look and SC_AUTOSCALE_LEAD_S more -- a small area can go
 * from above grow_below to full between two looks -- unless that would pass max in dynamic swap
 * or leave no area slot. Retire the least-used active dynamic file when nothing pressed for
 * quiet_s and, without it, at least retire_above percent of swap stays free (the gap between
 * the two thresholds keeps it from flapping); the removal itself still passes the swapoff
 * gate. Otherwise none, with the reason.
 */
void sc_autoscale_decide(const struct sc_autoscale_config *cfg,
	const struct sc_autoscale_observed *o, const struct sc_autoscale_history *h,
	struct sc_autoscale_decision *ret);

/* "some avg10=1.23 ..." of /proc/pressure/memory, in percent. */
int sc_autoscale_parse_psi(const char *text, double *ret);

/*
 * Register the PSI trigger: /proc/pressure/memory opened read-write, "some STALL WINDOW\n"
 * written (the kernel drops the last byte, hence the newline). Returns the descriptor to
 * wait on, or -errno with err (no PSI in this kernel, or psi=0 on its command line).
 */
int sc_autoscale_trigger(
	const struct sc_ctx *c, const struct sc_autoscale_config *cfg, struct sc_err *err);

/*
 * Wait up to timeout_ms for the trigger (POLLPRI); with trigger_fd < 0 (no PSI) just sleep.
 * 1: it fired, 0: the time passed, -EINTR: a signal came (sc_signals_pending() says which),
 * other -errno: the wait failed.
 */
int sc_autoscale_wait(const struct sc_ctx *c, int trigger_fd, unsigned timeout_ms);
/* CLOCK_MONOTONIC now, in nanoseconds (the system layer's clock). */
uint64_t sc_autoscale_now(const struct sc_ctx *c);
