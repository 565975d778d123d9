/*
 * Which file sets each vm.* key at boot: systemd-sysctl's and procps' search order. See
 * sysctl.h. systemd-sysctl reads /etc, /run, /usr/local/lib and /usr/lib sysctl.d, sorted by
 * basename, a file in /etc masking the same name elsewhere; for one key the later file wins,
 * so another file (e.g. /etc/sysctl.conf through 99-sysctl.conf) can override swapctl's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "sysctl.h"
#include "util.h"

/* After the sysctl directory (which stands for /etc/sysctl.d), in systemd's priority order. */
static const char *const other_dirs[] = {
	"/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d",
	"/lib/sysctl.d", /* split-/usr systems; a merged /usr makes it a duplicate, masked */
};

struct conf {
	char *name;
	char *full;
};

static void setting_done(struct sc_sysctl_setting *s)
{
	free(s->file);
	free(s->via);
	free(s->value);
	memset(s, 0, sizeof(*s));
}

void sc_sysctl_boot_done(struct sc_sysctl_boot *b)
{
	for (size_t k = 0; k < SC_VM_N; k++) {
		setting_done(&b->systemd[k]);
		setting_done(&b->procps[k]);
	}
}

static int cmp_conf(const void *a, const void *b)
{
	return strcmp(((const struct conf *)a)->name, ((const struct conf *)b)->name);
}

static int collect(const struct sc_ctx *c, const char *dir, struct conf **list, size_t *n)
{
	struct dirent *de;
	int r = 0;
	DIR *d;

	r = sc_ctx_opendir(c, dir, &d);
	if (r < 0)
		return r == -ENOENT || r == -ENOTDIR ? 0 : r;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool seen = false;
		struct conf *nl;
		struct stat st;
		char *full;

		/* systemd's conf_files_list(): "*.conf", hidden files ignored. */
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		for (size_t i = 0; i < *n; i++)
			if (strcmp((*list)[i].name, de->d_name) == 0)
				seen = true;
		if (seen) /* masked by the same name in a directory of higher priority */
			continue;
		if (asprintf(&full, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			!(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
			free(full);
			continue;
		}
		nl = realloc(*list, (*n + 1) * sizeof(*nl));
		if (!nl) {
			free(full);
			r = -ENOMEM;
			break;
		}
		*list = nl;
		nl[*n].full = full;
		nl[*n].name = strdup(de->d_name);
		if (!nl[*n].name) {
			free(full);
			r = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	return r;
}

/*
 * Read a configuration file under the root, following symlinks as the booted system would
 * (an absolute target is inside the root too). A link to /dev/null masks: empty content.
 * *ret_via is the final target's boot path when the file was a symlink.
 */
static int read_under_root(
	const struct sc_ctx *c, const char *full, char **ret_text, char **ret_via)
{
	_cleanup_free_ char *cur = strdup(full);
	int hops;

	*ret_via = NULL;
	if (!cur)
		return -ENOMEM;
	for (hops = 0; hops < 16; hops++) {
		_cleanup_free_ char *target = NULL;
		char *next;
		int r;

		/* Inside the root: a link to ../../x cannot climb out of it either. */
		r = sc_ctx_follow(c, cur, &next, &target);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		if (strcmp(target, "/dev/null") == 0) {
			free(next);
			*ret_via = strdup("/dev/null");
			*ret_text = strdup("");
			return *ret_via && *ret_text ? 0 : -ENOMEM;
		}
		free(cur);
		cur = next;
	}
	if (hops == 16)
		return -ELOOP;
	if (hops > 0) {
		/* Shown as the booted system names it: "/etc/sysctl.d/../sysctl.conf" is /etc/sysctl.conf. */
		*ret_via = strdup(sc_ctx_boot_path(c, cur));
		if (!*ret_via)
			return -ENOMEM;
		sc_path_normalize(*ret_via);
	}
	return sc_ctx_read(c, cur, 4 << 20, ret_text, NULL);
}

static int assign(struct sc_sysctl_setting *s, const char *file, const char *via, unsigned line,
	const char *value, bool pattern, bool after)
{
	/* systemd-sysctl: explicitly named keys take precedence over glob patterns. */
	if (pattern && s->file && !s->pattern)
		return 0;
	setting_done(s);
	s->file = strdup(file);
	s->via = via ? strdup(via) : NULL;
	s->value = strdup(value);
	s->line = line;
	s->pattern = pattern;
	s->after_dropin = after;
	return s->file && s->value && (!via || s->via) ? 0 : -ENOMEM;
}

static int parse_conf(const char *text, const char *file, const char *via, bool after,
	struct sc_sysctl_setting *a, struct sc_sysctl_setting *b)
{
	_cleanup_free_ char *copy = strdup(text);
	unsigned lineno = 0;
	char *line, *next;
	int r;

	if (!copy)
		return -ENOMEM;
	for (line = copy; line; line = next) {
		char *nl = strchr(line, '\n'), *eq, *key, *val, *e;
		bool glob;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			continue; /* systemd-sysctl warns and ignores the line */
		*eq = '\0';
		key = line;
		if (*key == '-')
			key++;
		while (*key == ' ' || *key == '\t')
			key++;
		for (e = key + strlen(key); e > key && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
		val = eq + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		for (e = val + strlen(val);
			e > val && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			e[-1] = '\0';
		sc_sysctl_normalize_key(key);
		glob = strpbrk(key, "*?[") != NULL;
		for (size_t k = 0; k < SC_VM_N; k++) {
			char name[64];

			snprintf(name, sizeof(name), "vm.%s", sc_sysctl_keys[k].name);
			if (glob ? fnmatch(key, name, 0) != 0 : strcmp(key, name) != 0)
				continue;
			r = assign(&a[k], file, via, lineno, val, glob, after);
			if (r == 0 && b)
				r = assign(&b[k], file, via, lineno, val, glob, after);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sc_sysctl_boot_resolve(const struct sc_ctx *c, struct sc_sysctl_boot *ret)
{
	struct conf *list = NULL;
	size_t n = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = collect(c, c->sysctl_dir, &list, &n);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(other_dirs); i++) {
		_cleanup_free_ char *dir = sc_ctx_root_path(c, other_dirs[i]);
		r = dir ? collect(c, dir, &list, &n) : -ENOMEM;
	}
	if (r >= 0 && n > 0)
		qsort(list, n, sizeof(*list), cmp_conf);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *text = NULL, *via = NULL;
		bool after = strcmp(list[i].name, SC_SYSCTL_DROPIN) > 0;

		r = read_under_root(c, list[i].full, &text, &via);
		if (r < 0) {
			r = 0; /* unreadable or dangling: systemd-sysctl skips it too */
			continue;
		}
		r = parse_conf(text, sc_ctx_boot_path(c, list[i].full), via, after, ret->systemd,
			ret->procps);
	}

	if (r >= 0) {
		/* procps `sysctl --system` applies /etc/sysctl.conf after every directory. */
		_cleanup_free_ char *conf = sc_ctx_root_path(c, "/etc/sysctl.conf");
		_cleanup_free_ char *text = NULL, *via = NULL;

		if (!conf)
			r = -ENOMEM;
		else if (read_under_root(c, conf, &text, &via) == 0)
			r = parse_conf(text, "/etc/sysctl.conf", via, true, ret->procps, NULL);
	}

	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].full);
	}
	free(list);
	if (r < 0)
		sc_sysctl_boot_done(ret);
	return r;
}

const struct sc_sysctl_setting *sc_sysctl_boot_override(const struct sc_sysctl_boot *b, size_t key)
{
	if (b->systemd[key].file && b->systemd[key].after_dropin)
		return &b->systemd[key];
	if (b->procps[key].file && b->procps[key].after_dropin)
		return &b->procps[key];
	return NULL;
}
