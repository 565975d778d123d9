/*
 * Plans: the ordered list of typed actions a mutating command computes from the request and
 * the observed state (pure code), before anything is applied. --dry-run prints the plan, --json
 * prints it as "actions", and the applier walks it, marking each action done.
 *
 * Each action has a command-specific kind (an enum the applier switches on), a public name
 * ("create", "swapon", "fstab-add", ...), a target (a path or device) and detail fields that
 * are rendered as JSON members ("size_bytes": 17179869184); fields whose key starts with '_'
 * are the applier's bookkeeping and are not rendered. sc_plan_add() may move the array:
 * do not keep action pointers across calls to it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sc_field_type {
	SC_FIELD_STR,
	SC_FIELD_INT,
	SC_FIELD_BOOL,
};

struct sc_field {
	char *key;
	enum sc_field_type type;
	char *str;
	int64_t num; /* SC_FIELD_INT and SC_FIELD_BOOL */
};

struct sc_action {
	int kind;
	char *action;
	char *target;
	struct sc_field *fields;
	size_t n_fields;
	bool done;
};

struct sc_plan {
	struct sc_action *actions;
	size_t n;
};

/* Returns the new action, or NULL when out of memory. */
struct sc_action *sc_plan_add(struct sc_plan *p, int kind, const char *action, const char *target);
int sc_action_set_str(struct sc_action *a, const char *key, const char *value);
int sc_action_set_int(struct sc_action *a, const char *key, int64_t value);
int sc_action_set_bool(struct sc_action *a, const char *key, bool value);
const struct sc_field *sc_action_get(const struct sc_action *a, const char *key);
/* True when any action is done (after apply) -- the "changed" of the JSON output. */
bool sc_plan_changed(const struct sc_plan *p);
void sc_plan_free(struct sc_plan *p);
