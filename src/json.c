#include "config.h"

#include <stdio.h>

#include "json.h"

/* Bytes a JSON string cannot hold as they are. */
static const unsigned char escape[256] = {
	[0 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
	[0x7f] = 1,
};

void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs_unlocked("null", f);
		return;
	}
	putc_unlocked('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (!escape[*p]) { /* most bytes: straight into the buffer */
			putc_unlocked(*p, f);
			continue;
		}
		switch (*p) {
		case '"': fputs_unlocked("\\\"", f); break;
		case '\\': fputs_unlocked("\\\\", f); break;
		case '\n': fputs_unlocked("\\n", f); break;
		case '\r': fputs_unlocked("\\r", f); break;
		case '\t': fputs_unlocked("\\t", f); break;
		default: fprintf(f, "\\u%04x", *p);
		}
	}
	putc_unlocked('"', f);
}

void
json_key(FILE *f, int *first, const char *key)
{
	if (!*first)
		fputc(',', f);
	*first = 0;
	json_str(f, key);
	fputc(':', f);
}

void
json_field(FILE *f, int *first, const char *key, const char *val)
{
	json_key(f, first, key);
	json_str(f, val);
}

void
json_field_bool(FILE *f, int *first, const char *key, int b)
{
	json_key(f, first, key);
	fputs(b ? "true" : "false", f);
}

void
json_strs(FILE *f, char *const *list, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, list[i]);
	}
	fputc(']', f);
}
