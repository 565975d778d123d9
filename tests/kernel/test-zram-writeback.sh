#!/usr/bin/env bash
# zram writeback on the real kernel (docs/kernel-notes.md: zram writeback): a device made by
# `zram add --writeback-device` on a loop device gets it as backing_dev, `zram writeback`
# moves its pages there (bd_stat writes go up, status --json shows them) and the data reads
# back intact through the backing device; a mounted device is refused as backing device.
# The data is written straight to the zram block device (its swap is turned off first), so
# no memory cgroup is needed. Skips where the kernel has no CONFIG_ZRAM_WRITEBACK.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root
[ -d /sys/class/zram-control ] || modprobe zram 2>/dev/null
[ -d /sys/class/zram-control ] || kt_skip "no zram in this kernel"
for a in /sys/block/zram*/comp_algorithm; do
	[ -e "$a" ] || continue
	[ -e "${a%/*}/backing_dev" ] || kt_skip "no zram writeback in this kernel (no backing_dev: CONFIG_ZRAM_WRITEBACK)"
	break
done
{ command -v dd && command -v cmp && command -v findmnt; } >/dev/null || kt_skip "dd, cmp or findmnt missing"

export SWAPCTL_CONFIG_DIR=$KT_TMP/etc/swapctl
mkdir -p "$KT_TMP/etc"
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# a mounted device is no backing device: exit 3 naming the mount, nothing made
mnt=$(kt_mkfs ext4 32)
mdev=$(findmnt -n -o SOURCE --target "$mnt")
n_zram() { find /sys/block -maxdepth 1 -name 'zram*' | wc -l; }
n_before=$(n_zram)
rc=0
"$SWAPCTL" zram add 32M --writeback-device "$mdev" --no-persist 2>"$KT_TMP/err" || rc=$?
if [ "$rc" = 3 ] && grep -q "no writeback" "$KT_TMP/err"; then
	kt_skip "no zram writeback in this kernel: $(cat "$KT_TMP/err")"
fi
[ "$rc" = 3 ] || kt_fail "mounted backing device: exit $rc: $(cat "$KT_TMP/err")"
grep -q "is mounted on $mnt" "$KT_TMP/err" || kt_fail "mounted backing device: $(cat "$KT_TMP/err")"
[ "$(n_zram)" = "$n_before" ] || kt_fail "a device was left behind"

loop=$(kt_loop 64)
"$SWAPCTL" zram add 64M --writeback-device "$loop" --no-persist --json >"$KT_TMP/add.json" \
	2>"$KT_TMP/err" || {
	rc=$?
	[ "$rc" = 3 ] && grep -q "no writeback" "$KT_TMP/err" && kt_skip "$(cat "$KT_TMP/err")"
	kt_fail "zram add --writeback-device: exit $rc: $(cat "$KT_TMP/err")"
}
dev=$(json "$KT_TMP/add.json" 'd["device"]')
kt_track_zram "${dev#/dev/zram}"
sys=/sys/block/${dev#/dev/}
[ "$(cat "$sys/backing_dev")" = "$loop" ] || kt_fail "backing_dev is '$(cat "$sys/backing_dev")', want $loop"
[ "$(json "$KT_TMP/add.json" '[a["action"] for a in d["actions"]][2]')" = set-backing-dev ] ||
	kt_fail "plan: $(json "$KT_TMP/add.json" '[a["action"] for a in d["actions"]]')"

# the data: 4 MiB that does not compress, 4 MiB that does, straight to the device
swapoff "$dev" || kt_fail "swapoff $dev"
head -c $((4 << 20)) /dev/urandom >"$KT_TMP/data"
python3 -c 'import sys; sys.stdout.buffer.write(b"".join(b"page %010d\n" % i * 256 for i in range(1024)))' >>"$KT_TMP/data"
[ "$(stat -c %s "$KT_TMP/data")" = $((8 << 20)) ] || kt_fail "test data is not 8 MiB"
dd if="$KT_TMP/data" of="$dev" bs=1M oflag=direct conv=fsync status=none || kt_fail "writing $dev"
w0=$(awk '{print $3}' "$sys/bd_stat")

# the timer's mode: the first run only marks, the second writes back what stayed untouched
"$SWAPCTL" zram writeback "$dev" --json >"$KT_TMP/wb1.json" 2>"$KT_TMP/err" ||
	kt_fail "zram writeback: $(cat "$KT_TMP/err")"
first=$(json "$KT_TMP/wb1.json" '[a.get("written_bytes") for a in d["actions"] if a["action"] == "writeback"][0]')
"$SWAPCTL" zram writeback "$dev" --json >"$KT_TMP/wb2.json" 2>"$KT_TMP/err" ||
	kt_fail "zram writeback again: $(cat "$KT_TMP/err")"
second=$(json "$KT_TMP/wb2.json" '[a.get("written_bytes") for a in d["actions"] if a["action"] == "writeback"][0]')
kt_log "writeback: first run $first bytes, second run $second bytes"
[ "$first" = 0 ] || kt_log "the first run wrote $first bytes (pages marked idle before it)"
[ "$second" -ge $((4 << 20)) ] || kt_fail "second writeback wrote $second bytes, want at least 4 MiB"
w1=$(awk '{print $3}' "$sys/bd_stat")
[ "$w1" -gt "$w0" ] || kt_fail "bd_stat writes did not grow ($w0 -> $w1)"

# status --json shows the backing device and bd_stat in bytes
"$SWAPCTL" status --json >"$KT_TMP/status.json" || kt_fail "status --json"
python3 - "$KT_TMP/status.json" "$dev" "$loop" "$w1" <<'PY' || kt_fail "status --json: $(cat "$KT_TMP/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
z = [z for z in d["zram"] if z["device"] == sys.argv[2]][0]
assert z["backing_dev"] == sys.argv[3], z
assert z["bd_stat"]["writes_bytes"] == int(sys.argv[4]) * 4096, z
assert z["bd_stat"]["count_bytes"] > 0, z
PY

# the data reads back intact, from the backing device
r0=$(awk '{print $2}' "$sys/bd_stat")
dd if="$dev" of="$KT_TMP/back" bs=1M count=8 iflag=direct status=none || kt_fail "reading $dev"
cmp -s "$KT_TMP/data" "$KT_TMP/back" || kt_fail "data read back differs after writeback"
r1=$(awk '{print $2}' "$sys/bd_stat")
[ "$r1" -gt "$r0" ] || kt_fail "bd_stat reads did not grow ($r0 -> $r1): not read from the backing device"

# --huge and --idle all run (nothing or little left to write); a device that is not swapctl's
"$SWAPCTL" zram writeback "$dev" --huge --json >"$KT_TMP/wb3.json" 2>"$KT_TMP/err" ||
	kt_fail "zram writeback --huge: $(cat "$KT_TMP/err")"
"$SWAPCTL" zram writeback "$dev" --idle all --json >"$KT_TMP/wb4.json" 2>"$KT_TMP/err" ||
	kt_fail "zram writeback --idle all: $(cat "$KT_TMP/err")"
for z in /sys/block/zram*; do
	id=${z##*zram}
	[ "/dev/zram$id" = "$dev" ] && continue
	rc=0
	"$SWAPCTL" zram writeback "zram$id" 2>"$KT_TMP/err" || rc=$?
	[ "$rc" = 3 ] || kt_fail "writeback of zram$id (not swapctl's): exit $rc"
	break
done

"$SWAPCTL" zram remove "$dev" >/dev/null 2>"$KT_TMP/err" || kt_fail "zram remove: $(cat "$KT_TMP/err")"
[ -e "$sys" ] && kt_fail "$dev still exists"
echo "ok: zram writeback to $loop: $second bytes written back, read back intact"
