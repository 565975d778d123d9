#!/usr/bin/env bash
# --root keeps every path inside the tree. The report: with R/etc/fstab an absolute symlink to
# a host file, `swapctl --root R add 40K --path /swap/f` wrote that host file and a backup
# beside it. Here the host file is a sentinel that must stay unchanged, with no backup; the
# link means <R><host file> inside the root, where the entry must land. The same for a
# relative link climbing past R, and for reading: status, doctor and sysctl show --root must
# not see the host files an image's links name.
. "$(dirname "$0")/lib.sh"
# add creates a real swapfile, and the directory chain to it must be root's.
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (swapfiles are root's)"; exit 77; }
case $(stat -f -c %T "$tmp") in
ext2/ext3 | xfs | btrfs) ;;
*) echo "SKIP: $tmp is on $(stat -f -c %T "$tmp"), where swapctl makes no swapfile"; exit 77 ;;
esac
chmod 0700 "$tmp"
host=$tmp/host
mkdir "$host"
sentinel='/host.swap none swap sw 0 0'

for kind in absolute relative; do
	R=$tmp/$kind
	rm -rf "$R"
	mkdir -p "$R/etc" "$R/swap" "$R$host"
	chmod 0700 "$R/swap"
	printf '%s\n' "$sentinel" >"$host/x"
	rm -f "$host/x.swapctl~"
	if [ "$kind" = absolute ]; then
		ln -s "$host/x" "$R/etc/fstab"
	else
		ln -s "../../../../../../../../../../../../../../../..$host/x" "$R/etc/fstab"
	fi

	check 0 "$kind link: add --root" "$SWAPCTL" --root "$R" add 40K --path /swap/f
	[ "$(cat "$host/x")" = "$sentinel" ] || fail "$kind link: the host file was written: $(cat "$host/x")"
	[ -e "$host/x.swapctl~" ] && fail "$kind link: a backup was made on the host"
	grep -q '^/swap/f none swap ' "$R$host/x" 2>/dev/null ||
		fail "$kind link: the entry is not in the link's target inside the root"
	[ -L "$R/etc/fstab" ] || fail "$kind link: the fstab link was replaced by a file"
	[ -f "$R/swap/f" ] || fail "$kind link: no swapfile in the image"

	# Reading: the image's fstab is <R><host>/x, not the host's file.
	check 0 "$kind link: status --root" "$SWAPCTL" --json --root "$R" status
	json "$tmp/out" '[e["source"] for e in d["fstab"]]' | grep -q host.swap &&
		fail "$kind link: status --root read the host file"
	json "$tmp/out" '[e["source"] for e in d["fstab"]]' | grep -q /swap/f ||
		fail "$kind link: status --root does not show the image's entry"
	"$SWAPCTL" --json --root "$R" doctor >"$tmp/out" 2>"$tmp/err"
	grep -q host.swap "$tmp/out" && fail "$kind link: doctor --root read the host file"
	[ "$(cat "$host/x")" = "$sentinel" ] || fail "$kind link: the host file changed after reading"
done

# sysctl.d linked out of the image: show --root reads, and apply --root writes, inside.
R=$tmp/sysctl
mkdir -p "$R/etc" "$R$host/sysctl.d" "$host/sysctl.d"
printf 'vm.swappiness = 77\n' >"$host/sysctl.d/90-swapctl.conf"
ln -s "$host/sysctl.d" "$R/etc/sysctl.d"
check 0 "sysctl show --root" "$SWAPCTL" --json --root "$R" sysctl show
grep -q 77 "$tmp/out" && fail "sysctl show --root read the host's drop-in: $(cat "$tmp/out")"
check 0 "sysctl apply --root" "$SWAPCTL" --root "$R" sysctl apply --set vm.swappiness=10
[ "$(cat "$host/sysctl.d/90-swapctl.conf")" = 'vm.swappiness = 77' ] ||
	fail "sysctl apply --root wrote the host's drop-in"
grep -q 'vm.swappiness = 10' "$R$host/sysctl.d/90-swapctl.conf" ||
	fail "sysctl apply --root: the drop-in is not inside the root"

[ "$fails" = 0 ] || exit 1
