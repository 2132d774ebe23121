#!/bin/bash
# build.sh - build ember's guest kernel and guest userspace into build/guest/.
#
#   build/guest/vmlinux            uncompressed ELF kernel (has the PVH note)
#   build/guest/bzImage            gzip-compressed bzImage (64-bit boot protocol)
#   build/guest/initramfs.cpio.gz  busybox + /init, newc cpio, gzip
#   build/guest/rootfs.ext4        64 MiB ext4 image with the same userspace
#   build/guest/tools.cpio.gz      Debian's fio and iperf3 with every library
#                                  ldd names, an archive appended after the
#                                  initramfs by the tests that measure rates
#                                  (kept apart: it is ~30 MB compressed)
#
# The kernel is Linux 6.1 from /usr/src/linux-source-6.1.tar.xz (Debian's
# linux-source-6.1), configured as tinyconfig + ember-x86_64.config. It is
# rebuilt only when the outputs are missing or the fragment's sha256 differs
# from build/guest/kernel.stamp. The userspace is rebuilt every time (seconds).
#
# Environment overrides: LINUX_TARBALL, BUSYBOX (a static busybox binary),
# JOBS (parallel make jobs), EMBER_GUEST_FORCE=1 (rebuild the kernel).
# Needs no root privileges.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/build/guest
src=$out/src
obj=$out/obj
frag=$here/ember-x86_64.config
stamp=$out/kernel.stamp
log=$out/kernel-build.log
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
busybox=${BUSYBOX:-/bin/busybox}
jobs=${JOBS:-$(nproc)}
kmake=(make -C "$src" O="$obj" ARCH=x86_64)

die() {
	echo "guest: error: $*" >&2
	exit 1
}

now() {
	date +%s.%N
}

# elapsed START - seconds since START, one decimal.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# Unpack the kernel source once. Unpacking into a temporary directory and
# renaming it makes an interrupted extraction restart instead of leaving a
# half tree behind that looks complete.
extract_source() {
	[ -f "$src/Makefile" ] && return 0
	[ -r "$tarball" ] || die "kernel source $tarball not found (apt-get install linux-source-6.1)"
	echo "guest: extracting $tarball"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
}

# Check that every line of the fragment survived olddefconfig: a requested
# value must appear verbatim, a "# CONFIG_X is not set" must not be =y/=m.
# Kconfig silently drops symbols whose dependencies are unmet.
check_config() {
	local config=$1 line sym bad=0

	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			if ! grep -qxF -- "$line" "$config"; then
				sym=${line%%=*}
				echo "guest: config: requested $line, got: $(grep -E "^(# )?${sym}[= ]" "$config" || echo 'absent')" >&2
				bad=1
			fi
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -qE "^$sym=" "$config"; then
				echo "guest: config: requested $sym off, got: $(grep -E "^$sym=" "$config")" >&2
				bad=1
			fi
			;;
		esac
	done <"$frag"
	[ "$bad" -eq 0 ] || die "the kernel config does not match $frag (dependency dropped?)"
}

configure_kernel() {
	mkdir -p "$obj"
	# merge_config.sh -m only merges; olddefconfig resolves the dependencies.
	{
		"${kmake[@]}" tinyconfig &&
			"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" &&
			"${kmake[@]}" olddefconfig
	} >>"$log" 2>&1 || die "kernel configuration failed, see $log"
	check_config "$obj/.config"
}

# Sanity checks on the images ember's loader depends on.
check_images() {
	local ver flags

	readelf -n "$obj/vmlinux" 2>/dev/null | grep -q '^ *Xen ' ||
		die "vmlinux has no Xen ELF notes: the PVH entry (CONFIG_PVH) is missing"
	# Setup header: boot protocol version at 0x206, xloadflags at 0x236.
	ver=$(od -An -tu2 -j $((0x206)) -N2 "$obj/arch/x86/boot/bzImage" | tr -d ' ')
	flags=$(od -An -tu2 -j $((0x236)) -N2 "$obj/arch/x86/boot/bzImage" | tr -d ' ')
	[ "$ver" -ge $((0x20c)) ] || die "bzImage boot protocol $(printf %#x "$ver") < 2.12"
	[ $((flags & 1)) -eq 1 ] || die "bzImage lacks XLF_KERNEL_64 (no 64-bit entry)"
}

build_kernel() {
	local sum t0

	sum=$(sha256sum "$frag" | cut -d' ' -f1)
	if [ -z "${EMBER_GUEST_FORCE:-}" ] && [ -f "$out/vmlinux" ] && [ -f "$out/bzImage" ] &&
		[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
		echo "guest: kernel up to date (fragment sha256 ${sum:0:12})"
		return 0
	fi
	rm -f "$stamp"
	extract_source
	t0=$(now)
	: >"$log"
	echo "guest: configuring and building Linux $(make -s -C "$src" kernelversion) with $jobs jobs (log: $log)"
	configure_kernel
	if ! "${kmake[@]}" -j"$jobs" vmlinux bzImage >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "kernel build failed, see $log"
	fi
	check_images
	cp "$obj/vmlinux" "$out/vmlinux.tmp"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	cp "$obj/arch/x86/boot/bzImage" "$out/bzImage.tmp"
	mv "$out/bzImage.tmp" "$out/bzImage"
	cp "$obj/.config" "$out/config"
	echo "$sum" >"$stamp"
	echo "guest: kernel built in $(elapsed "$t0") s: vmlinux $(stat -c %s "$out/vmlinux") bytes, bzImage $(stat -c %s "$out/bzImage") bytes"
}

# The userspace tree: busybox with one symlink per applet, /init (also
# /sbin/init for the ext4 root) and the mount points init uses.
stage_userspace() {
	local dir=$1 path

	[ -x "$busybox" ] || die "$busybox not found (apt-get install busybox-static)"
	if readelf -l "$busybox" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		die "$busybox is dynamically linked; the guest has no libc (use busybox-static)"
	fi
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
	chmod 1777 "$dir/tmp"
	cp "$busybox" "$dir/bin/busybox"
	chmod 0755 "$dir/bin/busybox"
	"$busybox" --list-full | while IFS= read -r path; do
		[ -n "$path" ] || continue
		case $path in
		/* | *..*) continue ;; # only plain relative paths
		esac
		[ -e "$dir/$path" ] || [ -L "$dir/$path" ] || {
			mkdir -p "$dir/$(dirname "$path")"
			ln -s /bin/busybox "$dir/$path"
		}
	done
	install -m 0755 "$here/init" "$dir/init"
	rm -f "$dir/sbin/init"
	install -m 0755 "$here/init" "$dir/sbin/init"
	echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
	echo "root:x:0:" >"$dir/etc/group"
}

build_initramfs() {
	local dir=$1 img=$out/initramfs.cpio.gz

	# -R 0:0 makes every entry root-owned without needing root here.
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -9 -n >"$img.tmp"
	mv "$img.tmp" "$img"
}

build_rootfs() {
	local dir=$1 img=$out/rootfs.ext4 f

	rm -f "$img.tmp"
	truncate -s 64M "$img.tmp"
	mke2fs -q -F -t ext4 -b 4096 -L ember-root -E root_owner=0:0 -d "$dir" "$img.tmp"
	# mke2fs -d copies the builder's uid/gid; make everything root-owned.
	if [ "$(id -u)" -ne 0 ]; then
		(cd "$dir" && find . -mindepth 1) | while IFS= read -r f; do
			printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "${f#.}" "${f#.}"
		done | debugfs -w -f - "$img.tmp" >/dev/null 2>&1 ||
			die "debugfs could not fix file ownership in $img"
	fi
	mv "$img.tmp" "$img"
}

build_userspace() {
	local t0 dir=$out/rootfs

	t0=$(now)
	stage_userspace "$dir"
	build_initramfs "$dir"
	build_rootfs "$dir"
	echo "guest: userspace built in $(elapsed "$t0") s: initramfs.cpio.gz $(stat -c %s "$out/initramfs.cpio.gz") bytes, rootfs.ext4 64 MiB"
}

# The tools archive: fio and iperf3 at their Debian paths and the libraries
# ldd names for them, at theirs (the guest has no other libc). Rebuilt only
# when a binary or library changed (names, sizes and mtimes in a stamp);
# skipped with a note when fio or iperf3 is not installed (make deps).
build_tools() {
	local img=$out/tools.cpio.gz dir=$out/tools bins=(/usr/bin/fio /usr/bin/iperf3) files f key

	for f in "${bins[@]}"; do
		if [ ! -x "$f" ]; then
			echo "guest: $f missing (make deps): no tools.cpio.gz, the rate tests will fail" >&2
			return 0
		fi
	done
	files=$(for f in "${bins[@]}"; do
		echo "$f"
		ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u)
	# shellcheck disable=SC2086 # one path per line, none with spaces
	key=$(stat -L -c '%n %s %Y' $files | sha256sum | cut -d' ' -f1)
	[ -f "$img" ] && [ "$(cat "$out/tools.stamp" 2>/dev/null)" = "$key" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in $files; do
		cp -L --parents "$f" "$dir/"
	done
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 -n >"$img.tmp"
	mv "$img.tmp" "$img"
	rm -rf "$dir"
	echo "$key" >"$out/tools.stamp"
	echo "guest: tools.cpio.gz (fio, iperf3 and their libraries) $(stat -c %s "$img") bytes"
}

main() {
	mkdir -p "$out"
	# One build at a time (make -j, parallel test runners).
	exec 9>"$out/.lock"
	flock 9
	build_kernel
	build_userspace
	build_tools
}

main "$@"
