#!/usr/bin/env bash
# Builds the Debian 12 guest of the VM lane, or reuses the cached one: a raw ext4 root image
# (systemd as PID 1, both packaged kernels installed) and, beside it, each kernel's vmlinuz and
# initrd for qemu's direct boot. The cache key hashes this script, so changing the package list
# or the guest files below builds a new image.
#
#   bash tests/vm/build-image.sh        # prints the cache directory holding the image
#
# Environment: SCVM_CACHE (default /var/cache/swapctl-vm), SCVM_MIRROR (default
# http://deb.debian.org/debian), SCVM_SECURITY_MIRROR (default
# http://deb.debian.org/debian-security). Exit 77 when the image cannot be built here (not
# root, mmdebstrap or mkfs.ext4 missing, the archive unreachable); the log is kept in the cache.
set -euo pipefail

CACHE=${SCVM_CACHE:-/var/cache/swapctl-vm}
MIRROR=${SCVM_MIRROR:-http://deb.debian.org/debian}
SECURITY=${SCVM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# What the scenarios and the kernel-tier scripts run in the guest: the runtime libraries of
# swapctl, man (systemd-analyze verify checks the unit's Documentation=man:swapctl(8)), the
# file system tools and python3 of tests/kernel, and three kernels: Debian 12's 6.1 in its
# cloud and generic flavours (only the generic one has zswap) and the 6.12 cloud kernel
# Debian 12 also ships.
PACKAGES=(
	systemd systemd-sysv udev dbus kmod util-linux mount procps initramfs-tools zstd man-db
	e2fsprogs xfsprogs btrfs-progs python3
	libmount1 libblkid1 libuuid1 libzstd1 libjson-c5
	linux-image-cloud-amd64 linux-image-amd64 linux-image-6.12-cloud-amd64
)
# Free space in the root image beyond the installed system: the scenarios' swapfiles (a
# rotation holds two at once) and the kernel tier's loop images.
FREE_MIB=3072

skip() { echo "SKIP: $*" >&2; exit 77; }

[ "$(id -u)" = 0 ] || skip "building the guest image needs root (mmdebstrap in root mode)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed"
command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"

key=$( { cat "$0"; printf '%s\n' "$MIRROR" "$SECURITY"; } | sha256sum | cut -c1-16)
out=$CACHE/$key
if [ -s "$out/kernels" ] && [ -s "$out/root.img" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -s "$out/kernels" ] && [ -s "$out/root.img" ]; then # built by another run meanwhile
	echo "$out"
	exit 0
fi
# Images of older keys are of no further use.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf -- {} +

work=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
tree=$work/tree
log=$CACHE/build.log
start=$SECONDS

echo "building the guest image $out (log: $log)" >&2
if ! mmdebstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
	--aptopt='Acquire::Retries "3"' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
	bookworm "$tree" \
	"deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
	"deb $SECURITY bookworm-security main" >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	if grep -qiE 'could not resolve|failed to fetch|temporary failure|unable to connect' "$log"; then
		skip "the Debian archive is unreachable, so the guest image cannot be built"
	fi
	echo "FAIL: mmdebstrap failed; see $log" >&2
	exit 1
fi

# The guest: root on the first virtio disk, no getty, the lane's driver run at every boot.
echo scvm >"$tree/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 0\n' >"$tree/etc/fstab"
: >"$tree/etc/machine-id"
mkdir -p "$tree/usr/local/sbin" "$tree/etc/systemd/system"
# The driver comes from the payload disk (the second virtio disk, read-only), so the image
# does not change when the scenarios do.
cat >"$tree/usr/local/sbin/scvm-boot" <<'SH'
#!/bin/sh
mkdir -p /run/scvm
mountpoint -q /run/scvm || mount -o ro,noload /dev/vdb /run/scvm || {
	echo "SCVM FATAL no payload disk" >/dev/ttyS1
	exit 1
}
exec bash /run/scvm/driver.sh
SH
chmod 0755 "$tree/usr/local/sbin/scvm-boot"
cat >"$tree/etc/systemd/system/scvm.service" <<'UNIT'
[Unit]
Description=swapctl VM lane driver
After=multi-user.target

[Service]
Type=exec
ExecStart=/usr/local/sbin/scvm-boot
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
systemctl --root="$tree" enable scvm.service >>"$log" 2>&1
systemctl --root="$tree" set-default multi-user.target >>"$log" 2>&1
systemctl --root="$tree" mask serial-getty@ttyS0.service serial-getty@ttyS1.service \
	getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	fstrim.timer >>"$log" 2>&1

mkdir -p "$work/out"
: >"$work/out/kernels"
for vmlinuz in "$tree"/boot/vmlinuz-*; do
	ver=${vmlinuz##*/vmlinuz-}
	[ -s "$tree/boot/initrd.img-$ver" ] || { echo "FAIL: no initrd for $ver" >&2; exit 1; }
	cp "$vmlinuz" "$work/out/vmlinuz-$ver"
	cp "$tree/boot/initrd.img-$ver" "$work/out/initrd.img-$ver"
	cp "$tree/boot/config-$ver" "$work/out/config-$ver"
	echo "$ver" >>"$work/out/kernels"
done
[ -s "$work/out/kernels" ] || { echo "FAIL: no kernel was installed" >&2; exit 1; }
rm -rf "$tree"/var/cache/apt/* "$tree"/var/lib/apt/lists/* "$tree"/boot/initrd.img-*

used=$(du -sm "$tree" | cut -f1)
mkfs.ext4 -q -L scvmroot -d "$tree" "$work/out/root.img" "$((used + FREE_MIB))M" >>"$log" 2>&1 ||
	{ echo "FAIL: mkfs.ext4 of the root image failed; see $log" >&2; exit 1; }
echo "$((SECONDS - start))" >"$work/out/build-seconds"
rm -rf -- "$tree"
rm -rf -- "$out"
mv "$work/out" "$out"
echo "guest image built in $((SECONDS - start)) s" >&2
echo "$out"
