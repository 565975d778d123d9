#!/usr/bin/env bash
# zram, zswap and boot on the command line against a fixture tree: usage, exit
# codes, --dry-run plans as JSON, --root. Nothing here touches the running kernel.
set -u
source "${SC_SOURCE_DIR:?}/tests/cli/lib.sh"

json() { python3 -c "import json,sys; d=json.load(open('$tmp/out')); print($1)"; }

sys=$tmp/sys
mkdir -p "$sys/proc" "$sys/run" "$sys/sys/block/zram0" "$sys/sys/class/zram-control" \
	"$sys/sys/module/zswap/parameters" "$tmp/etc"
printf 'MemTotal:        4194304 kB\nMemAvailable:    4000000 kB\n' >"$sys/proc/meminfo"
printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' >"$sys/proc/swaps"
printf '[lzo-rle] lzo lz4 \n' >"$sys/sys/block/zram0/comp_algorithm"
echo 0 >"$sys/sys/block/zram0/disksize"
echo 0 >"$sys/sys/block/zram0/initstate"
echo 7 >"$sys/sys/block/zram0/diskseq"
echo N >"$sys/sys/module/zswap/parameters/enabled"
echo lzo >"$sys/sys/module/zswap/parameters/compressor"
echo 20 >"$sys/sys/module/zswap/parameters/max_pool_percent"
export SWAPCTL_SYSROOT=$sys SWAPCTL_CONFIG_DIR=$tmp/etc/swapctl

for sub in add remove estimate; do
	check 0 "zram $sub --help" "$SWAPCTL" zram "$sub" --help
	grep -q "^Usage: swapctl zram $sub" "$tmp/out" || fail "zram $sub --help text"
done
check 0 "zram --help" "$SWAPCTL" zram --help
check 0 "zswap --help" "$SWAPCTL" zswap --help
check 0 "boot --help" "$SWAPCTL" boot --help
check 2 "zram without subcommand" "$SWAPCTL" zram
check 2 "zram unknown subcommand" "$SWAPCTL" zram frob
check 2 "zram add unknown option" "$SWAPCTL" zram add --bogus

check 0 "zram add --dry-run --json" "$SWAPCTL" --dry-run zram add 1G --json
[ "$(json '[a["action"] for a in d["actions"]]')" = "['hot-add', 'set-algorithm', 'set-disksize', 'mkswap', 'swapon', 'config-add']" ] ||
	fail "zram add plan: $(json '[a["action"] for a in d["actions"]]')"
[ "$(json 'd["actions"][1]["algorithm"]')" = lz4 ] || fail "best offered algorithm is lz4 here"
[ "$(json 'd["actions"][2]["size_bytes"]')" = 1073741824 ] || fail "size_bytes"
[ "$(json 'd["actions"][4]["priority"]')" = 100 ] || fail "default priority 100"
[ "$(json 'd["changed"]')" = False ] || fail "dry run changed something"
[ "$(json 'd["device"]')" = /dev/zram1 ] || fail "predicted device"
[ -e "$tmp/etc/swapctl" ] && fail "--dry-run created the config directory"
[ -s "$tmp/err" ] && { fail "--json wrote to stderr"; cat "$tmp/err"; }

check 0 "zram add auto with limits --dry-run" "$SWAPCTL" -n --json zram add auto \
	--priority 5 --mem-limit 512M --algorithm lz4 --algorithm-params level=1 --no-persist
[ "$(json '[a["action"] for a in d["actions"]]')" = "['hot-add', 'set-algorithm', 'set-algorithm-params', 'set-mem-limit', 'set-disksize', 'mkswap', 'swapon']" ] ||
	fail "zram add plan with params: $(json '[a["action"] for a in d["actions"]]')"
[ "$(json 'd["actions"][4]["size_bytes"]')" = 2147483648 ] || fail "auto = RAM / 2 here"

check 2 "zram add 0" "$SWAPCTL" -n zram add 0
check 2 "zram add malformed" "$SWAPCTL" -n zram add 5%x
check 2 "zram add 201%" "$SWAPCTL" -n zram add 201%
check 2 "zram add 010G" "$SWAPCTL" -n zram add 010G
check 2 "zram add below 10 pages" "$SWAPCTL" -n zram add 8K
check 3 "zram add above 2 x RAM" "$SWAPCTL" -n zram add 9G
check 2 "zram add bad priority" "$SWAPCTL" -n zram add --priority 32768
check 2 "zram add bad params" "$SWAPCTL" -n zram add --algorithm-params foo=1
# algorithm_params against the backend: the kernel would take all of these silently
check 2 "zram add level for lzo" "$SWAPCTL" -n zram add --algorithm lzo --algorithm-params level=3
grep -q "lzo has no compression levels" "$tmp/err" || fail "lzo level: $(cat "$tmp/err")"
check 2 "zram add level for the best (lz4)" "$SWAPCTL" -n zram add --algorithm-params level=0
grep -q "level=0 is outside lz4's levels (1 to 65537)" "$tmp/err" || fail "lz4 level: $(cat "$tmp/err")"
check 2 "zram add level beyond every backend" "$SWAPCTL" -n zram add --algorithm-params level=65538
check 2 "zram add missing dict" "$SWAPCTL" -n zram add --algorithm-params dict=$tmp/nodict
grep -q "dictionary $tmp/nodict: No such file" "$tmp/err" || fail "missing dict: $(cat "$tmp/err")"
check 2 "zram add dict directory" "$SWAPCTL" -n zram add --algorithm-params dict=$tmp
grep -q "not a regular file" "$tmp/err" || fail "dict dir: $(cat "$tmp/err")"
: >"$tmp/empty.dict"
check 2 "zram add empty dict" "$SWAPCTL" -n zram add --algorithm-params dict=$tmp/empty.dict
head -c 4096 /dev/urandom >"$tmp/zstd.dict"
check 2 "zram add dict for lzo" "$SWAPCTL" -n zram add --algorithm lzo --algorithm-params dict=$tmp/zstd.dict
grep -q "lzo takes no dictionary" "$tmp/err" || fail "lzo dict: $(cat "$tmp/err")"
check 0 "zram add dict and level for lz4" "$SWAPCTL" -n --json zram add \
	--algorithm-params "dict=$tmp/zstd.dict level=9" --no-persist
[ "$(json 'd["actions"][2]["params"]')" = "level=9 dict=$tmp/zstd.dict" ] ||
	fail "params action: $(cat "$tmp/out")"
check 2 "zram add algorithm not offered" "$SWAPCTL" -n zram add --algorithm zstd
grep -q "offers: lzo-rle, lzo, lz4" "$tmp/err" || fail "offered algorithms not listed"
check 2 "zram add two sizes" "$SWAPCTL" -n zram add 1G 2G

check 2 "zram remove without devices" "$SWAPCTL" -n zram remove
check 2 "zram remove a non-zram device" "$SWAPCTL" -n zram remove /dev/sda
check 2 "zram remove a missing device" "$SWAPCTL" -n zram remove /dev/zram9
check 3 "zram remove somebody else's inactive device" "$SWAPCTL" -n zram remove zram0
check 0 "zram remove --all with nothing to remove" "$SWAPCTL" -n --json zram remove --all
[ "$(json 'len(d["actions"])')" = 0 ] || fail "remove --all touched a foreign device"

check 2 "zram estimate bad pid" "$SWAPCTL" zram estimate --pid 0x10
check 2 "zram estimate no such pid" "$SWAPCTL" zram estimate --pid 999999999
check 2 "zram estimate bad sample" "$SWAPCTL" zram estimate --sample 1
check 2 "zram estimate bad level" "$SWAPCTL" zram estimate --level 99
check 2 "zram estimate bad budget" "$SWAPCTL" zram estimate --budget 101%

check 2 "zswap without action" "$SWAPCTL" zswap
check 2 "zswap unknown action" "$SWAPCTL" zswap frob
check 2 "zswap pool 0%" "$SWAPCTL" zswap enable --max-pool-percent 0
check 2 "zswap pool 101%" "$SWAPCTL" zswap enable --max-pool-percent 101
check 2 "zswap bad compressor name" "$SWAPCTL" zswap enable --compressor ../x
check 0 "zswap enable --dry-run" "$SWAPCTL" -n --json zswap enable --compressor deflate --max-pool-percent 10
[ "$(json '[a["target"].rsplit("/",1)[1] for a in d["actions"]]')" = "['compressor', 'max_pool_percent', 'enabled', 'zswap.conf']" ] ||
	fail "zswap enable plan: $(json '[a["target"] for a in d["actions"]]')"
[ "$(cat "$sys/sys/module/zswap/parameters/enabled")" = N ] || fail "dry run enabled zswap"

# --root: an image gets only the configuration.
root=$tmp/image
mkdir -p "$root/etc"
unset SWAPCTL_CONFIG_DIR
check 0 "zram add --root" "$SWAPCTL" --root "$root" zram add 50% --priority 60 --json
grep -qx 'size=50% algorithm=auto priority=60 mem_limit=0' "$root/etc/swapctl/zram.conf" ||
	fail "zram.conf in the image: $(cat "$root/etc/swapctl/zram.conf")"
[ "$(json '[a["action"] for a in d["actions"]]')" = "['config-add']" ] || fail "--root plan"
check 0 "zram add --root again" "$SWAPCTL" --root "$root" zram add 50% --priority 60 --json
[ "$(json 'd["changed"]')" = False ] || fail "--root add twice changed"
check 2 "zram add --root --no-persist" "$SWAPCTL" --root "$root" zram add --no-persist
check 0 "zswap enable --root" "$SWAPCTL" --root "$root" zswap enable --compressor zstd
grep -qx 'compressor=zstd' "$root/etc/swapctl/zswap.conf" || fail "zswap.conf in the image"
check 0 "zram remove --all --root" "$SWAPCTL" --root "$root" zram remove --all
grep -q '^size=' "$root/etc/swapctl/zram.conf" && fail "remove --all --root left entries"
check 2 "boot --root" "$SWAPCTL" --root "$root" boot

# memory bounds: an entry for other machines is only recorded (4 GiB here)
check 0 "zram add --min-ram above MemTotal" "$SWAPCTL" -n zram add 1G --min-ram 8G
grep -q "would config-add" "$tmp/out" || fail "min_ram: $(cat "$tmp/out")"
grep -q "would hot-add" "$tmp/out" && fail "min_ram 8G: a device planned on 4 GiB"
grep -q "MemTotal 4 GiB is below the entry's min_ram of 8 GiB, so no device is made here" \
	"$tmp/err" || fail "min_ram: no reason: $(cat "$tmp/err")"
check 0 "zram add --max-ram above MemTotal" "$SWAPCTL" -n --json zram add 1G --max-ram 8G
[ "$(json 'd["actions"][0]["action"]')" = hot-add ] || fail "max_ram 8G: no device planned"
check 2 "zram add --min-ram --no-persist" "$SWAPCTL" -n zram add 1G --min-ram 8G --no-persist
check 2 "zram add --min-ram above --max-ram" "$SWAPCTL" -n zram add --min-ram 3G --max-ram 2G
check 2 "zram add bad --min-ram" "$SWAPCTL" -n zram add --min-ram lots

# boot's skip rules, on the fixture's /proc/cmdline and container files
export SWAPCTL_CONFIG_DIR=$tmp/etc/swapctl
mkdir -p "$SWAPCTL_CONFIG_DIR"
printf 'size=1G\nsize=512M max_ram=2G\n' >"$tmp/etc/swapctl/zram.conf"
echo "ro quiet" >"$sys/proc/cmdline"
check 0 "boot --dry-run: max_ram" "$SWAPCTL" -n --json boot
[ "$(json '[(s["rule"], s["entry"]) for s in d["skipped"]]')" = "[('max_ram', 'size=536870912 algorithm=auto priority=100 mem_limit=0 max_ram=2147483648')]" ] ||
	fail "boot max_ram skip: $(cat "$tmp/out")"
[ "$(json 'sum(a["action"] == "hot-add" for a in d["actions"])')" = 1 ] || fail "boot: one device"
grep -q "would be skipped: MemTotal 4 GiB is above the entry's max_ram of 2 GiB" "$tmp/err" ||
	fail "boot max_ram: $(cat "$tmp/err")"
: >"$sys/.dockerenv"
check 0 "boot --dry-run in a container" "$SWAPCTL" -n --json -q boot
[ "$(json '[s["rule"] for s in d["skipped"]]')" = "['container', 'container']" ] ||
	fail "boot container skip: $(cat "$tmp/out")"
[ "$(json 'd["actions"]')" = "[]" ] || fail "boot in a container planned: $(cat "$tmp/out")"
[ "$(grep -c "running in a container (docker, found by /.dockerenv)" "$tmp/err")" = 2 ] ||
	fail "boot container, also under -q: $(cat "$tmp/err")"
check 0 "boot --force in a container" "$SWAPCTL" -n --json boot --force
[ "$(json 'sum(a["action"] == "hot-add" for a in d["actions"])')" = 2 ] ||
	fail "boot --force: $(cat "$tmp/out")"
echo "ro swapctl.zram=1" >"$sys/proc/cmdline"
check 0 "boot swapctl.zram=1 in a container" "$SWAPCTL" -n --json boot
[ "$(json 'sum(a["action"] == "hot-add" for a in d["actions"])')" = 2 ] ||
	fail "boot swapctl.zram=1: $(cat "$tmp/out")"
rm "$sys/.dockerenv"
echo "ro systemd.zram=0 -- swapctl.zram=1" >"$sys/proc/cmdline"
check 0 "boot systemd.zram=0 --force" "$SWAPCTL" -n --json boot --force
[ "$(json '[s["rule"] for s in d["skipped"]]')" = "['cmdline', 'cmdline']" ] ||
	fail "boot cmdline skip: $(cat "$tmp/out")"
grep -q "skipped: the kernel command line has systemd.zram=0$" "$tmp/err" ||
	fail "boot cmdline: $(cat "$tmp/err")"
rm "$sys/proc/cmdline" "$tmp/etc/swapctl/zram.conf"
ls "$sys/sys/block" | grep -qvx zram0 && fail "a device appeared in the fixture"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
