/*
 * vm.* companions. The table of keys swapctl manages, reading live values from
 * <sysroot>/proc/sys/vm; validation, profiles, the drop-in and applying live values live in
 * sysctl.c as well.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

struct sc_sysctl_key {
	const char *name; /* "swappiness": the file under /proc/sys/vm */
	int64_t kernel_default; /* -1 when it depends on the machine */
};

/* The managed keys, in display order. */
extern const struct sc_sysctl_key sc_sysctl_keys[];
extern const size_t sc_sysctl_n_keys;

/* Live value of vm.<name>: 0, -ENOENT when this kernel lacks the key. */
int sc_sysctl_read_live(const struct sc_ctx *c, const char *name, int64_t *ret);
