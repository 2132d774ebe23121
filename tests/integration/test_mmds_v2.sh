# mmds_v2: MMDS V2 session tokens, from the guest with busybox nc and wget:
# PUT /latest/api/token with a TTL gives a token that reads values (text
# and JSON); no token, a wrong token, an expired one (TTL 1 s, 3 s later)
# and a TTL out of range are refused with Firecracker's statuses.
# timeout: 600
# shellcheck source=tests/integration/lib.sh
. "$LIB"
# shellcheck source=tests/integration/lib_virtio.sh
. "$(dirname "$LIB")/lib_virtio.sh"
# shellcheck source=tests/integration/api-lib.sh
. "$(dirname "$LIB")/api-lib.sh"
# shellcheck source=tests/integration/mmds-lib.sh
. "$(dirname "$LIB")/mmds-lib.sh"
need_asset vmlinux
mmds_tap 111
trap 'api_stop; del_tap "$TAP"' EXIT

cat >"$TDIR/mmds.json" <<'EOT'
{"latest": {"meta-data": {"ami-id": "ami-v2", "instance-type": "m5.large"}}}
EOT
{
	mmds_guest_prelude
	cat <<'EOT'
tok=$(req PUT /latest/api/token 'X-metadata-token-ttl-seconds: 60' | body)
echo "EMBER-TOKEN-LEN ${#tok}"
echo "EMBER-V2-GET $(wget -q -O - --header "X-metadata-token: $tok" $M/latest/meta-data/ami-id)"
echo "EMBER-V2-NC $(req GET /latest/meta-data/instance-type "X-metadata-token: $tok" | body)"
echo "EMBER-V2-JSON $(wget -q -O - --header "X-metadata-token: $tok" --header 'Accept: application/json' $M/latest/meta-data/ | tr -d ' \n')"
echo "EMBER-V2-NOTOKEN $(req GET /latest/meta-data/ami-id | status)"
echo "EMBER-V2-WRONG $(req GET /latest/meta-data/ami-id 'X-metadata-token: not-a-token' | status)"
short=$(req PUT /latest/api/token 'X-metadata-token-ttl-seconds: 1' | body)
echo "EMBER-V2-SHORT-FRESH $(req GET /latest/meta-data/ami-id "X-metadata-token: $short" | status)"
sleep 3
echo "EMBER-V2-EXPIRED $(req GET /latest/meta-data/ami-id "X-metadata-token: $short" | status)"
echo "EMBER-V2-TTL0 $(req PUT /latest/api/token 'X-metadata-token-ttl-seconds: 0' | status)"
echo "EMBER-V2-TTLBIG $(req PUT /latest/api/token 'X-metadata-token-ttl-seconds: 21601' | status)"
echo "EMBER-V2-STILL $(req GET /latest/meta-data/ami-id "X-metadata-token: $tok" | body)"
EOT
} >"$TDIR/guest.sh"
mmds_boot V2 "$TDIR/guest.sh" "$TDIR/mmds.json"
wait_console EMBER-V2-STILL 400
api_wait_exit 120
len=$(marker EMBER-TOKEN-LEN)
[ "${len:-0}" -ge 16 ] || fail "the token is too short: ${len:-none}"
expect_marker EMBER-V2-GET ami-v2
expect_marker EMBER-V2-NC m5.large
marker EMBER-V2-JSON | grep -q '"ami-id":"ami-v2"' ||
	fail "the JSON answer lacks ami-id: $(marker EMBER-V2-JSON)"
expect_marker EMBER-V2-NOTOKEN 401
expect_marker EMBER-V2-WRONG 401
expect_marker EMBER-V2-SHORT-FRESH 200
expect_marker EMBER-V2-EXPIRED 401
expect_marker EMBER-V2-TTL0 400
expect_marker EMBER-V2-TTLBIG 400
expect_marker EMBER-V2-STILL ami-v2
exit 0
