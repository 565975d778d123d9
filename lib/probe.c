/* libblkid probing (the only user of <blkid.h>): see probe.h. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
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

/* Signatures. */
static void copy_value(blkid_probe pr, const char *name, char *out, size_t len)
{
	const char *v = NULL;

	out[0] = '\0';
	if (blkid_probe_lookup_value(pr, name, &v, NULL) == 0 && v)
		snprintf(out, len, "%s", v);
}

int sc_probe_fd(int fd, struct sc_probe *ret)
{
	blkid_probe pr;
	int r;

	memset(ret, 0, sizeof(*ret));
	pr = blkid_new_probe();
	if (!pr)
		return -ENOMEM;
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(
		pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);

	/* blkid_do_probe() steps through every signature, not only the first unambiguous one. */
	while ((r = blkid_do_probe(pr)) == 0 && ret->n < SC_PROBE_MAX_SIGS) {
		struct sc_probe_sig *s = &ret->sigs[ret->n];

		copy_value(pr, "TYPE", s->type, sizeof(s->type));
		if (!s->type[0]) {
			copy_value(pr, "PTTYPE", s->type, sizeof(s->type));
			s->partition_table = s->type[0] != '\0';
		}
		if (!s->type[0])
			continue;
		copy_value(pr, "UUID", s->uuid, sizeof(s->uuid));
		copy_value(pr, "LABEL", s->label, sizeof(s->label));
		ret->n++;
	}
	blkid_free_probe(pr);
	return r < 0 ? -EIO : 0;
}

const struct sc_probe_sig *sc_probe_find(const struct sc_probe *p, const char *type)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->sigs[i].type, type) == 0)
			return &p->sigs[i];
	return NULL;
}

/*
 * The first signature of the open device or file fd that is not a swap area (and, with
 * need_uuid, carries a UUID and is no partition table), copied into buf: 1, 0 when none,
 * -errno.
 */
static int first_other(int fd, bool need_uuid, char *buf, size_t len)
{
	struct sc_probe p;
	int r = sc_probe_fd(fd, &p);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p.n; i++) {
		const struct sc_probe_sig *s = &p.sigs[i];

		if (strcmp(s->type, "swap") == 0 ||
			(need_uuid && (s->partition_table || !s->uuid[0])))
			continue;
		snprintf(buf, len, "%s", need_uuid ? s->uuid : s->type);
		return 1;
	}
	return 0;
}

int sc_probe_foreign(const struct sc_ctx *c, const char *full, char *type, size_t len)
{
	_cleanup_close_ int fd = -1;

	fd = sc_ctx_open(c, full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	return first_other(fd, false, type, len);
}

int sc_probe_fs_uuid(const struct sc_ctx *c, const char *device, char *uuid, size_t len)
{
	_cleanup_close_ int fd = -1;

	fd = c->sys->openat(AT_FDCWD, device, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	return first_other(fd, true, uuid, len);
}
