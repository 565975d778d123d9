/* libblkid probing (the only user of <blkid.h>): see probe.h. */
#include <blkid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

/* Tag resolution, for fstab/'s device matching. */
int sc_probe_resolve_tag(const char *tag, char **ret_devname)
{
	char *name = NULL, *value = NULL;
	blkid_cache cache = NULL;

	*ret_devname = NULL;
	/* Parse first: blkid_evaluate_tag() takes a bare path as a device name and returns it. */
	if (!tag || blkid_parse_tag_string(tag, &name, &value) < 0 || !name || !value) {
		free(name);
		free(value);
		return -EINVAL;
	}
	free(name);
	free(value);
	/*
	 * A cache backed by /dev/null: resolution must not write libblkid's cache file
	 * (/run/blkid/blkid.tab) behind the system layer's back; flushing it writes to /dev/null.
	 */
	if (blkid_get_cache(&cache, "/dev/null") < 0)
		return -ENOMEM;
	*ret_devname = blkid_evaluate_tag(tag, NULL, &cache);
	blkid_put_cache(cache);
	return 0;
}
