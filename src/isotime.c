#include "config.h"

#include <string.h>

#include "isotime.h"

void
iso_time(time_t t, char buf[ISO_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The digits of s[i..i+n) as a number; -1 when any is not a digit. */
static int
digits(const char *s, int i, int n)
{
	int v = 0;

	for (int k = i; k < i + n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	return v;
}

time_t
iso_parse(const char *s)
{
	struct tm tm = {0};

	if (strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return (time_t)-1;
	tm.tm_year = digits(s, 0, 4) - 1900;
	tm.tm_mon = digits(s, 5, 2) - 1;
	tm.tm_mday = digits(s, 8, 2);
	tm.tm_hour = digits(s, 11, 2);
	tm.tm_min = digits(s, 14, 2);
	tm.tm_sec = digits(s, 17, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
	    tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return (time_t)-1;
	return timegm(&tm);
}
