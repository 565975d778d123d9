/*
 * The resume offset of a swapfile on scripted filesystems: statfs, FIEMAP, the XFS attribute
 * query and the btrfs device and chunk tree lookups answer from a table; no file is opened.
 */
#include "fixture.h"
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "macro.h"
#include "resume-offset.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

#define MAGIC_EXT4  0xEF53
#define MAGIC_XFS   0x58465342
#define MAGIC_BTRFS 0x9123683E
#define MAGIC_F2FS  0xF2F52010
#define MAGIC_TMPFS 0x01021994

struct fake_chunk {
	uint64_t start, length, type;
	uint16_t num_stripes;
	uint64_t stripe_offset; /* of stripe 0; the others follow 1 GiB apart */
	uint32_t short_by; /* the item is this many bytes too short */
};

static struct {
	unsigned long magic;
	int statfs_error;
	struct fiemap_extent ext[8];
	unsigned n_ext;
	int fiemap_error;
	unsigned fiemap_batch; /* at most this many extents an answer (0: as many as asked) */
	unsigned fiemap_calls;
	bool fiemap_unfiltered; /* answer every extent, in the range or not (a broken filesystem) */
	uint32_t xflags;
	uint64_t num_devices;
	struct fake_chunk chunks[400];
	unsigned n_chunks;
	bool junk_item; /* an odd-sized item of another type ahead of the chunks */
	int search_error;
	unsigned search_calls;
} F;

static int fake_fstatfs(int fd, struct statfs *buf)
{
	memset(buf, 0, sizeof(*buf));
	if (F.statfs_error)
		return F.statfs_error;
	buf->f_type = (long)F.magic;
	return 0;
}

static int fake_fiemap(struct fiemap *fm)
{
	uint64_t end = fm->fm_start + fm->fm_length;
	unsigned max = fm->fm_extent_count;

	/* Delayed allocation must be flushed, so the extents are the final ones. */
	assert_true(fm->fm_flags & FIEMAP_FLAG_SYNC);
	F.fiemap_calls++;
	if (F.fiemap_error)
		return F.fiemap_error;
	if (F.fiemap_batch && F.fiemap_batch < max)
		max = F.fiemap_batch;
	fm->fm_mapped_extents = 0;
	for (unsigned i = 0; i < F.n_ext && fm->fm_mapped_extents < max; i++) {
		const struct fiemap_extent *e = &F.ext[i];

		if (!F.fiemap_unfiltered &&
			(e->fe_logical + e->fe_length <= fm->fm_start || e->fe_logical >= end))
			continue;
		fm->fm_extents[fm->fm_mapped_extents++] = *e;
	}
	return 0;
}

static void put_item(struct btrfs_ioctl_search_args *a, size_t *pos, uint64_t objectid,
	uint32_t type, uint64_t offset, const void *item, uint32_t len)
{
	struct btrfs_ioctl_search_header sh = {
		.objectid = objectid, .offset = offset, .type = type, .len = len};

	memcpy(a->buf + *pos, &sh, sizeof(sh));
	memcpy(a->buf + *pos + sizeof(sh), item, len);
	*pos += sizeof(sh) + len;
}

/* BTRFS_IOC_TREE_SEARCH over the chunk tree, filling the buffer as the kernel does. */
static int fake_tree_search(struct btrfs_ioctl_search_args *a)
{
	struct btrfs_ioctl_search_key *k = &a->key;
	uint32_t n = 0;
	size_t pos = 0;

	F.search_calls++;
	if (F.search_error)
		return F.search_error;
	assert_int_equal(k->tree_id, BTRFS_CHUNK_TREE_OBJECTID);
	assert_int_equal(k->min_objectid, BTRFS_FIRST_CHUNK_TREE_OBJECTID);
	assert_int_equal(k->max_objectid, BTRFS_FIRST_CHUNK_TREE_OBJECTID);
	assert_int_equal(k->min_type, BTRFS_CHUNK_ITEM_KEY);
	assert_int_equal(k->max_type, BTRFS_CHUNK_ITEM_KEY);
	assert_true(k->nr_items > 0);
	if (F.junk_item && k->min_offset == 0) {
		static const char junk[13] = "not a chunk!";
		put_item(a, &pos, BTRFS_FIRST_CHUNK_TREE_OBJECTID, BTRFS_DEV_ITEM_KEY, 0, junk,
			sizeof(junk));
		n++;
	}
	for (unsigned i = 0; i < F.n_chunks && n < k->nr_items; i++) {
		const struct fake_chunk *fc = &F.chunks[i];
		unsigned char item[sizeof(struct btrfs_chunk) + 3 * sizeof(struct btrfs_stripe)];
		struct btrfs_chunk ch;
		uint32_t len;

		if (fc->start < k->min_offset || fc->start > k->max_offset)
			continue;
		len = (uint32_t)(sizeof(ch) + (fc->num_stripes - 1) * sizeof(struct btrfs_stripe)) -
			fc->short_by;
		if (pos + sizeof(struct btrfs_ioctl_search_header) + len > sizeof(a->buf))
			break;
		memset(&ch, 0, sizeof(ch));
		ch.length = htole64(fc->length);
		ch.owner = htole64(BTRFS_EXTENT_TREE_OBJECTID);
		ch.stripe_len = htole64(64 * KiB);
		ch.type = htole64(fc->type);
		ch.num_stripes = htole16(fc->num_stripes);
		ch.stripe.devid = htole64(1);
		ch.stripe.offset = htole64(fc->stripe_offset);
		memset(item, 0, sizeof(item));
		memcpy(item, &ch, sizeof(ch));
		for (unsigned s = 1; s < fc->num_stripes; s++) {
			struct btrfs_stripe st = {.devid = htole64(1 + s),
				.offset = htole64(fc->stripe_offset + s * GiB)};
			memcpy(item + sizeof(ch) + (s - 1) * sizeof(st), &st, sizeof(st));
		}
		put_item(a, &pos, BTRFS_FIRST_CHUNK_TREE_OBJECTID, BTRFS_CHUNK_ITEM_KEY, fc->start,
			item, len);
		n++;
	}
	k->nr_items = n;
	return 0;
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	if (req == FS_IOC_FIEMAP)
		return fake_fiemap(arg);
	if (req == FS_IOC_FSGETXATTR) {
		struct fsxattr *x = arg;
		if (F.magic != MAGIC_XFS)
			return -ENOTTY;
		x->fsx_xflags = F.xflags;
		return 0;
	}
	if (req == BTRFS_IOC_FS_INFO) {
		struct btrfs_ioctl_fs_info_args *fi = arg;
		assert_int_equal(F.magic, MAGIC_BTRFS);
		fi->num_devices = F.num_devices;
		return 0;
	}
	if (req == BTRFS_IOC_TREE_SEARCH) {
		assert_int_equal(F.magic, MAGIC_BTRFS);
		return fake_tree_search(arg);
	}
	fail_msg("unexpected ioctl %#lx", req);
	return -ENOTTY;
}

static struct sc_sys fake_sys;
static struct sc_ctx ctx;

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.magic = MAGIC_EXT4;
	F.num_devices = 1;
	fake_sys = sc_sys_real;
	fake_sys.fstatfs = fake_fstatfs;
	fake_sys.ioctl = fake_ioctl;
	memset(&ctx, 0, sizeof(ctx));
	ctx.sys = &fake_sys;
	ctx.page_size = 4096;
	return 0;
}

static void extent(uint64_t logical, uint64_t physical, uint64_t length, uint32_t flags)
{
	assert_true(F.n_ext < ELEMENTSOF(F.ext));
	F.ext[F.n_ext++] = (struct fiemap_extent){.fe_logical = logical,
		.fe_physical = physical,
		.fe_length = length,
		.fe_flags = flags};
}

static void chunk(uint64_t start, uint64_t length, uint64_t type, uint16_t stripes, uint64_t offset)
{
	assert_true(F.n_chunks < ELEMENTSOF(F.chunks));
	F.chunks[F.n_chunks++] = (struct fake_chunk){.start = start,
		.length = length,
		.type = type,
		.num_stripes = stripes,
		.stripe_offset = offset};
}

/* sc_resume_offset() succeeds with want pages. */
static void expect_pages(uint64_t want)
{
	struct sc_err err = {0};
	uint64_t pages = UINT64_MAX;
	int r = sc_resume_offset(&ctx, 42, "/swap/swapfile", &pages, &err);

	if (r != 0)
		fail_msg("returned %d: %s (%s)", r, err.msg, err.hint);
	assert_int_equal(pages, want);
}

/* sc_resume_offset() fails with kind and -errnum, the message containing what. */
static void expect_error(enum sc_exit kind, int errnum, const char *what)
{
	struct sc_err err = {0};
	uint64_t pages = 7;
	int r = sc_resume_offset(&ctx, 42, "/swap/swapfile", &pages, &err);

	assert_int_equal(r, -errnum);
	assert_int_equal(err.kind, kind);
	if (!strstr(err.msg, what))
		fail_msg("message '%s' lacks '%s'", err.msg, what);
	/* one sentence naming the file; the CLI adds the prefix */
	assert_int_equal(strncmp(err.msg, "/swap/swapfile: ", 16), 0);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(pages, 7);
	if (kind == SC_EXIT_REFUSED)
		assert_true(err.hint[0] != '\0');
}

static void test_ext4(void **state)
{
	/* One extent: its address in pages. */
	extent(0, 12345 * 4096, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_pages(12345);
	assert_int_equal(F.fiemap_calls, 1);

	/* The header written, the rest still unwritten (fallocate): the same. */
	F.n_ext = 0;
	extent(0, 34816 * 4096, 4096, 0);
	extent(4096, 34817 * 4096, 64 * MiB - 4096, FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_LAST);
	expect_pages(34816);

	/* f2fs addresses are device addresses too. */
	F.magic = MAGIC_F2FS;
	expect_pages(34816);
}

static void test_first_page_in_pieces(void **state)
{
	/* 1 KiB blocks: a first page of three extents, one run on the device. */
	extent(0, 4000 * 4096, 1024, 0);
	extent(1024, 4000 * 4096 + 1024, 1024, FIEMAP_EXTENT_MERGED);
	extent(2048, 4000 * 4096 + 2048, 64 * MiB - 2048, FIEMAP_EXTENT_LAST);
	expect_pages(4000);
	/* ... also when the filesystem answers one extent at a time (XFS) */
	F.fiemap_batch = 1;
	F.fiemap_calls = 0;
	expect_pages(4000);
	assert_int_equal(F.fiemap_calls, 3);

	/* The second piece elsewhere: the kernel skips the short run. */
	F.ext[1].fe_physical += 8192;
	expect_error(SC_EXIT_REFUSED, EPERM, "split over separate places");
}

static void test_unaligned(void **state)
{
	/* ext4 with 1 KiB blocks: block groups start at block 1, so files often start at +1 KiB. */
	extent(0, 16385 * KiB, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_error(SC_EXIT_REFUSED, EPERM, "not on a page boundary");

	/* With 16 KiB pages a 4 KiB-aligned start is not enough either. */
	F.ext[0].fe_physical = 4096 * 5;
	ctx.page_size = 16384;
	expect_error(SC_EXIT_REFUSED, EPERM, "byte 20480 of the device");
	F.ext[0].fe_physical = 16384 * 3;
	expect_pages(3);
}

static void test_holes_and_flags(void **state)
{
	struct {
		uint32_t flags;
		const char *what;
	} bad[] = {
		{FIEMAP_EXTENT_SHARED, "shared with another file"},
		{FIEMAP_EXTENT_ENCODED, "compressed or encoded"},
		{FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED, "stored inline"},
		{FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_UNKNOWN, "not yet allocated"},
		{FIEMAP_EXTENT_DATA_ENCRYPTED, "encrypted"},
		{FIEMAP_EXTENT_UNKNOWN, "unknown location"},
	};

	/* No extent at all (an empty or sparse file). */
	expect_error(SC_EXIT_REFUSED, EPERM, "first page is a hole");
	/* The first extent after a hole. */
	extent(4096, 100 * 4096, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_error(SC_EXIT_REFUSED, EPERM, "first page is a hole");
	/* A hole inside the first page (1 KiB blocks). */
	F.n_ext = 0;
	extent(0, 100 * 4096, 1024, 0);
	extent(2048, 100 * 4096 + 2048, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_error(SC_EXIT_REFUSED, EPERM, "first page is a hole");

	/* Allocated, never written: the header is not on the device. */
	F.n_ext = 0;
	extent(0, 100 * 4096, 64 * MiB, FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_LAST);
	expect_error(SC_EXIT_REFUSED, EPERM, "never written");

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		F.ext[0].fe_flags = bad[i].flags | FIEMAP_EXTENT_LAST;
		expect_error(SC_EXIT_REFUSED, EPERM, bad[i].what);
	}
	/* Rejected flags past the first page do not matter here (swapon checks the rest). */
	F.n_ext = 0;
	extent(0, 100 * 4096, 4096, 0);
	extent(4096, 101 * 4096, 4096, FIEMAP_EXTENT_SHARED | FIEMAP_EXTENT_LAST);
	expect_pages(100);
}

static void test_failures(void **state)
{
	/* An empty extent: an answer that never gets past byte 0. */
	extent(0, 100 * 4096, 0, 0);
	F.fiemap_unfiltered = true;
	expect_error(SC_EXIT_FAILURE, EIO, "FIEMAP reported no extent at byte 0");
	F.fiemap_unfiltered = false;

	F.fiemap_error = -EOPNOTSUPP;
	expect_error(SC_EXIT_FAILURE, EOPNOTSUPP, "cannot read the file's extents (FIEMAP)");
	F.statfs_error = -EIO;
	expect_error(SC_EXIT_FAILURE, EIO, "cannot statfs");
}

static void test_filesystems(void **state)
{
	extent(0, 8 * 4096, 64 * MiB, FIEMAP_EXTENT_LAST);
	F.magic = MAGIC_TMPFS;
	expect_error(SC_EXIT_REFUSED, EPERM, "filesystem tmpfs");
	F.magic = 0x12345678;
	expect_error(SC_EXIT_REFUSED, EPERM, "filesystem unknown (0x12345678)");
	assert_int_equal(F.fiemap_calls, 0);

	F.magic = MAGIC_XFS;
	expect_pages(8);
	F.xflags = FS_XFLAG_REALTIME;
	expect_error(SC_EXIT_REFUSED, EPERM, "XFS realtime device");
}

/* A btrfs filesystem as mkfs.btrfs lays it out, with a data chunk at 1 GiB + 208 MiB. */
static void btrfs_layout(uint64_t data_type, uint16_t stripes)
{
	F.magic = MAGIC_BTRFS;
	chunk(22 * MiB, 8 * MiB, BTRFS_BLOCK_GROUP_SYSTEM | BTRFS_BLOCK_GROUP_DUP, 2, 1 * MiB);
	chunk(30 * MiB, 256 * MiB, BTRFS_BLOCK_GROUP_METADATA | BTRFS_BLOCK_GROUP_DUP, 2, 17 * MiB);
	chunk(GiB + 208 * MiB, GiB, BTRFS_BLOCK_GROUP_DATA | data_type, stripes, 529 * MiB);
}

static void test_btrfs_single(void **state)
{
	uint64_t logical = GiB + 208 * MiB + 5 * MiB + 12 * 4096;

	btrfs_layout(0, 1);
	/* FIEMAP's address is logical: the device address is the stripe's plus the distance. */
	extent(0, logical, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_pages((529 * MiB + 5 * MiB + 12 * 4096) / 4096);
	assert_int_equal(F.search_calls, 1);

	/* An item of another type, of an odd size, is stepped over; the rest read unaligned. */
	F.junk_item = true;
	expect_pages((529 * MiB + 5 * MiB + 12 * 4096) / 4096);

	/* The first extent at the very start and the very end of its chunk. */
	F.ext[0].fe_physical = GiB + 208 * MiB;
	expect_pages(529 * MiB / 4096);
	F.ext[0].fe_physical = GiB + 208 * MiB + GiB - 4096;
	expect_pages((529 * MiB + GiB - 4096) / 4096);
}

static void test_btrfs_many_chunks(void **state)
{
	/* 300 data chunks of 64 MiB: more than one search buffer holds (about 36 items). */
	F.magic = MAGIC_BTRFS;
	for (unsigned i = 0; i < 300; i++)
		chunk(GiB + i * 64 * MiB, 64 * MiB, BTRFS_BLOCK_GROUP_DATA, 1,
			(uint64_t)(299 - i) * 64 * MiB + 4 * MiB);
	extent(0, GiB + 250 * 64 * MiB + 4096, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_pages((49 * 64 * MiB + 4 * MiB + 4096) / 4096);
	assert_true(F.search_calls > 1);

	/* In the last chunk, and in the first. */
	F.ext[0].fe_physical = GiB + 299 * 64 * MiB;
	expect_pages(4 * MiB / 4096);
	F.ext[0].fe_physical = GiB;
	expect_pages((299 * 64 * MiB + 4 * MiB) / 4096);
}

static void test_btrfs_refused(void **state)
{
	extent(0, GiB + 208 * MiB, 64 * MiB, FIEMAP_EXTENT_LAST);

	btrfs_layout(BTRFS_BLOCK_GROUP_RAID1, 2);
	expect_error(SC_EXIT_REFUSED, EPERM, "chunk of the raid1 profile");
	F.n_chunks = 0;
	btrfs_layout(BTRFS_BLOCK_GROUP_DUP, 2);
	expect_error(SC_EXIT_REFUSED, EPERM, "chunk of the dup profile");
	F.n_chunks = 0;
	btrfs_layout(BTRFS_BLOCK_GROUP_RAID0, 3);
	expect_error(SC_EXIT_REFUSED, EPERM, "chunk of the raid0 profile");
	F.n_chunks = 0;
	btrfs_layout(0, 2);
	expect_error(SC_EXIT_REFUSED, EPERM, "chunk of 2 stripes");

	/* Several devices: refused before the chunk tree is read. */
	F.n_chunks = 0;
	btrfs_layout(0, 1);
	F.num_devices = 2;
	F.search_calls = 0;
	expect_error(SC_EXIT_REFUSED, EPERM, "spans 2 devices");
	assert_int_equal(F.search_calls, 0);
	F.num_devices = 1;

	/* A stripe that is not page aligned on the device (a 64 KiB-page machine, say). */
	F.chunks[2].stripe_offset = 529 * MiB + 512;
	expect_error(SC_EXIT_REFUSED, EPERM, "not on a page boundary");

	/* The first page running past the end of its chunk. */
	F.chunks[2].stripe_offset = 529 * MiB;
	F.ext[0].fe_physical = GiB + 208 * MiB + GiB - 2048;
	expect_error(SC_EXIT_REFUSED, EPERM, "split over separate places");
}

static void test_btrfs_failures(void **state)
{
	btrfs_layout(0, 1);

	/* No chunk holds the address: in a gap, past the last chunk. */
	extent(0, 500 * MiB, 64 * MiB, FIEMAP_EXTENT_LAST);
	expect_error(SC_EXIT_FAILURE, ENOENT, "no btrfs chunk holds the file's first extent");
	F.ext[0].fe_physical = 4 * GiB;
	expect_error(SC_EXIT_FAILURE, ENOENT, "logical address 4294967296");
	F.ext[0].fe_physical = 8 * MiB;
	expect_error(SC_EXIT_FAILURE, ENOENT, "no btrfs chunk");

	/* An address in a metadata chunk. */
	F.ext[0].fe_physical = 40 * MiB;
	expect_error(SC_EXIT_FAILURE, EIO, "is no data chunk");

	/* Unprivileged: the tree search needs CAP_SYS_ADMIN. */
	F.ext[0].fe_physical = GiB + 208 * MiB;
	F.search_error = -EPERM;
	{
		struct sc_err err = {0};
		uint64_t pages;

		assert_int_equal(
			sc_resume_offset(&ctx, 42, "/swap/swapfile", &pages, &err), -EPERM);
		assert_int_equal(err.kind, SC_EXIT_FAILURE);
		assert_int_equal(err.errnum, EPERM);
		assert_non_null(strstr(err.msg, "needs root"));
		assert_non_null(strstr(err.hint, "root"));
	}
	F.search_error = -ENOTTY;
	expect_error(SC_EXIT_FAILURE, ENOTTY, "cannot read the btrfs chunk tree");
	F.search_error = 0;

	/* A chunk item shorter than its stripes. */
	F.chunks[2].short_by = 8;
	expect_error(SC_EXIT_FAILURE, EBADMSG, "malformed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ext4, setup),
		cmocka_unit_test_setup(test_first_page_in_pieces, setup),
		cmocka_unit_test_setup(test_unaligned, setup),
		cmocka_unit_test_setup(test_holes_and_flags, setup),
		cmocka_unit_test_setup(test_failures, setup),
		cmocka_unit_test_setup(test_filesystems, setup),
		cmocka_unit_test_setup(test_btrfs_single, setup),
		cmocka_unit_test_setup(test_btrfs_many_chunks, setup),
		cmocka_unit_test_setup(test_btrfs_refused, setup),
		cmocka_unit_test_setup(test_btrfs_failures, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
