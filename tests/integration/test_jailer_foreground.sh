# jailer_foreground: without --daemonize the jailer's exit status is
# ember's. Without --new-pid-ns the jailer becomes ember (exec in place);
# with it, the jailer stays as ember's supervisor outside the namespace,
# passes on its exit status and its stdout (the guest console), and killing
# the supervisor takes ember down too (PR_SET_PDEATHSIG).
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
jail_setup

base=/srv/ember-it-fg
jail_base "$base"
trap 'rm -rf "$base"' EXIT

# jail ID [JAILER FLAGS...] - run the jailer on jail ID in the foreground,
# ember's arguments from $EMBER_ARGS; stdout to $TDIR/ID.out.
jail() {
	jid=$1
	shift
	# shellcheck disable=SC2086 # EMBER_ARGS is split on purpose
	$JRUN "$JAILER" --id "$jid" --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
		--chroot-base-dir "$base" "$@" -- --no-api --config-file /vm.json $EMBER_ARGS \
		</dev/null >"$TDIR/$jid.out" 2>"$TDIR/$jid.err"
}

# ember's own failure (no config file in the jail: 152) comes back as is.
EMBER_ARGS=
jail cfg1
rc=$?
[ "$rc" -eq 152 ] || fail "exec in place: status $rc, not ember's 152 ($(head -c 200 "$TDIR/cfg1.err"))"
grep -q 'Configuration for VMM' "$TDIR/cfg1.err" || fail "ember's error did not reach stderr"
[ "$(cat "$base/ember/cfg1/root/ember.pid")" -gt 1 ] || fail "no pid file for cfg1"
jail cfg2 --new-pid-ns
rc=$?
[ "$rc" -eq 152 ] || fail "--new-pid-ns: status $rc, not ember's 152 ($(head -c 200 "$TDIR/cfg2.err"))"

# A full boot under the supervisor: console on the jailer's stdout, status 0.
root=$base/ember/boot/root
mkdir -p "$root"
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
jail_link "$ASSETS/initramfs.cpio.gz" "$root/initrd.img"
jail_config "$root" 1 128
jail boot --new-pid-ns
rc=$?
tr -d '\r' <"$TDIR/boot.out" >"$TDIR/serial.log"
cp "$TDIR/boot.err" "$TDIR/ember.log"
grep -q '^EMBER-GUEST-UP' "$TDIR/serial.log" || fail "no EMBER-GUEST-UP on the jailer's stdout"
[ "$rc" -eq 0 ] || fail "supervised boot: status $rc ($(last_words))"

# Killing the supervisor kills ember.
root=$base/ember/orphan/root
mkdir -p "$root"
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
printf 'echo JAIL-GUEST-WAITING\nsleep 60\n' >"$TDIR/test.sh"
jail_initrd "$TDIR/test.sh" "$root/initrd.img"
jail_config "$root" 1 128
# Not through jail(): $! must be the jailer itself, not a subshell.
$JRUN "$JAILER" --id orphan --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
	--chroot-base-dir "$base" --new-pid-ns -- --no-api --config-file /vm.json \
	</dev/null >"$TDIR/orphan.out" 2>"$TDIR/orphan.err" &
sup=$!
wait_for "$TDIR/orphan.out" JAIL-GUEST-WAITING 120 || fail "the orphan guest never came up"
epid=$(cat "$root/ember.pid")
alive "$epid" || fail "no ember behind $root/ember.pid"
kill -9 "$sup"
wait_gone "$epid" 10 || {
	kill -9 "$epid"
	fail "ember outlived its supervisor"
}
