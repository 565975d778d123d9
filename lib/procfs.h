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

/*
 * /proc/self/mountinfo (proc(5)): "36 35 98:0 /root /mnt rw,... shared:1 - ext4 /dev/sda1 rw".
 * Strings are unescaped (\ooo). A line that does not have this shape is skipped.
 */
struct sc_mount {
	unsigned major, minor; /* st_dev of the files in it */
	char *root; /* the directory of the file system mounted here */
	char *point;
	char *fstype;
	char *source; /* "/dev/sda1", "tmpfs", ... */
};

struct sc_mounts {
	struct sc_mount *items;
	size_t n;
};

int sc_mountinfo_parse(const char *text, struct sc_mounts *ret);
int sc_mountinfo_read(const struct sc_ctx *c, struct sc_mounts *ret);
void sc_mounts_free(struct sc_mounts *m);

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

/*
 * Values in bytes. -EINVAL without MemTotal, or when a value swapctl reads is not a plain
 * decimal (a sign, no digits, anything else after it but " kB") or its bytes exceed 64 bits.
 */
int sc_meminfo_parse(const char *text, struct sc_meminfo *ret);
int sc_meminfo_read(const struct sc_ctx *c, struct sc_meminfo *ret);

/*
 * /proc/zoneinfo: one record per (node, zone), with its free pages and watermarks, in pages.
 * Used by doctor (a zone below its low watermark is reclaiming right now) and by the sysctl
 * module (the kernel computes min_free_kbytes from the managed pages of the zones up to
 * Normal: calculate_min_free_kbytes(), nr_free_buffer_pages()).
 */
struct sc_zone {
	int node;
	char name[16]; /* "DMA", "DMA32", "Normal", "HighMem", "Movable", "Device" */
	uint64_t free;
	uint64_t min;
	uint64_t low;
	uint64_t high;
	uint64_t present;
	uint64_t managed;
};

struct sc_zoneinfo {
	struct sc_zone *zones;
	size_t n;
};

int sc_zoneinfo_parse(const char *text, struct sc_zoneinfo *ret);
int sc_zoneinfo_read(const struct sc_ctx *c, struct sc_zoneinfo *ret);
void sc_zoneinfo_free(struct sc_zoneinfo *z);
/* True for the zones GFP_USER allocations come from (DMA, DMA32, Normal): "lowmem". */
bool sc_zone_is_lowmem(const struct sc_zone *z);

/* One counter of /proc/vmstat ("oom_kill"): 0, -ENOENT when this kernel lacks it. */
int sc_vmstat_parse(const char *text, const char *name, uint64_t *ret);
int sc_vmstat_read(const struct sc_ctx *c, const char *name, uint64_t *ret);
