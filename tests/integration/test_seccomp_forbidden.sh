# seccomp_forbidden: a thread that makes a call its filter does not allow
# kills the process with SIGSYS, and ember's log names the call. Uses
# build/ember-test, whose test hook (vmm/test_hook.h) makes one thread kind
# misbehave when the VM is paused: the API thread (a call on no list), the
# event loop (mmap with PROT_EXEC: refused by the argument check) and a vCPU
# thread (KVM_GET_REGS on its own fd: only KVM_RUN is allowed). Then the same
# vCPU misbehaviour with --no-seccomp: nothing stops it, and ember warns
# loudly at start-up that it runs unconfined.
# timeout: 420
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux
EMBER_TEST_BIN=$(dirname "$EMBER")/ember-test
[ -x "$EMBER_TEST_BIN" ] || fail "$EMBER_TEST_BIN missing (make build/ember-test)"
cat >"$TDIR/guest-test.sh" <<'EOT'
echo EMBER-SECCOMP-READY
while :; do sleep 1; done
EOT
initrd_with_test "$TDIR/guest-test.sh"
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128

# start_hooked HOOK FLAGS... - ember-test booting vm.json with the hook set.
start_hooked() {
	hook=$1
	shift
	rm -f "$SOCK" "$TDIR/serial.raw"
	EMBER_TEST_FORBIDDEN_SYSCALL=$hook "$EMBER_TEST_BIN" --api-sock "$SOCK" "$@" \
		--config-file "$TDIR/vm.json" </dev/null >"$TDIR/serial.raw" 2>"$TDIR/ember.log" &
	EMBER_PID=$!
	API_T0=$(uptime_cs)
	wait_console EMBER-SECCOMP-READY 120
}

# expect_sigsys HOOK CALL - the hooked thread's CALL ends ember with SIGSYS.
expect_sigsys() {
	start_hooked "$1"
	api PATCH /vm '{"state": "Paused"}' || true # the API thread may die first
	api_wait_exit 30
	[ "$BOOT_RC" -eq $((128 + 31)) ] ||
		fail "$1: ember ended with status $BOOT_RC, not killed by SIGSYS ($(last_words))"
	grep -q "forbidden system call $2 (" "$TDIR/ember.log" ||
		fail "$1: the log does not name $2: $(grep -i seccomp "$TDIR/ember.log" | tail -n 2)"
	echo "$1: SIGSYS, log: $(grep 'forbidden system call' "$TDIR/ember.log" | sed 's/^[^]]*] //')" \
		>>"$TDIR/cases"
	cp "$TDIR/ember.log" "$TDIR/ember-${1%%:*}.log"
}

expect_sigsys api:getppid getppid
expect_sigsys vmm:mmap-exec mmap
expect_sigsys vcpu:ioctl ioctl

# The same misbehaviour without filters: ember survives it, and said so.
start_hooked vcpu:ioctl --no-seccomp
grep -q 'SECCOMP IS DISABLED' "$TDIR/ember.log" || fail "--no-seccomp gave no warning"
api_ok PATCH /vm '{"state": "Paused"}'
api_ok PATCH /vm '{"state": "Resumed"}'
api_alive
api_ok PUT /actions '{"action_type": "SendCtrlAltDel"}'
api_wait_exit 60
[ "$BOOT_RC" -eq 0 ] || fail "--no-seccomp: ember exited with status $BOOT_RC ($(last_words))"
echo "$(cat "$TDIR/boot-summary"); $(tr '\n' ';' <"$TDIR/cases")" >"$TDIR/summary" &&
	mv "$TDIR/summary" "$TDIR/boot-summary"
exit 0
