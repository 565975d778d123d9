/*
 * libblkid reads back what swapctl's header encoder writes, the way blkid, `swapon -U` and
 * resume=UUID= will see it, for every page size; and it names foreign signatures.
 */
#include "fixture.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "header.h"
#include "probe.h"

static int temp_file(const void *data, size_t len)
{
	char path[] = "/tmp/swapctl-probe.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, data, len, 0), (ssize_t)len);
	return fd;
}

static void test_reads_back_header(void **state)
{
	static const size_t sizes[] = {4096, 8192, 16384, 65536};
	uint8_t uuid[16];
	char want[SC_UUID_STR_LEN];

	for (size_t i = 0; i < sizeof(uuid); i++)
		uuid[i] = (uint8_t)(0x11 * i);
	sc_header_uuid_v4(uuid);
	sc_header_uuid_str(uuid, want);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (int be = 0; be < 2; be++) {
			size_t ps = sizes[k], len = 16 * ps;
			unsigned char *img = calloc(1, len);
			struct sc_probe p;
			const struct sc_probe_sig *s;
			int fd;

			assert_non_null(img);
			assert_int_equal(sc_header_encode(img, ps, 16, uuid, "swap-label", be), 0);
			fd = temp_file(img, len);
			assert_int_equal(sc_probe_fd(fd, &p), 0);
			s = sc_probe_find(&p, "swap");
			if (!s)
				fail_msg("libblkid found no swap area (page size %zu, %s endian)",
					ps, be ? "big" : "little");
			assert_string_equal(s->uuid, want);
			assert_string_equal(s->label, "swap-label");
			assert_int_equal(p.n, 1);
			close(fd);
			free(img);
		}
	}
}

static void test_foreign_signatures(void **state)
{
	unsigned char img[40960] = {0};
	struct sc_probe p;
	int fd;

	/* Nothing at all. */
	fd = temp_file(img, sizeof(img));
	assert_int_equal(sc_probe_fd(fd, &p), 0);
	assert_int_equal(p.n, 0);
	close(fd);

	/* A hibernation image where the swap magic goes. */
	memcpy(img + 4086, "S1SUSPEND", 9);
	fd = temp_file(img, sizeof(img));
	assert_int_equal(sc_probe_fd(fd, &p), 0);
	assert_non_null(sc_probe_find(&p, "swsuspend"));
	assert_null(sc_probe_find(&p, "swap"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_back_header),
		cmocka_unit_test(test_foreign_signatures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
