/*
 * libblkid probing (lib/probe.c is the only file that includes <blkid.h>).
 *
 * Tag resolution (used by fstab/ to match device entries by canonical source):
 * sc_probe_resolve_tag() turns "UUID=...", "LABEL=...", "PARTUUID=..." or "PARTLABEL=..." into
 * the device node that carries it on the running system, as swapon(8) and mount(8) would find
 * it (udev symlinks first, then a scan). It is read-only. Returns 0 with *ret_devname set
 * (malloc'd), 0 with *ret_devname NULL when no device carries the tag, -EINVAL for a string
 * that is not a tag, -ENOMEM.
 *
 * Signatures: sc_probe_fd() lists every signature libblkid finds on an open file or block
 * device -- filesystems, swap areas, hibernation images, RAID members, partition tables -- in
 * the order it finds them, with TYPE, UUID and LABEL where the format has them. swapctl uses
 * it to refuse overwriting anything that is not its own swap area, to name what is there, and
 * to read a swap header back the way blkid, `swapon -U` and `resume=UUID=` will see it. The
 * probe reads only (no wiping). Returns 0 (ret->n may be 0: nothing found) or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"

int sc_probe_resolve_tag(const char *tag, char **ret_devname);

#define SC_PROBE_MAX_SIGS 8

struct sc_probe_sig {
	char type[32]; /* "swap", "ext4", "swsuspend", "dos" (partition table), ... */
	char uuid[64]; /* "" when the format has none */
	char label[64];
	bool partition_table; /* type is a PTTYPE */
};

struct sc_probe {
	struct sc_probe_sig sigs[SC_PROBE_MAX_SIGS];
	size_t n;
};

int sc_probe_fd(int fd, struct sc_probe *ret);
/* The first signature of the given type, or NULL. */
const struct sc_probe_sig *sc_probe_find(const struct sc_probe *p, const char *type);
/*
 * What an existing file of the tree holds when it is not (only) a swap area: opens full
 * (never following a last symlink, never blocking on a FIFO) through the context and writes
 * the type of the first signature that is not "swap" into type ("ext4", "swsuspend", "dos").
 * Returns 1 when there is one, 0 when there is none, -errno when the file cannot be probed.
 */
int sc_probe_foreign(const struct sc_ctx *c, const char *full, char *type, size_t len);
/*
 * The UUID of the filesystem on the block device node device (what resume=UUID= and
 * /dev/disk/by-uuid name), opened through c->sys: 1 with uuid, 0 when it has none, -errno.
 */
int sc_probe_fs_uuid(const struct sc_ctx *c, const char *device, char *uuid, size_t len);
