/*
 * The label in an existing swap area's header, read back through the context and the system
 * layer (the header itself is decoded by header.h, which does no I/O).
 */
#pragma once

#include <stdint.h>

#include "ctx.h"

/*
 * The label of the swap area in the regular file full of size file_size: 0 with *ret
 * (malloc'd), or NULL when the file holds no valid header for this page size or the header
 * has no label; -errno when it cannot be read.
 */
int sc_swaplabel_read(const struct sc_ctx *c, const char *full, uint64_t file_size, char **ret);
