/*
 * zswap: reading its parameters from <sysroot>/sys/module/zswap/parameters (used by status and
 * doctor); enabling, disabling and persisting it live in zswap.c as well.
 */
#pragma once

#include <stdbool.h>

#include "atomic.h"
#include "ctx.h"
#include "error.h"
#include "plan.h"

struct sc_zswap {
	bool present; /* the parameters directory exists (zswap built in) */
	bool enabled;
	char compressor[64];
	char zpool[64];
	int max_pool_percent; /* -1 when unknown */
	int accept_threshold_percent; /* -1 when unknown */
	int shrinker_enabled; /* -1 unknown, 0, 1 */
};

int sc_zswap_read(const struct sc_ctx *c, struct sc_zswap *ret);

/*
 * Changing zswap: what `zswap enable|disable` asks for and what <config_dir>/zswap.conf
 * keeps for `swapctl boot`. Fields left unset are not touched.
 *
 * zswap.conf, one KEY=VALUE per line ('#' comments): enabled=yes|no, compressor=NAME,
 * max_pool_percent=1..100.
 *
 * The kernel checks little itself: max_pool_percent takes any number (0, 101 accepted), an
 * unknown compressor is refused with ENOENT only when it cannot be loaded through the crypto
 * API ("zswap: compressor X not available") [V 6.18]. So swapctl range-checks, writes each
 * parameter once, reads it back, and puts earlier parameters back when a later step fails.
 */
#define SC_ZSWAP_NAME_MAX 63

struct sc_zswap_settings {
	int enabled; /* -1 unset, 0, 1 */
	char compressor[SC_ZSWAP_NAME_MAX + 1]; /* "" unset */
	int max_pool_percent; /* -1 unset, else 1..100 */
};

void sc_zswap_settings_init(struct sc_zswap_settings *s);
bool sc_zswap_compressor_ok(const char *name);
/* The fields set in from override those in into. */
void sc_zswap_settings_merge(struct sc_zswap_settings *into, const struct sc_zswap_settings *from);
bool sc_zswap_settings_equal(const struct sc_zswap_settings *a, const struct sc_zswap_settings *b);
int sc_zswap_settings_parse(const char *text, struct sc_zswap_settings *ret, struct sc_err *err);
int sc_zswap_settings_render(const struct sc_zswap_settings *s, char **ret);

/* <config_dir>/zswap.conf (config.h); a missing file is "nothing set". */
#define SC_ZSWAP_CONFIG_NAME "zswap.conf"
int sc_zswap_config_load(const struct sc_ctx *c, struct sc_zswap_settings *ret,
	struct sc_file_id *ret_id, struct sc_err *err);

/*
 * Plan the parameter writes that bring live to want, in an order that never runs zswap with
 * settings it was not asked for: when enabling, compressor and max_pool_percent first, then
 * enabled; when disabling, enabled first. With persist, also the zswap.conf rewrite (config
 * merged with want) when that changes it. Offline (--root): only the configuration.
 */
int sc_zswap_plan(const struct sc_ctx *c, const struct sc_zswap *live,
	const struct sc_zswap_settings *want, const struct sc_zswap_settings *config, bool persist,
	struct sc_plan *plan, struct sc_err *err);

/*
 * Apply: each parameter is written, then read back; on a failure the parameters already
 * written get their previous values back. A compressor the kernel cannot load is
 * SC_EXIT_USAGE, naming the compressors /proc/crypto lists. config_id: the identity of
 * zswap.conf when it was loaded (concurrent edits are refused).
 */
int sc_zswap_apply(const struct sc_ctx *c, struct sc_plan *plan, const struct sc_file_id *config_id,
	struct sc_err *err);

/*
 * zswap in front of zram: zswap enabled while a zram device is active swap. Every page
 * zswap cannot keep (or evicts) is then compressed a second time by zram, and pages zswap
 * keeps take memory zram was sized to use: the two compete for the same RAM.
 */
int sc_zswap_in_front_of_zram(const struct sc_ctx *c, bool *ret);
