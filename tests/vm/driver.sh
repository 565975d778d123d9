#!/bin/bash
# The guest side of the VM lane, run at every boot by scvm.service from the read-only payload
# disk mounted at /run/scvm. The phase is kept on the guest's root disk, so each boot carries
# on where the previous one stopped: it checks what must have survived the reboot, then sets
# up the next scenario and reboots, or powers off when all are done. Results go to the second
# serial port, one line each, for tests/vm/run.sh:
#   SCVM BOOT phase=P kernel=K state=S    SCVM TIME <systemd-analyze time>
#   SCVM PASS name | SCVM FAIL name: why | SCVM SKIP name: why
#   SCVM RUN name (a long step starts)    SCVM REBOOT | SCVM DONE
#   SCVM CMDLINE resume=... resume_offset=... | SCVM HIBERNATE | SCVM RESUMED (hibernation)
# Any other line is log.
set -u
exec >/dev/ttyS1 2>&1
P=/run/scvm
# SRC, BUILD, SWAPCTL, SWAPCTL_CRASH, KERNEL_TIER, KT_KERNELS, KT_FILTER, HIBERNATE_SWAP,
# HIBERNATE_MIB, HIBERNATE_LOCK_MIB
# shellcheck source=/dev/null
. "$P/config"
ST=/var/lib/scvm
mkdir -p "$ST"
phase=$(cat "$ST/phase" 2>/dev/null || echo install)
UNIT=/usr/lib/systemd/system/swapctl.service
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

say() { echo "SCVM $*"; }
pass() { say "PASS $1"; }
fail() { say "FAIL $1: $2"; }
skip() { say "SKIP $1: $2"; }
log() { sed 's/^/# /'; }
next() {
	echo "$1" >"$ST/phase"
	sync
	say "REBOOT"
	systemctl reboot
	exit 0
}
finish() {
	echo finished >"$ST/phase"
	sync
	say "DONE"
	systemctl poweroff
	exit 0
}
# run NAME CMD...: one step, passing when CMD exits 0; its output is logged either way
run() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | log
	if [ "$rc" = 0 ]; then pass "$name"; else fail "$name" "exit $rc: $*"; fi
	return "$rc"
}
# check NAME PYTHON: PYTHON reads the status JSON as `s` and the sysctl JSON as `k` and
# prints one line per problem; the step passes when it prints nothing
check() {
	local name=$1 code=$2 out
	swapctl --json status >"$ST/status.json" 2>"$ST/status.err" ||
		{ fail "$name" "swapctl --json status failed: $(head -c 300 "$ST/status.err")"; return; }
	swapctl --json sysctl show >"$ST/sysctl.json" 2>"$ST/sysctl.err" ||
		{ fail "$name" "swapctl --json sysctl show failed: $(head -c 300 "$ST/sysctl.err")"; return; }
	out=$(python3 - "$ST/status.json" "$ST/sysctl.json" "$ST" <<PY 2>&1
import json, os, sys
s = json.load(open(sys.argv[1]))
k = json.load(open(sys.argv[2]))
st = sys.argv[3]
def expect(cond, msg):
    if not cond:
        print(msg)
$code
PY
)
	if [ -z "$out" ]; then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tr '\n' ';')"; fi
}
# The checks after every reboot: status shows no drift, the unit verifies, no swap unit failed.
common_checks() {
	check "$1/no-drift" '
for d in s["drift"]:
    print("drift %s %s: %s" % (d["kind"], d["target"], d["message"]))
for key in k["keys"]:
    if key["drift"]:
        print("sysctl drift %s: live %s, persisted %s" % (key["key"], key["live"], key["swapctl"]))'
	run "$1/unit-verify" systemd-analyze verify "$UNIT"
	local failed
	failed=$(systemctl --failed --no-legend --plain 2>/dev/null | grep -E 'swap|zram' || true)
	if [ -n "$failed" ]; then fail "$1/units" "failed: $(printf '%s' "$failed" | tr '\n' ';')"; else
		pass "$1/units"; fi
}

# The hibernation scenario runs in a guest of its own, named on the kernel command line.
case " $(cat /proc/cmdline) " in
*" scvm.scenario=hibernate "*) [ "$phase" != install ] || phase=hibernate ;;
esac

# The hibernation scenario, in a guest of its own that tests/vm/run.sh boots twice on one disk
# (a qcow2 overlay that outlives the qemu process) with the same memory size:
#   boot 1 (phase hibernate): `swapctl add SIZE --path FILE --hibernate` makes the swapfile
#   and configures resume from it (live in /sys/power; the kernel command line it prints
#   goes to run.sh on the SCVM CMDLINE line), checked against filefrag, blkid and stat and
#   by doctor; then a process holding a known pattern, a marker in tmpfs, and the guest
#   hibernates and powers off (SCVM HIBERNATE).
#   boot 2: run.sh boots the same kernel with that command line; the initramfs resumes the
#   image and this script carries on after its write to /sys/power/state (SCVM RESUMED): the
#   same boot_id, the tmpfs marker, the holder still running and its memory intact byte for
#   byte. A boot that finds phase hibernated on the disk did not resume, and fails.
HIB=/run/scvm-hibernate # tmpfs, like /dev/shm: only a real resume brings it back
HIB_FILE=/swap/hibernate

# filefrag_offset FILE: the first extent's physical address in pages, from filefrag (e2fsprogs),
# not from swapctl: the offset the kernel wants in resume_offset.
filefrag_offset() {
	filefrag -v "$1" | awk -v ps="$(getconf PAGESIZE)" '
		/^File size of/ { bs = $(NF - 1) }
		$1 == "0:" { sub(/\.\..*/, "", $4); printf "%d\n", $4 * bs / ps; exit }'
}
# devno FILE: MAJ:MIN of the device holding FILE, the form /sys/power/resume takes and shows
devno() {
	python3 -c 'import os, sys; d = os.stat(sys.argv[1]).st_dev
print("%d:%d" % (os.major(d), os.minor(d)))' "$1"
}

# hib_configure: swapctl's resume configuration of HIB_FILE, made by add --hibernate, as
# `swapctl --json hibernate FILE` reports it (running it again must change nothing); sets
# cmdline, offset, dev and uuid. The boot files it writes (initramfs-tools' conf.d) do not
# reach this guest, whose initramfs is the host's copy: the second boot gets the command line
# from run.sh, and the live values in /sys/power are what this boot hibernates with.
hib_configure() {
	local out
	cmdline='' offset='' dev='' uuid=''
	if ! swapctl --json hibernate "$HIB_FILE" >"$HIB/hibernate.json" 2>"$HIB/hibernate.err"; then
		fail hibernate/configure "swapctl --json hibernate $HIB_FILE: $(head -c 300 "$HIB/hibernate.err")"
		return 1
	fi
	if ! out=$(python3 - "$HIB/hibernate.json" "$HIB_FILE" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
r = d["resume"]
if d["changed"] or d["actions"]:
    sys.exit("the second run changed something: %s" % d["actions"])
if r["file"] != sys.argv[2]:
    sys.exit("resume.file is %s" % r["file"])
for key in ("cmdline", "offset_pages", "devno", "uuid"):
    print(r[key])
PY
	); then
		fail hibernate/configure \
			"$(printf '%s' "$out" | tr '\n' ' ') ($(head -c 300 "$HIB/hibernate.json"))"
		return 1
	fi
	{ read -r cmdline && read -r offset && read -r dev && read -r uuid; } <<<"$out"
	pass hibernate/configure
}

# hib_crosscheck: swapctl's figures and the running kernel's against an independent look:
# filefrag for the offset, blkid for the UUID, stat for the device
hib_crosscheck() {
	local want got bad=
	want=$(filefrag_offset "$HIB_FILE")
	[ "$offset" = "$want" ] || bad+="offset $offset, filefrag says $want; "
	case " $cmdline " in *" resume_offset=$want "*) ;; *) bad+="cmdline '$cmdline'; " ;; esac
	got=$(cat /sys/power/resume_offset)
	[ "$got" = "$want" ] || bad+="/sys/power/resume_offset $got, want $want; "
	want=$(blkid -s UUID -o value "$(findmnt -n -o SOURCE --target "$HIB_FILE")")
	[ "$uuid" = "$want" ] || bad+="uuid $uuid, blkid says $want; "
	case " $cmdline " in *" resume=UUID=$want "*) ;; *) bad+="cmdline '$cmdline'; " ;; esac
	want=$(devno "$HIB_FILE")
	[ "$dev" = "$want" ] || bad+="device $dev, the file is on $want; "
	got=$(cat /sys/power/resume)
	[ "$got" = "$want" ] || bad+="/sys/power/resume $got, want $want; "
	grep -q "^$HIB_FILE " /proc/swaps || bad+="$HIB_FILE is not an active swap area; "
	if [ -z "$bad" ]; then pass hibernate/crosscheck; else fail hibernate/crosscheck "$bad"; fi
	[ -z "$bad" ]
}

# hib_doctor NAME: doctor has no hibernation finding
hib_doctor() {
	local out
	swapctl --json doctor >"$HIB/doctor.json" 2>&1
	out=$(python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f["id"].startswith("hibernate-"):
        print("%s: %s" % (f["id"], f["message"]))' "$HIB/doctor.json" 2>&1)
	if [ -z "$out" ]; then pass "$1"; else fail "$1" "$(printf '%s' "$out" | tr '\n' ';')"; fi
}

hibernate_scenario() {
	local holder start boot_id marker rc out hdr ps
	mkdir -p "$HIB"
	if ! grep -qw disk /sys/power/state; then
		out="/sys/power/state is '$(cat /sys/power/state)', without disk"
		skip hibernate "$out: this kernel cannot hibernate here"
		finish
	fi
	cp -a "$P/inst/." / && systemctl daemon-reload
	run hibernate/add swapctl add "$HIBERNATE_SWAP" --path "$HIB_FILE" --hibernate || finish
	hib_configure || finish
	say "CMDLINE $cmdline"
	hib_crosscheck || finish
	hib_doctor hibernate/doctor

	python3 "$P/hold-pattern.py" "$HIBERNATE_MIB" "$HIBERNATE_LOCK_MIB" "$HIB/ready" \
		>"$HIB/holder.out" 2>&1 &
	holder=$!
	while ! [ -e "$HIB/ready" ] && kill -0 "$holder" 2>/dev/null; do sleep 1; done
	if ! [ -e "$HIB/ready" ]; then
		fail hibernate/fill "the pattern holder ended: $(tr '\n' ' ' <"$HIB/holder.out")"
		finish
	fi
	say "PASS hibernate/fill: $(cat "$HIB/ready")"
	start=$(awk '{ print $22 }' "/proc/$holder/stat")
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	marker=$(cat /proc/sys/kernel/random/uuid)
	echo "$marker" >/dev/shm/scvm-hibernate
	{ free -m; echo "image_size $(cat /sys/power/image_size)"; cat /proc/swaps; } | log
	echo hibernated >"$ST/phase"
	sync
	say HIBERNATE
	if ! { echo shutdown >/sys/power/disk && echo disk >/sys/power/state; } 2>"$HIB/state.err"; then
		fail hibernate/hibernate "$(tr '\n' ' ' <"$HIB/state.err")"
		dmesg | grep -E 'PM: |[Hh]ibernat|swap' | tail -n 20 | log
		kill "$holder"
		finish
	fi
	# Only a restored image returns 0 here: a written image powers the machine off, and a
	# failure returns the error.
	say RESUMED
	dmesg | sed -n '/PM: hibernation: hibernation entry/,$p' | grep -E 'PM: |[Hh]ibernat' | log
	if [ "$(cat /proc/sys/kernel/random/boot_id)" = "$boot_id" ]; then pass hibernate/same-boot
	else fail hibernate/same-boot "boot_id changed: userspace was booted again"; fi
	if [ "$(cat /dev/shm/scvm-hibernate 2>/dev/null)" = "$marker" ]; then
		pass hibernate/tmpfs-marker
	else fail hibernate/tmpfs-marker "the marker in /dev/shm is gone or changed"; fi
	if [ "$(awk '{ print $22 }' "/proc/$holder/stat" 2>/dev/null)" = "$start" ]; then
		pass hibernate/holder-alive
	else fail hibernate/holder-alive "the pattern holder (pid $holder) is not the process it was"; fi
	kill -USR1 "$holder"
	rc=0
	wait "$holder" || rc=$?
	out=$(tr '\n' ' ' <"$HIB/holder.out")
	if [ "$rc" = 0 ]; then say "PASS hibernate/pattern: ${out% }"
	else fail hibernate/pattern "exit $rc: $out"; fi
	# The kernel puts the swap signature back as soon as it has found the image.
	ps=$(getconf PAGESIZE)
	hdr=$(dd if="$HIB_FILE" bs=1 skip=$((ps - 10)) count=10 2>/dev/null)
	if [ "$hdr" = SWAPSPACE2 ]; then pass hibernate/signature
	else fail hibernate/signature "the swapfile's signature is '$hdr', not SWAPSPACE2"; fi
	hib_doctor hibernate/doctor-after
	check hibernate/status "
files = [a for a in s['swaps'] if a['type'] == 'file']
got = [a['path'] for a in files]
expect(got == ['$HIB_FILE'], 'active swapfiles %s, want $HIB_FILE' % got)
expect(all(a['persistent'] for a in files), 'the swapfile is not persistent')
for d in s['drift']:
    print('drift %s %s: %s' % (d['kind'], d['target'], d['message']))"
	finish
}

state=$(systemctl is-system-running --wait 2>/dev/null)
say "BOOT phase=$phase kernel=$(uname -r) state=$state"
say "TIME $(systemd-analyze time 2>/dev/null | head -n 1)"
[ "$state" = running ] || systemctl --failed --no-legend --plain | log
zram_ok=1
modprobe zram 2>/dev/null
[ -e /sys/class/zram-control/hot_add ] || zram_ok=0
zswap_ok=0
[ -e /sys/module/zswap/parameters/enabled ] && zswap_ok=1

case $phase in
install)
	# The project's install rule ran on the host into the payload (DESTDIR); copy it in.
	cp -a "$P/inst/." / && systemctl daemon-reload
	run install/enable systemctl enable swapctl.service
	run install/unit-verify systemd-analyze verify "$UNIT"
	# Scenario 1: a swapfile, a zram device, zswap where built and the sysctl profile.
	run s1/add swapctl add 256M
	if [ "$zram_ok" = 1 ]; then run s1/zram-add swapctl zram add 128M; else
		skip s1/zram-add "this kernel has no zram (no /sys/class/zram-control after modprobe)"; fi
	if [ "$zswap_ok" = 1 ]; then run s1/zswap-enable swapctl zswap enable; else
		skip s1/zswap-enable "this kernel has no zswap"; fi
	run s1/sysctl-apply swapctl sysctl apply --profile zram
	echo "$zram_ok $zswap_ok" >"$ST/s1-expect"
	next s1
	;;
s1)
	read -r want_zram want_zswap <"$ST/s1-expect"
	check s1/survived "
want_zram, want_zswap = $want_zram, $want_zswap
files = [a for a in s['swaps'] if a['type'] == 'file']
got = [a['path'] for a in files]
expect(got == ['/swap/swapfile'], 'active swapfiles %s, want /swap/swapfile' % got)
expect(all(a['persistent'] for a in files), 'the swapfile is not persistent')
zr = [a for a in s['swaps'] if a['type'] == 'zram']
if want_zram:
    expect(len(zr) == 1, 'active zram swap areas %s, want one' % [a['path'] for a in zr])
    mz = [z for z in s['zram'] if z['managed'] and z['initialized']]
    expect(len(mz) == 1 and mz[0]['disksize_bytes'] == 128 << 20,
           'managed zram devices %s, want one of 128 MiB' % mz)
if want_zswap:
    expect(s['zswap']['enabled'] is True, 'zswap is not enabled after the reboot')
expect(k['profile'] == 'zram', 'sysctl profile %r, want zram' % k['profile'])
for key in k['keys']:
    if key['swapctl'] is not None and key['live'] != key['swapctl']:
        print('%s is %s live, %s persisted' % (key['key'], key['live'], key['swapctl']))"
	if [ "$zram_ok" = 1 ] || [ "$zswap_ok" = 1 ]; then
		run s1/unit-active systemctl is-active swapctl.service
	fi
	common_checks s1
	# Scenario 2: rotate, then reboot.
	run s2/rotate swapctl rotate
	next s2
	;;
s2)
	check s2/survived "
files = [a for a in s['swaps'] if a['type'] == 'file']
got = [a['path'] for a in files]
expect(got == ['/swap/swapfile.1'], 'active swapfiles %s, want /swap/swapfile.1' % got)
expect(not os.path.exists('/swap/swapfile'), 'the rotated-out /swap/swapfile is still there')
got = [e['source'] for e in s['fstab']]
expect(got == ['/swap/swapfile.1'], 'fstab swap entries %s, want /swap/swapfile.1' % got)"
	common_checks s2
	# Scenario 3: remove everything, then reboot: nothing may come back.
	run s3/remove swapctl remove --all
	if [ "$zram_ok" = 1 ]; then run s3/zram-remove swapctl zram remove --all; fi
	next s3
	;;
s3)
	check s3/nothing-back "
got = [a['path'] for a in s['swaps']]
expect(got == [], 'active swap areas after remove --all: %s' % got)
got = [e['source'] for e in s['fstab']]
expect(got == [], 'fstab swap entries after remove --all: %s' % got)
got = [z['device'] for z in s['zram'] if z['initialized']]
expect(got == [], 'initialised zram devices after zram remove --all: %s' % got)
got = os.listdir('/swap') if os.path.isdir('/swap') else []
expect(got == [], 'files left in /swap: %s' % got)"
	common_checks s3
	if [ "$KERNEL_TIER" != 1 ]; then
		skip kernel-tier "${KERNEL_TIER_REASON:-not requested}"
		finish
	fi
	if ! [[ $(uname -r) =~ ${KT_KERNELS:-.} ]]; then
		skip kernel-tier "${KT_KERNELS_REASON:-not on this kernel}"
		finish
	fi
	# The source and build trees at the paths the kernel tier expects, copied in only now: a
	# tree below /tmp (a CI clone there) would be gone, since every boot empties /tmp.
	cp -a "$P/tree/." / || { fail kernel-tier "cannot copy the source and build trees in"; finish; }
	[ -e "$SRC/tests/kernel/lib.sh" ] || { fail kernel-tier "no $SRC/tests/kernel in the guest"; finish; }
	# The kernel tier, each script as ctest runs it.
	for t in "$SRC"/tests/kernel/test-*.sh; do
		name=kernel/$(basename "$t" .sh)
		if [ -n "${KT_FILTER:-}" ] && ! [[ $name =~ $KT_FILTER ]]; then continue; fi
		say "RUN $name"
		rc=0
		SWAPCTL=$SWAPCTL SWAPCTL_CRASH=$SWAPCTL_CRASH SC_SOURCE_DIR=$SRC SC_BUILD_DIR=$BUILD \
			SC_FIXTURE_DIR=$SRC/tests/fixtures timeout 600 bash "$t" >"$ST/kt.log" 2>&1 || rc=$?
		case $rc in
		0) pass "$name" ;;
		77) skip "$name" "$(grep -m1 '^SKIP:' "$ST/kt.log" | cut -c7-)" ;;
		*)
			tail -n 40 "$ST/kt.log" | log
			fail "$name" "exit $rc: $(grep -m1 '^FAIL:' "$ST/kt.log" | cut -c7-)"
			;;
		esac
	done
	# The tier leaves nothing behind in the guest either.
	check kernel-tier/clean "
got = [a['path'] for a in s['swaps']]
expect(got == [], 'swap areas left by the kernel tier: %s' % got)"
	finish
	;;
hibernate) hibernate_scenario ;;
hibernated)
	fail hibernate/resume "the guest booted afresh instead of resuming its image"
	dmesg | grep -E 'PM: |[Hh]ibernat|resume' | tail -n 20 | log
	finish
	;;
*)
	fail boot "booted again in phase $phase"
	systemctl poweroff
	;;
esac
