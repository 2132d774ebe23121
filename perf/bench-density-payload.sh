#!/bin/sh
# bench-density-payload.sh - make bench-density's side inside the nested
# test host (busybox sh). perf/bench-density.sh copies it to the payload as
# run.sh, with ember, the guest bzImage, initrd.img (the guest initramfs +
# the workload as /test.sh, see bench-density.sh) and bench.conf:
#   N=max microVMs  MEM_MIB=guest RAM  INFLATE_MIB=balloon  VMMS="ember qemu"
#   FLOOR_MIB=stop booting when MemAvailable falls below this
#
# For each VMM, two rounds of up to N microVMs at once, all with a
# virtio-balloon device and one read-only drive (a 16 MiB image shared by
# all), each running the workload (touch and free 128 MiB, read the drive
# through the page cache):
#   round "plain":     balloon at 0, free page reporting off. Sampled once
#                      every guest printed BENCH-WORKED (phase plain), then
#                      every balloon is inflated by INFLATE_MIB (ember:
#                      PATCH /balloon; QEMU: HMP "balloon" through a pipe
#                      monitor) and sampled again once each VMM's RSS fell
#                      by 3/4 of it or 90 s passed (phase inflated);
#   round "reporting": free page reporting on; sampled 30 s after the last
#                      guest printed BENCH-WORKED (phase reporting).
# Booting stops early when MemAvailable falls below FLOOR_MIB. One line per
# VM and phase:
#   BENCH-DENSITY vmm=V phase=P vm=I rss_kib=N pss_kib=N
# with the host's MemAvailable at that moment:
#   BENCH-AVAIL vmm=V phase=P n=N avail_kib=N
# and per round:
#   BENCH-ROUND vmm=V round=R n=N worked=N avail_before_kib=N avail_after_kib=N limit=cap|memory
# (MemAvailable before the first boot and after the workloads, for the
# host's whole cost per VM: VMM, guest RAM, KVM, page tables).

cd /payload || exit 125
. ./bench.conf
W=/tmp/density
QEMU_DIR=/opt/qemu
QEMU_PREFIX="$QEMU_DIR/lib/ld-linux-x86-64.so.2 --library-path $QEMU_DIR/lib
$QEMU_DIR/bin/qemu-system-x86_64-microvm -L $QEMU_DIR/share/qemu -bios bios-microvm.bin"
ARGS="console=ttyS0 reboot=k panic=1 quiet pci=off"
COUNT=0

note() {
	echo "BENCH-NOTE $*"
}

avail_kib() {
	awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo
}

# rollup PID FIELD - a field of /proc/PID/smaps_rollup in KiB, else NA.
rollup() {
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print "NA" }' \
		"/proc/$1/smaps_rollup" 2>/dev/null || echo NA
}

rss() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

start_ember() { # I REPORTING
	d=$W/vm$1
	mkdir -p "$d"
	cat >"$d/vm.json" <<J
{
  "boot-source": { "kernel_image_path": "/payload/bzImage", "initrd_path": "/payload/initrd.img",
                   "boot_args": "$ARGS" },
  "machine-config": { "vcpu_count": 1, "mem_size_mib": $MEM_MIB },
  "drives": [ { "drive_id": "data", "path_on_host": "$W/data.img", "is_root_device": false,
                "is_read_only": true } ],
  "balloon": { "amount_mib": 0, "deflate_on_oom": true, "free_page_reporting": $2 }
}
J
	./ember --api-sock "$d/api.sock" --config-file "$d/vm.json" </dev/null >"$d/con" 2>"$d/err" &
	echo $! >"$d/pid"
}

start_qemu() { # I REPORTING
	d=$W/vm$1
	mkdir -p "$d"
	rep=off
	[ "$2" = true ] && rep=on
	rm -f "$d/mon.in" "$d/mon.out"
	mkfifo "$d/mon.in" "$d/mon.out"
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	$QEMU_PREFIX -M microvm,acpi=off,pcie=off,rtc=off,smm=off,ioapic2=off,isa-serial=on \
		-enable-kvm -cpu host -m "$MEM_MIB" -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot -device i8042 \
		-chardev pipe,id=mon,path="$d/mon" -mon chardev=mon,mode=readline \
		-drive id=data,file="$W/data.img",format=raw,if=none,readonly=on \
		-device virtio-blk-device,drive=data \
		-device virtio-balloon-device,deflate-on-oom=on,free-page-reporting=$rep \
		-kernel /payload/bzImage -initrd /payload/initrd.img -append "$ARGS" \
		</dev/null >"$d/con" 2>"$d/err" &
	echo $! >"$d/pid"
	cat "$d/mon.out" >"$d/mon.log" 2>/dev/null &
	echo $! >"$d/catpid"
}

pid_of() {
	cat "$W/vm$1/pid"
}

# worked - how many of the COUNT guests printed BENCH-WORKED.
worked() {
	n=0
	i=1
	while [ "$i" -le "$COUNT" ]; do
		grep -q BENCH-WORKED "$W/vm$i/con" 2>/dev/null && n=$((n + 1))
		i=$((i + 1))
	done
	echo "$n"
}

# wait_worked SECS - until every guest worked; 1 on timeout.
wait_worked() {
	t=0
	while [ "$(worked)" -lt "$COUNT" ]; do
		[ "$t" -ge "$1" ] && return 1
		sleep 2
		t=$((t + 2))
	done
	return 0
}

sample() { # VMM PHASE
	echo "BENCH-AVAIL vmm=$1 phase=$2 n=$COUNT avail_kib=$(avail_kib)"
	i=1
	while [ "$i" -le "$COUNT" ]; do
		p=$(pid_of "$i")
		echo "BENCH-DENSITY vmm=$1 phase=$2 vm=$i rss_kib=$(rollup "$p" Rss) pss_kib=$(rollup "$p" Pss)"
		i=$((i + 1))
	done
}

inflate() { # VMM
	i=1
	while [ "$i" -le "$COUNT" ]; do
		d=$W/vm$i
		rss "$(pid_of "$i")" >"$d/rss0"
		if [ "$1" = ember ]; then
			curl -s --max-time 30 --unix-socket "$d/api.sock" -X PATCH -H 'Content-Type: application/json' \
				-d "{\"amount_mib\": $INFLATE_MIB}" http://localhost/balloon >"$d/patch.out" 2>&1
		else
			echo "balloon $((MEM_MIB - INFLATE_MIB))" >"$d/mon.in"
		fi
		i=$((i + 1))
	done
	# Until every VMM's RSS fell by 3/4 of the balloon, or 90 s.
	t=0
	while [ "$t" -lt 90 ]; do
		i=1
		done_n=0
		while [ "$i" -le "$COUNT" ]; do
			r0=$(cat "$W/vm$i/rss0")
			r=$(rss "$(pid_of "$i")")
			[ -n "$r" ] && [ $((r0 - r)) -ge $((INFLATE_MIB * 1024 * 3 / 4)) ] && done_n=$((done_n + 1))
			i=$((i + 1))
		done
		[ "$done_n" -ge "$COUNT" ] && break
		sleep 3
		t=$((t + 3))
	done
	note "vmm=$1 inflated: $done_n of $COUNT VMMs' RSS fell by >= 3/4 of $INFLATE_MIB MiB after ${t} s"
}

stop_all() {
	i=1
	while [ "$i" -le "$COUNT" ]; do
		for f in pid catpid; do
			[ -f "$W/vm$i/$f" ] || continue
			p=$(cat "$W/vm$i/$f")
			kill -9 "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		done
		i=$((i + 1))
	done
	rm -rf "$W"/vm*
	COUNT=0
}

round() { # VMM ROUND
	rep=false
	[ "$2" = reporting ] && rep=true
	before=$(avail_kib)
	limit=cap
	COUNT=0
	while [ "$COUNT" -lt "$N" ]; do
		if [ $(($(avail_kib) / 1024)) -lt "$FLOOR_MIB" ]; then
			limit=memory
			break
		fi
		COUNT=$((COUNT + 1))
		"start_$1" "$COUNT" "$rep"
		# Let each boot get going before the next: one TCG vCPU runs all.
		sleep 1
	done
	wait_worked $((120 + COUNT * 20)) || note "vmm=$1 round=$2: only $(worked) of $COUNT guests worked"
	case $2 in
	plain)
		sleep 5
		sample "$1" plain
		inflate "$1"
		sample "$1" inflated
		;;
	reporting)
		sleep 30
		sample "$1" reporting
		;;
	esac
	echo "BENCH-ROUND vmm=$1 round=$2 n=$COUNT worked=$(worked) avail_before_kib=$before" \
		"avail_after_kib=$(avail_kib) limit=$limit"
	w=$(worked)
	[ "$w" -lt "$COUNT" ] && note "vmm=$1 round=$2 vm1 console: $(tail -c 200 "$W/vm1/con" | tr -d '\r' | tr '\n' ' ')" \
		"stderr: $(tail -c 200 "$W/vm1/err" | tr '\n' ' ')"
	stop_all
}

main() {
	mkdir -p "$W"
	dd if=/dev/urandom of="$W/data.img" bs=1M count=16 2>/dev/null
	# shellcheck disable=SC2086 # QEMU_PREFIX is a word list
	note "testhost kernel=$(uname -r) mem_kib=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" \
		"qemu=$($QEMU_PREFIX -version 2>&1 | head -n 1 | tr ' ' '_')" \
		"ember=$(./ember --version 2>&1 | head -n 1 | tr ' ' '_')"
	for v in $VMMS; do
		round "$v" plain
		round "$v" reporting
	done
	return 0
}

main
