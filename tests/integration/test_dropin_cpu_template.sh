# dropin_cpu_template: machine-config's "cpu_template" with Firecracker's
# static templates. The template made for this host's vendor (T2 on Intel,
# T2A on AMD) boots and the guest sees the template's CPU (family 6, model
# 63, no AVX-512); the other vendor's template fails InstanceStart with
# Firecracker's message before anything is built (ember stays up), and
# GET /machine-config shows the name.
# Custom templates (PUT /cpu-config, the config file's "cpu-config"): a
# malformed one gets 400 with the reason; one requiring a capability KVM
# lacks fails InstanceStart with Firecracker's message; GET /vm/config
# shows it; a machine-config naming cpu_template replaces it. A guest
# booted from a config file whose cpu-config clears POPCNT (CPUID.1:ECX
# bit 23) and sets the microcode-revision MSR (0x8b) to 0x42 sees neither
# popcnt nor the host's revision, while the static template's guest keeps
# popcnt; after boot PUT /cpu-config is refused.
# timeout: 420
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
echo "CT-POPCNT $(grep -c -w popcnt /proc/cpuinfo)"
echo "CT-UCODE $(sed -n 's/^microcode[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
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

# Custom templates through the API, before boot.
api_fault 400 'cpu-config: unknown field `foo`' PUT /cpu-config '{"foo": false}'
api_fault 400 'cpu-config: cpuid_modifiers[0].modifiers[0]: bitmap "0b12": a bitmap holds only 0, 1, x and _' \
	PUT /cpu-config '{"cpuid_modifiers": [{"leaf": "0x1", "subleaf": "0x0", "flags": 0, "modifiers": [{"register": "ecx", "bitmap": "0b12"}]}]}'
api_fault 400 'missing field `bitmap`' PUT /cpu-config '{"msr_modifiers": [{"addr": "0x8b"}]}'
api_ok PUT /cpu-config '{"kvm_capabilities": ["9999", "!171"], "cpuid_modifiers": [], "msr_modifiers": []}'
api_ok GET /vm/config
case $API_BODY in *'"kvm_capabilities":["9999","!171"]'*) ;; *) fail "GET /vm/config lacks the custom template: $API_BODY" ;; esac
case $API_BODY in *'"cpu_template"'*) fail "the custom template did not replace $bad: $API_BODY" ;; esac
api_fault 400 "Start microvm error: Missing KVM capabilities: 0x270f" PUT /actions '{"action_type": "InstanceStart"}'
api_alive
api_ok PUT /machine-config "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"None\"}"
api_ok GET /vm/config
case $API_BODY in *'"cpu-config":null'*) ;; *) fail "cpu_template did not replace the custom template: $API_BODY" ;; esac
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
grep -qw popcnt /proc/cpuinfo || fail "the test host has no popcnt to hide"
grep -q '^CT-POPCNT [1-9]' "$TDIR/serial.log" || fail "$good: the guest lacks popcnt: $(grep CT- "$TDIR/serial.log")"
mv "$TDIR/ember.log" "$TDIR/ember-static.log"
mv "$TDIR/serial.log" "$TDIR/serial-static.log"
rm -f "$SOCK"

# A custom template from the config file: popcnt hidden, the microcode MSR set.
cat >"$TDIR/custom.json" <<'JSON'
{
  "kvm_capabilities": ["!171"],
  "cpuid_modifiers": [
    {"leaf": "0x1", "subleaf": "0x0", "flags": 0,
     "modifiers": [{"register": "ecx", "bitmap": "0bxxxxxxxx_0xxxxxxx_xxxxxxxx_xxxxxxxx"}]}
  ],
  "msr_modifiers": [
    {"addr": "0x8b", "bitmap": "0b00000000000000000000000001000010_00000000000000000000000001000010"}
  ]
}
JSON
write_config "$ASSETS/vmlinux" "$TDIR/initrd.img" "$STD_ARGS" 1 128
sed -i '$ d' "$TDIR/vm.json"
printf '  ,"cpu-config": %s\n}\n' "$(json_str "$TDIR/custom.json")" >>"$TDIR/vm.json"
api_start --config-file "$TDIR/vm.json"
api_ok GET /vm/config
case $API_BODY in *'"addr":"0x8b"'*) ;; *) fail "GET /vm/config lacks the file's template: $API_BODY" ;; esac
api_fault 400 'not supported after starting the microVM' PUT /cpu-config '{}'
api_wait_exit 120
[ "$BOOT_RC" -eq 0 ] || fail "ember exited with status $BOOT_RC with the custom template ($(last_words))"
grep -q '^CT-POPCNT 0' "$TDIR/serial.log" || fail "custom: the guest sees popcnt: $(grep CT- "$TDIR/serial.log")"
grep -q '^CT-UCODE 0x42' "$TDIR/serial.log" || fail "custom: the microcode MSR: $(grep CT- "$TDIR/serial.log")"
exit 0
