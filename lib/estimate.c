/* zram estimate (the only user of <zstd.h>): see estimate.h. */
