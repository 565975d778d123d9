#!/usr/bin/env bash
# zswap enable/disable on the real kernel: parameters written and read back, an unavailable
# compressor refused (exit 2) with nothing changed, zswap.conf written and applied by boot,
# the warning when zswap sits in front of zram swap. The live parameters are saved first and
# restored on every exit path.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
[ "$(id -u)" = 0 ] || kt_skip "needs root"
P=/sys/module/zswap/parameters
[ -w "$P/enabled" ] || kt_skip "no zswap in this kernel"
saved_enabled=$(cat "$P/enabled") saved_comp=$(cat "$P/compressor") saved_pool=$(cat "$P/max_pool_percent")
# restore the compressor and pool first, then the enabled state they were saved with
kt_on_exit "echo N >$P/enabled; echo $saved_comp >$P/compressor; echo $saved_pool >$P/max_pool_percent; echo $saved_enabled >$P/enabled"
export SWAPCTL_CONFIG_DIR=$KT_TMP/etc/swapctl
mkdir -p "$KT_TMP/etc"

# a compressor this kernel's crypto API has (lzo-rle, else lzo, else whatever it lists)
comp=
for c in lzo-rle lzo deflate; do
	awk -v c="$c" '$1 == "name" && $3 == c' /proc/crypto | grep -q . && { comp=$c; break; }
done
[ -n "$comp" ] || kt_skip "no known compressor in /proc/crypto"
pool=$((saved_pool == 17 ? 18 : 17))

echo N >"$P/enabled"
"$SWAPCTL" zswap enable --compressor "$comp" --max-pool-percent "$pool" --json >"$KT_TMP/en.json" ||
	kt_fail "zswap enable"
[ "$(cat "$P/enabled")" = Y ] || kt_fail "not enabled"
[ "$(cat "$P/compressor")" = "$comp" ] || kt_fail "compressor $(cat "$P/compressor")"
[ "$(cat "$P/max_pool_percent")" = "$pool" ] || kt_fail "pool $(cat "$P/max_pool_percent")"
grep -qx 'enabled=yes' "$SWAPCTL_CONFIG_DIR/zswap.conf" && grep -qx "compressor=$comp" "$SWAPCTL_CONFIG_DIR/zswap.conf" &&
	grep -qx "max_pool_percent=$pool" "$SWAPCTL_CONFIG_DIR/zswap.conf" ||
	kt_fail "zswap.conf: $(cat "$SWAPCTL_CONFIG_DIR/zswap.conf")"
"$SWAPCTL" zswap enable --compressor "$comp" --max-pool-percent "$pool" --json >"$KT_TMP/en2.json" ||
	kt_fail "zswap enable again"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["actions"] == [], d' \
	"$KT_TMP/en2.json" || kt_fail "second enable changed something"

# a compressor the kernel cannot load: exit 2, the offered ones named, nothing changed
rc=0
"$SWAPCTL" zswap enable --compressor nosuchcomp 2>"$KT_TMP/err" || rc=$?
[ "$rc" = 2 ] || kt_fail "unknown compressor: exit $rc"
grep -q "offers: .*$comp" "$KT_TMP/err" || kt_fail "offered compressors not named: $(cat "$KT_TMP/err")"
[ "$(cat "$P/compressor")" = "$comp" ] || kt_fail "compressor changed to $(cat "$P/compressor")"

# zswap in front of zram: warned about, and flagged by status
if [ -d /sys/class/zram-control ]; then
	"$SWAPCTL" zram add 16M --no-persist --json >"$KT_TMP/z.json" || kt_fail "zram add"
	zdev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$KT_TMP/z.json")
	kt_track_zram "${zdev#/dev/zram}"
	"$SWAPCTL" zswap enable 2>"$KT_TMP/err" || kt_fail "zswap enable with zram"
	grep -q "in front of" "$KT_TMP/err" || kt_fail "no warning about zswap in front of zram"
	"$SWAPCTL" status --json >"$KT_TMP/st.json" || kt_fail "status"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["zswap"]["in_front_of_zram"] is True, d["zswap"]' \
		"$KT_TMP/st.json" || kt_fail "status does not flag zswap in front of zram"
	"$SWAPCTL" zram remove "$zdev" >/dev/null || kt_fail "zram remove"
fi

# disable, persisted; boot applies zswap.conf
"$SWAPCTL" zswap disable || kt_fail "zswap disable"
[ "$(cat "$P/enabled")" = N ] || kt_fail "still enabled"
grep -qx 'enabled=no' "$SWAPCTL_CONFIG_DIR/zswap.conf" || kt_fail "zswap.conf after disable"
echo "$saved_pool" >"$P/max_pool_percent"
echo Y >"$P/enabled"
"$SWAPCTL" boot --json >"$KT_TMP/boot.json" || kt_fail "boot"
[ "$(cat "$P/enabled")" = N ] || kt_fail "boot did not disable zswap"
[ "$(cat "$P/max_pool_percent")" = "$pool" ] || kt_fail "boot did not set the pool"
"$SWAPCTL" boot --json >"$KT_TMP/boot2.json" || kt_fail "boot again"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False, d' \
	"$KT_TMP/boot2.json" || kt_fail "second boot changed something"
echo "ok: zswap enable/disable/boot on the real kernel"
