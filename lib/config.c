/* swapctl's configuration files. See config.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "macro.h"
#include "util.h"

/* A few lines each; anything near this is not a file swapctl wrote. */
#define CONFIG_MAX (1 << 20)

char *sc_config_path(const struct sc_ctx *c, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", c->config_dir, name) < 0)
		return NULL;
	return p;
}

int sc_config_load(const struct sc_ctx *c, const char *name, sc_config_parse_fn *parse, void *ret,
	struct sc_file_id *ret_id, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_config_path(c, name), *text = NULL;
	size_t len = 0;
	int r;

	if (ret_id)
		memset(ret_id, 0, sizeof(*ret_id));
	if (!path)
		return -ENOMEM;
	r = sc_ctx_read(c, path, CONFIG_MAX, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot read: %s", path, strerror(-r));
	if (ret_id) {
		r = sc_file_identity(c, path, text, len, ret_id);
		if (r < 0)
			return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot stat: %s", path,
				strerror(-r));
	}
	return sc_config_parse(path, name, parse, text, ret, err);
}

int sc_config_parse(const char *path, const char *name, sc_config_parse_fn *parse, const char *text,
	void *ret, struct sc_err *err)
{
	size_t n = strlen(name);
	int r;

	r = parse(text, ret, err);
	if (r < 0 && err && strncmp(err->msg, name, n) == 0 && err->msg[n] == ':') {
		/* Name the file as it is on disk, not only its basename. */
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s%s", path, err->msg + n);
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return r;
}

int sc_config_mkdir(const struct sc_ctx *c, const char *dir, mode_t mode)
{
	_cleanup_close_ int pfd = -1;
	const char *name;
	struct stat st;
	int r;

	if (sc_ctx_stat(c, dir, true, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	pfd = sc_ctx_open_parent(c, dir, &name);
	if (pfd < 0)
		return pfd;
	/* A dangling symlink in the way is EEXIST here and fails at the write that follows. */
	r = c->sys->mkdirat(pfd, name, mode);
	return r == -EEXIST ? 0 : r;
}

int sc_config_write(const struct sc_ctx *c, const char *name, const char *text,
	const struct sc_file_id *expect, struct sc_err *err)
{
	_cleanup_free_ char *path = sc_config_path(c, name);
	struct sc_atomic_opts o = {.mode = 0644, .expect = expect};
	int r;

	if (!path)
		return -ENOMEM;
	r = sc_config_mkdir(c, c->config_dir, 0755);
	if (r < 0)
		return sc_err_set(err, SC_EXIT_FAILURE, -r, "%s: cannot create: %s", c->config_dir,
			strerror(-r));
	r = sc_atomic_replace(c, path, text, strlen(text), &o);
	if (r == -ESTALE) {
		r = sc_err_set(err, SC_EXIT_FAILURE, ESTALE,
			"%s: changed by someone else while swapctl was working", path);
		sc_err_hint(err, "run the command again");
		return r;
	}
	if (r < 0)
		return sc_err_set(
			err, SC_EXIT_FAILURE, -r, "%s: cannot write: %s", path, strerror(-r));
	return 0;
}
