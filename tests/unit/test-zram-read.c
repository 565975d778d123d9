/* zram and zswap readers on fixture trees. */
#include "fixture.h"
#include <string.h>

#include "zram.h"
#include "zswap.h"

static void test_algorithms(void **state)
{
	char **names = NULL, *cur = NULL;

	assert_int_equal(sc_zram_parse_algorithms("lzo [lzo-rle] lz4 \n", &names, &cur), 0);
	assert_string_equal(cur, "lzo-rle");
	assert_string_equal(names[0], "lzo");
	assert_string_equal(names[1], "lzo-rle");
	assert_string_equal(names[2], "lz4");
	assert_null(names[3]);
	sc_strv_free(names);
	free(cur);
	assert_int_equal(sc_zram_parse_algorithms("", &names, &cur), 0);
	assert_null(names);
	assert_null(cur);
}

static void test_list(void **state)
{
	char *dir = sc_test_mkdtemp();
	struct sc_zram_dev *d;
	struct sc_ctx c;
	struct sc_zswap z;
	size_t n;

	sc_test_write(dir, "sys/block/zram0/disksize", "0\n");
	sc_test_write(dir, "sys/block/zram0/comp_algorithm", "[lzo-rle] lzo lz4\n");
	sc_test_write(dir, "sys/block/zram10/disksize", "4294967296\n");
	sc_test_write(dir, "sys/block/zram10/comp_algorithm", "lzo-rle lzo [lz4]\n");
	sc_test_write(dir, "sys/block/zram10/mm_stat",
		"  1048576   262144   393216        0   393216       12        0        3        "
		"0\n");
	sc_test_write(dir, "sys/block/zram2/disksize", "8192\n");
	sc_test_write(dir, "sys/block/zramx/disksize", "1\n");
	sc_test_write(dir, "sys/block/vda/size", "1\n");
	sc_test_write(dir, "sys/module/zswap/parameters/enabled", "Y\n");
	sc_test_write(dir, "sys/module/zswap/parameters/compressor", "lz4\n");
	sc_test_write(dir, "sys/module/zswap/parameters/max_pool_percent", "20\n");
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);

	assert_int_equal(sc_zram_list(&c, &d, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d[0].id, 0);
	assert_false(d[0].initialized);
	assert_int_equal(d[1].id, 2);
	assert_int_equal(d[2].id, 10);
	assert_true(d[2].initialized);
	assert_string_equal(d[2].algorithm, "lz4");
	assert_int_equal(d[2].orig_data, 1048576);
	assert_int_equal(d[2].compr_data, 262144);
	assert_int_equal(d[2].mem_used, 393216);
	assert_int_equal(d[2].same_pages, 12);
	sc_zram_list_free(d, n);

	assert_int_equal(sc_zswap_read(&c, &z), 0);
	assert_true(z.present);
	assert_true(z.enabled);
	assert_string_equal(z.compressor, "lz4");
	assert_int_equal(z.max_pool_percent, 20);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
