/*
 * Layouts: the declarative description of the swap a machine should have, as `swapctl apply`
 * reads it and `swapctl export` writes it (swapctl(8), LAYOUT FILE). A systemd-style INI
 * file: [swapfile] (repeatable), [zram] (repeatable), [zswap], [sysctl] and [autoscale]
 * (once each),
 * "key = value" lines, '#' or ';' comment lines. Strict: an unknown section or key, a key
 * given twice, a value that does not parse, is a usage error naming file:line:column.
 *
 * This module is pure: text in, struct out (sc_layout_parse), struct in, text out
 * (sc_layout_render). What a layout means for a machine is the planner's (layout-plan.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discard.h"
#include "error.h"
#include "sysctl.h"
#include "zram.h"
#include "zswap.h"

/* The default layout file, in the configuration directory (config.h). */
#define SC_LAYOUT_NAME "layout.conf"

struct sc_layout_swapfile {
	char *path; /* absolute, as the booted system sees it */
	uint64_t size; /* bytes, a page multiple; 0: auto (only used when the file is created) */
	bool has_priority; /* else: the current priority stays (10 for a new file) */
	int priority; /* -1..32767 */
	bool has_discard; /* else: the current policy stays (none for a new file) */
	enum sc_discard discard;
	char *label; /* NULL: none; only used when the file is created */
	bool hibernate; /* resume from hibernation in it (at most one file) */
	unsigned line; /* where its section starts (0 for a layout built in code) */
};

struct sc_layout_zram {
	struct sc_zram_spec spec;
	unsigned line;
};

/* [autoscale]: the settings of `swapctl autoscale`; apply does nothing with them. 0: not given. */
struct sc_layout_autoscale {
	uint64_t max, step;
	char *dir; /* absolute, normalized */
	unsigned quiet_s, interval_s;
};

struct sc_layout {
	struct sc_layout_swapfile *swapfiles;
	size_t n_swapfiles;
	struct sc_layout_zram *zram;
	size_t n_zram;
	/* [zswap]: absent leaves zswap alone. Fields not given stay as they are. */
	bool has_zswap;
	struct sc_zswap_settings zswap;
	/* [sysctl]: absent leaves the vm.* values alone. */
	bool has_sysctl;
	char *profile; /* NULL: the listed values are merged into swapctl's drop-in */
	struct sc_sysctl_values sysctl; /* vm.KEY = VALUE lines, on top of the profile */
	bool has_autoscale;
	struct sc_layout_autoscale autoscale;
};

/*
 * Parse text (name: the file as the user named it, for messages). page_size rounds swapfile
 * sizes down to whole pages. Usage errors (SC_EXIT_USAGE) read "NAME:LINE:COLUMN: ...".
 */
int sc_layout_parse(const char *name, const char *text, size_t len, size_t page_size,
	struct sc_layout *ret, struct sc_err *err);
/* The layout as text that sc_layout_parse() reads back to an equal layout. */
int sc_layout_render(const struct sc_layout *l, char **ret);
void sc_layout_done(struct sc_layout *l);

/* Sizes as a layout writes them: the largest binary unit that divides them ("16G", "1536M"). */
void sc_layout_format_size(uint64_t bytes, char buf[static 32]);
/* A zram size as a layout writes it: "4G", "50%" or "auto". */
void sc_layout_format_zram_size(const struct sc_zram_spec *s, char buf[static 32]);
