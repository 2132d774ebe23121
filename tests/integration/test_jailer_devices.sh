# jailer_devices: the device suite's paths, jailed and filtered. ember runs
# under ember-jailer (own uid/gid, PID and mount namespaces, a network
# namespace holding only its tap, a cgroup) with its seccomp filters on, and
# is driven through the API socket in the jail: an ext4 root drive on the
# Async engine (io_uring) and a tap owned by the jailed uid. The guest writes
# 16 MiB, syncs, sends them to the host over TCP, pings the host and is
# pinged back; the VM is paused and resumed; every thread shows Seccomp 2;
# then the guest finishes, ember exits 0, and the image passes e2fsck with
# the file's checksum intact.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
jail_setup

id=jdev-$$
base=/srv/ember-it-dev
root=$base/ember/$id/root
cgdir=$CG/ember-it-dev/$id
SOCK=$root/run/ember.socket
ns=ember-itd-$$
nsfile=$HOSTROOT/run/netns/$ns
tap=jtap$$
host_ip=169.254.101.1
guest_ip=169.254.101.2
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill -9 "$lpid" 2>/dev/null
	cg_rm "$cgdir"
	rmdir "$CG/ember-it-dev" 2>/dev/null
	umount "$nsfile" 2>/dev/null
	rm -f "$nsfile"
	rm -rf "$base"
}
trap cleanup EXIT
# in_ns CMD... - run CMD in the microVM's network namespace.
in_ns() {
	nsenter --net="$nsfile" "$@"
}

# The network namespace with the tap, owned by the jailed uid.
mkdir -p "$HOSTROOT/run/netns" && touch "$nsfile" && unshare --net="$nsfile" true ||
	fail "cannot create a network namespace"
mktap=$(dirname "$EMBER")/test-mktap
[ -x "$mktap" ] || fail "$mktap missing (make build/test-mktap)"
in_ns "$mktap" "$tap" "$JAIL_UID" "$JAIL_GID" || fail "cannot create tap $tap in $ns"
in_ns ip addr add "$host_ip/24" dev "$tap" && in_ns ip link set "$tap" up && in_ns ip link set lo up ||
	fail "cannot configure $tap"

cat >"$TDIR/test.sh" <<EOT
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
dd if=/dev/urandom of=/data.bin bs=1M count=16 2>/dev/null
sync
echo "EMBER-DATA-SHA \$(sha256sum /data.bin | cut -d' ' -f1)"
ping -c 3 -W 10 $host_ip >/dev/null && echo "EMBER-PING-HOST ok"
nc $host_ip 5002 </data.bin && echo "EMBER-TX-DONE ok"
echo EMBER-JAIL-READY
# Wait for the host's go (a connection to 5003), then finish.
nc -l -p 5003 >/dev/null
EOT
jail_base "$base"
mkdir -p "$root"
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
make_rootfs "$root/root.img" 96
chown "$JAIL_UID:$JAIL_GID" "$root/root.img" || fail "cannot chown the image"

# busybox nc ends at the end of either input: hold the listener's stdin open
# so that only the guest's EOF ends it.
mkfifo "$TDIR/hold"
in_ns nc -l -p 5002 <"$TDIR/hold" >"$TDIR/g2h" &
lpid=$!
exec 3>"$TDIR/hold"
$JRUN "$JAILER" --id "$id" --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
	--chroot-base-dir "$base" --netns "/run/netns/$ns" --daemonize --new-pid-ns \
	--cgroup-version 2 --cgroup memory.max=400M --cgroup pids.max=32 \
	--parent-cgroup ember-it-dev -- --api-sock /run/ember.socket --boot-timer \
	--serial-out /run/serial.log --log-path /run/ember.log >"$TDIR/jailer.out" 2>&1 ||
	fail "ember-jailer failed: $(head -c 200 "$TDIR/jailer.out")"
pid=$(cat "$root/ember.pid")
i=0
until [ -S "$SOCK" ] && api GET / && [ "$API_STATUS" = 200 ]; do
	[ $i -lt 100 ] || fail "the jailed API socket did not answer within 10 s"
	alive "$pid" || fail "the jailed ember exited at start-up"
	sleep 0.1
	i=$((i + 1))
done
api_ok PUT /boot-source "{\"kernel_image_path\": \"/vmlinux\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 2, "mem_size_mib": 256}'
api_ok PUT /drives/rootfs '{"drive_id": "rootfs", "path_on_host": "/root.img", "is_root_device": true, "is_read_only": false, "io_engine": "Async"}'
api_ok PUT /network-interfaces/eth0 "{\"iface_id\": \"eth0\", \"host_dev_name\": \"$tap\", \"guest_mac\": \"06:00:a9:fe:65:02\"}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
if ! wait_for "$root/run/serial.log" '^EMBER-JAIL-READY' 300; then
	cp "$root/run/ember.log" "$TDIR/ember.log" 2>/dev/null
	fail "the jailed guest never got ready: $(tail -c 300 "$root/run/serial.log" | tr -d '\r')"
fi
tr -d '\r' <"$root/run/serial.log" >"$TDIR/serial.raw"
wait "$lpid"
lpid=
exec 3>&-
sum=$(sed -n 's/^EMBER-DATA-SHA //p' "$TDIR/serial.raw")
[ -n "$sum" ] || fail "the guest printed no checksum"
grep -q '^EMBER-PING-HOST ok' "$TDIR/serial.raw" || fail "the guest could not ping the host"
[ "$(sha_of "$TDIR/g2h")" = "$sum" ] || fail "the 16 MiB sent over TCP arrived damaged"
in_ns ping -c 3 -W 10 "$guest_ip" >/dev/null || fail "the host cannot ping the guest"

api_ok PATCH /vm '{"state": "Paused"}'
api_ok PATCH /vm '{"state": "Resumed"}'
for st in /proc/$pid/task/*/status; do
	t=$(dirname "$st")
	t=${t##*/}
	[ "$(status_field "$pid/task/$t" Seccomp)" = 2 ] ||
		fail "thread $t ($(cat "/proc/$pid/task/$t/comm")): Seccomp $(status_field "$pid/task/$t" Seccomp)"
done
echo go | in_ns nc "$guest_ip" 5003 || fail "cannot tell the guest to finish"
wait_gone "$pid" 120 || fail "the jailed ember did not exit after the guest finished"
pid=
cp "$root/run/ember.log" "$TDIR/ember.log"
grep -q 'ember exiting with status 0' "$TDIR/ember.log" || fail "ember's exit: $(last_words)"
grep -q 'forbidden system call' "$TDIR/ember.log" && fail "a filter refused a call: $(last_words)"
grep -q 'Async engine' "$TDIR/ember.log" || fail "the drive did not use the Async engine"
check_fs "$root/root.img"
check_file_sha "$root/root.img" /data.bin "$sum"
echo "ember status 0; 16 MiB via blk (Async) and TCP, jailed and filtered" >"$TDIR/boot-summary"
exit 0
