/*
 * The service manager: what swapctl tells systemd, and what it asks about its units.
 *
 * systemd-fstab-generator turns fstab's swap lines into .swap units when PID 1 (re)loads its
 * configuration; until a daemon-reload, systemd acts on the fstab it read last (it may start
 * a removed area's unit, or miss a new one).
 */
#pragma once

#include <stdbool.h>

#include "ctx.h"

/*
 * systemctl daemon-reload, through c->sys->run, when systemd runs the machine
 * (/run/systemd/system exists below the sysroot) and the context is not offline. Returns 0
 * (reloaded, or nothing to reload), the helper's non-zero exit status, or -errno when it
 * could not be run.
 */
int sc_systemd_daemon_reload(const struct sc_ctx *c);

/*
 * Is swapctl.service enabled in the configured tree (its swap.target.wants link)? 0 when it
 * is not, 1 when it is, -errno when that cannot be told.
 */
int sc_systemd_unit_enabled(const struct sc_ctx *c);
