# lib_virtio.sh - helpers for the virtio-blk / virtio-net integration tests
# (sourced after lib.sh; POSIX sh, busybox ash in the test host).
#
# Host tools used: mke2fs, e2fsck, debugfs (e2fsprogs; the test host has
# them under /usr/sbin), cpio, and for the network tests tunctl (busybox) or
# ip tuntap (iproute2) plus ip.

# e2tool NAME - e2fsprogs' NAME by path: busybox sh runs its own applets
# (its mke2fs knows no -t or -d) in preference to anything on PATH.
e2tool() {
	for p in /usr/sbin/$1 /sbin/$1; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	echo "$1"
}
MKE2FS=$(e2tool mke2fs)
E2FSCK=$(e2tool e2fsck)
DEBUGFS=$(e2tool debugfs)

# vm_json KERNEL INITRD ARGS VCPUS MEM_MIB DRIVES NETS - write $TDIR/vm.json;
# INITRD may be empty; DRIVES and NETS are the bodies of the JSON arrays
# (drive_json / net_json output joined with commas, or empty).
vm_json() {
	initrd_line=
	[ -n "$2" ] && initrd_line="
    \"initrd_path\": $(json_str "$2"),"
	cat >"$TDIR/vm.json" <<EOF
{
  "boot-source": {
    "kernel_image_path": $(json_str "$1"),$initrd_line
    "boot_args": $(json_str "$3")
  },
  "machine-config": { "vcpu_count": $4, "mem_size_mib": $5 },
  "drives": [ $6 ],
  "network-interfaces": [ $7 ]
}
EOF
}

# drive_json ID PATH ROOT RO [EXTRA] - one drive object; ROOT and RO are
# true/false, EXTRA more members ("\"io_engine\": \"Async\"").
drive_json() {
	printf '{ "drive_id": "%s", "path_on_host": %s, "is_root_device": %s, "is_read_only": %s%s }' \
		"$1" "$(json_str "$2")" "$3" "$4" "${5:+, $5}"
}

# net_json ID TAP [MAC] - one network interface object.
net_json() {
	printf '{ "iface_id": "%s", "host_dev_name": "%s"%s }' "$1" "$2" \
		"${3:+, \"guest_mac\": \"$3\"}"
}

# make_rootfs IMG MIB - an ext4 image of MIB MiB with the guest userspace
# (unpacked from the initramfs: /init, /sbin/init, busybox) and, if
# $TDIR/test.sh exists, that script as /test.sh (the guest init runs it).
make_rootfs() {
	d=$TDIR/rootdir
	rm -rf "$d" "$1"
	mkdir -p "$d"
	(cd "$d" && gzip -dc "$ASSETS/initramfs.cpio.gz" | cpio -id 2>/dev/null) ||
		fail "cannot unpack $ASSETS/initramfs.cpio.gz"
	if [ -f "$TDIR/test.sh" ]; then
		cp "$TDIR/test.sh" "$d/test.sh" && chmod 0755 "$d/test.sh"
	fi
	"$MKE2FS" -q -F -t ext4 -b 4096 -L ember-root -d "$d" "$1" "${2}M" >"$TDIR/mke2fs.log" 2>&1 ||
		fail "mke2fs failed: $(tail -n 1 "$TDIR/mke2fs.log")"
	rm -rf "$d"
}

# test_initrd OUT - the guest initramfs with $TDIR/test.sh appended as
# /test.sh (a second, gzip'ed cpio archive).
test_initrd() {
	mkdir -p "$TDIR/extra"
	cp "$TDIR/test.sh" "$TDIR/extra/test.sh" && chmod 0755 "$TDIR/extra/test.sh"
	(cd "$TDIR/extra" && echo test.sh | cpio -o -H newc 2>/dev/null) | gzip -c >"$TDIR/extra.cpio.gz" ||
		fail "cannot build the test cpio"
	cat "$ASSETS/initramfs.cpio.gz" "$TDIR/extra.cpio.gz" >"$1"
}

# sha_of FILE - the sha256 of FILE, hex only.
sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# check_fs IMG - e2fsck -fn must find IMG clean.
check_fs() {
	"$E2FSCK" -fn "$1" >"$TDIR/e2fsck.log" 2>&1 ||
		fail "e2fsck -fn $1 found problems (status $?): $(grep -v '^Pass\|^e2fsck\|^ember-root' "$TDIR/e2fsck.log" | head -n 2 | tr '\n' ' ')"
}

# check_file_sha IMG PATH SHA - the file PATH inside ext4 image IMG, read
# with debugfs on the host, has sha256 SHA.
check_file_sha() {
	rm -f "$TDIR/dumped"
	"$DEBUGFS" -R "dump $2 $TDIR/dumped" "$1" >"$TDIR/debugfs.log" 2>&1
	[ -f "$TDIR/dumped" ] || fail "debugfs could not read $2 from $1: $(tail -n 1 "$TDIR/debugfs.log")"
	got=$(sha_of "$TDIR/dumped")
	rm -f "$TDIR/dumped"
	[ "$got" = "$3" ] || fail "$2 in $1 has sha256 $got on the host, the guest wrote $3"
}

# make_tap NAME ADDR/PREFIX - a tap interface with a host address, up.
make_tap() {
	if ! ip tuntap add dev "$1" mode tap 2>/dev/null; then
		tunctl -t "$1" >/dev/null 2>&1 || fail "cannot create tap $1 (no tun driver?)"
	fi
	ip addr add "$2" dev "$1" || fail "cannot address tap $1"
	ip link set "$1" up || fail "cannot bring tap $1 up"
}

# del_tap NAME - remove a tap made by make_tap.
del_tap() {
	ip link del "$1" 2>/dev/null || tunctl -d "$1" >/dev/null 2>&1
}

# boot_bg - start ember on $TDIR/vm.json in the background; EMBER_PID.
boot_bg() {
	"$EMBER" --no-api --boot-timer --config-file "$TDIR/vm.json" \
		</dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log" &
	EMBER_PID=$!
}

# wait_guest_line MARKER SECONDS - wait until the guest console has a line
# starting with MARKER (polling every 0.2 s); fails after SECONDS.
wait_guest_line() {
	n=0
	while [ "$n" -lt $(($2 * 5)) ]; do
		tr -d '\r' <"$TDIR/serial.raw" | grep -q "^$1" && return 0
		kill -0 "$EMBER_PID" 2>/dev/null || fail "ember exited before $1 ($(last_words))"
		sleep 0.2
		n=$((n + 1))
	done
	fail "no $1 on the console within $2 s ($(last_words))"
}

# wait_bg SECONDS - wait for the background ember; sets BOOT_RC
# ("timeout" after SECONDS, the VMM is then killed) and serial.log.
wait_bg() {
	n=0
	while kill -0 "$EMBER_PID" 2>/dev/null && [ "$n" -lt $(($1 * 5)) ]; do
		sleep 0.2
		n=$((n + 1))
	done
	if kill -0 "$EMBER_PID" 2>/dev/null; then
		kill -9 "$EMBER_PID" 2>/dev/null
		wait "$EMBER_PID" 2>/dev/null
		BOOT_RC=timeout
	else
		wait "$EMBER_PID"
		BOOT_RC=$?
	fi
	tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
}

# expect_config_error PATTERN - ember must refuse $TDIR/vm.json: a non-zero
# exit without booting, and an error line matching PATTERN (grep -E).
expect_config_error() {
	timeout -k 5 60 "$EMBER" --no-api --config-file "$TDIR/vm.json" \
		</dev/null >"$TDIR/serial.log" 2>"$TDIR/ember.log"
	rc=$?
	[ "$rc" -ne 0 ] || fail "ember accepted a bad config ($1)"
	grep -q EMBER-GUEST-UP "$TDIR/serial.log" && fail "the guest booted despite: $1"
	grep -Eq "$1" "$TDIR/ember.log" ||
		fail "no error matching '$1' (status $rc): $(last_words)"
}
