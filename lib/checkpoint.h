/*
 * Named points between two steps of a change that must survive a crash there (see
 * sc_sys.checkpoint): the real system layer does nothing, a test layer may end the process.
 */
#pragma once

#include "ctx.h"

void sc_checkpoint(const struct sc_ctx *c, const char *step);
