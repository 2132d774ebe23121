# lib.sh - helpers shared by the integration tests (sourced; POSIX sh, runs
# under busybox ash in the test host as well as bash/dash on a normal host).
#
# A test is a file test_<name>.sh started by run-all.sh with:
#   EMBER   the ember binary
#   ASSETS  guest assets: vmlinux, bzImage, initramfs.cpio.gz, debian-vmlinuz
#   TDIR    an empty work directory for this test
# It sources this file, calls write_config and boot, checks the results with
# the expect_* helpers, and exits 0 on success. fail REASON records a
# one-line reason (run-all prints "TEST <name> FAIL <reason>") and exits 1.
#
# Every boot is:
#   ember --no-api --boot-timer --config-file $TDIR/vm.json
# with stdin from /dev/null; the guest console (ember's stdout) goes to
# $TDIR/serial.log and ember's own log (stderr) to $TDIR/ember.log.

# The kernel command line every test starts from. quiet + pci=off keep
# exits and console bytes down (each is expensive in the nested test host).
# shellcheck disable=SC2034 # used by the tests that source this file
STD_ARGS="console=ttyS0 reboot=k panic=1 pci=off quiet"

# Seconds one boot may take before ember is killed (TCG test host numbers;
# on real KVM a boot takes well under a second).
BOOT_TIMEOUT=${EMBER_BOOT_TIMEOUT:-60}

BOOT_RC=
BOOT_SECS=

# fail REASON - record why this test failed and stop it.
fail() {
	echo "$*" >"$TDIR/reason"
	exit 1
}

# need_asset FILE - fail unless $ASSETS/FILE exists.
need_asset() {
	[ -f "$ASSETS/$1" ] || fail "missing guest asset $ASSETS/$1"
}

# uptime_cs - this machine's uptime in centiseconds (busybox date has no %N).
uptime_cs() {
	awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# json_str S - S as a JSON string literal (escapes \ and ").
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# write_config KERNEL INITRD ARGS VCPUS MEM_MIB - $TDIR/vm.json in
# Firecracker's config-file format. INITRD may be empty (no initrd).
write_config() {
	initrd_line=
	[ -n "$2" ] && initrd_line="
    \"initrd_path\": $(json_str "$2"),"
	cat >"$TDIR/vm.json" <<EOF
{
  "boot-source": {
    "kernel_image_path": $(json_str "$1"),$initrd_line
    "boot_args": $(json_str "$3")
  },
  "machine-config": {
    "vcpu_count": $4,
    "mem_size_mib": $5
  }
}
EOF
}

# boot [TIMEOUT_S] - run ember on $TDIR/vm.json. Sets BOOT_RC (ember's exit
# status, or "timeout") and BOOT_SECS; strips the console's \r so that
# serial.log can be grepped line by line.
boot() {
	t=${1:-$BOOT_TIMEOUT}
	t0=$(uptime_cs)
	timeout -k 5 "$t" "$EMBER" --no-api --boot-timer --config-file "$TDIR/vm.json" \
		</dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log"
	BOOT_RC=$?
	t1=$(uptime_cs)
	BOOT_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 100 }')
	tr -d '\r' <"$TDIR/serial.raw" >"$TDIR/serial.log"
	# Timed out: judge by the clock, not the status (GNU timeout says 124,
	# busybox's passes on the child's status, which is 0 for a VMM that
	# exits cleanly on SIGTERM).
	[ $(((t1 - t0) / 100)) -ge $((t - 1)) ] && BOOT_RC=timeout
	echo "ember status $BOOT_RC after $BOOT_SECS s" >"$TDIR/boot-summary"
}

# marker NAME - the value after "NAME " in the guest console, if any.
marker() {
	sed -n "s/^.*$1 //p" "$TDIR/serial.log" | head -n 1
}

# expect_boot_ok - ember ran the guest to EMBER-GUEST-UP and exited 0.
expect_boot_ok() {
	[ "$BOOT_RC" = timeout ] &&
		fail "ember did not exit within its timeout ($(last_words))"
	grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" ||
		fail "no EMBER-GUEST-UP on the console (ember status $BOOT_RC; $(last_words))"
	[ "$BOOT_RC" -eq 0 ] ||
		fail "guest came up but ember exited with status $BOOT_RC ($(last_words))"
}

# expect_marker NAME VALUE - the guest printed "NAME VALUE".
expect_marker() {
	v=$(marker "$1")
	[ "$v" = "$2" ] || fail "expected $1 $2, got '${v:-nothing}'"
}

# last_words - ember's last error line, else its last line on stderr, else
# the console's last line: a hint for the failure reason.
last_words() {
	w=$(grep -i 'error' "$TDIR/ember.log" 2>/dev/null | tail -n 1)
	[ -n "$w" ] || w=$(grep -v '^[[:space:]]*$' "$TDIR/ember.log" 2>/dev/null | tail -n 1)
	[ -n "$w" ] || w="console: $(grep -v '^[[:space:]]*$' "$TDIR/serial.log" 2>/dev/null | tail -n 1)"
	printf '%s' "$w" | cut -c1-160
}
