/*
 * A fake zram for the component tests: a state machine behind the system layer's write_attr
 * and read_attr that behaves like zram_drv.c (docs/kernel-notes.md: zram), keeping the sysfs
 * files of a fixture tree in step so that swapctl's readers see what a real kernel would show.
 * Every call is logged in zf.log, so tests assert the exact order of writes and the rollback.
 * zf_setup() gives a tree with 4 GiB of MemTotal, zram loaded and zram0 -- somebody else's,
 * never to be touched -- and zf.ctx pointing at it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctx.h"
#include "error.h"
#include "plan.h"
#include "sys.h"

#define MAXDEV 8
#define MiB    (UINT64_C(1) << 20)
#define GiB    (UINT64_C(1) << 30)

struct fdev {
	bool exists, init, swapped, foreign;
	bool held; /* somebody holds the node open: reset and hot_remove answer EBUSY */
	char alg[32];
	char params[64];
	uint64_t disksize, mem_limit, diskseq;
	int prio;
	uint64_t used_kb;
	/* writeback: the backing device, its limit (4 KiB units), pages in RAM and on it */
	char backing[64];
	bool wb_limit_enable;
	uint64_t wb_limit;
	uint64_t pages, idle, huge; /* stored pages, of which marked idle, incompressible */
	uint64_t bd_count, bd_writes;
	char recomp[32]; /* the secondary algorithm, "" = none */
	uint64_t compr; /* mm_stat compr_data_size */
};

struct zram_fake {
	char *root;
	struct fdev dev[MAXDEV];
	uint64_t seq;
	char log[128][160];
	size_t n_log;
	/* failure injection: the first call whose log line starts with fail_prefix fails */
	const char *fail_prefix;
	int fail_errno;
	int busy_left; /* reset/hot_remove answer EBUSY this many more times */
	bool hot_add_initialised; /* hot_add hands out a device someone already set up */
	bool no_params_file; /* a kernel before 6.12: no algorithm_params attribute */
	bool alg_write_ignored; /* comp_algorithm writes succeed without effect */
	/* CONFIG_ZRAM_WRITEBACK: backing_dev, bd_stat, idle, writeback and the limit files */
	bool writeback;
	bool no_idle_age; /* idle takes only "all" (no access times tracked) */
	bool recompress; /* CONFIG_ZRAM_MULTI_COMP: recomp_algorithm and recompress */
	/* files below the root reported as this block device (fake fstatat) */
	const char *blockdev;
	dev_t blockdev_rdev;
	unsigned sleeps;
	struct sc_sys sys;
	struct sc_ctx ctx;
};

extern struct zram_fake zf;

int zf_setup(void **state);
int zf_teardown(void **state);
/* Write a file below the fixture root. */
void zf_put(const char *rel, const char *content);
/* Bring device id's sysfs files (and its node) in line with zf.dev[id]. */
void zf_render(int id);
/* A new device at the lowest free id (foreign: not swapctl's); returns the id. */
int zf_add_dev(bool foreign);
/* /proc/swaps from the devices that are swapped on. */
void zf_rewrite_swaps(void);
/* A file below the fixture root, malloc'd, or NULL. */
char *zf_read_rel(const char *rel);
/*
 * What the kernel saw from log index from on (sysfs, device and swap calls; the renames of
 * swapctl's own files left out), matched line by line as prefixes.
 */
void zf_assert_kernel_log(size_t from, const char *const *want, size_t n);
const char *zf_last_kernel_call(void);
/* observed, plan, apply: zram add, zram remove and boot as the commands run them. */
int zf_run_add(const char *size, const char *alg, int prio, uint64_t mem_limit, const char *params,
	bool persist, struct sc_plan *plan, int *ret_dev, struct sc_err *err);
int zf_run_remove(const int *ids, size_t n, bool all, struct sc_plan *plan, struct sc_err *err);
int zf_run_boot(struct sc_plan *plan, struct sc_err *err);
void zf_assert_zram0_untouched(void);
