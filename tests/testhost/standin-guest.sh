#!/usr/bin/env bash
# standin-guest.sh - stand-in guest assets for validating the harness before
# make guest has produced build/guest: writes build/testhost/standin-guest/
#   bzImage             Debian's stock kernel (the test host's vmlinuz)
#   vmlinux             the ELF kernel inside it (it has a PVH note)
#   initramfs.cpio.gz   busybox + the guest /init (guest-kernel-config/init,
#                       which defines the EMBER-* console protocol)
#   debian-vmlinuz      the same stock kernel again, for debian_stock_vmlinuz
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
th=$root/build/testhost
out=$th/standin-guest
init=$root/guest-kernel-config/init
busybox=${BUSYBOX:-/bin/busybox}

die() {
	echo "standin-guest: error: $*" >&2
	exit 1
}

# extract_vmlinux BZIMAGE OUT - the payload of a bzImage is the compressed
# ELF vmlinux; find the compressor's magic and decompress from there (the
# decompressor stops at the end of the stream; trailing bytes are ignored).
extract_vmlinux() {
	local bz=$1 dst=$2 off magic tool

	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08\x00'; do
		tool=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$bz" | cut -d: -f1); do
			tail -c +$((off + 1)) "$bz" | "$tool" -dc 2>/dev/null >"$dst.tmp" || true
			if [ "$(head -c 4 "$dst.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$dst.tmp" "$dst"
				return 0
			fi
		done
	done
	rm -f "$dst.tmp"
	return 1
}

bash "$here/build.sh" >&2
[ -f "$init" ] || die "$init missing (the guest init defines the console protocol)"
mkdir -p "$out"
if [ ! -f "$out/vmlinux" ] || [ "$out/vmlinux" -ot "$th/vmlinuz" ]; then
	cp "$th/vmlinuz" "$out/bzImage"
	cp "$th/vmlinuz" "$out/debian-vmlinuz"
	extract_vmlinux "$out/bzImage" "$out/vmlinux" || die "cannot extract vmlinux from $th/vmlinuz"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
install -m 0755 "$init" "$stage/init"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 >"$out/initramfs.cpio.gz"
echo "standin-guest: $out (Debian $(cat "$th/kernel-release") kernel, guest init from $init)"
