/* Path resolution under the configured root and the kernel-interface root. See ctx.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "macro.h"
#include "util.h"

static char *normalise_root(const char *r)
{
	size_t n;
	char *s;

	if (!r || !*r)
		return strdup("");
	s = strdup(r);
	if (!s)
		return NULL;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static char *join(const char *prefix, const char *abs)
{
	char *p;

	if (asprintf(&p, "%s%s%s", prefix, abs[0] == '/' ? "" : "/", abs) < 0)
		return NULL;
	return p;
}

char *sc_ctx_sys_path(const struct sc_ctx *c, const char *abs)
{
	return join(c->sysroot, abs);
}

int sc_ctx_read_sys(const struct sc_ctx *c, const char *abs, size_t max, char **ret)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, abs);

	if (!path)
		return -ENOMEM;
	return sc_read_file(path, max, ret, NULL);
}

char *sc_ctx_root_path(const struct sc_ctx *c, const char *abs)
{
	return join(c->root, abs);
}

const char *sc_ctx_boot_path(const struct sc_ctx *c, const char *full)
{
	size_t n = strlen(c->root);

	if (n > 0 && strncmp(full, c->root, n) == 0 && full[n] == '/')
		return full + n;
	return full;
}

int sc_ctx_init(struct sc_ctx *c, const struct sc_sys *sys, const char *root, const char *sysroot,
	const char *fstab, const char *sysctl_dir)
{
	long ps;

	memset(c, 0, sizeof(*c));
	c->sys = sys;
	c->root = normalise_root(root);
	c->sysroot = normalise_root(sysroot);
	if (!c->root || !c->sysroot)
		goto oom;
	c->offline = c->root[0] != '\0';
	/* --fstab and --sysctl-dir name files of the configured tree: taken as given. */
	c->fstab = fstab ? strdup(fstab) : sc_ctx_root_path(c, "/etc/fstab");
	c->sysctl_dir = sysctl_dir ? strdup(sysctl_dir) : sc_ctx_root_path(c, "/etc/sysctl.d");
	if (!c->fstab || !c->sysctl_dir)
		goto oom;
	c->config_dir = sc_ctx_root_path(c, "/etc/swapctl");
	if (!c->config_dir)
		goto oom;
	ps = sysconf(_SC_PAGESIZE);
	c->page_size = ps > 0 ? (size_t)ps : 4096;
	return 0;
oom:
	sc_ctx_done(c);
	return -ENOMEM;
}

void sc_ctx_done(struct sc_ctx *c)
{
	free(c->root);
	free(c->sysroot);
	free(c->fstab);
	free(c->sysctl_dir);
	free(c->config_dir);
	memset(c, 0, sizeof(*c));
}
