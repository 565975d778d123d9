/*
 * Private to the lib/sysctl-*.c files; the contract is sysctl.h.
 *
 * Dependencies point one way, each file using only those before it: sysctl-keys.c (the key
 * table, live reads), sysctl-env.c (kernel version, machine facts), sysctl-rules.c
 * (validation), sysctl-profile.c and sysctl-dropin.c, sysctl-observed.c (the observed state),
 * sysctl-plan.c (pure), sysctl-apply.c. sysctl-boot.c uses the key table and the key
 * spelling of sysctl-dropin.c.
 */
#pragma once

#include "sysctl.h"

/* "Linux M.N" for the kernel in e, or "this kernel" when its version is unknown. */
char *sc_sysctl_kver_str(const struct sc_sysctl_env *e, char buf[static 32]);
