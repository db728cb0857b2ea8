#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

static int
vset(struct err *e, const char *fmt, va_list ap)
{
	if (e == NULL || e->set)
		return -1;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	e->detail[0] = '\0';
	e->set = 1;
	return -1;
}

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

/* Collect the queue as "lib:reason; lib:reason" — short and greppable. */
static void
ossl_detail(char *buf, size_t len)
{
	unsigned long code;
	const char *data;
	int flags;
	size_t used = 0;

	buf[0] = '\0';
	while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		char one[256];

		ERR_error_string_n(code, one, sizeof one);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s",
						 used ? "; " : "", one,
						 (flags & ERR_TXT_STRING) && *data ? ": " : "",
						 (flags & ERR_TXT_STRING) ? data : "");
	}
}

int
err_ossl(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->set) {
		ERR_clear_error();
		return -1;
	}
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	ossl_detail(e->detail, sizeof e->detail);
	return -1;
}

int
err_sys(struct err *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (e == NULL || e->set)
		return -1;
	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	snprintf(e->detail, sizeof e->detail, "%s", strerror(saved));
	return -1;
}

void
err_clear(struct err *e)
{
	ERR_clear_error();
	if (e == NULL)
		return;
	e->set = 0;
	e->code = ERR_DATA;
	e->msg[0] = e->detail[0] = '\0';
}

int
err_copy(struct err *e, const struct err *sub)
{
	if (e != NULL && !e->set)
		*e = *sub;
	return -1;
}

int
err_wrap(struct err *e, const struct err *sub, const char *head)
{
	int fresh = e != NULL && !e->set;

	err_set(e, "%s: %s", head, sub->msg);
	if (fresh)
		snprintf(e->detail, sizeof e->detail, "%s", sub->detail);
	return -1;
}

int
err_code(struct err *e, enum err_code code)
{
	if (e != NULL && e->set && e->code == ERR_DATA)
		e->code = code;
	return -1;
}
