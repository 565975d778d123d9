#!/usr/bin/env bash
# sysctl apply on the running kernel: a profile is applied live and persisted into a private
# sysctl directory, read back from /proc/sys/vm, re-applied as a no-op, and refused values
# leave everything alone. The machine's original vm.* values are saved first and restored on
# every exit path.
source "$SC_SOURCE_DIR/tests/kernel/lib.sh"

[ "$(id -u)" = 0 ] || kt_skip "needs root"
[ -w /proc/sys/vm/swappiness ] || kt_skip "/proc/sys/vm is not writable here"

KEYS=(swappiness min_free_kbytes overcommit_memory overcommit_ratio watermark_scale_factor
	watermark_boost_factor vfs_cache_pressure dirtytime_expire_seconds page-cluster)
declare -A SAVED
for k in "${KEYS[@]}"; do
	[ -e "/proc/sys/vm/$k" ] && SAVED[$k]=$(cat "/proc/sys/vm/$k")
done
restore() {
	local k
	for k in "${!SAVED[@]}"; do
		[ "$(cat "/proc/sys/vm/$k")" = "${SAVED[$k]}" ] || printf '%s' "${SAVED[$k]}" >"/proc/sys/vm/$k"
	done
}
kt_on_exit restore

DIR=$KT_TMP/sysctl.d
mkdir -p "$DIR"
sc() { "$SWAPCTL" --sysctl-dir "$DIR" "$@"; }
live() { cat "/proc/sys/vm/$1"; }

# Choose a swappiness different from the current one, so the profile must change it.
if [ "${SAVED[swappiness]}" = 10 ]; then profile=server want=30; else profile=database want=10; fi

kt_log "apply --profile $profile"
sc sysctl apply --profile "$profile" || kt_fail "apply failed"
[ "$(live swappiness)" = "$want" ] || kt_fail "swappiness is $(live swappiness), want $want"
dropin=$DIR/90-swapctl.conf
[ -f "$dropin" ] || kt_fail "no drop-in written"
grep -qx "# profile: $profile" "$dropin" || kt_fail "drop-in does not name the profile"
# Every persisted value is the live value now.
while read -r key _ value; do
	k=${key#vm.}
	[ "$(live "$k")" = "$value" ] || kt_fail "$key: drop-in says $value, kernel says $(live "$k")"
	[ -n "${SAVED[$k]+x}" ] || kt_fail "$key was not saved before the test"
done < <(grep '^vm\.' "$dropin")
[ "$(grep -c '^vm\.' "$dropin")" = "${#SAVED[@]}" ] || kt_fail "drop-in does not hold every key"

kt_log "the same again is a no-op"
out=$(sc --json sysctl apply --profile "$profile") || kt_fail "second apply failed"
python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if o["changed"] is False and o["actions"] == [] else 1)' <<<"$out" ||
	kt_fail "second apply was not a no-op: $out"

kt_log "--no-persist changes the live value only"
# The profile's page-cluster depends on whether zram/zswap is in use: read what it chose.
pc_persisted=$(sed -n 's/^vm\.page-cluster = //p' "$dropin")
[ -n "$pc_persisted" ] || kt_fail "drop-in has no vm.page-cluster"
pc_other=$([ "$pc_persisted" = 0 ] && echo 1 || echo 0)
sc sysctl apply --no-persist --set "vm.page-cluster=$pc_other" || kt_fail "no-persist apply failed"
[ "$(live page-cluster)" = "$pc_other" ] || kt_fail "page-cluster not applied"
grep -qx "vm.page-cluster = $pc_persisted" "$dropin" || kt_fail "--no-persist touched the drop-in"
out=$(sc --json sysctl show)
python3 -c '
import json, sys
o = json.load(sys.stdin)
pc = [k for k in o["keys"] if k["key"] == "vm.page-cluster"][0]
sys.exit(0 if pc["live"] == int(sys.argv[1]) and pc["swapctl"] == int(sys.argv[2]) and pc["drift"] else 1)' "$pc_other" "$pc_persisted" <<<"$out" ||
	kt_fail "show does not flag the drift: $out"

kt_log "refused and malformed values change nothing"
before=$(sha256sum "$dropin")
kt_expect_rc 3 sc sysctl apply --set vm.swappiness=0
kt_expect_rc 2 sc sysctl apply --set vm.swappiness=010
kt_expect_rc 2 sc sysctl apply --set vm.page-cluster=32
kt_expect_rc 2 sc sysctl apply --set vm.nonexistent=1
kt_expect_rc 3 sc sysctl apply --set vm.dirtytime_expire_seconds=0
[ "$(sha256sum "$dropin")" = "$before" ] || kt_fail "a refused apply changed the drop-in"
[ "$(live swappiness)" = "$want" ] || kt_fail "a refused apply changed swappiness"

# swapctl's ranges match what this kernel accepts: one past the maximum is EINVAL.
osrel=$(cat /proc/sys/kernel/osrelease)
major=${osrel%%.*} rest=${osrel#*.} minor=${rest%%.*}
if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 1 ]; }; then
	kt_log "kernel ranges on $osrel"
	for kv in swappiness=201 watermark_scale_factor=3001 watermark_scale_factor=0 overcommit_memory=3; do
		k=${kv%=*} v=${kv#*=}
		if printf '%s' "$v" >"/proc/sys/vm/$k" 2>/dev/null; then
			restore
			kt_fail "the kernel accepted vm.$k=$v"
		fi
		kt_expect_rc 2 sc sysctl apply --force --set "vm.$k=$v"
	done
	# page-cluster: newer kernels refuse 32, Debian's 6.1 takes it; swapctl refuses it on both.
	if printf '32' >/proc/sys/vm/page-cluster 2>/dev/null; then
		restore
		kt_log "this kernel accepts vm.page-cluster=32; swapctl must still refuse it"
	fi
	kt_expect_rc 2 sc sysctl apply --force --set "vm.page-cluster=32"
fi

kt_log "back to the machine's values"
restore
for k in "${!SAVED[@]}"; do
	[ "$(live "$k")" = "${SAVED[$k]}" ] || kt_fail "vm.$k not restored"
done
echo "PASS"
