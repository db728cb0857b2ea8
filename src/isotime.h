/* isotime — times as padseal shows and stores them: ISO 8601 in UTC to the
 * second, "2028-11-22T10:00:00Z".  The core never reads the clock itself:
 * callers pass the time an operation takes as "now". */
#ifndef PADSEAL_ISOTIME_H
#define PADSEAL_ISOTIME_H

#include <time.h>

/* A buffer for one such time: 20 characters and the NUL, with room to
 * spare for a year past 9999. */
#define ISO_TIME_LEN 24

/* `t` as ISO 8601 UTC. */
void iso_time(time_t t, char buf[ISO_TIME_LEN]);
/* Such a time back to time_t; (time_t)-1 when `s` is not one. */
time_t iso_parse(const char *s);
/* Would iso_parse accept s (without computing the time)? */
int iso_valid(const char *s);

/* An RFC 5322 date ("Sun, 6 Dec 2026 04:32:15 +0100", comments and the
 * obsolete forms too: two-digit years, zone names) as time_t; (time_t)-1
 * when `s` is not one.  For the Date line of a message. */
time_t mail_date_parse(const char *s);

#endif
