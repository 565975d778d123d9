#!/usr/bin/env bash
# zram add / remove / boot on the real kernel (docs/kernel-notes.md: zram): the device swapctl
# hot_adds comes up with the best offered algorithm, the requested size and priority 100, is
# reported by status, is idempotent, and goes away again; boot run twice makes one device;
# a device id handed out again is recognised as new (by diskseq). zram0 -- and every device this
# test did not create -- is never touched: its state is compared before and after.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
[ "$(id -u)" = 0 ] || kt_skip "needs root"
[ -d /sys/class/zram-control ] || modprobe zram 2>/dev/null
[ -d /sys/class/zram-control ] || kt_skip "no zram in this kernel"

export SWAPCTL_CONFIG_DIR=$KT_TMP/etc/swapctl
mkdir -p "$KT_TMP/etc"
snapshot() { # the state of every zram device this test did not create
	local d
	for d in /sys/block/zram*; do
		[ -e "$d" ] || continue
		case " ${KT_ZRAMS[*]-} " in *" ${d##*zram} "*) continue ;; esac
		echo "${d##*/} $(cat "$d/disksize" "$d/initstate" "$d/comp_algorithm" "$d/diskseq" 2>/dev/null | tr '\n' ' ')"
	done
}
track_from() { # JSON file -> the device it names; registered for cleanup
	local dev
	dev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("device", ""))' "$1")
	[ -n "$dev" ] || kt_fail "no device in $(cat "$1")"
	kt_track_zram "${dev#/dev/zram}"
	echo "$dev"
}
swaps_row() { awk -v d="$1" '$1 == d' /proc/swaps; }
before=$(snapshot)

# add: hot_add, best algorithm, size, header, swapon at priority 100
t0=$(date +%s%N)
"$SWAPCTL" zram add 64M --json >"$KT_TMP/add.json" 2>"$KT_TMP/err" || kt_fail "zram add: $(cat "$KT_TMP/err")"
t1=$(date +%s%N)
dev=$(track_from "$KT_TMP/add.json")
kt_log "zram add 64M: $dev in $(((t1 - t0) / 1000000)) ms"
sys=/sys/block/${dev#/dev/}
row=$(swaps_row "$dev")
[ -n "$row" ] || kt_fail "$dev not in /proc/swaps"
[ "$(echo "$row" | awk '{print $5}')" = 100 ] || kt_fail "priority: $row"
[ "$(cat "$sys/disksize")" = $((64 << 20)) ] || kt_fail "disksize $(cat "$sys/disksize")"
offered=$(sed 's/[][]//g' "$sys/comp_algorithm")
want=
for a in zstd lz4 lzo-rle; do
	case " $offered " in *" $a "*) want=$a && break ;; esac
done
current=$(grep -o '\[[^]]*\]' "$sys/comp_algorithm" | tr -d '[]')
[ -z "$want" ] || [ "$current" = "$want" ] || kt_fail "algorithm $current, want $want (offered: $offered)"
kt_log "offered: $offered; chosen: $current"
blkid -p -o value -s TYPE "$dev" 2>/dev/null | grep -qx swap || kt_fail "no swap signature on $dev"
python3 - "$KT_TMP/add.json" "$dev" "$current" <<'PY' || kt_fail "zram add --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["changed"] is True and d["device"] == sys.argv[2], d
acts = [a["action"] for a in d["actions"]]
assert acts == ["hot-add", "set-algorithm", "set-disksize", "mkswap", "swapon", "config-add"], acts
assert all(a["done"] for a in d["actions"]), d
assert d["actions"][1]["algorithm"] == sys.argv[3], d
assert d["actions"][2]["size_bytes"] == 64 << 20
PY
grep -qx 'size=67108864 algorithm=auto priority=100 mem_limit=0' "$SWAPCTL_CONFIG_DIR/zram.conf" ||
	kt_fail "zram.conf: $(cat "$SWAPCTL_CONFIG_DIR/zram.conf")"

# status reports it
"$SWAPCTL" status --json >"$KT_TMP/status.json" || kt_fail "status"
python3 - "$KT_TMP/status.json" "$dev" "$current" <<'PY' || kt_fail "status --json zram entry"
import json, sys
d = json.load(open(sys.argv[1]))
z = [e for e in d["zram"] if e["device"] == sys.argv[2]]
assert len(z) == 1, d["zram"]
z = z[0]
assert z["disksize_bytes"] == 64 << 20 and z["algorithm"] == sys.argv[3], z
assert z.get("managed") is True and z.get("priority") == 100, z
for k in ("orig_data_bytes", "compr_data_bytes", "mem_used_bytes"):
    assert isinstance(z[k], int), z
s = [e for e in d["swaps"] if e["path"] == sys.argv[2]]
assert len(s) == 1 and s[0]["type"] == "zram", d["swaps"]
PY

# the same request again: unchanged, same device
"$SWAPCTL" zram add 64M --json >"$KT_TMP/add2.json" || kt_fail "zram add again"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["actions"] == [] and d["device"] == sys.argv[2], d' \
	"$KT_TMP/add2.json" "$dev" || kt_fail "second zram add was not a no-op"

# priority on swapctl's device: the kernel and zram.conf follow, so boot adds no device
: >"$KT_TMP/fstab"
"$SWAPCTL" --fstab "$KT_TMP/fstab" priority "$dev" 55 --json >"$KT_TMP/prio.json" 2>"$KT_TMP/err" ||
	kt_fail "priority: $(cat "$KT_TMP/err")"
[ "$(swaps_row "$dev" | awk '{print $5}')" = 55 ] || kt_fail "priority: $(swaps_row "$dev")"
grep -qx 'size=67108864 algorithm=auto priority=55 mem_limit=0' "$SWAPCTL_CONFIG_DIR/zram.conf" ||
	kt_fail "zram.conf after priority: $(cat "$SWAPCTL_CONFIG_DIR/zram.conf")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); acts=[a["action"] for a in d["actions"]]; assert acts == ["swapoff","swapon","zram-config"], acts; assert all(a["done"] for a in d["actions"]), d' \
	"$KT_TMP/prio.json" || kt_fail "priority --json: $(cat "$KT_TMP/prio.json")"
"$SWAPCTL" boot --json >"$KT_TMP/boot0.json" || kt_fail "boot after priority"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["actions"] == [], d' \
	"$KT_TMP/boot0.json" || kt_fail "boot after priority changed something"

# an algorithm the kernel does not offer: exit 2 naming what it offers, nothing created
n_before=$(ls -d /sys/block/zram* | wc -l)
rc=0
"$SWAPCTL" zram add 32M --algorithm nosuchalg --no-persist 2>"$KT_TMP/err" || rc=$?
[ "$rc" = 2 ] || kt_fail "unsupported algorithm: exit $rc"
grep -q "offers: " "$KT_TMP/err" || kt_fail "offered algorithms not named: $(cat "$KT_TMP/err")"
[ "$(ls -d /sys/block/zram* | wc -l)" = "$n_before" ] || kt_fail "a device was left behind"

# algorithm_params (Linux 6.12+): written with algo= before disksize; refused up front where
# the kernel would ignore them (a level for lzo)
if [ -e "$sys/algorithm_params" ]; then
	rc=0
	"$SWAPCTL" zram add 32M --algorithm lzo --algorithm-params level=1 --no-persist 2>"$KT_TMP/err" || rc=$?
	[ "$rc" = 2 ] || kt_fail "level for lzo: exit $rc"
	[ "$(ls -d /sys/block/zram* | wc -l)" = "$n_before" ] || kt_fail "level for lzo: a device was left behind"
	case " $offered " in
	*" lz4 "*) alg=lz4 level=4 ;;
	*" zstd "*) alg=zstd level=5 ;;
	*) alg= ;;
	esac
	if [ -n "$alg" ]; then
		"$SWAPCTL" zram add 32M --algorithm "$alg" --algorithm-params "level=$level" --no-persist --json \
			>"$KT_TMP/params.json" 2>"$KT_TMP/err" || kt_fail "zram add $alg level=$level: $(cat "$KT_TMP/err")"
		pdev=$(track_from "$KT_TMP/params.json")
		[ -n "$(swaps_row "$pdev")" ] || kt_fail "$pdev with params not active"
		grep -q "\[$alg\]" "/sys/block/${pdev#/dev/}/comp_algorithm" || kt_fail "$pdev: not $alg"
		"$SWAPCTL" zram remove "$pdev" >/dev/null || kt_fail "remove $pdev"
		kt_log "algorithm_params level=$level for $alg: accepted, device up"
	fi
else
	kt_log "no algorithm_params in this kernel: params not exercised"
fi

# remove: gate, swapoff, reset, hot_remove, config entry gone
"$SWAPCTL" zram remove "$dev" --json >"$KT_TMP/rm.json" || kt_fail "zram remove"
[ -z "$(swaps_row "$dev")" ] || kt_fail "$dev still active"
[ -e "$sys" ] && kt_fail "$dev still exists"
grep -q '^size=' "$SWAPCTL_CONFIG_DIR/zram.conf" && kt_fail "zram.conf still lists it"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); acts=[a["action"] for a in d["actions"]]; assert acts == ["swapoff","reset","hot-remove","config-remove"], acts; assert d["gate"]["allowed"] is True, d' \
	"$KT_TMP/rm.json" || kt_fail "zram remove --json"

# ids come back (lowest free): each new device is swapctl's own, by diskseq
ids=()
for i in 1 2 3; do
	"$SWAPCTL" zram add 16M --no-persist --json >"$KT_TMP/r$i.json" || kt_fail "round $i add"
	d=$(track_from "$KT_TMP/r$i.json")
	ids+=("$d")
	"$SWAPCTL" zram remove "$d" >/dev/null || kt_fail "round $i remove"
done
kt_log "three add/remove rounds got: ${ids[*]}"
[ "${ids[0]}" = "${ids[1]}" ] && [ "${ids[1]}" = "${ids[2]}" ] || kt_log "ids differ (another zram user on the box)"

# boot: the config's devices come up once, however often it runs. In a container (its
# kernel is the host's) boot makes none and says why, as systemd-detect-virt sees it;
# --force makes them there too.
printf 'size=32M priority=77\n' >"$SWAPCTL_CONFIG_DIR/zram.conf"
boot=(boot)
"$SWAPCTL" boot --dry-run --json >"$KT_TMP/bootc.json" 2>"$KT_TMP/err" || kt_fail "boot --dry-run"
container=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["skipped"]; print("yes" if s and s[0]["rule"] == "container" else "")' "$KT_TMP/bootc.json") ||
	kt_fail "boot --json: $(cat "$KT_TMP/bootc.json")"
if command -v systemd-detect-virt >/dev/null; then
	detected=$(systemd-detect-virt --container -q && echo yes)
	[ "$container" = "$detected" ] || kt_fail "container: swapctl '$container', systemd-detect-virt '$detected'"
fi
if [ -n "$container" ]; then
	kt_log "in a container: $(cat "$KT_TMP/err")"
	grep -q "skipped: running in a container" "$KT_TMP/err" ||
		kt_fail "boot in a container: $(cat "$KT_TMP/err")"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["actions"] == [], d' \
		"$KT_TMP/bootc.json" || kt_fail "boot in a container planned: $(cat "$KT_TMP/bootc.json")"
	boot=(boot --force)
fi
"$SWAPCTL" "${boot[@]}" --json >"$KT_TMP/boot1.json" || kt_fail "boot"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([a["target"] for a in d["actions"] if a["action"] == "swapon"][0])' \
	"$KT_TMP/boot1.json" >"$KT_TMP/bootdev" || kt_fail "boot made no device: $(cat "$KT_TMP/boot1.json")"
bdev=$(cat "$KT_TMP/bootdev")
kt_track_zram "${bdev#/dev/zram}"
"$SWAPCTL" "${boot[@]}" --json >"$KT_TMP/boot2.json" || kt_fail "boot again"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["actions"] == [], d' \
	"$KT_TMP/boot2.json" || kt_fail "second boot changed something"
[ "$(awk '$5 == 77' /proc/swaps | wc -l)" = 1 ] || kt_fail "boot twice: $(awk '$5 == 77' /proc/swaps)"
[ -n "$(swaps_row "$bdev")" ] || kt_fail "$bdev not active after boot"

# a swapctl device that is swapped off behind its back is replaced by the next boot
swapoff "$bdev"
"$SWAPCTL" "${boot[@]}" --json >"$KT_TMP/boot3.json" || kt_fail "boot after swapoff"
[ "$(awk '$5 == 77' /proc/swaps | wc -l)" = 1 ] || kt_fail "boot did not bring it back"
bdev2=$(awk '$5 == 77 {print $1}' /proc/swaps)
kt_track_zram "${bdev2#/dev/zram}"
"$SWAPCTL" zram remove "$bdev2" >/dev/null || kt_fail "remove boot device"
[ -z "$(awk '$5 == 77' /proc/swaps)" ] || kt_fail "boot device still active"

# remove --all: every device of swapctl's and every zram.conf entry goes, also past a device
# that cannot (held open, so its reset answers EBUSY), which keeps its entries for a re-run
live_state() { # the devices zram-ids claims that still carry the recorded diskseq
	local name seq rest
	[ -r /run/swapctl/zram-ids ] || return 0
	while read -r name seq rest; do
		case $name in zram[0-9]*) ;; *) continue ;; esac
		[ "$(cat "/sys/block/$name/diskseq" 2>/dev/null)" = "${seq#diskseq=}" ] && echo "/dev/$name"
	done </run/swapctl/zram-ids
}
conf_entries() { grep -v '^#' "$SWAPCTL_CONFIG_DIR/zram.conf" | grep . ; }
"$SWAPCTL" zram add 64M --json >"$KT_TMP/all1.json" || kt_fail "remove --all: add 64M"
a1=$(track_from "$KT_TMP/all1.json")
"$SWAPCTL" zram add 32M --no-persist --json >"$KT_TMP/all2.json" || kt_fail "remove --all: add 32M"
a2=$(track_from "$KT_TMP/all2.json")
"$SWAPCTL" zram add 48M --json >"$KT_TMP/all3.json" || kt_fail "remove --all: add 48M"
a3=$(track_from "$KT_TMP/all3.json")
echo 'size=16M priority=7' >>"$SWAPCTL_CONFIG_DIR/zram.conf" # not re-created by a boot yet
sleep 600 <"$a1" &
holder=$!
kt_on_exit "kill $holder 2>/dev/null"
for _ in $(seq 50); do
	[ "$(readlink "/proc/$holder/fd/0")" = "$a1" ] && break
	sleep 0.1
done
# /run/swapctl/zram-ids is the machine's: --all would take another swapctl user's devices too
foreign=$(live_state | grep -vxF -e "$a1" -e "$a2" -e "$a3")
if [ -n "$foreign" ]; then
	kt_log "remove --all not run: zram-ids also lists $foreign (another swapctl user)"
	kill "$holder"
	"$SWAPCTL" zram remove "$a1" "$a2" "$a3" >/dev/null || kt_fail "remove $a1 $a2 $a3"
else
	rc=0
	"$SWAPCTL" zram remove --all --json >"$KT_TMP/rmall.json" 2>"$KT_TMP/err" || rc=$?
	kill "$holder"
	wait "$holder" 2>/dev/null
	[ "$rc" = 1 ] || kt_fail "remove --all with $a1 held open: exit $rc, want 1"
	grep -q "$a1: reset" "$KT_TMP/err" || kt_fail "remove --all: $(cat "$KT_TMP/err")"
	[ -e "/sys/block/${a1#/dev/}" ] || kt_fail "$a1 was removed although it was held open"
	[ -z "$(swaps_row "$a1")" ] || kt_fail "$a1 still active"
	for d in "$a2" "$a3"; do
		[ -e "/sys/block/${d#/dev/}" ] && kt_fail "remove --all left $d past the busy $a1"
	done
	[ "$(conf_entries)" = 'size=67108864 algorithm=auto priority=100 mem_limit=0' ] ||
		kt_fail "zram.conf after remove --all: $(conf_entries)"
	[ "$(live_state)" = "$a1" ] || kt_fail "zram-ids after remove --all: $(live_state)"
	python3 - "$KT_TMP/rmall.json" "$a1" <<'PY' || kt_fail "remove --all --json: $(cat "$KT_TMP/rmall.json")"
import json, sys
d = json.load(open(sys.argv[1]))
busy = sys.argv[2]
assert d["changed"] is True and busy in d["error"], d
for a in d["actions"]:
    if a["action"] == "config-remove":
        assert a["done"] == (a["device"] != busy), a
    elif a["target"] == busy:
        assert a["done"] == (a["action"] == "swapoff"), a
    else:
        assert a["done"], a
PY
	# nothing holds it any more: the same command finishes the job
	"$SWAPCTL" zram remove --all >/dev/null 2>"$KT_TMP/err" || kt_fail "remove --all again: $(cat "$KT_TMP/err")"
	for d in "$a1" "$a2" "$a3"; do
		[ -e "/sys/block/${d#/dev/}" ] && kt_fail "$d still exists after remove --all"
	done
	[ -z "$(conf_entries)" ] || kt_fail "zram.conf after remove --all: $(conf_entries)"
	[ -z "$(live_state)" ] || kt_fail "zram-ids after remove --all: $(live_state)"
fi

[ "$(snapshot)" = "$before" ] || kt_fail "devices this test did not create changed:
before: $before
after:  $(snapshot)"
echo "ok: zram add/remove/remove --all/boot on the real kernel"
