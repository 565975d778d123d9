/*
 * The rules that decide at boot whether zram devices are made: the kernel command line, a
 * container, and each entry's memory bounds (zram.h). Reads only; the planner
 * (zram-plan.c) applies them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "parse.h"
#include "util.h"
#include "zram.h"

static bool word_in(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

/* The value of one switch: off, on, or (unknown value) nothing. A bare switch is on. */
static enum sc_zram_cmdline switch_value(const char *v)
{
	static const char *const off[] = {"0", "no", "n", "false", "off", NULL};
	static const char *const on[] = {"1", "yes", "y", "true", "on", NULL};

	if (!v || word_in(v, on))
		return SC_ZRAM_CMDLINE_ON;
	if (word_in(v, off))
		return SC_ZRAM_CMDLINE_OFF;
	return SC_ZRAM_CMDLINE_NONE;
}

enum sc_zram_cmdline sc_zram_cmdline_parse(const char *cmdline, char ret_word[static 64])
{
	/* [0]: swapctl.zram, [1]: systemd.zram (only its "off" means anything here) */
	enum sc_zram_cmdline got[2] = {SC_ZRAM_CMDLINE_NONE, SC_ZRAM_CMDLINE_NONE};
	char words[2][64] = {"", ""};
	const char *p = cmdline;

	while (*p) {
		char word[256];
		size_t n = 0;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		/* the kernel's next_arg(): double quotes may wrap a word or its value */
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (n + 1 < sizeof(word))
				word[n++] = *p;
		}
		word[n] = '\0';
		if (strcmp(word, "--") == 0)
			break; /* the rest is for init */
		for (int k = 0; k < 2; k++) {
			const char *key = k == 0 ? "swapctl.zram" : "systemd.zram";
			size_t kl = strlen(key);
			enum sc_zram_cmdline v;

			if (strncmp(word, key, kl) != 0 || (word[kl] != '\0' && word[kl] != '='))
				continue;
			v = switch_value(word[kl] ? word + kl + 1 : NULL);
			if (k == 1 && v == SC_ZRAM_CMDLINE_ON)
				v = SC_ZRAM_CMDLINE_NONE; /* zram-generator's own default device */
			got[k] = v;
			snprintf(words[k], sizeof(words[k]), "%.63s", v ? word : "");
		}
	}
	for (int k = 0; k < 2; k++)
		if (got[k] != SC_ZRAM_CMDLINE_NONE) {
			if (ret_word)
				snprintf(ret_word, 64, "%s", words[k]);
			return got[k];
		}
	if (ret_word)
		ret_word[0] = '\0';
	return SC_ZRAM_CMDLINE_NONE;
}

static bool sys_exists(const struct sc_ctx *c, const char *abs)
{
	_cleanup_free_ char *p = sc_ctx_sys_path(c, abs);
	struct stat st;

	return p && c->sys->fstatat(AT_FDCWD, p, &st, 0) == 0;
}

/* The first line of a file below the sysroot, trimmed; "" when unreadable or empty. */
static void sys_first_line(const struct sc_ctx *c, const char *abs, char *buf, size_t len)
{
	_cleanup_free_ char *text = NULL;

	buf[0] = '\0';
	if (sc_ctx_read_sys(c, abs, 4096, &text) < 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
}

/* container= in PID 1's environment (NUL-separated); "" when none or unreadable. */
static void pid1_container(const struct sc_ctx *c, char *buf, size_t len)
{
	_cleanup_free_ char *path = sc_ctx_sys_path(c, "/proc/1/environ"), *text = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (!path || sc_read_file(path, 1 << 16, &text, &n) < 0)
		return;
	for (size_t i = 0; i < n; i += strlen(text + i) + 1)
		if (sc_startswith(text + i, "container=")) {
			snprintf(buf, len, "%s", text + i + strlen("container="));
			return;
		}
}

static void set_container(struct sc_zram_boot_env *e, const char *name, const char *source)
{
	snprintf(e->container, sizeof(e->container), "%s", name);
	snprintf(e->container_source, sizeof(e->container_source), "%s", source);
}

int sc_zram_boot_env_read(const struct sc_ctx *c, struct sc_zram_boot_env *ret)
{
	static const char *const manager_files[] = {
		"/run/systemd/container", "/run/host/container-manager"};
	_cleanup_free_ char *cmdline = NULL;
	char v[64];
	int r;

	memset(ret, 0, sizeof(*ret));
	r = sc_ctx_read_sys(c, "/proc/cmdline", 1 << 16, &cmdline);
	if (r == -ENOMEM)
		return r;
	if (r == 0)
		ret->cmdline = sc_zram_cmdline_parse(cmdline, ret->cmdline_word);

	if (sys_exists(c, "/proc/vz") && !sys_exists(c, "/proc/bc")) {
		set_container(ret, "openvz", "/proc/vz");
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(manager_files); i++) {
		sys_first_line(c, manager_files[i], v, sizeof(v));
		if (v[0]) {
			set_container(ret, v, manager_files[i]);
			return 0;
		}
	}
	pid1_container(c, v, sizeof(v));
	if (v[0]) {
		set_container(ret, v, "/proc/1/environ");
		return 0;
	}
	if (sys_exists(c, "/run/.containerenv"))
		set_container(ret, "podman", "/run/.containerenv");
	else if (sys_exists(c, "/.dockerenv"))
		set_container(ret, "docker", "/.dockerenv");
	return 0;
}

bool sc_zram_spec_fits(const struct sc_zram_spec *s, uint64_t mem_total, char *why, size_t len)
{
	char b1[32], b2[32];

	if (s->min_ram && mem_total < s->min_ram) {
		snprintf(why, len, "MemTotal %s is below the entry's min_ram of %s",
			sc_format_bytes(mem_total, b1), sc_format_bytes(s->min_ram, b2));
		return false;
	}
	if (s->max_ram && mem_total > s->max_ram) {
		snprintf(why, len, "MemTotal %s is above the entry's max_ram of %s",
			sc_format_bytes(mem_total, b1), sc_format_bytes(s->max_ram, b2));
		return false;
	}
	return true;
}

void sc_zram_skips_free(struct sc_zram_skips *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].entry);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
