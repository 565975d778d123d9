/*
 * Sources: the canonical form of a source field (lexical for paths, quotes stripped and UUIDs
 * lower-cased for tags) and resolving a device source to its device node (libblkid through
 * lib/probe.h). The bottom of fstab/: it uses nothing else in it; model.c installs the
 * resolver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "macro.h"
#include "probe.h"
#include "util.h"

static const char *const tag_names[] = {"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "ID="};

const char *sc_fstab_tag_value(const char *s, size_t *ret_name_len)
{
	for (size_t i = 0; i < ELEMENTSOF(tag_names); i++)
		if (sc_startswith(s, tag_names[i])) {
			*ret_name_len = strlen(tag_names[i]);
			return s + *ret_name_len;
		}
	return NULL;
}

int sc_fstab_canonical(const char *source, char **ret)
{
	size_t nl, vl;
	const char *v = sc_fstab_tag_value(source, &nl);
	char *out, *o;

	out = o = malloc(strlen(source) + 2);
	if (!out)
		return -ENOMEM;
	if (source[0] == '/') {
		/* Lexical only: "/a//b/./c/" is "/a/b/c"; ".." is kept (a symlink may sit under it). */
		for (const char *p = source; *p;) {
			const char *q;

			while (*p == '/')
				p++;
			if (!*p)
				break;
			q = strchrnul(p, '/');
			if (!(q - p == 1 && p[0] == '.')) {
				*o++ = '/';
				memcpy(o, p, (size_t)(q - p));
				o += q - p;
			}
			p = q;
		}
		if (o == out)
			*o++ = '/';
		*o = '\0';
	} else if (v) {
		/* libblkid strips quotes around a tag value; UUIDs are hex, compared caselessly. */
		memcpy(o, source, nl);
		o += nl;
		vl = strlen(v);
		if (vl >= 2 &&
			((v[0] == '"' && v[vl - 1] == '"') ||
				(v[0] == '\'' && v[vl - 1] == '\''))) {
			v++;
			vl -= 2;
		}
		for (size_t i = 0; i < vl; i++) {
			char c = v[i];

			if ((sc_startswith(source, "UUID=") ||
				    sc_startswith(source, "PARTUUID=")) &&
				c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			*o++ = c;
		}
		*o = '\0';
	} else
		strcpy(out, source);
	*ret = out;
	return 0;
}

bool sc_fstab_is_device_source(const char *canon)
{
	size_t nl;

	return sc_startswith(canon, "/dev/") || sc_fstab_tag_value(canon, &nl);
}

int sc_fstab_resolve_device(const char *source, char **ret_device, void *userdata)
{
	_cleanup_free_ char *dev = NULL;
	size_t nl;
	int r;

	*ret_device = NULL;
	if (sc_fstab_tag_value(source, &nl)) {
		r = sc_probe_resolve_tag(source, &dev);
		if (r < 0 && r != -EINVAL)
			return r;
	} else if (sc_startswith(source, "/dev/")) {
		dev = strdup(source);
		if (!dev)
			return -ENOMEM;
	}
	if (!dev)
		return 0;
	/* /dev/disk/by-uuid/... and /dev/mapper/... are symlinks to the node itself. */
	*ret_device = realpath(dev, NULL);
	if (!*ret_device && errno == ENOMEM)
		return -ENOMEM;
	return 0;
}

void sc_fstab_set_resolver(struct sc_fstab *f,
	int (*resolve)(const char *source, char **ret_device, void *userdata), void *userdata)
{
	f->resolve = resolve;
	f->resolve_data = userdata;
}
