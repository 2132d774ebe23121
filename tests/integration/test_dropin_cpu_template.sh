# dropin_cpu_template: machine-config's "cpu_template" with Firecracker's
# static templates. The template made for this host's vendor (T2 on Intel,
# T2A on AMD) boots and the guest sees the template's CPU (family 6, model
# 63, no AVX-512); the other vendor's template fails InstanceStart with
# Firecracker's message before anything is built (ember stays up), and
# GET /machine-config shows the name.
# timeout: 240
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
trap api_stop EXIT
need_asset vmlinux

case $(grep -m 1 '^vendor_id' /proc/cpuinfo) in
*GenuineIntel*) good=T2 bad=T2A others="" ;;
*AuthenticAMD*) good=T2A bad=T2 others="C3 T2S T2CL" ;;
*) fail "unknown host CPU vendor: $(grep -m 1 '^vendor_id' /proc/cpuinfo)" ;;
esac

cat >"$TDIR/cpu.sh" <<'GUEST'
echo "CT-FAMILY $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "CT-MODEL $(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
grep -q avx512 /proc/cpuinfo && echo CT-AVX512 || echo CT-NO-AVX512
GUEST
initrd_with_test "$TDIR/cpu.sh"

# The other vendor's template: accepted by PUT, refused at InstanceStart.
api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"$bad\"}"
api_ok GET /machine-config
case $API_BODY in *"\"cpu_template\":\"$bad\""*) ;; *) fail "GET /machine-config: $API_BODY" ;; esac
api_fault 400 "Start microvm error: Failed to get CPU template: CPU vendor mismatched between actual CPU and CPU template." \
	PUT /actions '{"action_type": "InstanceStart"}'
# Refused before anything was built: the instance lives on, still configurable.
api_alive
for t in $others; do
	api_ok PATCH /machine-config "{\"cpu_template\": \"$t\"}"
	api_fault 400 "Start microvm error: Failed to get CPU template: CPU vendor mismatched between actual CPU and CPU template." \
		PUT /actions '{"action_type": "InstanceStart"}'
done
api_ok GET /
case $API_BODY in *'"state":"Not started"'*) ;; *) fail "after the refused start: $API_BODY" ;; esac
api_stop
mv "$TDIR/ember.log" "$TDIR/ember-bad.log"
rm -f "$SOCK"

# This host's template: the guest sees the template's CPU.
api_start
api_ok PUT /boot-source "{\"kernel_image_path\": \"$ASSETS/vmlinux\", \"initrd_path\": \"$TDIR/initrd.img\", \"boot_args\": \"$STD_ARGS\"}"
api_ok PUT /machine-config "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"$good\"}"
api_ok PUT /actions '{"action_type": "InstanceStart"}'
api_wait_exit 120
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC with $good ($(last_words))"
grep -q '^CT-FAMILY 6' "$TDIR/serial.log" || fail "$good: guest CPU family: $(grep CT- "$TDIR/serial.log")"
grep -q '^CT-MODEL 63' "$TDIR/serial.log" || fail "$good: guest CPU model: $(grep CT- "$TDIR/serial.log")"
grep -q '^CT-NO-AVX512' "$TDIR/serial.log" || fail "$good: the guest sees AVX-512"
exit 0
