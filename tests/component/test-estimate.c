/*
 * zram estimate on fixture processes: /proc/PID/smaps, a binary pagemap and a mem file whose
 * offsets are the fixture's virtual addresses. Checks which mappings and pages are read
 * (private writable, anonymous, present, not a file page), how pages are costed (same-filled
 * pages free, incompressible ones one page), and that a small sample is spread over all
 * processes instead of taken from the first.
 */
#include "fixture.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "estimate.h"
#include "macro.h"

#define PS	  4096
#define PRESENT	  (UINT64_C(1) << 63)
#define FILE_PAGE (UINT64_C(1) << 61)

enum fill { ZERO, SAME, RANDOM, TEXT };

static char *root;
static struct sc_ctx ctx;
static uint64_t rng = 88172645463325252u;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_page(unsigned char *p, enum fill f)
{
	static const char text[] = "the quick brown fox jumps over the lazy dog, 0123456789; ";

	for (size_t i = 0; i < PS; i++)
		switch (f) {
		case ZERO:
			p[i] = 0;
			break;
		case SAME:
			p[i] = "\x11\x22\x33\x44\x55\x66\x77\x88"[i % 8];
			break;
		case RANDOM:
			if (i % 8 == 0) {
				uint64_t v = xorshift();
				memcpy(p + i, &v, 8);
			}
			break;
		default:
			p[i] = (unsigned char)text[i % (sizeof(text) - 1)];
		}
}

static int open_rel(int pid, const char *what)
{
	char *p;
	int fd;

	assert_true(asprintf(&p, "%s/proc/%d/%s", root, pid, what) > 0);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	free(p);
	return fd;
}

/* Write pages [start, start + n) of pid with content f and pagemap entry flags. */
static void pages(int pid, uint64_t start, size_t n, enum fill f, uint64_t flags)
{
	int mem = open_rel(pid, "mem"), pm = open_rel(pid, "pagemap");
	unsigned char page[PS];

	for (size_t i = 0; i < n; i++) {
		uint64_t addr = start + i * PS, e = flags | (flags & PRESENT ? 1000 + i : 0);

		fill_page(page, f);
		assert_int_equal(pwrite(mem, page, PS, (off_t)addr), PS);
		assert_int_equal(pwrite(pm, &e, 8, (off_t)(addr / PS * 8)), 8);
	}
	close(mem);
	close(pm);
}

static void smaps(int pid, const char *text)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "proc/%d/smaps", pid);
	sc_test_write(root, rel, text);
}

static int setup(void **state)
{
	root = sc_test_mkdtemp();
	sc_test_write(root, "proc/meminfo", "MemTotal: 1048576 kB\n");
	assert_int_equal(sc_ctx_init(&ctx, &sc_sys_real, NULL, root, NULL, NULL), 0);
	ctx.page_size = PS;
	return 0;
}

static int teardown(void **state)
{
	sc_ctx_done(&ctx);
	sc_test_rmtree(root);
	free(root);
	return 0;
}

static void test_selection_and_costs(void **state)
{
	struct sc_estimate_opts o = {.sample_bytes = 64 << 20, .level = 3};
	struct sc_estimate e;
	struct sc_err err = {0};
	int pid = 100;

	smaps(100,
		"00010000-00018000 rw-p 00000000 00:00 0 \n"
		"Size:                 32 kB\n"
		"Rss:                  24 kB\n"
		"Anonymous:            24 kB\n"
		"VmFlags: rd wr mr mw me ac \n"
		"00020000-00024000 r--p 00000000 fe:01 123   /usr/lib/x/libfoo.so\n"
		"Anonymous:             0 kB\n"
		"00030000-00034000 rw-s 00000000 00:05 77    /memfd:shm (deleted)\n"
		"Anonymous:             0 kB\n"
		"00040000-00048000 rw-p 00010000 fe:01 123   /usr/lib/x/libfoo.so\n"
		"Anonymous:             8 kB\n"
		"00050000-00054000 rw-p 00000000 00:00 0     [heap]\n"
		"Anonymous:             0 kB\n"
		"00060000-00062000 rw-p 00000000 00:00 0     [stack]\n"
		"Anonymous:             8 kB\n"
		"00070000-00071000 rw-p 00000000 00:00 0     [vvar]\n"
		"Anonymous:             4 kB\n");
	/* anonymous mapping: 2 zero, 1 same-filled, 2 random, 1 text, 2 not present */
	pages(100, 0x10000, 2, ZERO, PRESENT);
	pages(100, 0x12000, 1, SAME, PRESENT);
	pages(100, 0x13000, 2, RANDOM, PRESENT);
	pages(100, 0x15000, 1, TEXT, PRESENT);
	pages(100, 0x16000, 2, RANDOM, 0);
	/* not writable / shared: present, never read */
	pages(100, 0x20000, 4, RANDOM, PRESENT | FILE_PAGE);
	pages(100, 0x30000, 4, RANDOM, PRESENT | FILE_PAGE);
	/* private file mapping: 2 copied-on-write pages count, the 6 file pages do not */
	pages(100, 0x40000, 3, RANDOM, PRESENT | FILE_PAGE);
	pages(100, 0x43000, 2, ZERO, PRESENT);
	pages(100, 0x45000, 3, RANDOM, PRESENT | FILE_PAGE);
	/* smaps says no anonymous pages: not scanned even if pagemap disagrees */
	pages(100, 0x50000, 4, RANDOM, PRESENT);
	pages(100, 0x60000, 2, TEXT, PRESENT);
	pages(100, 0x70000, 1, RANDOM, PRESENT);

	o.pids = &pid;
	o.n_pids = 1;
	assert_int_equal(sc_estimate_run(&ctx, &o, &e, &err), 0);
	/* 6 + 2 + 2 pages */
	assert_int_equal(e.sampled_bytes, 10 * PS);
	assert_int_equal(e.anon_bytes, 10 * PS);
	assert_int_equal(e.zero_pages, 2 + 1 + 2);
	assert_int_equal(e.incompressible_pages, 2);
	/* random pages cost a page each; text pages far less; zero pages nothing */
	assert_true(e.compressed_bytes > 2 * PS);
	assert_true(e.compressed_bytes < 2 * PS + 3 * 200);
	assert_int_equal(e.processes_sampled, 1);
	assert_int_equal(e.processes_skipped, 0);
}

static void test_sample_is_spread(void **state)
{
	struct sc_estimate_opts o = {.sample_bytes = 256 * PS, .level = 1};
	struct sc_estimate e;
	struct sc_err err = {0};
	int pids[] = {100, 200};

	/* 1000 zero pages in one process, 1000 random ones in the next */
	smaps(100, "00100000-004e8000 rw-p 00000000 00:00 0 \nAnonymous: 4000 kB\n");
	smaps(200, "00100000-004e8000 rw-p 00000000 00:00 0 \nAnonymous: 4000 kB\n");
	pages(100, 0x100000, 1000, ZERO, PRESENT);
	pages(200, 0x100000, 1000, RANDOM, PRESENT);
	o.pids = pids;
	o.n_pids = 2;
	assert_int_equal(sc_estimate_run(&ctx, &o, &e, &err), 0);
	assert_int_equal(e.sampled_bytes, 256 * PS);
	assert_int_equal(e.zero_pages + e.incompressible_pages, 256);
	/* half from each: the first 256 pages would all be zeros */
	assert_in_range(e.zero_pages, 112, 144);
	assert_int_equal(e.processes_sampled, 2);
	assert_int_equal(e.anon_bytes, 2000 * PS);
}

static void test_all_processes_and_skips(void **state)
{
	struct sc_estimate_opts o = {.sample_bytes = 64 << 20, .level = 3};
	struct sc_estimate e;
	struct sc_err err = {0};
	char self[64];

	smaps(300, "00100000-00104000 rw-p 00000000 00:00 0 \nAnonymous: 16 kB\n");
	pages(300, 0x100000, 4, TEXT, PRESENT);
	/* a process whose smaps cannot be read, and one without memory files */
	sc_test_write(root, "proc/301/status", "gone\n");
	smaps(302, "00100000-00104000 rw-p 00000000 00:00 0 \nAnonymous: 16 kB\n");
	/* a kernel thread: empty smaps */
	smaps(2, "");
	/* swapctl never samples itself */
	snprintf(self, sizeof(self), "proc/%d/smaps", (int)getpid());
	sc_test_write(root, self, "00100000-00104000 rw-p 00000000 00:00 0 \nAnonymous: 16 kB\n");
	sc_test_write(root, "proc/self", "");
	assert_int_equal(sc_estimate_run(&ctx, &o, &e, &err), 0);
	assert_int_equal(e.sampled_bytes, 4 * PS);
	assert_int_equal(e.processes_sampled, 1);
	assert_int_equal(e.processes_skipped, 2);
}

static void test_nothing_readable(void **state)
{
	int pid = 400;
	struct sc_estimate_opts o = {
		.sample_bytes = 64 << 20, .level = 3, .pids = &pid, .n_pids = 1};
	struct sc_estimate e;
	struct sc_err err = {0};

	assert_int_equal(sc_estimate_run(&ctx, &o, &e, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "no anonymous memory"));
	assert_int_equal(e.processes_skipped, 1);
}

static void test_same_filled(void **state)
{
	unsigned char p[PS];

	fill_page(p, ZERO);
	assert_true(sc_page_same_filled(p, PS));
	fill_page(p, SAME);
	assert_true(sc_page_same_filled(p, PS));
	p[PS - 1] ^= 1;
	assert_false(sc_page_same_filled(p, PS));
	fill_page(p, TEXT);
	assert_false(sc_page_same_filled(p, PS));
}

static void test_disksize(void **state)
{
	struct sc_estimate e = {
		.sampled_bytes = 1000 * PS, .compressed_bytes = 250 * PS, .page_size = PS};
	uint64_t gib = UINT64_C(1) << 30;
	uint64_t d;

	/* ratio 4: 1 GiB of RAM holds 4 GiB of pages, less the 16-byte table per page */
	d = sc_estimate_disksize(&e, gib, 16 * gib);
	assert_true(d < 4 * gib && d > 4 * gib - 4 * gib / 64);
	assert_int_equal(d % PS, 0);
	/* incompressible: 1:1 minus the table */
	e.compressed_bytes = e.sampled_bytes;
	assert_int_equal(sc_estimate_disksize(&e, 4096 * 4112, 16 * gib), 4096 * 4096);
	/* all same-filled: only the table costs memory, capped at 2 x RAM */
	e.compressed_bytes = 0;
	assert_int_equal(sc_estimate_disksize(&e, gib, 3 * gib), 6 * gib);
	e.sampled_bytes = 0;
	assert_int_equal(sc_estimate_disksize(&e, gib, 3 * gib), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_selection_and_costs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_is_spread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_processes_and_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_readable, setup, teardown),
		cmocka_unit_test(test_same_filled),
		cmocka_unit_test(test_disksize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
