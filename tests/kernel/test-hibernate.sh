#!/usr/bin/env bash
# swapctl hibernate on real filesystems (ext4, xfs, btrfs on loop devices): the resume offset
# agrees with filefrag (ext4, xfs) and btrfs inspect-internal map-swapfile -r (btrfs), the
# UUID with blkid, the device with the mount; the boot files say it, a second run changes
# nothing, doctor notices a stale offset, rotate moves the configuration to the replacement
# (and --dry-run says it would), remove refuses the resume file, --off takes it all back;
# apply's hibernate = yes; add --hibernate is refused where the kernel cannot hibernate.
#
# The loop filesystem is the configured tree (SWAPCTL_ROOT: its /etc, not the machine's), and
# the kernel's interfaces are a fake /sys/power beside copies of /proc (SWAPCTL_SYSROOT), so
# nothing of the machine's resume setup is touched. Where the kernel can hibernate (the VM
# lane's guests), the last part sets the real /sys/power/resume_offset and resume for the
# active file, checks them and puts the previous values back.
source "${SC_SOURCE_DIR:?}/tests/kernel/lib.sh"
kt_require_root
command -v filefrag >/dev/null || kt_skip "filefrag (e2fsprogs) missing"
command -v blkid >/dev/null || kt_skip "blkid missing"
[ "$(getconf PAGESIZE)" = 4096 ] || kt_skip "the expected offsets assume 4 KiB pages"

# the fake kernel interfaces; proc copied after each swapon, so /proc/swaps lists the file
S=$KT_TMP/sysroot
fake_sysroot() {
	rm -rf "$S"
	mkdir -p "$S/proc/self" "$S/sys/power" "$S/run"
	cp /proc/swaps /proc/meminfo "$S/proc/"
	cp /proc/self/mountinfo "$S/proc/self/mountinfo"
	echo "root=/dev/vda ro quiet" >"$S/proc/cmdline"
	echo "freeze mem disk" >"$S/sys/power/state"
	echo "0:0" >"$S/sys/power/resume"
	echo "0" >"$S/sys/power/resume_offset"
	echo "$((64 << 20))" >"$S/sys/power/image_size"
}

# expected OFFSET: the first page of FILE on its device, by the filesystem's own tools
expected_offset() {
	local fs=$1 file=$2 bs phys
	if [ "$fs" = btrfs ]; then
		btrfs inspect-internal map-swapfile -r "$file" 2>/dev/null
		return
	fi
	bs=$(stat -f -c %S "$file")
	phys=$(filefrag -v "$file" | awk '$1 == "0:" { sub(/\.\..*/, "", $4); print $4 }')
	[ -n "$phys" ] || return 1
	echo $((phys * bs / 4096))
}

sc() { SWAPCTL_ROOT=$mnt SWAPCTL_SYSROOT=$S "$SWAPCTL" "$@"; }

check_fs() {
	local fs=$1 dev devno uuid want out
	shift
	mnt=$(kt_mkfs "$fs" 512 "$@")
	dev=$(findmnt -no SOURCE "$mnt")
	devno=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
	uuid=$(blkid -s UUID -o value "$dev")
	mkdir -p "$mnt/etc/default" "$mnt/etc/initramfs-tools/conf.d" "$mnt/etc/kernel"
	echo 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' >"$mnt/etc/default/grub"
	echo "root=UUID=aaaa ro quiet" >"$mnt/etc/kernel/cmdline"

	"$SWAPCTL" --root "$mnt" add 96M --path /swap/hib -q || kt_fail "$fs: add"
	swapon "$mnt/swap/hib" || kt_skip "$fs: swapon of the swapfile failed"
	kt_track_swap "$mnt/swap/hib"
	fake_sysroot
	want=$(expected_offset "$fs" "$mnt/swap/hib") || kt_fail "$fs: no offset from the tools"
	kt_log "$fs: $dev ($devno) uuid $uuid, first page at $want"

	sc --json hibernate >"$KT_TMP/out" || kt_fail "$fs: hibernate exit $? ($(cat "$KT_TMP/out"))"
	python3 - "$KT_TMP/out" "$want" "$uuid" "$devno" "$dev" <<'PY' || kt_fail "$fs: hibernate --json"
import json, sys
d = json.load(open(sys.argv[1]))
want, uuid, devno, dev = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
r = d["resume"]
assert d["changed"] is True, d
assert r["file"] == "/swap/hib", r
assert r["offset_pages"] == want, (r, want)
assert r["uuid"] == uuid and r["devno"] == devno and r["device"] == dev, r
assert r["cmdline"] == "resume=UUID=%s resume_offset=%d" % (uuid, want), r
kinds = [(a["action"], a.get("purpose"), a["target"].rsplit("/", 1)[-1]) for a in d["actions"]]
assert kinds == [
    ("write-config", "initramfs", "zz-swapctl-resume"),
    ("write-config", "grub", "swapctl-resume.cfg"),
    ("write-config", "kernel-cmdline", "cmdline"),
    ("write-config", "record", "hibernate.conf"),
    ("set-live", None, "resume_offset"),
    ("set-live", None, "resume"),
], kinds
assert d["regenerate"] == ["update-initramfs -u", "update-grub"], d["regenerate"]
PY
	line="resume=UUID=$uuid resume_offset=$want"
	[ "$(cat "$S/sys/power/resume_offset")" = "$want" ] || kt_fail "$fs: live resume_offset"
	[ "$(cat "$S/sys/power/resume")" = "$devno" ] || kt_fail "$fs: live resume"
	grep -qxF "GRUB_CMDLINE_LINUX=\"\$GRUB_CMDLINE_LINUX $line\"" \
		"$mnt/etc/default/grub.d/swapctl-resume.cfg" || kt_fail "$fs: GRUB drop-in"
	grep -qxF "RESUME=UUID=$uuid" "$mnt/etc/initramfs-tools/conf.d/zz-swapctl-resume" ||
		kt_fail "$fs: initramfs-tools conf"
	[ "$(cat "$mnt/etc/kernel/cmdline")" = "root=UUID=aaaa ro quiet $line" ] ||
		kt_fail "$fs: /etc/kernel/cmdline: $(cat "$mnt/etc/kernel/cmdline")"

	out=$(sc --json hibernate) || kt_fail "$fs: second run"
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["changed"] is False and d["actions"] == [], d' \
		"$out" || kt_fail "$fs: the second run changed something"
	sc --json doctor >"$KT_TMP/doc" || [ $? = 4 ] || kt_fail "$fs: doctor"
	! grep -q '"hibernate-' "$KT_TMP/doc" || kt_fail "$fs: doctor: $(grep hibernate- "$KT_TMP/doc")"

	# the record says another offset (a file re-created behind swapctl's back)
	sed -i "s/^resume_offset = .*/resume_offset = $((want + 8))/" "$mnt/etc/swapctl/hibernate.conf"
	sc --json doctor >"$KT_TMP/doc" && kt_fail "$fs: doctor passed with a stale offset"
	grep -q '"id": *"hibernate-offset-stale"' "$KT_TMP/doc" ||
		kt_fail "$fs: doctor missed the stale offset: $(cat "$KT_TMP/doc")"
	sc -q hibernate || kt_fail "$fs: hibernate to repair the record"

	kt_expect_rc 3 sc -q remove /swap/hib

	# rotate moves the configuration to the replacement (offline: the image's view)
	swapoff "$mnt/swap/hib"
	"$SWAPCTL" --root "$mnt" --dry-run rotate /swap/hib >/dev/null 2>"$KT_TMP/dry.err" ||
		kt_fail "$fs: rotate --dry-run: $(cat "$KT_TMP/dry.err")"
	grep -qF "resume from /swap/hib would follow to /swap/hib.1" "$KT_TMP/dry.err" ||
		kt_fail "$fs: rotate --dry-run does not say resume follows: $(cat "$KT_TMP/dry.err")"
	grep -qxF "file = /swap/hib" "$mnt/etc/swapctl/hibernate.conf" ||
		kt_fail "$fs: rotate --dry-run changed the record"
	"$SWAPCTL" --root "$mnt" -q rotate /swap/hib || kt_fail "$fs: rotate"
	want=$(expected_offset "$fs" "$mnt/swap/hib.1") || kt_fail "$fs: no offset of the replacement"
	grep -qxF "file = /swap/hib.1" "$mnt/etc/swapctl/hibernate.conf" &&
		grep -qxF "resume_offset = $want" "$mnt/etc/swapctl/hibernate.conf" ||
		kt_fail "$fs: rotate left the record: $(cat "$mnt/etc/swapctl/hibernate.conf")"
	grep -qF "resume_offset=$want\"" "$mnt/etc/default/grub.d/swapctl-resume.cfg" ||
		kt_fail "$fs: rotate left the GRUB drop-in"

	"$SWAPCTL" --root "$mnt" -q hibernate --off || kt_fail "$fs: --off"
	[ ! -e "$mnt/etc/default/grub.d/swapctl-resume.cfg" ] &&
		[ ! -e "$mnt/etc/initramfs-tools/conf.d/zz-swapctl-resume" ] &&
		[ ! -e "$mnt/etc/swapctl/hibernate.conf" ] || kt_fail "$fs: --off left files"
	[ "$(cat "$mnt/etc/kernel/cmdline")" = "root=UUID=aaaa ro quiet" ] ||
		kt_fail "$fs: --off left /etc/kernel/cmdline: $(cat "$mnt/etc/kernel/cmdline")"
	"$SWAPCTL" --root "$mnt" -q remove /swap/hib.1 || kt_fail "$fs: remove after --off"
	echo "ok: $fs"
}

check_fs ext4 -b 4096
check_fs xfs
if command -v btrfs >/dev/null && btrfs inspect-internal map-swapfile --help >/dev/null 2>&1; then
	check_fs btrfs
else
	echo "skip: btrfs (btrfs-progs without map-swapfile)"
fi

# apply: hibernate = yes on an existing file of an image runs hibernate on it; export says
# so; a second apply changes nothing.
mnt=$(kt_mkfs ext4 512 -b 4096)
mkdir -p "$mnt/etc"
"$SWAPCTL" --root "$mnt" add 96M --path /swap/hib -q || kt_fail "apply: add"
printf '[swapfile]\npath = /swap/hib\nsize = 96M\nhibernate = yes\n' >"$KT_TMP/layout.conf"
"$SWAPCTL" --root "$mnt" --json apply "$KT_TMP/layout.conf" >"$KT_TMP/out" ||
	kt_fail "apply: exit $? ($(cat "$KT_TMP/out"))"
grep -q '"action": *"write-config"' "$KT_TMP/out" || kt_fail "apply: no resume configuration"
grep -qxF "file = /swap/hib" "$mnt/etc/swapctl/hibernate.conf" || kt_fail "apply: no record"
"$SWAPCTL" --root "$mnt" export | grep -qxF "hibernate = yes" || kt_fail "export: no hibernate"
"$SWAPCTL" --root "$mnt" --json apply "$KT_TMP/layout.conf" >"$KT_TMP/out" || kt_fail "apply again"
grep -q '"changed": *false' "$KT_TMP/out" || kt_fail "apply again changed: $(cat "$KT_TMP/out")"
echo "ok: apply hibernate = yes"

# add --hibernate where the kernel cannot hibernate: refused before a file is made for it.
kt_track_swap "$mnt/swap/nohib"
fake_sysroot
echo "freeze mem" >"$S/sys/power/state"
sc add 80M --hibernate --path /swap/nohib >"$KT_TMP/out" 2>&1 && kt_fail "add --hibernate without disk"
grep -qF "does not offer disk" "$KT_TMP/out" || kt_fail "add --hibernate without disk: $(cat "$KT_TMP/out")"
rm "$S/sys/power/resume"
kt_expect_rc 3 sc -q add 80M --hibernate --path /swap/nohib
[ ! -e "$mnt/swap/nohib" ] || kt_fail "add --hibernate on a kernel that cannot hibernate made the file"
grep -q nohib "$mnt/etc/fstab" && kt_fail "add --hibernate refused, but fstab names the file"
echo "ok: add --hibernate refused where the kernel cannot hibernate, nothing made"

# The real kernel's values, where it can hibernate: set for an active file, then put back.
if [ -e /sys/power/resume ] && grep -qw disk /sys/power/state; then
	old_res=$(cat /sys/power/resume)
	old_off=$(cat /sys/power/resume_offset)
	kt_on_exit "echo $old_off >/sys/power/resume_offset; echo $old_res >/sys/power/resume"
	mnt=$(kt_mkfs ext4 512 -b 4096)
	mkdir -p "$mnt/etc"
	"$SWAPCTL" --root "$mnt" add 96M --path /swap/hib -q || kt_fail "live: add"
	swapon "$mnt/swap/hib" || kt_fail "live: swapon"
	kt_track_swap "$mnt/swap/hib"
	want=$(expected_offset ext4 "$mnt/swap/hib")
	dev=$(findmnt -no SOURCE "$mnt")
	devno=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
	img=$(cat /sys/power/image_size)
	if [ "$img" -gt $((96 << 20)) ]; then
		kt_expect_rc 3 env SWAPCTL_ROOT="$mnt" "$SWAPCTL" -q hibernate /swap/hib
		echo $((64 << 20)) >/sys/power/image_size
		kt_on_exit "echo $img >/sys/power/image_size"
	fi
	SWAPCTL_ROOT=$mnt "$SWAPCTL" -q hibernate /swap/hib --no-bootloader || kt_fail "live: hibernate"
	[ "$(cat /sys/power/resume_offset)" = "$want" ] && [ "$(cat /sys/power/resume)" = "$devno" ] ||
		kt_fail "live: /sys/power says $(cat /sys/power/resume) $(cat /sys/power/resume_offset), want $devno $want"
	echo "ok: live /sys/power/resume $devno resume_offset $want"
else
	echo "skip: the live part (this kernel cannot hibernate: no disk in /sys/power/state)"
fi
