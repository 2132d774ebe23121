#!/usr/bin/env bash
# bench-jailer.sh - what ember-jailer adds to ember's start-up (make bench-jailer).
#
# Two start-up times, each from launching a command until ember is ready:
#   api   ember without a config file (it waits for the API): until its API
#         socket accepts a connection (perf/apiclient.c connects, retrying
#         every millisecond, and sends GET /; the time of the successful
#         connect counts). This is issue 5's figure: "launching the jailer to
#         the API socket accepting, versus launching ember directly".
#   log   ember with a config file (--no-api): until its first log line,
#         "Kernel loaded using ...": by then ember has parsed its config,
#         mapped guest RAM, opened the jail's /dev/kvm, created the VM and
#         loaded the kernel from the jail, so the jailed ember demonstrably
#         works inside its jail. ember is killed at that line: no guest has to
#         boot, so any /dev/kvm that can create VMs will do.
# Each in five variants:
#   direct   ember itself
#   jailed   ember-jailer --id .. --exec-file .. --uid .. --gid .. -- (same),
#            which execs ember in place
#   pidns    jailed plus --new-pid-ns (a fork; the jailer stays as supervisor)
#   cgroup   jailed plus a cgroup of its own (--cgroup pids.max=64, or
#            cgroup.max.descendants=0 when the pids controller is not in the
#            cgroup2 hierarchy): mkdir, write the value, join
#   full     jailed plus both
# Rounds are interleaved (every variant of both kinds, then again) so that
# drift in the machine's load hits all alike. The caller's preparation of each
# jail (hard links, config file) and the teardown are not timed. Prints the
# median, 10th and 90th percentiles per variant and the overhead of the jail
# (median differences); writes build/bench/jailer.txt.
#
# Needs root, gcc, build/ember, build/ember-jailer, build/guest/vmlinux and
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
apiclient=$out/api-tools/apiclient
variants="direct jailed pidns cgroup full"
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
	[ -n "$cg" ] && rmdir "$cg/$cgparent" 2>/dev/null || true
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

# timed_log CMD... - microseconds from launch to ember's "Kernel loaded" line
# on stderr (through a FIFO, so that the process can be killed afterwards).
timed_log() {
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

# timed_api SOCKET CMD... - microseconds from launch to SOCKET accepting.
timed_api() {
	local sock=$1 t0 pid line

	shift
	t0=$EPOCHREALTIME
	"$@" </dev/null >/dev/null 2>"$tmp/api.err" &
	pid=$!
	line=$("$apiclient" "$sock" GET / "" 2>/dev/null | grep '^first_send_us=') || true
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$line" ] || die "no API answer on $sock from: $* ($(head -c 300 "$tmp/api.err"))"
	echo $((${line#first_send_us=} - ${t0/./}))
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

# run_jailed KIND ID OUT [FLAGS...] - one timed jailed start of KIND (api or
# log) into OUT, then the teardown.
run_jailed() {
	local kind=$1 id=$2 file=$3 root=$base/ember/$2/root

	shift 3
	prepare "$id"
	if [ "$kind" = api ]; then
		timed_api "$root/run/ember.socket" "$jailer" --id "$id" --exec-file "$ember" \
			--uid $uid --gid $gid --chroot-base-dir "$base" "$@" -- \
			--api-sock /run/ember.socket >>"$file"
	else
		timed_log "$jailer" --id "$id" --exec-file "$ember" --uid $uid --gid $gid \
			--chroot-base-dir "$base" "$@" -- --no-api --config-file /vm.json >>"$file"
	fi
	wait_dead "$id"
	cg_rmdir "$cg/$cgparent/$id"
	rm -rf "${base:?}/ember/$id"
}

# cg_rmdir DIR - remove a cgroup once its last task is gone (a zombie's
# other threads may still be on their way out).
cg_rmdir() {
	local i

	[ -d "$1" ] || return 0
	for i in $(seq 100); do
		rmdir "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	die "cannot remove the cgroup $1"
}

# round KIND I CGFLAG - one start of each variant.
round() {
	local kind=$1 i=$2 cgflag=$3

	if [ "$kind" = api ]; then
		rm -f "$tmp/api.sock"
		timed_api "$tmp/api.sock" "$ember" --api-sock "$tmp/api.sock" >>"$tmp/api-direct"
	else
		timed_log "$ember" --no-api --config-file "$tmp/vm.json" >>"$tmp/log-direct"
	fi
	run_jailed "$kind" "$kind-j$i" "$tmp/$kind-jailed"
	run_jailed "$kind" "$kind-p$i" "$tmp/$kind-pidns" --new-pid-ns
	run_jailed "$kind" "$kind-c$i" "$tmp/$kind-cgroup" --parent-cgroup $cgparent \
		--cgroup "$cgflag"
	run_jailed "$kind" "$kind-f$i" "$tmp/$kind-full" --new-pid-ns --parent-cgroup $cgparent \
		--cgroup "$cgflag"
}

# stats NAME FILE - "NAME median p10 p90" in ms from microsecond samples.
stats() {
	sort -n "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %.3f %.3f %.3f\n", name, m / 1000, v[int(NR * 0.1) + 1] / 1000,
			v[int(NR * 0.9)] / 1000 }'
}

main() {
	local i k v cgflag ctl

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
	mkdir -p "$(dirname "$apiclient")"
	gcc -O2 -static -Wall -Wextra -Werror -o "$apiclient" "$here/apiclient.c"
	tmp=$(mktemp -d)
	rm -rf "$base"
	mkdir -p "$base" "$out"
	chmod 0755 "$base"
	config "$tmp/vm.json" "$guest/vmlinux" "$guest/initramfs.cpio.gz"
	for k in api log; do
		for v in $variants; do
			: >"$tmp/$k-$v"
		done
	done
	for i in $(seq "$runs"); do
		round api "$i" "$cgflag"
		round log "$i" "$cgflag"
	done
	{
		echo "# ember-jailer start-up overhead; $runs interleaved rounds on $(uname -n)," \
			"kernel $(uname -r), $(nproc) CPUs"
		echo "# ember $(stat -c %s "$ember") bytes (copied into each jail);" \
			"$(wc -l </proc/self/mountinfo) mounts; cgroup setting: $cgflag"
		echo "# api: launch to the API socket accepting; log: launch to \"Kernel loaded\""
		echo "# measure variant median_ms p10_ms p90_ms"
		for k in api log; do
			for v in $variants; do
				stats "$k $v" "$tmp/$k-$v"
			done
		done
	} >"$out/jailer.txt"
	awk '!/^#/ { m[$1 " " $2] = $3 } { print }
		END {
			for (k = 0; k < 2; k++) {
				kind = k ? "log" : "api"
				printf "overhead %s (median vs direct):", kind
				n = split("jailed pidns cgroup full", v, " ")
				for (i = 1; i <= n; i++)
					printf " %s +%.3f ms", v[i], m[kind " " v[i]] - m[kind " direct"]
				printf "\n"
			}
		}' "$out/jailer.txt" >"$out/jailer.txt.tmp"
	mv "$out/jailer.txt.tmp" "$out/jailer.txt"
	cat "$out/jailer.txt"
}

main "$@"
