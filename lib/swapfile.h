/*
 * Swapfiles: creation, activation, deactivation and removal (SPEC §5, KERNEL-FACTS §1.10).
 *
 * Calling order for a new swapfile:
 *   sc_swapfile_check_dir()  -> the directory chain is root-owned, not group/other writable,
 *                               no symlinks; the filesystem can hold swap (named refusal)
 *   sc_swapfile_create()     -> O_TMPFILE (fallback: hidden O_CREAT|O_EXCL|O_NOFOLLOW name),
 *                               NOCOW on btrfs while empty, fallocate, header (header.h), fsync,
 *                               FIEMAP verification, link into place (never clobbering), fsync
 *                               the directory; on any failure nothing is left behind
 *   sc_swapfile_enable()     -> open the name O_NOFOLLOW, check it is the verified inode
 *                               (regular, uid 0, mode 0600, one link), swapon through
 *                               /proc/self/fd/N with flags from sc_swap_flags(), verify in
 *                               /proc/swaps
 * Retiring: sc_swapfile_disable() (swapoff in a child, see sys.h; the caller runs the gate in
 * gate.h first) and sc_swapfile_unlink().
 *
 * Paths are full paths (already under the context's root). All side effects go through
 * c->sys. Errors: -errno, with err filled (SC_EXIT_REFUSED for safety refusals,
 * SC_EXIT_FAILURE otherwise).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ctx.h"
#include "error.h"

enum sc_discard {
	SC_DISCARD_NONE,
	SC_DISCARD_BOTH, /* --discard: swapon-time and per-cluster */
	SC_DISCARD_ONCE, /* --discard=once */
	SC_DISCARD_PAGES, /* --discard=pages */
};

/*
 * swapon(2) flags from a priority (-1 = kernel's automatic priority, 0..32767 explicit) and
 * a discard policy. -EINVAL for a priority outside -1..32767: the kernel would let larger
 * values spill into the discard bits.
 */
int sc_swap_flags(int priority, enum sc_discard discard, int *ret_flags);

struct sc_swapfile_opts {
	uint64_t size; /* bytes, a multiple of the page size */
	const char *label; /* NULL or up to 16 bytes */
	uint64_t reserve; /* free space that must remain on the filesystem afterwards */
};

int sc_swapfile_check_dir(const struct sc_ctx *c, const char *dir, struct sc_err *err);
int sc_swapfile_create(const struct sc_ctx *c, const char *path, const struct sc_swapfile_opts *o,
	struct sc_err *err);
int sc_swapfile_enable(const struct sc_ctx *c, const char *path, int priority,
	enum sc_discard discard, struct sc_err *err);
int sc_swapfile_disable(const struct sc_ctx *c, const char *path, struct sc_err *err);
int sc_swapfile_unlink(const struct sc_ctx *c, const char *path, struct sc_err *err);
