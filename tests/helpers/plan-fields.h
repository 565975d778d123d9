/* Tests read an action's payload as its output shows it: by the field's name. */
#pragma once

#include "plan.h"

/*
 * The rendered field key of action a (sc_action_fields()), or NULL when the output has no such
 * field. The result stays valid for the next 15 calls.
 */
const struct sc_field *sc_test_field(const struct sc_action *a, const char *key);
