/* The fstab line model: see fstab.h. */
#include "fstab.h"
