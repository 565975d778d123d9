/*
 * The compressors this kernel offers, read from its interfaces below the sysroot (the
 * configured choice lives in zram.h and zswap.h).
 */
#pragma once

#include "ctx.h"

/*
 * The algorithms comp_algorithm lists on the first zram device where it can be read (every
 * device of one kernel offers the same ones): 1 with *ret (a NULL-terminated vector, free it
 * with sc_strv_free()), 0 when there is no zram device or no list to read, -ENOMEM.
 */
int sc_compressors_zram(const struct sc_ctx *c, char ***ret);
