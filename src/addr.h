/* addr — email addresses as they go into certificates: bare addr-spec only. */
#ifndef PADSEAL_ADDR_H
#define PADSEAL_ADDR_H

#include <stddef.h>

#include "err.h"

/* A buffer for one address and its NUL.  RFC 5321 caps an address at 254
 * bytes (addr_check refuses longer ones); addresses read from certificates
 * and messages are cut to fit. */
#define ADDR_MAX 320

/* 0 when `in` is a usable bare address (user@example.org).  Otherwise -1
 * with a sentence saying what is wrong; for "Name <addr>" the sentence shows
 * the right split as padseal's options. */
int addr_check(const char *in, struct err *e);

/* Split "Super User <user@example.org>", "\"User\" <u@x>", "<u@x>",
 * "u@x (User)" or "mailto:u@x" into name and address.  Returns 1 when `in`
 * had such a form (name may come back empty), 0 when it did not. */
int addr_split(const char *in, char *name, size_t namelen, char *addr, size_t addrlen);

/* Case-insensitive address equality (the domain is case-insensitive by
 * definition, and clients compare local parts that way too). */
int addr_eq(const char *a, const char *b);

#endif
