/* Reading helpers and escaping. See util.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "parse.h"
#include "util.h"

int sc_read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return sc_read_fd(fd, max, ret, ret_len);
}

int sc_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;
	struct stat st;

	/* Size a regular file's buffer once (procfs and sysfs files report 0 or 4096). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		(uint64_t)st.st_size < max)
		cap = SC_MAX(cap, (size_t)st.st_size + 1);
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;
			if (cap >= max)
				return -EFBIG;
			cap = SC_MIN(cap * 2, max);
			nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int sc_read_line(const char *path, char **ret)
{
	char *s, *nl;
	int r;

	r = sc_read_file(path, 1 << 20, &s, NULL);
	if (r < 0)
		return r;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	*ret = s;
	return 0;
}

int sc_read_i64(const char *path, int64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = sc_read_line(path, &s);
	if (r < 0)
		return r;
	return sc_parse_int(s, INT64_MIN, INT64_MAX, ret);
}

int sc_read_u64(const char *path, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	char *end;
	int r;

	r = sc_read_line(path, &s);
	if (r < 0)
		return r;
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end && *end != ' ')
		return -EINVAL;
	return 0;
}

static int is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

int sc_unmangle(const char *s, size_t len, char **ret)
{
	char *out = malloc(len + 1), *o = out;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && is_odigit(s[i + 1]) && is_odigit(s[i + 2]) &&
			is_odigit(s[i + 3])) {
			*o++ = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
				(s[i + 3] - '0'));
			i += 3;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	*ret = out;
	return 0;
}

int sc_mangle(const char *s, char **ret)
{
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
			n += 4;
		else if (c < 0x20 || c == 0x7f)
			return -EINVAL;
		else
			n++;
	}
	out = o = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case ' ':
			memcpy(o, "\\040", 4), o += 4;
			break;
		case '\t':
			memcpy(o, "\\011", 4), o += 4;
			break;
		case '\n':
			memcpy(o, "\\012", 4), o += 4;
			break;
		case '\\':
			memcpy(o, "\\134", 4), o += 4;
			break;
		default:
			*o++ = *p;
		}
	}
	*o = '\0';
	*ret = out;
	return 0;
}

bool sc_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool sc_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

void sc_path_normalize(char *p)
{
	char *out = p, *s = p;

	while (*s) {
		char *e;
		size_t len;

		while (*s == '/')
			s++;
		e = strchrnul(s, '/');
		len = (size_t)(e - s);
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (out > p && *--out != '/')
				;
		} else if (len > 0 && !(len == 1 && s[0] == '.')) {
			*out++ = '/';
			memmove(out, s, len);
			out += len;
		}
		s = e;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

int sc_fstab_tag_link(const char *source, char **ret)
{
	static const struct {
		const char *tag, *dir;
	} tags[] = {
		{"UUID=", "/dev/disk/by-uuid/"},
		{"LABEL=", "/dev/disk/by-label/"},
		{"PARTUUID=", "/dev/disk/by-partuuid/"},
		{"PARTLABEL=", "/dev/disk/by-partlabel/"},
	};

	*ret = NULL;
	for (size_t i = 0; i < ELEMENTSOF(tags); i++)
		if (sc_startswith(source, tags[i].tag))
			return asprintf(ret, "%s%s", tags[i].dir, source + strlen(tags[i].tag)) < 0
				? -ENOMEM
				: 1;
	return 0;
}

int sc_strv_appendf(char ***v, size_t *n, const char *fmt, ...)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	va_list ap;
	int r;

	if (!nv)
		return -ENOMEM;
	*v = nv;
	va_start(ap, fmt);
	r = vasprintf(&nv[*n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}
