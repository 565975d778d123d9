/*
 * Reading helpers for kernel and configuration files (read-only, so not part of the system
 * layer) and the fstab / /proc/swaps escaping rules. All return 0 or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole file, NUL-terminated, at most max bytes (-EFBIG beyond). */
int sc_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The same from an open descriptor (read from its current offset; fd stays open). */
int sc_read_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* First line without its newline. */
int sc_read_line(const char *path, char **ret);
/* A file holding one unsigned decimal number (sysfs style). */
int sc_read_u64(const char *path, uint64_t *ret);
int sc_read_i64(const char *path, int64_t *ret);

/*
 * fstab(5) / /proc/swaps escaping. sc_unmangle decodes every \ooo octal triple (as libmount
 * and the kernel do). sc_mangle writes only the four escapes every reader agrees on (\040 space,
 * \011 tab, \012 newline, \134 backslash); it returns -EINVAL for any other byte that would need
 * an escape (control characters), which glibc getmntent would misread.
 */
int sc_unmangle(const char *s, size_t len, char **ret);
int sc_mangle(const char *s, char **ret);

/*
 * The udev link a UUID=, LABEL=, PARTUUID= or PARTLABEL= fstab source stands for
 * ("UUID=x" -> "/dev/disk/by-uuid/x"): 1 and *ret (malloc'd), 0 and NULL when source is no
 * such tag, -ENOMEM.
 */
int sc_fstab_tag_link(const char *source, char **ret);

/*
 * Lexically clean an absolute path in place: "/swap//./f" -> "/swap/f",
 * "/etc/sysctl.d/../sysctl.conf" -> "/etc/sysctl.conf". No symlinks are followed.
 */
void sc_path_normalize(char *p);

bool sc_streq(const char *a, const char *b);
/* Append a printf-formatted string to the array *v of *n strings: 0, or -ENOMEM. */
int sc_strv_appendf(char ***v, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool sc_startswith(const char *s, const char *prefix);
