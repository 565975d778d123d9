#!/usr/bin/env bash
# sysctl show/apply through the CLI on an offline tree (--root, so nothing live is written)
# with a fixture sysroot: the documented exit codes, the JSON ({"changed","actions"}
# with key/old/new), idempotence, --dry-run, and Debian's /etc/sysctl.conf overriding the
# drop-in through 99-sysctl.conf -> ../sysctl.conf.
set -u
SWAPCTL=${SWAPCTL:?}
FIX=${SC_FIXTURE_DIR:?}/doctor/base
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
t=$tmp/root
cp -a "$FIX" "$t"
rm -f "$t/etc/sysctl.d/90-swapctl.conf"
printf 'vm.swappiness = 10\n' >"$t/etc/sysctl.conf"
dropin=$t/etc/sysctl.d/90-swapctl.conf
sc() { SWAPCTL_SYSROOT=$t "$SWAPCTL" --root "$t" "$@"; }
expect_rc() { # expect_rc WANT ARGS...
	local want=$1 rc=0
	shift
	sc "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "exit $rc, want $want: $* ($(cat "$tmp/err"))"
}
json() { python3 -c "import json,sys; d=json.load(open('$tmp/out')); $1" || fail "$1: $(cat "$tmp/out")"; }

expect_rc 0 --json sysctl apply --profile server
json 'assert d["changed"] is True and d["actions"]; assert all(a["action"] == "write-dropin" and a["done"] and "new" in a and "old" not in a for a in d["actions"]); assert {a["key"] for a in d["actions"]} >= {"vm.swappiness", "vm.page-cluster"}'
grep -qx 'vm.swappiness = 30' "$dropin" || fail "drop-in lacks the profile's swappiness"
grep -q min_free_kbytes "$dropin" && fail "offline drop-in carries a host-computed min_free_kbytes"
grep -q 'target machine' "$tmp/err" || fail "no note about min_free_kbytes"
grep -q 'overridden at boot by /etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf:1' "$tmp/err" ||
	fail "no override warning: $(cat "$tmp/err")"

expect_rc 0 --json sysctl apply --profile server
json 'assert d == {"changed": False, "actions": []}'

before=$(sha256sum <"$dropin")
expect_rc 0 --json --dry-run sysctl apply --set vm.page-cluster=0
json 'a = d["actions"]; assert d["changed"] is False and len(a) == 1; a = a[0]; assert (a["action"], a["key"], a["old"], a["new"], a["done"]) == ("write-dropin", "vm.page-cluster", 3, 0, False) and a["target"].endswith("/etc/sysctl.d/90-swapctl.conf")'
[ "$(sha256sum <"$dropin")" = "$before" ] || fail "--dry-run wrote the drop-in"

expect_rc 3 sysctl apply --set vm.swappiness=0
grep -q -- '--force overrides' "$tmp/err" || fail "refusal does not say --force overrides"
expect_rc 3 sysctl apply --set vm.dirtytime_expire_seconds=0 --force
grep -q -- '--force overrides' "$tmp/err" && fail "a refusal --force cannot lift says it can"
expect_rc 3 sysctl apply --set vm.swappiness=180
expect_rc 2 sysctl apply --set vm.swappiness=010
expect_rc 2 sysctl apply --set vm.swappiness=0x10
expect_rc 2 sysctl apply --set 'vm.swappiness=60 '
expect_rc 2 sysctl apply --set vm.dirty_ratio=10
expect_rc 2 sysctl apply --set vm.page-cluster=32 --force
expect_rc 2 sysctl apply --set vm.overcommit_ratio=-1 --force
expect_rc 2 sysctl apply --profile nope
expect_rc 2 sysctl apply --profile
expect_rc 2 sysctl apply --no-persist --set vm.swappiness=20
expect_rc 2 sysctl frob
[ "$(sha256sum <"$dropin")" = "$before" ] || fail "a refused apply wrote the drop-in"
expect_rc 0 sysctl apply --set vm.swappiness=0 --force
grep -qx 'vm.swappiness = 0' "$dropin" || fail "--force did not apply"
expect_rc 0 sysctl apply --set vm.swappiness=30

expect_rc 0 --json sysctl show
json '
k = {e["key"]: e for e in d["keys"]}
s = k["vm.swappiness"]
assert s["live"] is None and s["swapctl"] == 30 and s["kernel_default"] == 60, s
assert s["overridden"] is True, s
assert s["boot"]["file"] == "/etc/sysctl.d/99-sysctl.conf" and s["boot"]["via"] == "/etc/sysctl.conf", s
assert s["boot"]["value"] == "10" and s["boot"]["line"] == 1, s
assert s["procps"]["file"] == "/etc/sysctl.conf", s
p = k["vm.page-cluster"]
assert p["overridden"] is False and p["boot"]["file"].endswith("/etc/sysctl.d/90-swapctl.conf"), p
assert d["profile"] == "server" and d["dropin_exists"] is True
assert k["vm.min_free_kbytes"]["kernel_default"] == 67584'
expect_rc 0 sysctl show
grep -q 'vm.swappiness.*99-sysctl.conf -> /etc/sysctl.conf:1  OVERRIDES SWAPCTL' "$tmp/out" ||
	fail "human show does not flag the override: $(cat "$tmp/out")"
grep -q 'delete that line or make it say 30' "$tmp/err" || fail "no fix offered: $(cat "$tmp/err")"
echo "ok: sysctl CLI"
