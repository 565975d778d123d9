/*
 * Readers for /proc/swaps and /proc/meminfo (under the context's sysroot). Pure parsing is
 * exposed separately so it can be tested on strings.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

enum sc_swap_type {
	SC_SWAP_FILE,
	SC_SWAP_PARTITION,
	SC_SWAP_ZRAM,
};

struct sc_swap {
	char *path; /* unescaped, " (deleted)" stripped */
	enum sc_swap_type type;
	uint64_t size_bytes;
	uint64_t used_bytes;
	int priority;
	bool deleted; /* the kernel marked the path "(deleted)" */
};

struct sc_swaps {
	struct sc_swap *items;
	size_t n;
};

int sc_swaps_parse(const char *text, struct sc_swaps *ret);
int sc_swaps_read(const struct sc_ctx *c, struct sc_swaps *ret);
void sc_swaps_free(struct sc_swaps *s);
const char *sc_swap_type_name(enum sc_swap_type t);
/* The active area whose path is path (exact string), or NULL. */
const struct sc_swap *sc_swaps_find(const struct sc_swaps *s, const char *path);

/* All figures in bytes. A field absent from the file stays 0. */
struct sc_meminfo {
	uint64_t total;
	uint64_t free;
	uint64_t available;
	uint64_t buffers;
	uint64_t cached;
	uint64_t shmem;
	uint64_t swap_total;
	uint64_t swap_free;
	uint64_t commit_limit;
	uint64_t committed_as;
	uint64_t anon_pages;
	uint64_t zswap; /* "Zswap:" pool size, kernels >= 5.19 */
	uint64_t zswapped; /* "Zswapped:" */
};

int sc_meminfo_parse(const char *text, struct sc_meminfo *ret);
int sc_meminfo_read(const struct sc_ctx *c, struct sc_meminfo *ret);
