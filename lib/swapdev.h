/*
 * Swap areas swapctl does not manage -- block devices, zram devices, files without a managed
 * fstab entry -- switched on by name, as the user had them (managed swapfiles go through
 * sc_swapfile_enable(), which checks the file first).
 */
#pragma once

#include "ctx.h"
#include "error.h"
#include "swapfile.h"

/*
 * swapon(2) of path with priority (-1: the kernel's automatic one, else 0..32767) and the
 * discard policy. 0, or -errno with err filled (SC_EXIT_USAGE for a priority out of range).
 */
int sc_swapdev_enable(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_err *err);
