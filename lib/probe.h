/*
 * libblkid probing (lib/probe.c is the only file that includes <blkid.h>).
 *
 * Tag resolution (used by fstab/ to match device entries by canonical source):
 * sc_probe_resolve_tag() turns "UUID=...", "LABEL=...", "PARTUUID=..." or "PARTLABEL=..." into
 * the device node that carries it on the running system, as swapon(8) and mount(8) would find
 * it (udev symlinks first, then a scan). It is read-only. Returns 0 with *ret_devname set
 * (malloc'd), 0 with *ret_devname NULL when no device carries the tag, -EINVAL for a string
 * that is not a tag, -ENOMEM.
 */
#pragma once

int sc_probe_resolve_tag(const char *tag, char **ret_devname);
