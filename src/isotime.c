#include "config.h"

#include <time.h>

#include "isotime.h"

void
iso_time(time_t t, char buf[ISO_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
iso_now(char buf[ISO_TIME_LEN])
{
	iso_time(time(NULL), buf);
}
