/* Unit tests for the device manager's pure parts and the tap checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices.h"
#include "tap.h"

static void add_drive(struct vm_config *cfg, const char *id, bool root, bool ro,
		      const char *partuuid)
{
	struct cfg_drive *d = &cfg->drive[cfg->nr_drives++];

	memset(d, 0, sizeof(*d));
	strcpy(d->drive_id, id);
	d->is_root_device = root;
	d->is_read_only = ro;
	d->partuuid = (char *)partuuid;
}

static void root_drive_first(void **state)
{
	struct vm_config cfg;
	unsigned int order[CFG_MAX_DRIVES];

	memset(&cfg, 0, sizeof(cfg));
	add_drive(&cfg, "data1", false, false, NULL);
	add_drive(&cfg, "data2", false, true, NULL);
	add_drive(&cfg, "root", true, false, NULL);
	add_drive(&cfg, "data3", false, false, NULL);
	assert_int_equal(devices_drive_order(&cfg, order), 4);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 0);
	assert_int_equal(order[2], 1);
	assert_int_equal(order[3], 3);
}

static void root_args(void **state)
{
	struct vm_config cfg;
	char buf[128];

	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(devices_root_args(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	add_drive(&cfg, "data", false, false, NULL);
	assert_int_equal(devices_root_args(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	add_drive(&cfg, "root", true, false, NULL);
	assert_int_equal(devices_root_args(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, " root=/dev/vda rw");
	cfg.drive[1].is_read_only = true;
	assert_int_equal(devices_root_args(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, " root=/dev/vda ro");
	cfg.drive[1].partuuid = "0eaa91a0-01";
	assert_int_equal(devices_root_args(&cfg, buf, sizeof(buf)), 0);
	assert_string_equal(buf, " root=PARTUUID=0eaa91a0-01 ro");
	assert_int_equal(devices_root_args(&cfg, buf, 10), -E2BIG);
}

static void tap_missing_or_bad_name(void **state)
{
	struct errbuf e = {""};

	assert_int_equal(tap_open("embertapnone0", &e), -ENODEV);
	assert_non_null(strstr(e.msg, "tap \"embertapnone0\" does not exist"));
	assert_int_equal(tap_open("a-name-that-is-too-long", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "longer than 15"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(root_drive_first),
	    cmocka_unit_test(root_args),
	    cmocka_unit_test(tap_missing_or_bad_name),
	};

	return cmocka_run_group_tests_name("devices", tests, NULL, NULL);
}
