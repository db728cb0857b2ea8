/* json — the little JSON output needs: escaped strings, null-or-string. */
#ifndef PADSEAL_JSON_H
#define PADSEAL_JSON_H

#include <stdio.h>

/* Write `s` as a JSON string literal (NULL writes null). */
void json_str(FILE *f, const char *s);
/* Write "key": before a value; `first` tracks the comma. */
void json_key(FILE *f, int *first, const char *key);

#endif
