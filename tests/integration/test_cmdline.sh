# cmdline: boot_args reach the guest kernel unchanged; a custom token shows
# up in /proc/cmdline (EMBER-CMDLINE).
# timeout: 120
# shellcheck source=tests/integration/lib.sh
. "$LIB"
need_asset vmlinux
need_asset initramfs.cpio.gz
token="ember.test_token=tok$$"
write_config "$ASSETS/vmlinux" "$ASSETS/initramfs.cpio.gz" "$STD_ARGS $token" 1 128
boot
expect_boot_ok
line=$(marker EMBER-CMDLINE)
case " $line " in
*" $token "*) ;;
*) fail "token $token missing from the guest cmdline '$line'" ;;
esac
