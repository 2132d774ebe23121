#!/usr/bin/env bash
# acpi-modules.sh TESTHOST_DIR OUT - a gzip'ed cpio with Debian's own
# virtio-mmio, virtio-blk and virtio-net modules (from the test host's kernel package,
# the same kernel as the debian-vmlinuz asset) under /acpi-mods/, plus
# /acpi-mods/order: the insmod order, dependencies first (modinfo's
# "depends"). The test_acpi_* tests append it to the guest initramfs: that
# kernel has VIRTIO_MMIO=m, so ACPI discovery is tested with its own
# modules. Run on the build machine by tests/run-integration.sh; cached in
# TESTHOST_DIR keyed by the package file.
set -euo pipefail

th=$1
out=$2
want=(virtio_mmio virtio_blk virtio_net)

die() {
	echo "acpi-modules: error: $*" >&2
	exit 1
}

deb=$(ls "$th"/debs/linux-image-*.deb 2>/dev/null | sort -V | tail -n 1)
[ -n "$deb" ] || die "no kernel package in $th/debs (make testhost)"
cache=$th/acpi-modules.cpio.gz
key=$th/acpi-modules.key
if [ -f "$cache" ] && [ "$(cat "$key" 2>/dev/null)" = "$deb ${want[*]}" ]; then
	cp "$cache" "$out"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/kernel/drivers/virtio/*.ko' \
	'*/kernel/drivers/block/virtio_blk.ko' '*/kernel/drivers/net/*failover.ko' \
	'*/kernel/drivers/net/virtio_net.ko' '*/kernel/net/core/failover.ko' || die "cannot unpack $deb"
mkdir -p "$tmp/root/acpi-mods"
order=()
# add NAME - NAME's dependencies, then NAME, each once.
add() {
	local ko dep seen

	for seen in "${order[@]:-}"; do
		[ "$seen" = "$1" ] && return 0
	done
	ko=$(find "$tmp/lib" -name "$1.ko" | head -n 1)
	[ -n "$ko" ] || die "$1.ko not in $deb"
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		add "$dep"
	done
	cp "$ko" "$tmp/root/acpi-mods/"
	order+=("$1")
}
for m in "${want[@]}"; do
	add "$m"
done
printf '%s\n' "${order[@]}" >"$tmp/root/acpi-mods/order"
(cd "$tmp/root" && find acpi-mods | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -c >"$tmp/mods.cpio.gz"
cp "$tmp/mods.cpio.gz" "$cache"
echo "$deb ${want[*]}" >"$key"
cp "$cache" "$out"
