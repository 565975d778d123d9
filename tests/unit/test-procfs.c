/* /proc/swaps, /proc/self/mountinfo and /proc/meminfo parsers. */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include "procfs.h"

/* The kernel's format: path escaped for " \t\n\\", padded to 40 columns, then tab-separated. */
static const char swaps_text[] =
	"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	"/dev/vda2                               partition\t8388604\t\t0\t\t-2\n"
	"/swap/swapfile                          file\t\t1048572\t\t2048\t\t10\n"
	"/srv/sp\\040ace\\012nl\\134bs\\011tab.swap  file\t\t40\t\t0\t\t-3\n"
	"/var/lib/a/very/long/path/that/goes/beyond/forty/columns/swapfile file\t\t400\t\t4\t\t5\n"
	"/swap/old\\040(deleted)                  file\t\t1024\t\t0\t\t-4\n"
	"/dev/zram1                              partition\t4194300\t\t12\t\t100\n";

static void test_swaps(void **state)
{
	struct sc_swaps s;

	assert_int_equal(sc_swaps_parse(swaps_text, &s), 0);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.items[0].path, "/dev/vda2");
	assert_int_equal(s.items[0].type, SC_SWAP_PARTITION);
	assert_int_equal(s.items[0].size_bytes, UINT64_C(8388604) * 1024);
	assert_int_equal(s.items[0].priority, -2);
	assert_string_equal(s.items[1].path, "/swap/swapfile");
	assert_int_equal(s.items[1].type, SC_SWAP_FILE);
	assert_int_equal(s.items[1].used_bytes, 2048 * 1024);
	assert_int_equal(s.items[1].priority, 10);
	assert_string_equal(s.items[2].path, "/srv/sp ace\nnl\\bs\ttab.swap");
	assert_false(s.items[2].deleted);
	assert_string_equal(s.items[3].path,
		"/var/lib/a/very/long/path/that/goes/beyond/forty/columns/swapfile");
	assert_int_equal(s.items[3].priority, 5);
	assert_string_equal(s.items[4].path, "/swap/old");
	assert_true(s.items[4].deleted);
	assert_int_equal(s.items[5].type, SC_SWAP_ZRAM);
	assert_int_equal(s.items[5].priority, 100);
	assert_non_null(sc_swaps_find(&s, "/swap/swapfile"));
	assert_null(sc_swaps_find(&s, "/swap/swapfil"));
	sc_swaps_free(&s);
}

static void test_swaps_empty_and_bad(void **state)
{
	struct sc_swaps s;

	assert_int_equal(
		sc_swaps_parse("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", &s), 0);
	assert_int_equal(s.n, 0);
	sc_swaps_free(&s);
	assert_int_equal(sc_swaps_parse("", &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(sc_swaps_parse("Filename Type\n/x file notanumber 0 0\n", &s), -EINVAL);
	assert_int_equal(sc_swaps_parse("Filename Type\n/x disk 1 0 0\n", &s), -EINVAL);
	assert_int_equal(sc_swaps_parse("Filename Type\n/x file 1 0\n", &s), -EINVAL);
}

/* The util-linux libmount test fixture shape: "(deleted)" after an escaped space. */
static void test_swaps_util_linux_shape(void **state)
{
	static const char text[] =
		"Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n"
		"/dev/dm-2                               partition\t8060924\t0\t-1\n"
		"/some/swapfile\\040(deleted)             file\t\t1048572\t0\t-2\n";
	struct sc_swaps s;

	assert_int_equal(sc_swaps_parse(text, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[1].path, "/some/swapfile");
	assert_true(s.items[1].deleted);
	sc_swaps_free(&s);
}

/* proc(5)'s shape, optional fields of any number, escapes; lines of another shape skipped. */
static void test_mountinfo(void **state)
{
	static const char text[] = "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
				   "23 22 0:21 / /proc rw,nosuid - proc proc rw\n"
				   "40 22 0:45 /@home /srv/my\\040data rw master:2 shared:3 - "
				   "btrfs /dev/mapper/a\\040b rw,ssd\n"
				   "41 22 0:46 / /run/x rw - tmpfs tmpfs rw\n"
				   "garbage\n"
				   "42 22 7:0x / /bad rw - ext4 /dev/loop0 rw\n"
				   "43 22 7:0 / /nosep rw ext4 /dev/loop0 rw\n"
				   "\n"
				   "44 22 7:1 / /last rw - xfs /dev/loop1 rw";
	struct sc_mounts m;

	(void)state;
	assert_int_equal(sc_mountinfo_parse(text, &m), 0);
	assert_int_equal(m.n, 5);
	assert_int_equal(m.items[0].major, 254);
	assert_int_equal(m.items[0].minor, 1);
	assert_string_equal(m.items[0].root, "/");
	assert_string_equal(m.items[0].point, "/");
	assert_string_equal(m.items[0].fstype, "ext4");
	assert_string_equal(m.items[0].source, "/dev/vda1");
	assert_string_equal(m.items[2].root, "/@home");
	assert_string_equal(m.items[2].point, "/srv/my data");
	assert_string_equal(m.items[2].fstype, "btrfs");
	assert_string_equal(m.items[2].source, "/dev/mapper/a b");
	assert_int_equal(m.items[2].minor, 45);
	assert_string_equal(m.items[3].source, "tmpfs");
	assert_string_equal(m.items[4].point, "/last");
	assert_string_equal(m.items[4].source, "/dev/loop1");
	sc_mounts_free(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(sc_mountinfo_parse("", &m), 0);
	assert_int_equal(m.n, 0);
	sc_mounts_free(&m);
}

static void test_meminfo(void **state)
{
	static const char text[] = "MemTotal:       24683896 kB\n"
				   "MemFree:        24000000 kB\n"
				   "MemAvailable:   24347332 kB\n"
				   "Shmem:              1000 kB\n"
				   "SwapTotal:       1048572 kB\n"
				   "SwapFree:        1048000 kB\n"
				   "Zswap:                 0 kB\n"
				   "CommitLimit:    13390520 kB\n"
				   "Committed_AS:     47540 kB\n"
				   "HugePages_Total:       0\n";
	struct sc_meminfo m;

	assert_int_equal(sc_meminfo_parse(text, &m), 0);
	assert_int_equal(m.total, UINT64_C(24683896) * 1024);
	assert_int_equal(m.available, UINT64_C(24347332) * 1024);
	assert_int_equal(m.swap_total, UINT64_C(1048572) * 1024);
	assert_int_equal(m.swap_free, UINT64_C(1048000) * 1024);
	assert_int_equal(m.commit_limit, UINT64_C(13390520) * 1024);
	assert_int_equal(m.committed_as, UINT64_C(47540) * 1024);
	assert_int_equal(m.shmem, 1000 * 1024);
	assert_int_equal(sc_meminfo_parse("Foo: 1 kB\n", &m), -EINVAL);
}

/* Values that do not fit in 64 bits once in bytes, negative or malformed: parse errors. */
static void test_meminfo_bad_values(void **state)
{
	static const char *bad[] = {
		/* (2^64 / 1024) kB is 2^64 bytes */
		"MemTotal: 18014398509481984 kB\n",
		"MemTotal: 100 kB\nMemAvailable: 18446744073709551615 kB\n",
		"MemTotal: 100 kB\nCommitted_AS: 99999999999999999999999 kB\n",
		/* a bare count past 2^64 - 1 */
		"MemTotal: 100 kB\nSwapTotal: 18446744073709551616\n",
		"MemTotal: -1 kB\n",
		"MemTotal: 100 kB\nCommitted_AS:   -47540 kB\n",
		"MemTotal: +100 kB\n",
		"MemTotal: kB\n",
		"MemTotal:\n",
		"MemTotal: 100 MB\n",
		"MemTotal: 100 kB junk\n",
		"MemTotal: 0x100 kB\n",
	};
	struct sc_meminfo m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sc_meminfo_parse(bad[i], &m) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	/* The largest value that fits, and a key swapctl does not read is not checked. */
	assert_int_equal(sc_meminfo_parse("MemTotal: 18014398509481983 kB\n"
					  "HugePages_Total: -1 junk\n"
					  "SwapTotal: 18446744073709551615",
				 &m),
		0);
	assert_int_equal(m.total, UINT64_C(18014398509481983) * 1024);
	assert_int_equal(m.swap_total, UINT64_MAX);
}

static void test_read_from_sysroot(void **state)
{
	char *dir = sc_test_mkdtemp();
	struct sc_ctx c;
	struct sc_swaps s;
	struct sc_meminfo m;

	sc_test_write(dir, "proc/swaps", swaps_text);
	sc_test_write(dir, "proc/meminfo", "MemTotal: 100 kB\nMemAvailable: 50 kB\n");
	assert_int_equal(sc_ctx_init(&c, &sc_sys_real, NULL, dir, NULL, NULL), 0);
	assert_int_equal(sc_swaps_read(&c, &s), 0);
	assert_int_equal(s.n, 6);
	sc_swaps_free(&s);
	assert_int_equal(sc_meminfo_read(&c, &m), 0);
	assert_int_equal(m.available, 50 * 1024);
	sc_ctx_done(&c);
	sc_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swaps),
		cmocka_unit_test(test_swaps_empty_and_bad),
		cmocka_unit_test(test_swaps_util_linux_shape),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_meminfo_bad_values),
		cmocka_unit_test(test_read_from_sysroot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
