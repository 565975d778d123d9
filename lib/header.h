/*
 * The Linux swap area header, version 1 ("SWAPSPACE2"), for any page size (docs/kernel-notes.md: swap header).
 *
 * Layout of the first page: 1024 bytes of boot bits (zero), then at 1024 the u32 fields
 * version (1), last_page (pages - 1) and nr_badpages (0 for files), the 16-byte UUID, the
 * 16-byte NUL-padded label field, padding, and the magic "SWAPSPACE2" in the last 10 bytes of
 * the page. sc_header_encode() writes exactly what util-linux mkswap writes for the same UUID,
 * label and page size (tests/unit/test-header.c compares against mkswap's own output), in
 * native byte order unless asked for the other one.
 *
 * sc_header_validate() checks a page the way the kernel's read_swap_header() will, in either
 * byte order (the kernel swaps a header whose version reads 0x01000000), and says why it
 * would be rejected. It also recognises what is *not* a usable v1 header -- a header made for
 * another page size, the old v0 "SWAP-SPACE" magic, hibernation images -- so callers can
 * give a precise message instead of the kernel's bare EINVAL.
 *
 * Pure code: no I/O. UUID bytes come from the caller (sc_header_uuid_v4() turns 16 random
 * bytes into an RFC 4122 version 4 UUID), so tests are deterministic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_HEADER_MAGIC		"SWAPSPACE2"
#define SC_HEADER_MAGIC_LEN	10
#define SC_HEADER_LABEL_LEN	16 /* the field; the kernel and blkid read all 16 bytes */
#define SC_HEADER_LABEL_MAX	15 /* what mkswap writes: 15 bytes and a NUL at most */
#define SC_HEADER_UUID_LEN	16
#define SC_HEADER_MIN_PAGE_SIZE 4096
#define SC_HEADER_MAX_PAGE_SIZE 65536
/* Text form of a UUID plus NUL. */
#define SC_UUID_STR_LEN 37

/* Offsets of the fields (util-linux include/swapheader.h). */
#define SC_HEADER_OFF_VERSION	1024
#define SC_HEADER_OFF_LAST_PAGE 1028
#define SC_HEADER_OFF_NR_BAD	1032
#define SC_HEADER_OFF_UUID	1036
#define SC_HEADER_OFF_LABEL	1052
#define SC_HEADER_OFF_BADPAGES	1536

/* A power of two between 4 KiB and 64 KiB. */
bool sc_header_page_size_ok(size_t page_size);

/*
 * Fill buf (page_size bytes) with the header of a swap area of npages pages (>= 2, <= 2^32):
 * zeros, then version 1, last_page = npages - 1, no bad pages, uuid, label (NULL or at most
 * SC_HEADER_LABEL_MAX bytes: -ENAMETOOLONG otherwise) and the magic. big_endian selects the
 * byte order of the u32 fields (false: little endian, what x86 and most arm64 kernels run).
 * -EINVAL for a bad page size or page count.
 *
 * mkswap cuts a longer label to 15 bytes, even inside a UTF-8 character; swapctl refuses it
 * instead. mkswap also caps the page count at UINT32_MAX, so an area of 2^32 pages gets
 * last_page 0xfffffffe, here as there.
 */
int sc_header_encode(void *buf, size_t page_size, uint64_t npages, const uint8_t uuid[16],
	const char *label, bool big_endian);

/* Turn 16 random bytes into a version 4, variant 1 UUID (RFC 9562 §5.4). */
void sc_header_uuid_v4(uint8_t uuid[16]);
/* Lower-case text form (libuuid). */
void sc_header_uuid_str(const uint8_t uuid[16], char out[SC_UUID_STR_LEN]);

enum sc_header_status {
	SC_HEADER_OK,
	SC_HEADER_NO_SIGNATURE, /* no swap or hibernation magic anywhere we know */
	SC_HEADER_OTHER_PAGE_SIZE, /* SWAPSPACE2 found at the end of a page of another size */
	SC_HEADER_V0, /* "SWAP-SPACE": the pre-2.2 format, rejected by the kernel */
	SC_HEADER_HIBERNATION, /* a hibernation image signature sits where the magic goes */
	SC_HEADER_BAD_VERSION, /* version is not 1 in either byte order */
	SC_HEADER_EMPTY, /* last_page is 0 */
	SC_HEADER_TOO_LONG, /* last_page beyond the end of the file */
	SC_HEADER_BAD_PAGES, /* nr_badpages > 0: refused for regular files */
};

struct sc_header_info {
	enum sc_header_status status;
	bool big_endian; /* the u32 fields are big endian */
	uint32_t version;
	uint64_t npages; /* last_page + 1 */
	uint32_t nr_badpages;
	uint8_t uuid[16];
	char label[SC_HEADER_LABEL_LEN + 1]; /* all 16 bytes of the field, as blkid reads it */
	size_t found_page_size; /* for SC_HEADER_OTHER_PAGE_SIZE */
	char signature[11]; /* for SC_HEADER_HIBERNATION: which one, printable */
};

/*
 * Validate the first len bytes of an area (len >= page_size) of file_size bytes for a kernel
 * with page_size pages. Always fills ret; returns 0 when the status is SC_HEADER_OK, -EINVAL
 * otherwise (and for len < page_size or a bad page size).
 */
int sc_header_validate(const void *buf, size_t len, size_t page_size, uint64_t file_size,
	struct sc_header_info *ret);
/* One phrase for a status ("no swap signature", "made for 16384-byte pages", ...). */
const char *sc_header_status_str(const struct sc_header_info *info, char *buf, size_t len);
