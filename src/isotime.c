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

/* Days from 1970-01-01 to year-month-day of the proleptic Gregorian
 * calendar (what timegm computes, without its cost: the checklist of a
 * large home holds tens of thousands of dates). */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

time_t
iso_parse(const char *s)
{
	int y, mo, d, h, mi, sec;

	if (memchr(s, '\0', 20) != NULL || s[20] != '\0' || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return (time_t)-1;
	y = digits(s, 0, 4);
	mo = digits(s, 5, 2);
	d = digits(s, 8, 2);
	h = digits(s, 11, 2);
	mi = digits(s, 14, 2);
	sec = digits(s, 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60)
		return (time_t)-1;
	return (time_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}
