/*
 * zram devices: reading their state from sysfs (this file's readers are used by status and
 * doctor), and -- in zram.c's planner/applier -- creating and removing them.
 * Paths: <sysroot>/sys/block/zramN/..., <sysroot>/sys/class/zram-control/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

struct sc_zram_dev {
	int id;
	char name[32]; /* "zram1" */
	bool initialized; /* disksize != 0 */
	uint64_t disksize;
	char *algorithm; /* the bracketed entry of comp_algorithm, or NULL */
	uint64_t orig_data; /* mm_stat: orig_data_size */
	uint64_t compr_data; /* compr_data_size */
	uint64_t mem_used; /* mem_used_total */
	uint64_t mem_limit;
	uint64_t mem_used_max;
	uint64_t same_pages;
	uint64_t huge_pages;
};

/* Every /sys/block/zramN, sorted by id. */
int sc_zram_list(const struct sc_ctx *c, struct sc_zram_dev **ret, size_t *ret_n);
void sc_zram_list_free(struct sc_zram_dev *d, size_t n);
int sc_zram_read(const struct sc_ctx *c, int id, struct sc_zram_dev *ret);
void sc_zram_dev_done(struct sc_zram_dev *d);

/* "lzo [lzo-rle] lz4" -> list of names (NULL-terminated) and the current one. */
int sc_zram_parse_algorithms(const char *text, char ***ret_names, char **ret_current);
void sc_strv_free(char **v);
int sc_zram_parse_mm_stat(const char *text, struct sc_zram_dev *d);
