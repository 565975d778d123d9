/*
 * Where hibernation finds a swapfile: its resume offset.
 *
 * The kernel writes the hibernation image into an active swap area, and at boot looks for it
 * on the block device named by resume= at resume_offset= (or what was written to
 * /sys/power/resume_offset): a count of PAGE_SIZE pages from the start of that device. For a
 * swapfile it is where the file's first page, the swap header, lies on the device of the
 * filesystem holding it; at hibernation the kernel accepts only the active swap area whose
 * first extent starts at exactly that page, and fails with "Cannot find swap device"
 * otherwise. The offset changes whenever the file is made again (recreated, resized, moved by
 * a btrfs balance), so callers read it from the file each time instead of keeping it.
 *
 * sc_resume_offset() computes it for the swapfile open as fd (O_RDONLY; path only names it in
 * messages), in units of c->page_size:
 *  - ext4, xfs, f2fs: FIEMAP (with FIEMAP_FLAG_SYNC) gives device addresses; the offset is the
 *    address of the extent at file offset 0 divided by the page size.
 *  - btrfs: FIEMAP gives addresses in the filesystem's own logical space. The chunk tree maps
 *    the chunk holding that address to its stripe on the device; with the single profile on
 *    one device, the device address is the stripe's offset plus the distance into the chunk
 *    (what `btrfs inspect-internal map-swapfile -r` prints). Reading the chunk tree
 *    (BTRFS_IOC_TREE_SEARCH) needs CAP_SYS_ADMIN.
 *
 * Returns 0 with *ret_pages, or -errno with err filled (one sentence naming the file, and a
 * hint where there is something to do):
 *  - SC_EXIT_REFUSED: the file cannot be a resume target: its filesystem is none of the above,
 *    it lives on the XFS realtime device, its btrfs filesystem spans several devices or keeps
 *    it in a chunk of another profile than single, or its first page is a hole, unwritten,
 *    inline, compressed, shared, split over separate places on the device, or does not start
 *    on a page boundary of the device.
 *  - SC_EXIT_FAILURE: the filesystem could not be read: statfs or FIEMAP failed (-EOPNOTSUPP:
 *    it cannot tell), or the btrfs chunk tree could not be read (-EPERM without root) or has
 *    no chunk holding the file's first extent.
 * Every call goes through c->sys; nothing is changed.
 */
#pragma once

#include <stdint.h>

#include "ctx.h"
#include "error.h"

int sc_resume_offset(
	const struct sc_ctx *c, int fd, const char *path, uint64_t *ret_pages, struct sc_err *err);
