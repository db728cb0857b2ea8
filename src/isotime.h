/* isotime — times as padseal shows and stores them: ISO 8601 in UTC to the
 * second, "2028-11-22T10:00:00Z". */
#ifndef PADSEAL_ISOTIME_H
#define PADSEAL_ISOTIME_H

#include <time.h>

/* A buffer for one such time: 20 characters and the NUL, with room to
 * spare for a year past 9999. */
#define ISO_TIME_LEN 24

/* `t`, or now, as ISO 8601 UTC. */
void iso_time(time_t t, char buf[ISO_TIME_LEN]);
void iso_now(char buf[ISO_TIME_LEN]);

#endif
