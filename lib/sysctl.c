/* vm.* companions. See sysctl.h; KERNEL-FACTS §1.8. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysctl.h"
#include "util.h"

const struct sc_sysctl_key sc_sysctl_keys[] = {
	{"swappiness", 60},
	{"min_free_kbytes", -1},
	{"overcommit_memory", 0},
	{"overcommit_ratio", 50},
	{"watermark_scale_factor", 10},
	{"watermark_boost_factor", 15000},
	{"vfs_cache_pressure", 100},
	{"dirtytime_expire_seconds", 43200},
	{"page-cluster", 3},
};
const size_t sc_sysctl_n_keys = ELEMENTSOF(sc_sysctl_keys);

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
