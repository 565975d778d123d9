/* The swap header v1 encoder and validator. See header.h; docs/kernel-notes.md (swap header). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <uuid/uuid.h>

#include "header.h"

bool sc_header_page_size_ok(size_t page_size)
{
	return page_size >= SC_HEADER_MIN_PAGE_SIZE && page_size <= SC_HEADER_MAX_PAGE_SIZE &&
		(page_size & (page_size - 1)) == 0;
}

static void put_u32(unsigned char *p, uint32_t v, bool big_endian)
{
	for (int i = 0; i < 4; i++) {
		int shift = big_endian ? 24 - 8 * i : 8 * i;
		p[i] = (unsigned char)(v >> shift);
	}
}

static uint32_t get_u32(const unsigned char *p, bool big_endian)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int shift = big_endian ? 24 - 8 * i : 8 * i;
		v |= (uint32_t)p[i] << shift;
	}
	return v;
}

int sc_header_encode(void *buf, size_t page_size, uint64_t npages, const uint8_t uuid[16],
	const char *label, bool big_endian)
{
	unsigned char *p = buf;
	size_t label_len = label ? strlen(label) : 0;

	if (!sc_header_page_size_ok(page_size))
		return -EINVAL;
	/* The kernel needs the header page plus one; last_page is a u32. */
	if (npages < 2 || npages > (UINT64_C(1) << 32))
		return -EINVAL;
	if (label_len > SC_HEADER_LABEL_MAX)
		return -ENAMETOOLONG;
	/* mkswap caps the page count at UINT32_MAX ("truncating swap area"). */
	if (npages > UINT32_MAX)
		npages = UINT32_MAX;

	/* Boot bits zeroed, as mkswap does for anything without a partition table. */
	memset(p, 0, page_size);
	put_u32(p + SC_HEADER_OFF_VERSION, 1, big_endian);
	put_u32(p + SC_HEADER_OFF_LAST_PAGE, (uint32_t)(npages - 1), big_endian);
	put_u32(p + SC_HEADER_OFF_NR_BAD, 0, big_endian);
	memcpy(p + SC_HEADER_OFF_UUID, uuid, SC_HEADER_UUID_LEN);
	if (label_len)
		memcpy(p + SC_HEADER_OFF_LABEL, label, label_len);
	memcpy(p + page_size - SC_HEADER_MAGIC_LEN, SC_HEADER_MAGIC, SC_HEADER_MAGIC_LEN);
	return 0;
}

void sc_header_uuid_v4(uint8_t uuid[16])
{
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80); /* variant 10xx */
}

void sc_header_uuid_str(const uint8_t uuid[16], char out[SC_UUID_STR_LEN])
{
	uuid_unparse_lower(uuid, out);
}

/*
 * Signatures the kernel's swsusp and other hibernation tools leave where the swap magic goes
 * (util-linux swapon knows the same list and rewrites them before activating).
 */
static const struct {
	const char *sig;
	size_t len;
	const char *name;
} hibernation_sigs[] = {
	{"S1SUSPEND", 9, "S1SUSPEND"},
	{"S2SUSPEND", 9, "S2SUSPEND"},
	{"ULSUSPEND", 9, "ULSUSPEND"},
	{"LINHIB0001", 10, "LINHIB0001"},
	{"\xed\xc3\x02\xe9\x98\x56\xe5\x0c", 8, "TuxOnIce"},
};

static void classify_missing(
	const unsigned char *p, size_t len, size_t page_size, struct sc_header_info *ret)
{
	const unsigned char *end = p + page_size - SC_HEADER_MAGIC_LEN;

	for (size_t i = 0; i < sizeof(hibernation_sigs) / sizeof(hibernation_sigs[0]); i++)
		if (memcmp(end, hibernation_sigs[i].sig, hibernation_sigs[i].len) == 0) {
			ret->status = SC_HEADER_HIBERNATION;
			snprintf(ret->signature, sizeof(ret->signature), "%s",
				hibernation_sigs[i].name);
			return;
		}
	if (memcmp(end, "SWAP-SPACE", SC_HEADER_MAGIC_LEN) == 0) {
		ret->status = SC_HEADER_V0;
		return;
	}
	/* A header made for another page size: the magic sits at that page's end. */
	for (size_t ps = SC_HEADER_MIN_PAGE_SIZE; ps <= SC_HEADER_MAX_PAGE_SIZE; ps <<= 1) {
		if (ps == page_size || ps > len)
			continue;
		if (memcmp(p + ps - SC_HEADER_MAGIC_LEN, SC_HEADER_MAGIC, SC_HEADER_MAGIC_LEN) ==
			0) {
			ret->status = SC_HEADER_OTHER_PAGE_SIZE;
			ret->found_page_size = ps;
			return;
		}
	}
	ret->status = SC_HEADER_NO_SIGNATURE;
}

int sc_header_validate(const void *buf, size_t len, size_t page_size, uint64_t file_size,
	struct sc_header_info *ret)
{
	const unsigned char *p = buf;
	uint32_t last_page;

	memset(ret, 0, sizeof(*ret));
	ret->status = SC_HEADER_NO_SIGNATURE;
	if (!sc_header_page_size_ok(page_size) || len < page_size)
		return -EINVAL;
	if (memcmp(p + page_size - SC_HEADER_MAGIC_LEN, SC_HEADER_MAGIC, SC_HEADER_MAGIC_LEN)) {
		classify_missing(p, len, page_size, ret);
		return -EINVAL;
	}

	/* The kernel byte-swaps a header whose version reads 0x01000000 (read_swap_header). */
	ret->version = get_u32(p + SC_HEADER_OFF_VERSION, false);
	if (ret->version == UINT32_C(0x01000000)) {
		ret->big_endian = true;
		ret->version = 1;
	}
	memcpy(ret->uuid, p + SC_HEADER_OFF_UUID, SC_HEADER_UUID_LEN);
	memcpy(ret->label, p + SC_HEADER_OFF_LABEL, SC_HEADER_LABEL_LEN);
	ret->label[SC_HEADER_LABEL_LEN] = '\0';
	if (ret->version != 1) {
		ret->status = SC_HEADER_BAD_VERSION;
		return -EINVAL;
	}
	last_page = get_u32(p + SC_HEADER_OFF_LAST_PAGE, ret->big_endian);
	ret->nr_badpages = get_u32(p + SC_HEADER_OFF_NR_BAD, ret->big_endian);
	ret->npages = (uint64_t)last_page + 1;
	if (last_page == 0) {
		ret->status = SC_HEADER_EMPTY;
		return -EINVAL;
	}
	/* "Swap area shorter than signature indicates" */
	if (ret->npages > file_size / page_size) {
		ret->status = SC_HEADER_TOO_LONG;
		return -EINVAL;
	}
	/* The kernel refuses bad pages on regular files without a message. */
	if (ret->nr_badpages != 0) {
		ret->status = SC_HEADER_BAD_PAGES;
		return -EINVAL;
	}
	ret->status = SC_HEADER_OK;
	return 0;
}

const char *sc_header_status_str(const struct sc_header_info *info, char *buf, size_t len)
{
	switch (info->status) {
	case SC_HEADER_OK:
		snprintf(buf, len, "valid swap header");
		break;
	case SC_HEADER_NO_SIGNATURE:
		snprintf(buf, len, "no swap signature");
		break;
	case SC_HEADER_OTHER_PAGE_SIZE:
		snprintf(buf, len, "swap header made for %zu-byte pages", info->found_page_size);
		break;
	case SC_HEADER_V0:
		snprintf(buf, len, "old version 0 swap signature (SWAP-SPACE)");
		break;
	case SC_HEADER_HIBERNATION:
		snprintf(buf, len, "hibernation image signature %s", info->signature);
		break;
	case SC_HEADER_BAD_VERSION:
		snprintf(buf, len, "swap header version %u", info->version);
		break;
	case SC_HEADER_EMPTY:
		snprintf(buf, len, "empty swap header (last page 0)");
		break;
	case SC_HEADER_TOO_LONG:
		snprintf(buf, len, "swap header claims %llu pages, more than the file holds",
			(unsigned long long)info->npages);
		break;
	case SC_HEADER_BAD_PAGES:
		snprintf(buf, len, "swap header lists %u bad pages", info->nr_badpages);
		break;
	}
	return buf;
}
