# snapshot_clones: a guest with a virtio-net interface (link-local address,
# default route on eth0) is snapshotted; two clones are loaded from that one
# snapshot at once, each in its own ember with its own tap through
# network_overrides, and both run: each answers ping on its own tap and
# keeps counting on its console. VMGenID: each clone's guest sees a new
# generation ID (vmgenid driver: "crng reseeded due to virtual machine fork"),
# different from the snapshotted guest's and from the other clone's.
# timeout: 900
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
need_asset vmlinux
base=embsb$$
ta=embsa$$
tb=embsc$$
guest_ip=169.254.100.2
PID_A=
PID_B=
cleanup() {
	api_stop
	[ -n "$PID_A" ] && kill -9 "$PID_A" 2>/dev/null
	[ -n "$PID_B" ] && kill -9 "$PID_B" 2>/dev/null
	del_tap "$base"
	del_tap "$ta"
	del_tap "$tb"
}
trap cleanup EXIT
make_tap "$base" 169.254.100.1/24

cat >"$TDIR/clone.sh" <<GUEST
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
ip route add default dev eth0
# The VMGenID's 16 bytes (VMGENID_ADDR, vmm/layout.h; e820-reserved, so
# /dev/mem may read them).
genid() {
	for o in 0 4 8 c; do devmem 0xff00\$o 32; done | tr -d '\n'
}
# The crng must be ready before the snapshot: only a ready one is reseeded.
head -c 1 /dev/random >/dev/null
echo "EMBER-GENID-BOOT \$(genid)"
forked=
n=0
while :; do
	n=\$((n + 1))
	if [ -z "\$forked" ] && dmesg | grep -q 'reseeded due to virtual machine fork'; then
		forked=1
		echo "EMBER-GENID-FORK \$(genid)"
	fi
	echo "EMBER-COUNT \$n"
	sleep 1
done
GUEST
initrd_with_test "$TDIR/clone.sh"

api_start
api_ok PUT /vm "{\"boot-source\": {\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}, \"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}, \"network-interfaces\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"$base\", \"guest_mac\": \"06:00:a9:fe:64:02\"}], \"start\": true}"
wait_console 'EMBER-COUNT 2' 180
ping -c 2 -W 10 "$guest_ip" >/dev/null || fail "the host cannot ping the guest before the snapshot"
api_ok PATCH /vm '{"state": "Paused"}'
api_ok PUT /snapshot/create "{\"snapshot_path\": \"$TDIR/snap\", \"mem_file_path\": \"$TDIR/mem\"}"
kill -9 "$EMBER_PID"
wait "$EMBER_PID" 2>/dev/null
EMBER_PID=
del_tap "$base"

# Each clone's tap: its own host address; the guest address routed to both,
# tap A preferred, so "ping -I" picks the tap.
make_tap "$ta" 169.254.101.1/32
make_tap "$tb" 169.254.102.1/32
ip route add "$guest_ip" dev "$ta" metric 1 || fail "route via $ta"
ip route add "$guest_ip" dev "$tb" metric 2 || fail "route via $tb"

# clone NAME TAP - start an ember and load the snapshot with TAP; sets CPID.
clone() {
	"$EMBER" --api-sock "$TDIR/$1.sock" </dev/null >"$TDIR/$1.raw" 2>"$TDIR/$1.log" &
	CPID=$!
	i=0
	while [ ! -S "$TDIR/$1.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	SOCK=$TDIR/$1.sock
	api_ok PUT /snapshot/load "{\"snapshot_path\": \"$TDIR/snap\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \"$TDIR/mem\"}, \"network_overrides\": [{\"iface_id\": \"eth0\", \"host_dev_name\": \"$2\"}], \"resume_vm\": true}"
}
clone a "$ta"
PID_A=$CPID
clone b "$tb"
PID_B=$CPID

# counting FILE - the number of counter lines FILE has.
counting() {
	tr -d '\r' <"$1" | grep -c '^EMBER-COUNT '
}
i=0
while [ "$(counting "$TDIR/a.raw")" -lt 2 ] || [ "$(counting "$TDIR/b.raw")" -lt 2 ]; do
	[ $i -ge 600 ] && fail "the clones do not both count (a: $(counting "$TDIR/a.raw"), b: $(counting "$TDIR/b.raw"))"
	kill -0 "$PID_A" 2>/dev/null || fail "clone a exited: $(tail -n 2 "$TDIR/a.log")"
	kill -0 "$PID_B" 2>/dev/null || fail "clone b exited: $(tail -n 2 "$TDIR/b.log")"
	sleep 0.1
	i=$((i + 1))
done
# genid_of FILE MARKER - the ID after MARKER in console FILE.
genid_of() {
	tr -d '\r' <"$1" | sed -n "s/^$2 //p" | head -n 1
}
boot_id=$(genid_of "$TDIR/serial.raw" EMBER-GENID-BOOT)
[ -n "$boot_id" ] || fail "the guest printed no VMGenID before the snapshot"
i=0
while [ -z "$(genid_of "$TDIR/a.raw" EMBER-GENID-FORK)" ] || [ -z "$(genid_of "$TDIR/b.raw" EMBER-GENID-FORK)" ]; do
	[ $i -ge 300 ] && fail "a clone's guest saw no VM fork (vmgenid reseed) within 30 s"
	sleep 0.1
	i=$((i + 1))
done
id_a=$(genid_of "$TDIR/a.raw" EMBER-GENID-FORK)
id_b=$(genid_of "$TDIR/b.raw" EMBER-GENID-FORK)
[ "$id_a" != "$boot_id" ] && [ "$id_b" != "$boot_id" ] && [ "$id_a" != "$id_b" ] ||
	fail "VMGenID not regenerated per clone (boot $boot_id, a $id_a, b $id_b)"
ping -c 3 -W 10 -I "$ta" "$guest_ip" >/dev/null || fail "clone a does not answer on $ta"
ping -c 3 -W 10 -I "$tb" "$guest_ip" >/dev/null || fail "clone b does not answer on $tb"
echo "two clones of one snapshot running, each answering ping on its own tap" >"$TDIR/boot-summary"
exit 0
