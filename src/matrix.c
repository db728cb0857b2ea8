#include "config.h"

#include "matrix.h"
