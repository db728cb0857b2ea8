#include "config.h"

#include <string.h>
#include <strings.h>

#include "isotime.h"

void
iso_time(time_t t, char buf[ISO_TIME_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The two digits at s (checked already) as a number. */
static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
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

/* Is c a digit? */
#define D(c) ((unsigned)((c) - '0') < 10u)

/* Is s in the form, each field in its range? */
static int
iso_form(const char *s)
{
	/* In order, each test short-circuiting the next: a shorter string
	 * stops at its NUL. */
	if (!(D(s[0]) && D(s[1]) && D(s[2]) && D(s[3]) && s[4] == '-' && D(s[5]) && D(s[6]) &&
	      s[7] == '-' && D(s[8]) && D(s[9]) && s[10] == 'T' && D(s[11]) && D(s[12]) &&
	      s[13] == ':' && D(s[14]) && D(s[15]) && s[16] == ':' && D(s[17]) && D(s[18]) &&
	      s[19] == 'Z' && s[20] == '\0'))
		return 0;
	{
		int mo = two(s + 5), d = two(s + 8);

		return !(mo < 1 || mo > 12 || d < 1 || d > 31 || two(s + 11) > 23 ||
			 two(s + 14) > 59 || two(s + 17) > 60);
	}
}

time_t
iso_parse(const char *s)
{
	if (!iso_form(s))
		return (time_t)-1;
	return (time_t)days_from_civil(two(s) * 100 + two(s + 2), two(s + 5), two(s + 8)) * 86400 +
	       two(s + 11) * 3600 + two(s + 14) * 60 + two(s + 17);
}

int
iso_valid(const char *s)
{
	/* What iso_parse accepts: its answer for the one second before 1970
	 * is its "no" too. */
	return iso_form(s) && strcmp(s, "1969-12-31T23:59:59Z") != 0;
}

/* Skip blanks and comments (RFC 5322 CFWS, one level of parentheses). */
static const char *
cfws(const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s != '(')
			return s;
		while (*s && *s != ')')
			s++;
		if (*s)
			s++;
	}
}

/* A number of 1 to `max` digits at *s; -1 when none. */
static long
number(const char **s, int max)
{
	long v = 0;
	int n = 0;

	while (n < max && D(**s)) {
		v = v * 10 + (**s - '0');
		(*s)++, n++;
	}
	return n ? v : -1;
}

time_t
mail_date_parse(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	long d, mo = 0, y, h, mi, sec = 0, zone = 0;
	const char *p;

	s = cfws(s);
	if (!D(*s)) { /* "Sun," */
		while (*s && *s != ',' && !D(*s))
			s++;
		if (*s == ',')
			s++;
		s = cfws(s);
	}
	if ((d = number(&s, 2)) < 1 || d > 31)
		return (time_t)-1;
	s = cfws(s);
	for (p = months; *p; p += 3)
		if (((s[0] | 0x20) == p[0]) && ((s[1] | 0x20) == p[1]) && ((s[2] | 0x20) == p[2]))
			break;
	if (*p == '\0')
		return (time_t)-1;
	mo = (p - months) / 3 + 1;
	s = cfws(s + 3);
	p = s;
	if ((y = number(&s, 4)) < 0)
		return (time_t)-1;
	if (s - p == 2) /* obsolete two-digit years */
		y += y < 50 ? 2000 : 1900;
	else if (s - p == 3)
		y += 1900;
	s = cfws(s);
	if ((h = number(&s, 2)) < 0 || h > 23 || *(s = cfws(s)) != ':')
		return (time_t)-1;
	s = cfws(s + 1);
	if ((mi = number(&s, 2)) < 0 || mi > 59)
		return (time_t)-1;
	s = cfws(s);
	if (*s == ':') {
		s = cfws(s + 1);
		if ((sec = number(&s, 2)) < 0 || sec > 60)
			return (time_t)-1;
	}
	s = cfws(s);
	if ((*s == '+' || *s == '-') && D(s[1]) && D(s[2]) && D(s[3]) && D(s[4])) {
		zone = (two(s + 1) * 60 + two(s + 3)) * 60;
		if (*s == '-')
			zone = -zone;
	} else if (strncasecmp(s, "EDT", 3) == 0) {
		zone = -4 * 3600;
	} else if (strncasecmp(s, "EST", 3) == 0 || strncasecmp(s, "CDT", 3) == 0) {
		zone = -5 * 3600;
	} else if (strncasecmp(s, "CST", 3) == 0 || strncasecmp(s, "MDT", 3) == 0) {
		zone = -6 * 3600;
	} else if (strncasecmp(s, "MST", 3) == 0 || strncasecmp(s, "PDT", 3) == 0) {
		zone = -7 * 3600;
	} else if (strncasecmp(s, "PST", 3) == 0) {
		zone = -8 * 3600;
	} /* GMT, UT, Z, military zones and no zone at all: taken as UTC */
	return (time_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - zone;
}
