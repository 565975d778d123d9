/*
 * The vm.* keys swapctl manages (defaults and the ranges the newest kernels accept), looking
 * a key up by name, and reading its live value under <sysroot>/proc/sys/vm.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "sysctl.h"
#include "util.h"

/*
 * Defaults and ranges: Documentation/admin-guide/sysctl/vm.rst and the handlers in
 * mm/ and fs/ (all are proc_dointvec_minmax or proc_dointvec), verified on 6.18.
 * overcommit_ratio: the kernel takes any int; a negative ratio is nonsense, so swapctl
 * refuses it. page-cluster: 6.18 refuses more than 31, Debian's 6.1 takes any int (readahead
 * of 2^32 pages and more is meaningless); swapctl applies the cap on every kernel.
 */
const struct sc_sysctl_key sc_sysctl_keys[] = {
	{"swappiness", 60, 0, 200},
	{"min_free_kbytes", -1, 0, INT_MAX},
	{"overcommit_memory", 0, 0, 2},
	{"overcommit_ratio", 50, 0, INT_MAX},
	{"watermark_scale_factor", 10, 1, 3000},
	{"watermark_boost_factor", 15000, 0, INT_MAX},
	{"vfs_cache_pressure", 100, 0, INT_MAX},
	{"dirtytime_expire_seconds", 43200, 0, INT_MAX},
	{"page-cluster", 3, 0, 31},
};
const size_t sc_sysctl_n_keys = ELEMENTSOF(sc_sysctl_keys);

_Static_assert(ELEMENTSOF(sc_sysctl_keys) == SC_VM_N, "key table and index enum disagree");

int sc_sysctl_read_live(const struct sc_ctx *c, const char *name, int64_t *ret)
{
	_cleanup_free_ char *rel = NULL, *path = NULL;

	if (asprintf(&rel, "/proc/sys/vm/%s", name) < 0)
		return -ENOMEM;
	path = sc_ctx_sys_path(c, rel);
	if (!path)
		return -ENOMEM;
	return sc_read_i64(path, ret);
}

int sc_sysctl_key_index(const char *name)
{
	if (!name || (strncmp(name, "vm.", 3) != 0 && strncmp(name, "vm/", 3) != 0))
		return -ENOENT;
	for (size_t i = 0; i < SC_VM_N; i++)
		if (strcmp(name + 3, sc_sysctl_keys[i].name) == 0)
			return (int)i;
	return -ENOENT;
}
