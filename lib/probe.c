/* libblkid probing (the only user of <blkid.h>): see probe.h. */
