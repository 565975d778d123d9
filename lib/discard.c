/* The one spelling table of discard policies. See discard.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "discard.h"
#include "macro.h"

static const struct {
	enum sc_discard d;
	const char *name; /* plans, journal, JSON */
	const char *fstab; /* NULL: no option; "": plain discard; else discard=VALUE */
} table[] = {
	{SC_DISCARD_NONE, "none", NULL},
	{SC_DISCARD_BOTH, "both", ""},
	{SC_DISCARD_ONCE, "once", "once"},
	{SC_DISCARD_PAGES, "pages", "pages"},
};

const char *sc_discard_name(enum sc_discard d)
{
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].d == d)
			return table[i].name;
	return "none";
}

int sc_discard_from_name(const char *s, enum sc_discard *ret)
{
	for (size_t i = 0; s && i < ELEMENTSOF(table); i++)
		if (strcmp(s, table[i].name) == 0) {
			*ret = table[i].d;
			return 0;
		}
	return -EINVAL;
}

int sc_discard_from_option(const char *value, enum sc_discard *ret)
{
	if (!value) {
		*ret = SC_DISCARD_BOTH;
		return 0;
	}
	/* Only the values that name a variant: "--discard=both" is not an fstab spelling. */
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].fstab && table[i].fstab[0] && strcmp(value, table[i].fstab) == 0) {
			*ret = table[i].d;
			return 0;
		}
	return -EINVAL;
}

const char *sc_discard_fstab(enum sc_discard d)
{
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].d == d)
			return table[i].fstab;
	return NULL;
}

enum sc_discard sc_discard_from_fstab(const char *value)
{
	if (!value)
		return SC_DISCARD_NONE;
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].fstab && table[i].fstab[0] && strcmp(value, table[i].fstab) == 0)
			return table[i].d;
	return SC_DISCARD_BOTH;
}
