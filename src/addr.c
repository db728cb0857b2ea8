#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"

static int
atext(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

static void
copy(char *dst, size_t len, const char *src, size_t n)
{
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	trim(dst);
}

int
addr_split(const char *in, char *name, size_t namelen, char *addr, size_t addrlen)
{
	const char *lt = strchr(in, '<'), *gt = strrchr(in, '>');
	const char *lp = strrchr(in, '('), *rp = strrchr(in, ')');

	if (lt != NULL && gt != NULL && gt > lt) {
		copy(name, namelen, in, (size_t)(lt - in));
		size_t n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		copy(addr, addrlen, lt + 1, (size_t)(gt - lt - 1));
		return 1;
	}
	if (lp != NULL && rp != NULL && rp > lp) {
		copy(addr, addrlen, in, (size_t)(lp - in));
		copy(name, namelen, lp + 1, (size_t)(rp - lp - 1));
		return 1;
	}
	if (strncasecmp(in, "mailto:", 7) == 0) {
		copy(name, namelen, "", 0);
		copy(addr, addrlen, in + 7, strlen(in + 7));
		return 1;
	}
	return 0;
}

static int
check_bare(const char *s, struct err *e)
{
	const char *at = strrchr(s, '@'), *p;
	size_t local, dom;

	for (p = s; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return err_set(e,
				       "\"%s\" has non-ASCII characters; certificates (rfc822Name) and most mail clients need a plain ASCII address",
				       s);
		if (isspace((unsigned char)*p))
			return err_set(e,
				       "\"%s\" contains a space; give only the address, like user@example.org",
				       s);
	}
	if (at == NULL)
		return err_set(e, "\"%s\" is not an email address: it has no @", s);
	if (strchr(s, '@') != at)
		return err_set(e, "\"%s\" has more than one @; give one address per --email", s);
	local = (size_t)(at - s);
	dom = strlen(at + 1);
	if (local == 0)
		return err_set(e, "\"%s\" has nothing before the @", s);
	if (dom == 0)
		return err_set(e, "\"%s\" has nothing after the @", s);
	if (local > 64 || local + 1 + dom > 254)
		return err_set(e, "\"%s\" is longer than an email address may be", s);
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.' && (i == 0 || i == local - 1 || s[i - 1] == '.'))
			return err_set(e,
				       "\"%s\": the part before the @ may not start or end with a dot, or have two in a row",
				       s);
		if (c != '.' && !atext(c))
			return err_set(e,
				       "\"%s\": the character '%c' is not allowed in the part before the @",
				       s, c);
	}
	if (strchr(at + 1, '.') == NULL)
		return err_set(e,
			       "\"%s\": the domain \"%s\" has no dot; give the full domain, like example.org",
			       s, at + 1);
	for (const char *label = at + 1; *label;) {
		size_t n = strcspn(label, ".");

		if (n == 0 || n > 63)
			return err_set(e, "\"%s\": the domain has an empty or overlong part", s);
		if (label[0] == '-' || label[n - 1] == '-')
			return err_set(e, "\"%s\": a domain part may not start or end with '-'", s);
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)label[i]) && label[i] != '-')
				return err_set(e,
					       "\"%s\": the character '%c' is not allowed in the domain",
					       s, label[i]);
		label += n;
		if (*label == '.')
			label++;
		if (*label == '\0' && label[-1] == '.')
			return err_set(e, "\"%s\": the domain ends with a dot", s);
	}
	return 0;
}

int
addr_check(const char *in, struct err *e)
{
	char name[256], addr[ADDR_MAX];

	if (in == NULL || *in == '\0')
		return err_set(e, "the email address is empty");
	if (addr_split(in, name, sizeof name, addr, sizeof addr)) {
		if (check_bare(addr, NULL) != 0)
			return check_bare(addr, e);
		if (*name != '\0')
			return err_set(e,
				       "\"%s\" is a name and an address; give them separately: --name \"%s\" --email %s",
				       in, name, addr);
		return err_set(e, "\"%s\" is not a bare address; give it as --email %s", in, addr);
	}
	return check_bare(in, e);
}

int
addr_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}
