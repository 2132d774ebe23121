# bad_kernel: a kernel image that is neither an ELF nor a bzImage is
# rejected: ember exits non-zero without hanging and says which file (or at
# least that the kernel image) is at fault.
# timeout: 60
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset initramfs.cpio.gz
kernel="$TDIR/garbage-kernel.bin"
i=0
: >"$kernel"
while [ $i -lt 256 ]; do
	echo "this is not a kernel image, just 64 bytes of text.............." >>"$kernel"
	i=$((i + 1))
done
write_config "$kernel" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS" 1 128
boot 30
[ "$BOOT_RC" = timeout ] && fail "ember hung on a garbage kernel"
[ "$BOOT_RC" -ne 0 ] || fail "ember exited 0 with a garbage kernel"
grep -qi -e 'garbage-kernel' -e 'kernel image' -e 'kernel_image' "$TDIR/ember.log" ||
	fail "status $BOOT_RC but stderr does not name the kernel image ($(last_words))"
