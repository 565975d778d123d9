/*
 * swapctl's sysctl drop-in: parsing it strictly, loading it under the sysroot and rendering
 * it from a profile and values. Uses sysctl-keys.c and sysctl-rules.c (value parsing).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysctl.h"
#include "util.h"

void sc_sysctl_dropin_done(struct sc_sysctl_dropin *d)
{
	free(d->path);
	free(d->text);
	free(d->profile);
	free(d->foreign_key);
	free(d->problem);
	memset(d, 0, sizeof(*d));
}

/* Trim spaces and tabs at both ends, in place. */
static char *strip(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

void sc_sysctl_normalize_key(char *key)
{
	/*
	 * systemd's sysctl_normalize(): "vm/swappiness" and "vm.swappiness" are the same key;
	 * when the first separator is '/', '/' and '.' swap roles.
	 */
	char *sep = strpbrk(key, "./");

	if (!sep || *sep == '.')
		return;
	for (char *p = key; *p; p++) {
		if (*p == '/')
			*p = '.';
		else if (*p == '.')
			*p = '/';
	}
}

int sc_sysctl_dropin_parse(
	const char *path, const char *text, struct sc_sysctl_dropin *ret, struct sc_err *err)
{
	_cleanup_free_ char *copy = strdup(text);
	unsigned lineno = 0;
	char *save = NULL, *line;
	int r;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would merge empty lines and miscount; walk the lines by hand. */
	for (line = copy; line; line = save) {
		char *nl = strchr(line, '\n'), *s, *eq, *key, *val;
		int64_t v;
		int k;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		s = strip(line);
		if (*s == '\0' || *s == ';')
			continue;
		if (*s == '#') {
			s = strip(s + 1);
			if (sc_startswith(s, "profile:") && !ret->profile) {
				ret->profile = strdup(strip(s + strlen("profile:")));
				if (!ret->profile)
					return -ENOMEM;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			return sc_err_set(err, SC_EXIT_USAGE, EINVAL,
				"%s line %u: \"%s\" is not KEY = VALUE", path, lineno, s);
		*eq = '\0';
		key = strip(s);
		val = strip(eq + 1);
		if (*key == '-')
			key = strip(key + 1);
		sc_sysctl_normalize_key(key);
		k = sc_sysctl_key_index(key);
		if (k < 0) {
			if (!ret->foreign_key) {
				ret->foreign_key = strdup(key);
				if (!ret->foreign_key)
					return -ENOMEM;
				ret->foreign_line = lineno;
			}
			continue;
		}
		r = sc_sysctl_parse_value((size_t)k, val, &v, err);
		if (r < 0) {
			/* Name the file and line in front of the value's own message. */
			if (err) {
				char prefix[512];
				size_t plen, mlen = strlen(err->msg);

				snprintf(prefix, sizeof(prefix), "%s line %u: ", path, lineno);
				plen = strlen(prefix);
				mlen = SC_MIN(mlen, sizeof(err->msg) - 1 - plen);
				memmove(err->msg + plen, err->msg, mlen);
				memcpy(err->msg, prefix, plen);
				err->msg[plen + mlen] = '\0';
			}
			return r;
		}
		ret->values.set[k] = true;
		ret->values.v[k] = v;
		ret->line[k] = lineno;
	}
	return 0;
}

int sc_sysctl_dropin_load(const struct sc_ctx *c, struct sc_sysctl_dropin *ret, struct sc_err *err)
{
	struct sc_err perr = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	if (asprintf(&ret->path, "%s/%s", c->sysctl_dir, SC_SYSCTL_DROPIN) < 0) {
		ret->path = NULL;
		return -ENOMEM;
	}
	r = sc_ctx_read(c, ret->path, 1 << 20, &ret->text, &ret->len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", ret->path, strerror(-r));
	ret->exists = true;
	r = sc_file_identity(c, ret->path, ret->text, ret->len, &ret->id);
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", ret->path, strerror(-r));
	/* A malformed drop-in is reported when it matters (merging into it), not here. */
	r = sc_sysctl_dropin_parse(ret->path, ret->text, ret, &perr);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		ret->problem = strdup(perr.msg);
		if (!ret->problem)
			return -ENOMEM;
		memset(&ret->values, 0, sizeof(ret->values));
	}
	return 0;
}

int sc_sysctl_dropin_render(const char *profile, const struct sc_sysctl_values *v, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fputs("# vm.* companions of the swap layout, written by swapctl.\n# `swapctl sysctl apply` "
	      "replaces this file: change a value with\n# `swapctl sysctl apply --set "
	      "vm.KEY=VALUE`. Sources for every value: swapctl(8).\n",
		f);
	if (profile)
		fprintf(f, "# profile: %s\n", profile);
	for (size_t k = 0; k < SC_VM_N; k++)
		if (v->set[k])
			fprintf(f, "vm.%s = %" PRId64 "\n", sc_sysctl_keys[k].name, v->v[k]);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
