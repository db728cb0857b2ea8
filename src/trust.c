#include "config.h"

#include "trust.h"
