#!/usr/bin/env bash
# The shipped boot unit passes `systemd-analyze verify` and runs `swapctl boot` early enough:
# before swap.target, without the default dependencies (which would make a cycle there).
set -u
SWAPCTL=${SWAPCTL:?}
build=${SC_BUILD_DIR:-$(dirname "$SWAPCTL")}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The unit is written by `cmake --install`, with the paths of that installation.
DESTDIR=$tmp/root "${CMAKE:-cmake}" --install "$build" --component systemd --prefix /usr \
	>"$tmp/install" 2>&1 || { echo "FAIL: cmake --install: $(cat "$tmp/install")"; exit 1; }
unit=$(find "$tmp/root" -name swapctl.service -type f | head -1)
[ -n "$unit" ] || { echo "FAIL: cmake --install installed no swapctl.service"; exit 1; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

grep -qx 'ExecStart=/.*/swapctl boot' "$unit" || fail "ExecStart is not '<sbindir>/swapctl boot'"
grep -qx 'Type=oneshot' "$unit" || fail "not Type=oneshot"
grep -qx 'RemainAfterExit=yes' "$unit" || fail "no RemainAfterExit=yes"
grep -qx 'DefaultDependencies=no' "$unit" || fail "default dependencies would order it after swap.target"
grep -q '^Before=.*swap.target' "$unit" || fail "not ordered before swap.target"
grep -qx 'WantedBy=swap.target' "$unit" || fail "not wanted by swap.target"

# Verify the unit as shipped (--man=no: the man page is not installed in a build tree),
# except that ExecStart points at the binary just built (the
# installed path does not exist in a build tree, and verify checks that it is executable).
sed "s|^ExecStart=[^ ]*|ExecStart=$SWAPCTL|" "$unit" >"$tmp/swapctl.service"
rc=0
systemd-analyze verify --man=no "$tmp/swapctl.service" >"$tmp/out" 2>&1 || rc=$?
if grep -q 'Failed to \(initialize\|connect\|create bus\)\|Operation not permitted' "$tmp/out" &&
	[ "$rc" != 0 ]; then
	echo "SKIP: systemd-analyze cannot run here:"
	cat "$tmp/out"
	exit 77
fi
[ "$rc" = 0 ] || fail "systemd-analyze verify exited $rc"
# Warnings (unknown keys, bad values) do not change the exit status: any output is a failure.
if [ -s "$tmp/out" ]; then
	fail "systemd-analyze verify printed:"
	sed 's/^/  /' "$tmp/out"
fi

# The zram writeback service and its timer: installed with it, hardened, verified the same way.
wb=$(find "$tmp/root" -name swapctl-zram-writeback.service -type f | head -1)
timer=$(find "$tmp/root" -name swapctl-zram-writeback.timer -type f | head -1)
[ -n "$wb" ] && [ -n "$timer" ] || { echo "FAIL: no writeback service or timer installed"; exit 1; }
grep -qx 'ExecStart=/.*/swapctl zram writeback' "$wb" || fail "writeback ExecStart: $(grep ^ExecStart "$wb")"
grep -qx 'Type=oneshot' "$wb" || fail "writeback service not Type=oneshot"
for k in ProtectSystem=strict NoNewPrivileges=yes PrivateNetwork=yes PrivateDevices=yes \
	ProtectHome=yes CapabilityBoundingSet= ReadWritePaths=/run/swapctl; do
	grep -qx "$k" "$wb" || fail "writeback service lacks $k"
done
# zram's attributes are in /sys: a read-only /sys would make every write fail
grep -q '^ProtectKernelTunables=yes' "$wb" && fail "ProtectKernelTunables=yes makes /sys read-only"
grep -qx 'WantedBy=timers.target' "$timer" || fail "timer not wanted by timers.target"
grep -q '^OnUnitActiveSec=' "$timer" || fail "timer does not repeat"
sed "s|^ExecStart=[^ ]*|ExecStart=$SWAPCTL|" "$wb" >"$tmp/swapctl-zram-writeback.service"
cp "$timer" "$tmp/"
rc=0
systemd-analyze verify --man=no "$tmp/swapctl-zram-writeback.service" \
	"$tmp/swapctl-zram-writeback.timer" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "systemd-analyze verify of the writeback units exited $rc"
if [ -s "$tmp/out" ]; then
	fail "systemd-analyze verify of the writeback units printed:"
	sed 's/^/  /' "$tmp/out"
fi

# The autoscale daemon: installed with it, hardened, kept alive under memory pressure.
as=$(find "$tmp/root" -name swapctl-autoscale.service -type f | head -1)
[ -n "$as" ] || { echo "FAIL: no swapctl-autoscale.service installed"; exit 1; }
grep -qx 'ExecStart=/.*/swapctl autoscale' "$as" || fail "autoscale ExecStart: $(grep ^ExecStart "$as")"
for k in Type=exec Restart=on-failure OOMScoreAdjust=-900 ProtectSystem=full NoNewPrivileges=yes 	PrivateNetwork=yes ProtectHome=yes WantedBy=multi-user.target; do
	grep -qx "$k" "$as" || fail "autoscale service lacks $k"
done
grep -q '^CapabilityBoundingSet=.*CAP_SYS_ADMIN' "$as" || fail "autoscale service cannot swapon"
grep -q '^SystemCallFilter=.*@swap' "$as" || fail "autoscale service filters out swapon"
sed "s|^ExecStart=[^ ]*|ExecStart=$SWAPCTL autoscale|" "$as" >"$tmp/swapctl-autoscale.service"
rc=0
systemd-analyze verify --man=no "$tmp/swapctl-autoscale.service" >"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "systemd-analyze verify of the autoscale service exited $rc"
if [ -s "$tmp/out" ]; then
	fail "systemd-analyze verify of the autoscale service printed:"
	sed 's/^/  /' "$tmp/out"
fi
[ "$fails" = 0 ] && echo "ok: swapctl.service, the writeback service and timer, and the autoscale service verify" || exit 1
