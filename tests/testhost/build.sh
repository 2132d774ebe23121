#!/usr/bin/env bash
# build.sh - build the nested test host into build/testhost/ (make testhost).
#
# The test host is a stock Debian 6.1 kernel booted by QEMU under TCG. TCG's
# "-cpu max" emulates AMD SVM with nested paging, so kvm-amd loads inside it
# and gives a working /dev/kvm on machines that have none (or a broken one).
#
# Outputs:
#   build/testhost/vmlinuz          Debian's kernel (compressed bzImage, KASLR)
#   build/testhost/base.cpio.gz     busybox + kvm and tun modules + /init + QEMU
#                                   microvm + curl + host tools (e2fsprogs, iperf3)
#   build/testhost/kernel-release   e.g. 6.1.0-56-amd64
#
# The package choice is pinned below; if the pinned package has left the
# archive, the newest linux-image-6.1.0-N-amd64 apt knows about is used.
# Everything is cached: a stamp records the inputs (package file, this script,
# the init, busybox and QEMU binaries) and nothing is redone while it matches.
#
# Environment: TESTHOST_KERNEL_PKG overrides the package name,
# TESTHOST_FORCE=1 rebuilds.
set -euo pipefail

KERNEL_PIN=linux-image-6.1.0-56-amd64

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/testhost
debs=$out/debs
stage=$out/rootfs
stamp=$out/base.stamp
busybox=${BUSYBOX:-/bin/busybox}
qemu_uvm=/usr/bin/qemu-system-x86_64-microvm
# curl, for black-box tests of ember's API (curl --unix-socket).
curl_bin=/usr/bin/curl
# QEMU microvm's firmware: qboot (bios-microvm.bin, a symlink to qboot.rom),
# and the option ROMs it loads for -kernel (linuxboot_dma.bin for a bzImage,
# pvh.bin for an ELF vmlinux with a PVH note).
qemu_fw=(bios-microvm.bin linuxboot_dma.bin pvh.bin)
# kvm-amd and, through modules.dep, everything it needs; tun for the taps
# of the virtio-net tests.
want_modules=(kvm-amd tun)
# Host-side tools the integration tests and benchmarks run in the test host
# (checking and editing ext4 images, the host end of iperf3), copied with
# their libraries under /opt/tools; wrappers of the same name go in /usr/sbin
# (replacing busybox applets of that name).
host_tools=(/sbin/e2fsck /sbin/debugfs /sbin/resize2fs /sbin/mke2fs /usr/bin/iperf3)

die() {
	echo "testhost: error: $*" >&2
	exit 1
}

# pick_package - the kernel package to use: the pin if apt still has it,
# else the newest linux-image-6.1.0-N-amd64.
pick_package() {
	local p

	if [ -n "${TESTHOST_KERNEL_PKG:-}" ]; then
		echo "$TESTHOST_KERNEL_PKG"
		return
	fi
	if apt-cache show "$KERNEL_PIN" >/dev/null 2>&1; then
		echo "$KERNEL_PIN"
		return
	fi
	p=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
		awk '{ print $1 }' | sort -V | tail -n 1)
	[ -n "$p" ] || die "no linux-image-6.1.0-N-amd64 package known to apt (run apt-get update)"
	echo "testhost: $KERNEL_PIN is gone from the archive, using $p" >&2
	echo "$p"
}

# fetch_deb PKG - path of the downloaded .deb, downloading it if needed.
fetch_deb() {
	local pkg=$1 f

	mkdir -p "$debs"
	f=$(ls "$debs/${pkg}_"*.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$f" ]; then
		echo "testhost: downloading $pkg" >&2
		# apt-get download writes into the current directory; as root it
		# warns that the _apt sandbox user cannot write there (harmless).
		(cd "$debs" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
			true
		f=$(ls "$debs/${pkg}_"*.deb 2>/dev/null | sort -V | tail -n 1 || true)
		[ -n "$f" ] || die "apt-get download $pkg failed"
	fi
	echo "$f"
}

# module_order KROOT KREL MOD... - the .ko paths (relative to the release
# directory) of MOD and its dependencies, dependencies first, per modules.dep.
module_order() {
	local kroot=$1 krel=$2
	shift 2
	awk -v want="$*" '
		# modules.dep: "kernel/a/b.ko[.xz]: dep1.ko dep2.ko", where deps are
		# listed so that loading them right to left works.
		{ sub(":", "", $1); dep[$1] = ""; for (i = NF; i > 1; i--) dep[$1] = dep[$1] " " $i
		  n = $1; sub(".*/", "", n); sub("\\.ko.*", "", n); gsub("_", "-", n); path[n] = $1 }
		function visit(p,   d, k, i) {
			if (p in seen) return
			seen[p] = 1
			k = split(dep[p], d, " ")
			for (i = 1; i <= k; i++) visit(d[i])
			print p
		}
		END {
			k = split(want, w, " ")
			for (i = 1; i <= k; i++) {
				m = w[i]; gsub("_", "-", m)
				if (!(m in path)) { print "missing:" w[i]; exit 1 }
				visit(path[m])
			}
		}' "$kroot/lib/modules/$krel/modules.dep"
}

# install_module SRC DSTDIR - copy one module, decompressing .ko.xz/.ko.zst
# (busybox insmod may lack the decompressors).
install_module() {
	local src=$1 dst=$2 base

	base=$(basename "$src")
	case $src in
	*.ko.xz) xz -dc "$src" >"$dst/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$src" >"$dst/${base%.gz}" ;;
	*.ko) cp "$src" "$dst/" ;;
	*) die "unexpected module file $src" ;;
	esac
}

# install_qemu_microvm DIR - QEMU microvm, its shared libraries and firmware
# under DIR (/opt/qemu in the image), with a wrapper that starts it through
# the copied dynamic loader so nothing outside DIR is needed.
install_qemu_microvm() {
	local dir=$1 lib f

	[ -x "$qemu_uvm" ] || die "$qemu_uvm missing (apt-get install qemu-system-x86)"
	mkdir -p "$dir/bin" "$dir/lib" "$dir/share/qemu"
	cp "$qemu_uvm" "$dir/bin/"
	# ldd prints "name => /path (addr)" and "/lib64/ld-linux-x86-64.so.2 (addr)".
	for lib in $(ldd "$qemu_uvm" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		cp -L "$lib" "$dir/lib/"
	done
	[ -f "$dir/lib/ld-linux-x86-64.so.2" ] || die "ldd did not report the dynamic loader of $qemu_uvm"
	for f in "${qemu_fw[@]}"; do
		[ -e "/usr/share/qemu/$f" ] || die "/usr/share/qemu/$f missing (qemu-system-data)"
		cp -L "/usr/share/qemu/$f" "$dir/share/qemu/"
	done
	cat >"$dir/bin/qemu-microvm" <<'EOF'
#!/bin/sh
# Debian's qemu-system-x86_64-microvm, run through the bundled loader and
# libraries; -L points it at the bundled firmware. KVM only (no TCG in it).
exec /opt/qemu/lib/ld-linux-x86-64.so.2 --library-path /opt/qemu/lib \
	/opt/qemu/bin/qemu-system-x86_64-microvm -L /opt/qemu/share/qemu "$@"
EOF
	chmod 0755 "$dir/bin/qemu-microvm"
}

# install_host_tools DIR - the host_tools binaries and their libraries under
# DIR (/opt/tools in the image), each started by a wrapper in /usr/sbin
# through the copied dynamic loader.
install_host_tools() {
	local dir=$1 bin lib name

	mkdir -p "$dir/bin" "$dir/lib"
	for bin in "${host_tools[@]}"; do
		[ -x "$bin" ] || die "$bin missing (apt-get install e2fsprogs iperf3)"
		name=$(basename "$bin")
		cp -L "$bin" "$dir/bin/"
		for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
			cp -L "$lib" "$dir/lib/"
		done
		rm -f "$stage/bin/$name" "$stage/sbin/$name" "$stage/usr/bin/$name" "$stage/usr/sbin/$name"
		printf '#!/bin/sh\nexec /opt/tools/lib/ld-linux-x86-64.so.2 --library-path /opt/tools/lib /opt/tools/bin/%s "$@"\n' \
			"$name" >"$stage/usr/sbin/$name"
		chmod 0755 "$stage/usr/sbin/$name"
	done
	[ -f "$dir/lib/ld-linux-x86-64.so.2" ] || die "ldd did not report the dynamic loader of the host tools"
}

# install_curl DIR - Debian's curl and its shared libraries under DIR
# (/opt/curl in the image), started through the bundled loader by a
# /usr/bin/curl wrapper, as QEMU is.
install_curl() {
	local dir=$1 lib

	[ -x "$curl_bin" ] || die "$curl_bin missing (apt-get install curl)"
	mkdir -p "$dir/bin" "$dir/lib" "$stage/usr/bin"
	cp "$curl_bin" "$dir/bin/curl"
	for lib in $(ldd "$curl_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		cp -L "$lib" "$dir/lib/"
	done
	[ -f "$dir/lib/ld-linux-x86-64.so.2" ] || die "ldd did not report the dynamic loader of $curl_bin"
	rm -f "$stage/usr/bin/curl"
	cat >"$stage/usr/bin/curl" <<'EOF'
#!/bin/sh
# Debian's curl, run through the bundled loader and libraries.
exec /opt/curl/lib/ld-linux-x86-64.so.2 --library-path /opt/curl/lib /opt/curl/bin/curl "$@"
EOF
	chmod 0755 "$stage/usr/bin/curl"
}

# populate_stage KROOT KREL - lay out the base image's tree in $stage.
populate_stage() {
	local kroot=$1 krel=$2 rel applet

	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,payload,modules,opt,root}
	cp "$busybox" "$stage/bin/busybox"
	# One symlink per applet, so /bin/sh and friends exist before /init runs.
	for applet in $("$busybox" --list-full); do
		[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
	done
	install -m 0755 "$here/init" "$stage/init"

	# Modules, in load order; /init insmods the list in /modules/order.
	: >"$stage/modules/order"
	for rel in $(module_order "$kroot" "$krel" "${want_modules[@]}"); do
		case $rel in missing:*) die "module ${rel#missing:} not in $krel" ;; esac
		install_module "$kroot/lib/modules/$krel/$rel" "$stage/modules"
		basename "$rel" | sed -E 's/\.(xz|zst|gz)$//' >>"$stage/modules/order"
	done

	install_qemu_microvm "$stage/opt/qemu"
	install_host_tools "$stage/opt/tools"
	install_curl "$stage/opt/curl"

	# The kernel opens /dev/console for init before /init can mount devtmpfs.
	# The kernel's built-in initramfs normally provides it; add it too when
	# we may create device nodes.
	mknod -m 0600 "$stage/dev/console" c 5 1 2>/dev/null || true
}

main() {
	local pkg deb kroot krel key

	command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"
	[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static)"
	# ldd fails (status 1) on a static binary, hence the || true.
	{ ldd "$busybox" 2>&1 || true; } | grep -qE 'not a dynamic executable|statically linked' ||
		die "$busybox is not statically linked (apt-get install busybox-static)"
	mkdir -p "$out"

	pkg=$(pick_package)
	deb=$(fetch_deb "$pkg")
	key=$(cat "$deb.sha256" 2>/dev/null || sha256sum "$deb" | tee "$deb.sha256")
	# Contents only (not paths): the script may be called by any path.
	key=$( (printf '%s\n' "${key%% *}" "$pkg"
		cat "$here/build.sh" "$here/init" "$busybox" "$qemu_uvm" "$curl_bin" "${host_tools[@]}") |
		sha256sum | cut -c1-64)
	if [ -z "${TESTHOST_FORCE:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] &&
		[ -f "$out/base.cpio.gz" ] && [ -f "$out/vmlinuz" ]; then
		echo "testhost: up to date ($(cat "$out/kernel-release"))"
		return 0
	fi
	rm -f "$stamp"

	echo "testhost: unpacking $(basename "$deb")"
	kroot=$out/kernel-root
	rm -rf "$kroot"
	dpkg-deb -x "$deb" "$kroot"
	krel=$(ls "$kroot/lib/modules" | head -n 1)
	[ -n "$krel" ] && [ -f "$kroot/boot/vmlinuz-$krel" ] || die "$deb has no kernel and modules"
	# The package ships no modules.dep (postinst runs depmod): make one.
	depmod -b "$kroot" "$krel"

	populate_stage "$kroot" "$krel"
	echo "testhost: packing base.cpio.gz"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$out/base.cpio.gz.tmp"
	mv "$out/base.cpio.gz.tmp" "$out/base.cpio.gz"
	cp "$kroot/boot/vmlinuz-$krel" "$out/vmlinuz"
	echo "$krel" >"$out/kernel-release"
	# The unpacked package is 400+ MB; only the outputs above are kept.
	rm -rf "$kroot"
	echo "$key" >"$stamp"
	echo "testhost: built $krel: $out/vmlinuz, $out/base.cpio.gz ($(du -h "$out/base.cpio.gz" | cut -f1))"
}

main "$@"
