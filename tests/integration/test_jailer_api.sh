# jailer_api: a jailed ember driven through its API. The socket appears in
# the jail's /run, where the host reaches it; requests name files by their
# paths inside the jail (a kernel and initrd hard-linked in) and the guest
# boots; a host path outside the jail is not reachable from ember (PUT
# /logger to it fails and nothing is created there; /run/ember.log works).
# timeout: 180
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/lib_jailer.sh
. "$(dirname "$LIB")/lib_jailer.sh"
need_asset vmlinux
need_asset initramfs.cpio.gz
jail_setup

base=/srv/ember-it-api
id=japi-$$
root=$base/ember/$id/root
SOCK=$root/run/ember.socket
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT
jail_base "$base"
mkdir -p "$root"
jail_link "$ASSETS/vmlinux" "$root/vmlinux"
jail_link "$ASSETS/initramfs.cpio.gz" "$root/initrd.img"

$JRUN "$JAILER" --id "$id" --exec-file "$EMBER" --uid $JAIL_UID --gid $JAIL_GID \
	--chroot-base-dir "$base" --daemonize --new-pid-ns -- --api-sock /run/ember.socket \
	--boot-timer --serial-out /run/serial.log >"$TDIR/jailer.out" 2>&1 ||
	fail "ember-jailer failed: $(head -c 200 "$TDIR/jailer.out")"
pid=$(cat "$root/ember.pid")
i=0
until [ -S "$SOCK" ] && api GET / && [ "$API_STATUS" = 200 ]; do
	[ $i -lt 100 ] || fail "the jailed API socket $SOCK did not answer within 10 s"
	alive "$pid" || fail "the jailed ember exited at start-up"
	sleep 0.1
	i=$((i + 1))
done
[ "$(stat -c %u "$SOCK")" = "$JAIL_UID" ] || fail "the socket is not owned by the jailed uid"

# The host's file system is out of reach.
api PUT /logger "{\"log_path\": \"$TDIR/outside.log\", \"level\": \"Info\"}"
case $API_STATUS in
2??) fail "PUT /logger to a host path outside the jail succeeded" ;;
esac
[ ! -e "$TDIR/outside.log" ] || fail "ember created $TDIR/outside.log outside its jail"
# The jail's /run is ember's to write.
api_ok PUT /logger '{"log_path": "/run/ember.log", "level": "Info"}'

api_ok PUT /boot-source "{\"kernel_image_path\": \"/vmlinux\", \"initrd_path\": \"/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config '{"vcpu_count": 1, "mem_size_mib": 128}'
api_ok PUT /actions '{"action_type": "InstanceStart"}'
wait_for "$root/run/serial.log" '^EMBER-GUEST-UP' 120 || fail "no EMBER-GUEST-UP from the jailed guest"
wait_gone "$pid" 120 || fail "the jailed ember did not exit after the guest rebooted"
cp "$root/run/ember.log" "$TDIR/ember.log"
tr -d '\r' <"$root/run/serial.log" >"$TDIR/serial.log"
grep -q 'ember exiting with status 0' "$TDIR/ember.log" || fail "ember's exit: $(last_words)"
