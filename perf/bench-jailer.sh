#!/usr/bin/env bash
# bench-jailer.sh - what ember-jailer adds to ember's start-up (make bench-jailer).
#
# Wall time from launching a command to ember's first log line, "Kernel
# loaded using ...": by then ember has parsed its flags and config file,
# mapped guest RAM, opened /dev/kvm, created the VM and loaded the kernel, so
# the jailed ember demonstrably works inside its jail. Variants:
#   direct   ember --no-api --config-file vm.json
#   jailed   ember-jailer --id .. --exec-file .. --uid .. --gid .. -- (same),
#            which execs ember in place
#   pidns    jailed plus --new-pid-ns (a fork; the jailer stays as supervisor)
#   cgroup   jailed plus a cgroup of its own (--cgroup pids.max=64, or
#            cgroup.max.descendants=0 when the pids controller is not in the
#            cgroup2 hierarchy): mkdir, write the value, join
#   full     jailed plus both
# Rounds are interleaved (direct, jailed, pidns, cgroup, full, direct, ...) so
# that drift in the machine's load hits all variants alike. The caller's preparation of each
# jail (hard links, config file) and the teardown are not timed. ember is
# killed once the line appears: no guest has to boot, so any /dev/kvm that
# can create VMs will do (this machine's cannot run Linux guests, but that
# comes later). Prints the median, 10th and 90th percentiles per variant and
# the overhead of the jail (median difference); writes build/bench/jailer.txt.
#
# Needs root, build/ember, build/ember-jailer, build/guest/vmlinux and
# initramfs.cpio.gz. Environment: BENCH_RUNS (rounds, default 200),
# BENCH_BASE (chroot base, default /srv/ember-bench; on the same file system
# as build/guest for hard links, else the files are copied).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$root/build/bench
ember=$root/build/ember
jailer=$root/build/ember-jailer
guest=$root/build/guest
runs=${BENCH_RUNS:-200}
base=${BENCH_BASE:-/srv/ember-bench}
uid=10123
gid=10124
cgparent=ember-bench
tmp=
cg=

die() {
	echo "bench-jailer: error: $*" >&2
	exit 1
}

cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
	rm -rf "$base"
	[ -n "$cg" ] && rmdir "$cg/$cgparent" 2>/dev/null
	return 0
}

# place SRC DST - hard link, or copy across file systems.
place() {
	ln "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

# config FILE KERNEL INITRD
config() {
	cat >"$1" <<EOF
{
  "boot-source": {
    "kernel_image_path": "$2",
    "initrd_path": "$3",
    "boot_args": "console=ttyS0 reboot=k panic=1 pci=off quiet"
  },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": 64 }
}
EOF
}

# prepare ID - a jail root holding the guest's files and config.
prepare() {
	local r=$base/ember/$1/root

	mkdir -p "$r"
	place "$guest/vmlinux" "$r/vmlinux"
	place "$guest/initramfs.cpio.gz" "$r/initrd.img"
	config "$r/vm.json" /vmlinux /initrd.img
}

# timed CMD... - microseconds from launch to ember's "Kernel loaded" line on
# stderr (through a FIFO, so that the process can be killed afterwards).
timed() {
	local fifo=$tmp/fifo line t0 t1 pid

	rm -f "$fifo"
	mkfifo "$fifo"
	t0=$EPOCHREALTIME
	"$@" </dev/null >/dev/null 2>"$fifo" &
	pid=$!
	t1=
	while IFS= read -r line; do
		case $line in
		*"Kernel loaded"*)
			t1=$EPOCHREALTIME
			break
			;;
		esac
	done <"$fifo"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$t1" ] || die "no \"Kernel loaded\" line from: $*"
	echo $((${t1/./} - ${t0/./}))
}

# wait_dead ID - the jailed ember of jail ID (its pid file) has exited (a
# zombie waiting for init counts as exited: it has left its cgroup).
wait_dead() {
	local p i

	p=$(cat "$base/ember/$1/root/ember.pid" 2>/dev/null) || return 0
	for i in $(seq 100); do
		[ -e "/proc/$p" ] || return 0
		grep -qs '^State:[[:space:]]*Z' "/proc/$p/status" && return 0
		sleep 0.01
	done
}

# run_jailed ID OUT [FLAGS...] - one timed jailed start into OUT, then teardown.
run_jailed() {
	local id=$1 file=$2

	shift 2
	prepare "$id"
	timed "$jailer" --id "$id" --exec-file "$ember" --uid $uid --gid $gid \
		--chroot-base-dir "$base" "$@" -- --no-api --config-file /vm.json >>"$file"
	wait_dead "$id"
	rmdir "$cg/$cgparent/$id" 2>/dev/null || true
	rm -rf "${base:?}/ember/$id"
}

# stats NAME FILE - "NAME median p10 p90" in ms from microsecond samples.
stats() {
	sort -n "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %.3f %.3f %.3f\n", name, m / 1000, v[int(NR * 0.1) + 1] / 1000,
			v[int(NR * 0.9)] / 1000 }'
}

main() {
	local i v cgflag ctl

	[ "$(id -u)" = 0 ] || die "needs root (the jailer does)"
	for f in "$ember" "$jailer" "$guest/vmlinux" "$guest/initramfs.cpio.gz"; do
		[ -e "$f" ] || die "$f missing (make all guest)"
	done
	[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 5 ] || die "BENCH_RUNS must be a number >= 5"
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg" ] || die "no cgroup2 mount (the full variant needs one)"
	ctl=$(cat "$cg/cgroup.controllers")
	cgflag=cgroup.max.descendants=0
	[[ " $ctl " == *" pids "* ]] && cgflag=pids.max=64
	trap cleanup EXIT
	tmp=$(mktemp -d)
	rm -rf "$base"
	mkdir -p "$base" "$out"
	chmod 0755 "$base"
	config "$tmp/vm.json" "$guest/vmlinux" "$guest/initramfs.cpio.gz"
	for v in direct jailed pidns cgroup full; do
		: >"$tmp/$v"
	done
	for i in $(seq "$runs"); do
		timed "$ember" --no-api --config-file "$tmp/vm.json" >>"$tmp/direct"
		run_jailed "j$i" "$tmp/jailed"
		run_jailed "p$i" "$tmp/pidns" --new-pid-ns
		run_jailed "c$i" "$tmp/cgroup" --parent-cgroup $cgparent --cgroup "$cgflag"
		run_jailed "f$i" "$tmp/full" --new-pid-ns --parent-cgroup $cgparent --cgroup "$cgflag"
	done
	{
		echo "# ember-jailer start-up overhead: launch to ember's \"Kernel loaded\" log line"
		echo "# $runs interleaved rounds on $(uname -n), kernel $(uname -r), $(nproc) CPUs;" \
			"ember $(stat -c %s "$ember") bytes (copied into each jail);" \
			"$(wc -l </proc/self/mountinfo) mounts; cgroup setting: $cgflag"
		echo "# variant median_ms p10_ms p90_ms"
		for v in direct jailed pidns cgroup full; do
			stats $v "$tmp/$v"
		done
	} >"$out/jailer.txt"
	awk '!/^#/ { m[$1] = $2 } { print }
		END { printf "overhead (median vs direct): jailed +%.3f ms, pidns +%.3f ms, " \
			"cgroup +%.3f ms, full +%.3f ms\n", m["jailed"] - m["direct"],
			m["pidns"] - m["direct"], m["cgroup"] - m["direct"], m["full"] - m["direct"] }' \
		"$out/jailer.txt" |
		tee "$out/jailer.txt.tmp"
	mv "$out/jailer.txt.tmp" "$out/jailer.txt"
}

main "$@"
