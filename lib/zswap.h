/*
 * zswap: reading its parameters from <sysroot>/sys/module/zswap/parameters (used by status and
 * doctor); enabling, disabling and persisting it live in zswap.c as well.
 */
#pragma once

#include <stdbool.h>

#include "ctx.h"

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
