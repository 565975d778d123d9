/* Typed action lists. See plan.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

struct sc_action *sc_plan_add(struct sc_plan *p, int kind, const char *action, const char *target)
{
	struct sc_action *a, *n = realloc(p->actions, (p->n + 1) * sizeof(*n));

	if (!n)
		return NULL;
	p->actions = n;
	a = &p->actions[p->n];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->action = strdup(action);
	a->target = strdup(target ? target : "");
	if (!a->action || !a->target) {
		free(a->action);
		free(a->target);
		return NULL;
	}
	p->n++;
	return a;
}

static struct sc_field *field_slot(struct sc_action *a, const char *key)
{
	struct sc_field *f;

	for (size_t i = 0; i < a->n_fields; i++)
		if (strcmp(a->fields[i].key, key) == 0) {
			free(a->fields[i].str);
			a->fields[i].str = NULL;
			return &a->fields[i];
		}
	f = realloc(a->fields, (a->n_fields + 1) * sizeof(*f));
	if (!f)
		return NULL;
	a->fields = f;
	f = &a->fields[a->n_fields];
	memset(f, 0, sizeof(*f));
	f->key = strdup(key);
	if (!f->key)
		return NULL;
	a->n_fields++;
	return f;
}

int sc_action_set_str(struct sc_action *a, const char *key, const char *value)
{
	struct sc_field *f = field_slot(a, key);

	if (!f)
		return -ENOMEM;
	f->type = SC_FIELD_STR;
	f->str = strdup(value ? value : "");
	return f->str ? 0 : -ENOMEM;
}

int sc_action_set_int(struct sc_action *a, const char *key, int64_t value)
{
	struct sc_field *f = field_slot(a, key);

	if (!f)
		return -ENOMEM;
	f->type = SC_FIELD_INT;
	f->num = value;
	return 0;
}

int sc_action_set_bool(struct sc_action *a, const char *key, bool value)
{
	struct sc_field *f = field_slot(a, key);

	if (!f)
		return -ENOMEM;
	f->type = SC_FIELD_BOOL;
	f->num = value;
	return 0;
}

const struct sc_field *sc_action_get(const struct sc_action *a, const char *key)
{
	for (size_t i = 0; i < a->n_fields; i++)
		if (strcmp(a->fields[i].key, key) == 0)
			return &a->fields[i];
	return NULL;
}

bool sc_plan_changed(const struct sc_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->actions[i].done)
			return true;
	return false;
}

void sc_plan_free(struct sc_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct sc_action *a = &p->actions[i];
		for (size_t j = 0; j < a->n_fields; j++) {
			free(a->fields[j].key);
			free(a->fields[j].str);
		}
		free(a->fields);
		free(a->action);
		free(a->target);
	}
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}
