# replay_kata: Kata Containers' Go runtime (virtcontainers/fc.go), jailed as
# it ships, against the real ember: `<fc> --version` read as Kata reads it;
# the jail prepared Kata's way (root and root/run made first, the root
# bind-mounted over itself exec,dev on a nosuid,nodev,noexec /run, files and
# FIFOs placed in it, the FIFOs opened for reading first); ember-jailer with
# Kata's exact argument list; GET / polled every 10 ms until "Running" on
# <root>/run/firecracker.socket; the real pid from <root>/firecracker.pid;
# vCPU threads found by their "fc_vcpu N" names; a hot-plug PATCH
# /drives/drive_0 onto a placeholder, which the guest sees; every metrics
# line a whole JSON object; the jailer's start-time flags in the metrics.
#
# vsock as Kata configures it: the config file's `vsock` {guest_cid 3,
# /kata.hvsock, vsock_id "root"}; the socket exists once GET / says
# Running and Kata chmods it; the agent's CONNECT 1024 is answered by a
# stand-in in the guest (tests/integration/vsockt.c echoing on port 1024).
# timeout: 300
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
# shellcheck source=tests/integration/lib_vsock.sh
. "$(dirname "$LIB")/lib_vsock.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz

# Everything below happens in a mount namespace of its own: /run is
# replaced there (Kata's base is /run/vc), never on the machine itself.
if [ -z "${DROPIN_PRIVATE_NS:-}" ]; then
	export DROPIN_PRIVATE_NS=1
	exec unshare -m --propagation private sh "$0" "$@"
fi
jail_setup

# 1. The version check Kata makes before anything else (fcMinSupportedVersion).
word=$("$EMBER" --version | head -n 1 | awk '{ print $2 }')
ver=${word#v}
echo "$ver" | awk -F. '{ exit !(NF == 3 && ($1 > 0 || ($1 == 0 && ($2 > 21 || ($2 == 21 && $3 >= 1))))) }' ||
	fail "Kata would refuse version \"$word\""

H=$HOSTROOT
id=0123456789abcdef0123456789abcdef # Kata cuts the sandbox id to 32 characters
mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 kata-run "$H/run" || fail "cannot mount a tmpfs on $H/run"
root=/run/vc/firecracker/$id/root
R=$H$root
SOCK=$R/run/firecracker.socket
pid=
readers=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	# shellcheck disable=SC2086 # a list of pids
	[ -n "$readers" ] && kill $readers 2>/dev/null
}
trap cleanup EXIT

# 2. Kata's jail preparation (fc.go: MkdirAll(root/run), bind-mount the root
#    over itself and remount it without noexec and nodev, then its files).
mkdir -p "$R/run" && chmod 0750 "$R" "$R/run" || fail "cannot create $R/run"
mount -o bind "$R" "$R" || fail "cannot bind-mount $R"
mount -o remount,bind,nosuid,exec,dev "$R" || fail "cannot remount $R exec,dev"
mkdir -p "$TDIR/bin" && cp "$EMBER" "$TDIR/bin/firecracker" || fail "cannot copy ember"
jail_link "$ASSETS/vmlinux" "$R/vmlinux"
# The guest: once a drive of exactly 2 MiB appears (the hot-plugged image),
# it writes a marker to it and lets the guest reboot.
cat >"$TDIR/hotplug.sh" <<'GUEST'
/vsockt listen 1024 &
i=0
while [ $i -lt 240 ]; do
	for d in /sys/block/vd*; do
		if [ "$(cat "$d/size")" = 4096 ]; then
			printf 'KATA-HOTPLUG-SEEN' | dd of="/dev/${d##*/}" conv=fsync 2>/dev/null
			exit 0
		fi
	done
	sleep 0.5
	i=$((i + 1))
done
exit 1
GUEST
vsock_initrd "$TDIR/hotplug.sh" "$R/initrd.img"
dd if=/dev/zero of="$R/rootfs.img" bs=1024 count=1024 2>/dev/null || fail "cannot make rootfs.img"
drives=
for n in 0 1 2 3 4 5 6 7; do
	: >"$R/drive_$n" # Kata's placeholders: empty files
	drives="$drives,
    {\"drive_id\": \"drive_$n\", \"path_on_host\": \"/drive_$n\", \"is_root_device\": false, \"is_read_only\": false}"
done
mkfifo "$R/logs.fifo" "$R/metrics.fifo" || fail "mkfifo failed"
# Kata opens both FIFOs for reading before it starts the VMM.
cat "$R/logs.fifo" >"$TDIR/kata-log" &
readers=$!
cat "$R/metrics.fifo" >"$TDIR/kata-metrics" &
readers="$readers $!"
# types.FcConfig as Kata writes it (no initrd in Kata's default image setup;
# the test guest needs one).
cat >"$R/fcConfig.json" <<EOF
{
  "boot-source": {"kernel_image_path": "/vmlinux", "initrd_path": "/initrd.img",
    "boot_args": "$STD_ARGS iommu=off net.ifnames=0 random.trust_cpu=on acpi=off"},
  "machine-config": {"smt": false, "mem_size_mib": 128, "vcpu_count": 1},
  "drives": [
    {"drive_id": "rootfs", "path_on_host": "/rootfs.img", "is_root_device": false, "is_read_only": true}$drives
  ],
  "logger": {"level": "Debug", "log_path": "/logs.fifo"},
  "metrics": {"metrics_path": "/metrics.fifo"},
  "vsock": {"guest_cid": 3, "uds_path": "/kata.hvsock", "vsock_id": "root"}
}
EOF

# 3. The jailer, exactly as Kata runs it.
$JRUN "$JAILER" --id "$id" --exec-file "$TDIR/bin/firecracker" --uid 0 --gid 0 \
	--chroot-base-dir /run/vc --daemonize -- --config-file /fcConfig.json \
	>"$TDIR/jailer.out" 2>&1 || fail "ember-jailer failed: $(head -c 300 "$TDIR/jailer.out")"
pid=$(cat "$R/firecracker.pid") || fail "no $root/firecracker.pid"
[ "$(cat "/proc/$pid/comm")" = firecracker ] || fail "pid $pid is $(cat "/proc/$pid/comm")"

# 4. Kata's wait: GET / every 10 ms until state is "Running" (10 s on real
#    KVM; the TCG test host gets 90 s).
t0=$(uptime_cs)
state=
until [ "$state" = Running ]; do
	[ $(($(uptime_cs) - t0)) -lt 9000 ] || fail "GET / did not say Running within 90 s (last: $state)"
	alive "$pid" || fail "ember exited while Kata waited: $(tail -n 3 "$TDIR/kata-log")"
	body=$(curl -s --max-time 2 --unix-socket "$SOCK" http://localhost/ 2>/dev/null)
	state=$(printf '%s' "$body" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p')
	[ "$state" = Running ] || sleep 0.01
done
echo "Running after $(($(uptime_cs) - t0)) cs" >"$TDIR/boot-summary"
printf '%s' "$body" | grep -q "\"id\":\"$id\"" || fail "GET / names another id: $body"

# 5. Kata's GetThreadIDs: the vCPU threads by name.
vcpus=0
for t in /proc/"$pid"/task/*; do
	case $(cat "$t/comm") in
	"fc_vcpu 0") vcpus=$((vcpus + 1)) ;;
	esac
done
[ "$vcpus" = 1 ] || fail "no thread named \"fc_vcpu 0\": $(cat /proc/"$pid"/task/*/comm | tr '\n' ',')"
[ "$(stat -c %u:%g "$R/run")" = 0:0 ] || fail "/run in the jail is $(stat -c %u:%g "$R/run")"
[ "$(status_field "$pid" CapEff)" = 0000000000000000 ] || fail "ember has capabilities"

# 5b. The hybrid vsock socket is there once Running; Kata chmods it, then
#     its agent client dials CONNECT 1024 until the agent answers.
[ -S "$R/kata.hvsock" ] || fail "no /kata.hvsock in the jail when GET / said Running"
chmod 0660 "$R/kata.hvsock" || fail "cannot chmod /kata.hvsock"
if ! (vsock_connect_retry "$R/kata.hvsock" 1024 65536 120); then
	# Why: is ember alive, and what does its vsock device count?
	alive "$pid" && a=alive || a=gone
	curl -s --max-time 5 --unix-socket "$SOCK" -X PUT -d '{"action_type": "FlushMetrics"}' \
		http://localhost/actions >/dev/null 2>&1
	sleep 1
	v=$(sed -n 's/.*"vsock":{\([^}]*\)}.*/\1/p' "$TDIR/kata-metrics" | head -n 1)
	l=$(grep -v '\[Debug\]' "$TDIR/kata-log" | tail -n 4 | cut -c 40-200 | tr '\n' '|')
	fail "$(cat "$TDIR/reason" 2>/dev/null); ember $a; vsock metrics: $v; log: $l"
fi
echo "CONNECT 1024: $(cat "$TDIR/vsockt.out")" >>"$TDIR/boot-summary"

# 6. Kata's hot-plug: PATCH a placeholder onto an image placed in the jail.
dd if=/dev/zero of="$R/hotplug.img" bs=1024 count=2048 2>/dev/null || fail "cannot make hotplug.img"
code=$(curl -s --max-time 30 --unix-socket "$SOCK" -X PATCH -o "$TDIR/patch.out" -w '%{http_code}' \
	-H 'Content-Type: application/json' \
	-d '{"drive_id": "drive_0", "path_on_host": "/hotplug.img"}' http://localhost/drives/drive_0)
[ "$code" = 204 ] || fail "PATCH /drives/drive_0: $code $(cat "$TDIR/patch.out")"

# 7. The guest saw it, wrote to it and rebooted; ember exits with it (Kata
#    would stop it with SIGTERM instead).
wait_gone "$pid" 180 || fail "ember still runs: the guest never saw the hot-plugged drive"
pid=
head -c 17 "$R/hotplug.img" | grep -q KATA-HOTPLUG-SEEN || fail "the guest did not write to the hot-plugged drive"
sleep 1
# shellcheck disable=SC2086
kill $readers 2>/dev/null
readers=
cp "$TDIR/kata-log" "$TDIR/ember.log"
grep -q 'ember exiting with status 0' "$TDIR/kata-log" || fail "ember's exit: $(tail -n 3 "$TDIR/kata-log")"


# 8. Metrics: Kata unmarshals every line; each must be a whole object, and
#    the first carries the jailer's start-time figures.
lines=$(grep -c '^{"utc_timestamp_ms".*}}$' "$TDIR/kata-metrics")
other=$(grep -v -c '^{"utc_timestamp_ms".*}}$' "$TDIR/kata-metrics")
[ "$lines" -ge 2 ] && [ "$other" = 0 ] || fail "metrics: $lines whole lines, $other others"
us=$(head -n 1 "$TDIR/kata-metrics" | sed -n 's/.*"process_startup_time_us":\([0-9]*\).*/\1/p')
[ -n "$us" ] && [ "$us" -gt 0 ] || fail "process_startup_time_us is \"$us\""
echo "process_startup_time_us $us" >>"$TDIR/boot-summary"
exit 0
