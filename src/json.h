/* json — the little JSON output needs: escaped strings, null-or-string. */
#ifndef PADSEAL_JSON_H
#define PADSEAL_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write `s` as a JSON string literal (NULL writes null). */
void json_str(FILE *f, const char *s);
/* Write "key": before a value; `first` tracks the comma. */
void json_key(FILE *f, int *first, const char *key);

/* "key": "value" (NULL value writes null). */
void json_field(FILE *f, int *first, const char *key, const char *val);
/* "key": true|false */
void json_field_bool(FILE *f, int *first, const char *key, int b);
/* ["a","b",...] */
void json_strs(FILE *f, char *const *list, size_t n);

#endif
