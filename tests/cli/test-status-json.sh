#!/usr/bin/env bash
# status --json on a fixture tree: the keys swapctl(8) documents and values read from the fixture.
set -u
SWAPCTL=${SWAPCTL:?}
FIX=${SC_FIXTURE_DIR:?}/sysroot-basic
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '# fixture fstab\n/swap/swapfile none swap defaults,pri=10,x-swapctl,nofail 0 0\n/nonexistent.swap none swap sw 0 0\n' >"$tmp/fstab"

SWAPCTL_SYSROOT=$FIX "$SWAPCTL" --fstab "$tmp/fstab" status --json >"$tmp/out" || exit 1
python3 - "$tmp/out" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("swaps", "zram", "zswap", "sysctl", "memory"):
    assert k in d, k
s = d["swaps"]
assert len(s) == 3, s
keys = {"path", "type", "size_bytes", "used_bytes", "priority", "managed", "persistent"}
for e in s:
    assert keys <= set(e), e
assert s[0]["path"] == "/swap/swapfile" and s[0]["type"] == "file"
assert s[0]["size_bytes"] == 1048572 * 1024 and s[0]["used_bytes"] == 2048 * 1024
assert s[0]["priority"] == 10
assert s[0]["managed"] is True and s[0]["persistent"] is True, s[0]
assert s[1]["managed"] is False and s[1]["persistent"] is False, s[1]
f = d["fstab"]
assert [(e["source"], e["managed"], e["active"], e["exists"]) for e in f] == [
    ("/swap/swapfile", True, True, True), ("/nonexistent.swap", False, False, False)], f
drift = {(x["kind"], x["target"]) for x in d["drift"]}
assert drift == {("not-persisted", "/srv/sp ace.swap"), ("missing", "/nonexistent.swap")}, drift
assert s[1]["path"] == "/srv/sp ace.swap", s[1]["path"]
assert s[2]["type"] == "zram" and s[2]["priority"] == 100
z = d["zram"]
assert len(z) == 1 and z[0]["device"] == "/dev/zram1", z
zk = {"device", "disksize_bytes", "algorithm", "orig_data_bytes", "compr_data_bytes", "mem_used_bytes"}
assert zk <= set(z[0]), z[0]
assert z[0]["disksize_bytes"] == 4294967296 and z[0]["algorithm"] == "lz4"
assert z[0]["orig_data_bytes"] == 1048576 and z[0]["compr_data_bytes"] == 262144
assert z[0]["mem_used_bytes"] == 393216
m = d["memory"]
assert m["total_bytes"] == 8000000 * 1024 and m["available_bytes"] == 6000000 * 1024
assert m["swap_total_bytes"] == 5242912 * 1024 and m["swap_free_bytes"] == 5240852 * 1024
assert d["sysctl"]["vm.swappiness"] == 60 and d["sysctl"]["vm.page-cluster"] == 3
for v in m.values():
    assert isinstance(v, int)
print("ok: status --json keys and values")
PY

# a rotation journal left next to the fstab: an interrupted rotation is drift
printf 'version=1\nold=/swap/swapfile\nnew=/swap/swapfile.1\nsize=1048576\npriority=10\n' \
	>"$tmp/fstab.swapctl-rotation"
SWAPCTL_SYSROOT=$FIX "$SWAPCTL" --fstab "$tmp/fstab" status --json >"$tmp/out" || exit 1
python3 - "$tmp/out" "$tmp/fstab.swapctl-rotation" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = [x for x in d["drift"] if x["kind"] == "rotation-pending"]
assert len(p) == 1 and p[0]["target"] == sys.argv[2], d["drift"]
assert "/swap/swapfile.1" in p[0]["message"] and "swapctl rotate" in p[0]["message"], p
print("ok: status --json reports a pending rotation")
PY

# --root: the image's fstab only; the running kernel's swaps, zram, zswap, vm.* values and
# memory (the fixture sysroot's) are not the image's. A UUID= entry names a device of the
# machine the image boots on: not looked up, so neither present nor missing.
img=$tmp/image
mkdir -p "$img/etc" "$img/swap"
: >"$img/swap/swapfile"
printf '/swap/swapfile none swap defaults,x-swapctl 0 0\nUUID=0b7e0a52-3f0a-4c1e-9b55-0d0c7f0c6a11 none swap sw 0 0\n' \
	>"$img/etc/fstab"
SWAPCTL_SYSROOT=$FIX "$SWAPCTL" --root "$img" status --json >"$tmp/out" || exit 1
python3 - "$tmp/out" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["swaps"] == [] and d["zram"] == [] and d["sysctl"] == {}, d
assert d["memory"] is None, d["memory"]
assert d["zswap"]["enabled"] is False, d["zswap"]
f = [(e["source"], e["active"], e["exists"]) for e in d["fstab"]]
assert f == [("/swap/swapfile", False, True),
             ("UUID=0b7e0a52-3f0a-4c1e-9b55-0d0c7f0c6a11", False, None)], f
assert d["drift"] == [], d["drift"]
print("ok: status --root --json shows the image only")
PY
out=$(SWAPCTL_SYSROOT=$FIX "$SWAPCTL" --root "$img" status) || exit 1
if grep -q 'Memory:\|/srv/sp ace.swap\|zram1\|vm\.swappiness' <<<"$out"; then
	echo "FAIL: status --root shows the host's live state: $out"
	exit 1
fi
grep -q '^  /swap/swapfile  *present ' <<<"$out" || { echo "FAIL: status --root: $out"; exit 1; }
echo "ok: status --root shows the image only"
