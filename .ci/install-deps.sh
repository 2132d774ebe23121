#!/usr/bin/env bash
# Install the Debian packages ember needs to build, test and boot, if missing.
set -euo pipefail
pkgs=(gcc make libc6-dev linux-libc-dev libjansson-dev libseccomp-dev libcmocka-dev liburing-dev
      linux-source-6.1 flex bison bc libelf-dev libssl-dev cpio xz-utils zstd kmod
      busybox-static e2fsprogs qemu-system-x86 curl
      clang libclang-rt-14-dev fio iperf3 acpica-tools)
# clang + libclang-rt-14-dev: the libFuzzer targets (make fuzz). e2fsprogs,
# fio and iperf3 are also copied into the test host and the benchmark guest.
# acpica-tools: iasl, which test_acpi uses to disassemble the ACPI tables.
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "ember: installing missing packages: ${missing[*]}"
	SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
