/*
 * Private to the lib/zram-*.c files: device names and sysfs paths, defined in zram-read.c and
 * used by zram-observed.c, zram-plan.c and zram-apply.c. The contract is zram.h.
 *
 * Dependencies point one way: zram-read.c (sysfs readers) is at the bottom; zram-config.c
 * (requests, zram.conf, the runtime state file) uses it; zram-observed.c (the observed state)
 * uses both; zram-plan.c (pure) and zram-apply.c sit on top.
 */
#pragma once

#include "ctx.h"

/* "/dev/zramN": targets name the device as the booted system sees it. NULL on ENOMEM. */
char *sc_zram_dev_name(int id);
/* <sysroot>/sys/block/zramN/attr. NULL on ENOMEM. */
char *sc_zram_attr_path(const struct sc_ctx *c, int id, const char *attr);
/* N from "/dev/zramN", or -EINVAL. */
int sc_zram_target_id(const char *target);
/* comp_algorithm of device id: the offered names and the bracketed (current) one. */
int sc_zram_read_algorithms(const struct sc_ctx *c, int id, char ***ret_names, char **ret_current);
/*
 * The creation steps SC_ZRAM_SET_BACKING_DEV (checked, written, read back) and
 * SC_ZRAM_SET_WRITEBACK_LIMIT of device id (zram-writeback.c, for zram-apply.c).
 */
struct sc_action;
struct sc_err;
int sc_zram_apply_backing(
	const struct sc_ctx *c, int id, const struct sc_action *a, struct sc_err *err);
