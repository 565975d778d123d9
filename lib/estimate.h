/*
 * zram estimate: how well this machine's anonymous memory compresses, measured on the
 * memory itself. Read-only: pages are read through /proc/PID/mem, never written, never
 * faulted in, never swapped in.
 *
 * What is sampled (documented in swapctl(8)):
 *  - Processes: every process (except swapctl itself) or the given PIDs. One that cannot be
 *    read (gone, kernel thread, no permission: reading another user's memory needs root)
 *    is skipped and counted.
 *  - Mappings: private and writable ones, as /proc/PID/smaps lists them -- anonymous ones
 *    (no path, [heap], [stack], [anon:NAME]) and the copied-on-write pages of private file
 *    mappings (a library's .data); shared mappings (shmem, memfd, SysV) and [vdso]/[vvar]
 *    are left out. Only mappings whose smaps "Anonymous:" is non-zero are scanned.
 *  - Pages: those /proc/PID/pagemap shows present and anonymous (bit 63 set, bit 61 clear),
 *    not the shared zero page: exactly what reclaim could write to zram. Pages already
 *    swapped out are not read (that would swap them in); neither are untouched ones.
 *  - Spread: when there is more anonymous memory than the sample size, the pages of all
 *    processes are taken in one sequence (PID order, then address order) and every k-th
 *    cluster of 16 consecutive pages is read, so the sample covers every process in
 *    proportion to its size instead of the first megabytes of the first process.
 *
 * Each page is measured as zram would store it: a page whose machine words are all equal
 * is "same-filled" and costs no compressed memory (zram's same_pages, zram_drv.c
 * page_same_filled()); any other page is compressed on its own with libzstd at the level
 * the kernel's zram zstd backend uses by default (3: zstd_default_clevel() in
 * drivers/block/zram/backend_zstd.c), with one reused compression context, and costs its
 * compressed size, at most one page (zram stores incompressible pages as they are).
 *
 * sc_estimate_run() returns 0 or -errno (err filled); processes it could not read are not
 * an error unless nothing at all could be sampled (-ENODATA).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "error.h"

#define SC_ESTIMATE_SAMPLE_DEFAULT (UINT64_C(64) << 20)
#define SC_ESTIMATE_LEVEL_DEFAULT  3
#define SC_ESTIMATE_CLUSTER_PAGES  16
/* Bytes of zram's per-page table (struct zram_table_entry: handle and flags, 6.x). */
#define SC_ZRAM_TABLE_ENTRY_BYTES 16

struct sc_estimate_opts {
	uint64_t sample_bytes; /* at most this much is read and compressed */
	const int *pids; /* NULL: every process */
	size_t n_pids;
	int level; /* zstd level */
};

struct sc_estimate {
	uint64_t anon_bytes; /* resident anonymous memory of the surveyed processes */
	uint64_t sampled_bytes;
	uint64_t zero_pages; /* same-filled pages (zram's same_pages) */
	uint64_t compressed_bytes; /* sum of the per-page costs */
	uint64_t incompressible_pages; /* pages that compress to a page or more */
	size_t processes_sampled;
	size_t processes_skipped;
	size_t page_size;
	int level;
};

/* Valid zstd levels for --level (libzstd's own range). */
int sc_estimate_level_min(void);
int sc_estimate_level_max(void);

int sc_estimate_run(const struct sc_ctx *c, const struct sc_estimate_opts *o,
	struct sc_estimate *ret, struct sc_err *err);

/*
 * The zram disksize whose memory cost fits budget bytes at the measured ratio:
 * budget / (compressed/sampled + table entry/page), in whole pages, at most 2 x mem_total
 * (zram.rst: no point beyond twice the memory). 0 when nothing was sampled.
 */
uint64_t sc_estimate_disksize(const struct sc_estimate *e, uint64_t budget, uint64_t mem_total);

/* Is this page one zram stores without compressing (all machine words equal)? */
bool sc_page_same_filled(const void *page, size_t page_size);
