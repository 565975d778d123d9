/* daemon-reload after fstab edits, and swapctl.service's enablement. See systemd.h. */
#include <errno.h>
#include <sys/stat.h>

#include "fsinfo.h"
#include "macro.h"
#include "systemd.h"

int sc_systemd_daemon_reload(const struct sc_ctx *c)
{
	char *argv[] = {"systemctl", "daemon-reload", NULL};

	if (c->offline || !sc_fsinfo_sys_exists(c, "/run/systemd/system"))
		return 0;
	return c->sys->run(argv);
}

int sc_systemd_unit_enabled(const struct sc_ctx *c)
{
	_cleanup_free_ char *p =
		sc_ctx_root_path(c, "/etc/systemd/system/swap.target.wants/swapctl.service");
	struct stat st;
	int r;

	if (!p)
		return -ENOMEM;
	r = sc_ctx_stat(c, p, false, &st);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}
