/* outlook — Outlook's .msg files as RFC 5322 messages (see outlook.h).
 *
 * A Compound File is a small file system in sectors of 512 (version 3) or
 * 4096 bytes (version 4): a FAT chains the sectors of each stream, a
 * directory of 128-byte entries names the streams and storages (a storage's
 * children hang from it as a binary tree), and streams under 4096 bytes
 * live in 64-byte sectors of the "mini stream", chained by the mini FAT.
 * A .msg keeps each MAPI property of the message in a stream named
 * "__substg1.0_IIIITTTT" (property id, type: 001F UTF-16LE, 001E 8-bit,
 * 0102 binary), the fixed-size ones in "__properties_version1.0", each
 * recipient in a storage "__recip_version1.0_#N" and each attachment in
 * "__attach_version1.0_#N".  Everything read from the file is checked
 * against its length; every chain is bounded by the number of sectors. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "mime_int.h"
#include "mimeout.h"
#include "outlook.h"
#include "xalloc.h"

#define END_OF_CHAIN 0xFFFFFFFEu
#define NO_STREAM    0xFFFFFFFFu
#define MINI_SECTOR  64u
#define MINI_CUTOFF  4096u
#define DIR_ENTRY    128u
#define MAX_DIR      16384u /* entries: a message has a few dozen, ten a recipient */
#define MAX_NUMBERED 1000u  /* recipients, and attachments, looked for */
#define MAX_STREAM   (256u << 20)

/* The properties this reads ([MS-OXPROPS]). */
#define PR_MESSAGE_CLASS       0x001A
#define PR_SUBJECT             0x0037
#define PR_CLIENT_SUBMIT_TIME  0x0039
#define PR_SENT_REPR_NAME      0x0042
#define PR_SENT_REPR_EMAIL     0x0065
#define PR_TRANSPORT_HEADERS   0x007D
#define PR_RECIPIENT_TYPE      0x0C15
#define PR_SENDER_NAME         0x0C1A
#define PR_SENDER_EMAIL        0x0C1F
#define PR_MESSAGE_DELIVERY    0x0E06
#define PR_BODY                0x1000
#define PR_INTERNET_MESSAGE_ID 0x1035
#define PR_DISPLAY_NAME        0x3001
#define PR_EMAIL_ADDRESS       0x3003
#define PR_ATTACH_DATA_BIN     0x3701
#define PR_SMTP_ADDRESS        0x39FE
#define PR_SENDER_SMTP         0x5D01
#define PR_SENT_REPR_SMTP      0x5D02

struct cfb {
	const unsigned char *b;
	size_t len;
	size_t ss;           /* sector size */
	uint32_t nsec;       /* sectors in the file */
	uint32_t *fat;       /* next sector of each sector */
	uint32_t nfat;       /* entries */
	uint32_t *mfat;      /* next mini sector of each mini sector */
	uint32_t nmfat;      /* entries */
	unsigned char *mini; /* the mini stream */
	size_t mini_len;
	unsigned char *dir; /* the directory stream */
	uint32_t ndir;
	int v4;
};

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int
outlook_is_msg(const unsigned char *buf, size_t len)
{
	static const unsigned char magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

	return len >= sizeof magic && memcmp(buf, magic, sizeof magic) == 0;
}

static int
damaged(struct err *e)
{
	return err_set(e, "the Outlook file is damaged: padseal cannot find the message in it");
}

/* The bytes of sector `n`, or NULL past the end of the file (a last
 * sector cut short is read as far as it goes: *got says how far). */
static const unsigned char *
sector(const struct cfb *c, uint32_t n, size_t *got)
{
	size_t off;

	if (n >= c->nsec)
		return NULL;
	off = ((size_t)n + 1) * c->ss;
	*got = c->len - off < c->ss ? c->len - off : c->ss;
	return c->b + off;
}

/* The stream starting at sector `start` of the FAT (`mini`: of the mini
 * FAT, in the mini stream), `size` bytes of it (SIZE_MAX: the whole
 * chain).  NULL with `e` when the chain leaves the file or loops. */
static unsigned char *
chain(const struct cfb *c, uint32_t start, size_t size, int mini, size_t *outlen, struct err *e)
{
	const uint32_t *next = mini ? c->mfat : c->fat;
	uint32_t limit = mini ? c->nmfat : c->nfat, n = start;
	size_t unit = mini ? MINI_SECTOR : c->ss, len = 0, cap;
	unsigned char *out;

	if (size != SIZE_MAX && size > MAX_STREAM) {
		damaged(e);
		return NULL;
	}
	cap = size == SIZE_MAX ? 0 : size;
	out = xmalloc(cap + 1);
	for (uint32_t steps = 0; n != END_OF_CHAIN && (size == SIZE_MAX || len < size); steps++) {
		const unsigned char *p;
		size_t got = unit, take;

		if (n >= limit || steps >= limit) {
			free(out);
			damaged(e);
			return NULL;
		}
		if (mini) {
			if ((size_t)n * MINI_SECTOR >= c->mini_len) {
				free(out);
				damaged(e);
				return NULL;
			}
			p = c->mini + (size_t)n * MINI_SECTOR;
			if (c->mini_len - (size_t)n * MINI_SECTOR < got)
				got = c->mini_len - (size_t)n * MINI_SECTOR;
		} else if ((p = sector(c, n, &got)) == NULL) {
			free(out);
			damaged(e);
			return NULL;
		}
		take = size == SIZE_MAX ? got : (size - len < got ? size - len : got);
		if (len + take > cap) {
			if (len + take > MAX_STREAM) {
				free(out);
				damaged(e);
				return NULL;
			}
			cap = 2 * (len + take);
			out = xrealloc(out, cap + 1);
		}
		memcpy(out + len, p, take);
		len += take;
		n = next[n];
	}
	if (size != SIZE_MAX && len < size) {
		free(out);
		damaged(e);
		return NULL;
	}
	out[len] = '\0';
	*outlen = len;
	return out;
}

/* Append the FAT sector `n` to the FAT. */
static int
add_fat_sector(struct cfb *c, uint32_t n, uint32_t *have, struct err *e)
{
	const unsigned char *p;
	size_t got, per = c->ss / 4;

	if ((p = sector(c, n, &got)) == NULL || got < c->ss || *have + per > c->nfat)
		return damaged(e);
	for (size_t i = 0; i < per; i++)
		c->fat[(*have)++] = le32(p + 4 * i);
	return 0;
}

static int
cfb_open(struct cfb *c, const unsigned char *b, size_t len, struct err *e)
{
	uint32_t nfs, difat, ndifat, have = 0;
	unsigned shift;
	unsigned char *mf;
	size_t mflen, dlen;

	memset(c, 0, sizeof *c);
	c->b = b;
	c->len = len;
	if (len < 512 || !outlook_is_msg(b, len) || le16(b + 0x1C) != 0xFFFE)
		return damaged(e);
	shift = le16(b + 0x1E);
	if ((shift != 9 && shift != 12) || le16(b + 0x20) != 6)
		return damaged(e);
	c->v4 = shift == 12;
	c->ss = (size_t)1 << shift;
	if (len < 2 * c->ss)
		return damaged(e);
	c->nsec = (uint32_t)((len - c->ss + c->ss - 1) / c->ss);
	nfs = le32(b + 0x2C);
	/* Each FAT sector chains ss/4 sectors: no more than the file needs
	 * (and a few spare), so that a header cannot ask for a huge FAT. */
	if (nfs == 0 || nfs > c->nsec || nfs > c->nsec / (uint32_t)(c->ss / 4) + 8)
		return damaged(e);
	c->nfat = nfs * (uint32_t)(c->ss / 4);
	c->fat = xcalloc(c->nfat, sizeof *c->fat);
	/* The first 109 FAT sectors are named in the header, the rest in a
	 * chain of DIFAT sectors (the last entry of each: the next one). */
	for (uint32_t i = 0; i < 109 && have < c->nfat; i++)
		if (add_fat_sector(c, le32(b + 0x4C + 4 * i), &have, e) != 0)
			return -1;
	difat = le32(b + 0x44);
	ndifat = le32(b + 0x48);
	for (uint32_t d = 0; d < ndifat && have < c->nfat; d++) {
		const unsigned char *p;
		size_t got, per = c->ss / 4 - 1;

		if ((p = sector(c, difat, &got)) == NULL || got < c->ss)
			return damaged(e);
		for (size_t i = 0; i < per && have < c->nfat; i++)
			if (add_fat_sector(c, le32(p + 4 * i), &have, e) != 0)
				return -1;
		difat = le32(p + 4 * per);
	}
	if (have < c->nfat)
		return damaged(e);
	if ((c->dir = chain(c, le32(b + 0x30), SIZE_MAX, 0, &dlen, e)) == NULL)
		return -1;
	c->ndir = (uint32_t)(dlen / DIR_ENTRY);
	if (c->ndir == 0 || c->ndir > MAX_DIR || c->dir[0x42] != 5) /* the root entry */
		return damaged(e);
	if (le32(b + 0x3C) != END_OF_CHAIN && le32(b + 0x40) != 0) {
		if ((mf = chain(c, le32(b + 0x3C), SIZE_MAX, 0, &mflen, e)) == NULL)
			return -1;
		c->nmfat = (uint32_t)(mflen / 4);
		c->mfat = xcalloc(c->nmfat + 1, sizeof *c->mfat);
		for (uint32_t i = 0; i < c->nmfat; i++)
			c->mfat[i] = le32(mf + 4 * i);
		free(mf);
		/* The mini stream: the root entry's stream. */
		if ((c->mini = chain(c, le32(c->dir + 0x74), le32(c->dir + 0x78), 0, &c->mini_len,
				     e)) == NULL)
			return -1;
	}
	return 0;
}

static void
cfb_close(struct cfb *c)
{
	free(c->fat);
	free(c->mfat);
	free(c->mini);
	free(c->dir);
	memset(c, 0, sizeof *c);
}

static const unsigned char *
entry(const struct cfb *c, uint32_t i)
{
	return i < c->ndir ? c->dir + (size_t)i * DIR_ENTRY : NULL;
}

static unsigned
lower(unsigned ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Is entry `d` named `name` (ASCII, compared without case)? */
static int
named(const unsigned char *d, const char *name)
{
	size_t n = le16(d + 0x40), want = strlen(name);

	if (n < 2 || n > 64 || n / 2 - 1 != want)
		return 0;
	for (size_t i = 0; i < want; i++)
		if (lower(le16(d + 2 * i)) != lower((unsigned char)name[i]))
			return 0;
	return 1;
}

/* The child of storage `parent` named `name`, or NO_STREAM.  The children
 * hang from the storage as a tree of left and right siblings; every one is
 * visited (no reliance on the tree's order), each at most once. */
static uint32_t
child(const struct cfb *c, uint32_t parent, const char *name)
{
	const unsigned char *d = entry(c, parent);
	uint32_t *stack, top = 0, found = NO_STREAM, visits = 0;

	if (d == NULL || le32(d + 0x4C) == NO_STREAM)
		return NO_STREAM;
	stack = xcalloc(c->ndir + 1, sizeof *stack);
	stack[top++] = le32(d + 0x4C);
	while (top > 0 && found == NO_STREAM && visits++ < c->ndir) {
		uint32_t i = stack[--top];
		const unsigned char *x = entry(c, i);

		if (x == NULL)
			continue;
		if (named(x, name) && x[0x42] != 0)
			found = i;
		for (int side = 0x44; side <= 0x48; side += 4)
			if (le32(x + side) != NO_STREAM && top < c->ndir)
				stack[top++] = le32(x + side);
	}
	free(stack);
	return found;
}

/* The stream `name` under storage `parent`: 1 when there is none, 0 with
 * *out (NUL-terminated, free()), -1 with `e`. */
static int
stream(const struct cfb *c, uint32_t parent, const char *name, unsigned char **out, size_t *len,
       struct err *e)
{
	uint32_t i = child(c, parent, name);
	const unsigned char *d = entry(c, i);
	uint64_t size;

	*out = NULL;
	*len = 0;
	if (d == NULL || d[0x42] != 2)
		return 1;
	size = le32(d + 0x78);
	if (c->v4)
		size |= (uint64_t)le32(d + 0x7C) << 32;
	if (size > MAX_STREAM)
		return damaged(e);
	if (size == 0) {
		*out = xcalloc(1, 1);
		return 0;
	}
	*out = chain(c, le32(d + 0x74), (size_t)size, size < MINI_CUTOFF, len, e);
	return *out != NULL ? 0 : -1;
}

/* UTF-16LE to UTF-8 (a lone surrogate becomes U+FFFD), up to the first
 * NUL. */
static char *
utf16_to_utf8(const unsigned char *p, size_t len)
{
	struct sbuf b = {0};

	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t u = le16(p + i);
		unsigned char o[4];
		size_t n;

		if (u == 0)
			break;
		if (u >= 0xD800 && u < 0xDC00 && i + 3 < len && le16(p + i + 2) >= 0xDC00 &&
		    le16(p + i + 2) < 0xE000) {
			u = 0x10000 + ((u - 0xD800) << 10) + (le16(p + i + 2) - 0xDC00u);
			i += 2;
		} else if (u >= 0xD800 && u < 0xE000) {
			u = 0xFFFD;
		}
		if (u < 0x80) {
			o[0] = (unsigned char)u;
			n = 1;
		} else if (u < 0x800) {
			o[0] = (unsigned char)(0xC0 | u >> 6);
			o[1] = (unsigned char)(0x80 | (u & 0x3F));
			n = 2;
		} else if (u < 0x10000) {
			o[0] = (unsigned char)(0xE0 | u >> 12);
			o[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
			o[2] = (unsigned char)(0x80 | (u & 0x3F));
			n = 3;
		} else {
			o[0] = (unsigned char)(0xF0 | u >> 18);
			o[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F));
			o[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F));
			o[3] = (unsigned char)(0x80 | (u & 0x3F));
			n = 4;
		}
		mime_sb_add(&b, o, n);
	}
	return mime_sb_done(&b);
}

/* The string property `id` of storage `parent` (Unicode or 8-bit), ""
 * when it has none; NULL with `e` when the file is damaged. */
static char *
prop_str(const struct cfb *c, uint32_t parent, unsigned id, struct err *e)
{
	char name[40];
	unsigned char *raw;
	size_t len;
	char *s;
	int rc;

	snprintf(name, sizeof name, "__substg1.0_%04X001F", id);
	if ((rc = stream(c, parent, name, &raw, &len, e)) == 0) {
		s = utf16_to_utf8(raw, len);
		free(raw);
		return s;
	}
	if (rc < 0)
		return NULL;
	snprintf(name, sizeof name, "__substg1.0_%04X001E", id);
	if ((rc = stream(c, parent, name, &raw, &len, e)) < 0)
		return NULL;
	if (rc == 1)
		return xstrdup("");
	/* 8-bit in the sender's code page: ASCII kept, the rest '?'. */
	for (size_t i = 0; i < len; i++)
		if (raw[i] >= 0x80)
			raw[i] = '?';
	raw[strnlen((char *)raw, len)] = '\0';
	return (char *)raw;
}

/* A fixed-size property of storage `parent` ("__properties_version1.0":
 * a header of `head` bytes, then 16-byte entries of tag, flags, value):
 * its 8 value bytes, or 0 when it has none. */
static uint64_t
prop_fixed(const struct cfb *c, uint32_t parent, size_t head, uint32_t tag)
{
	unsigned char *raw;
	size_t len;
	uint64_t v = 0;
	struct err e = ERR_INIT;

	if (stream(c, parent, "__properties_version1.0", &raw, &len, &e) != 0) {
		err_clear(&e);
		return 0;
	}
	for (size_t i = head; i + 16 <= len; i += 16)
		if (le32(raw + i) == tag) {
			v = (uint64_t)le32(raw + i + 8) | (uint64_t)le32(raw + i + 12) << 32;
			break;
		}
	free(raw);
	return v;
}

/* A header value from the file: as it is when it is plain printable
 * ASCII (and, for a display name, holds no character that would need
 * quoting), else as RFC 2047 encoded words, whole UTF-8 characters in
 * each.  Either way no line break of the file's reaches the header. */
static void
add_value(struct sbuf *b, const char *v, int phrase)
{
	size_t n = strlen(v), i = 0;
	int plain = 1;

	for (size_t k = 0; k < n && plain; k++)
		plain = v[k] >= 0x20 && v[k] < 0x7F &&
			(!phrase || strchr("\"\\<>,;:@()[]", v[k]) == NULL);
	if (plain) {
		mime_sb_add(b, v, n);
		return;
	}
	while (i < n) {
		size_t take = n - i > 45 ? 45 : n - i;
		unsigned char enc[64];

		while (take > 1 && i + take < n && ((unsigned char)v[i + take] & 0xC0) == 0x80)
			take--;
		EVP_EncodeBlock(enc, (const unsigned char *)v + i, (int)take);
		if (i > 0)
			mime_sb_add(b, "\r\n ", 3);
		mime_sb_add(b, "=?UTF-8?B?", 10);
		mime_sb_add(b, enc, strlen((char *)enc));
		mime_sb_add(b, "?=", 2);
		i += take;
	}
}

/* Is `a` an address that can stand in a header as it is? */
static int
plain_addr(const char *a)
{
	if (a[0] == '\0' || strchr(a, '@') == NULL)
		return 0;
	for (; *a; a++)
		if ((unsigned char)*a <= 0x20 || (unsigned char)*a >= 0x7F ||
		    strchr("\"<>,;()[]\\", *a))
			return 0;
	return 1;
}

/* "Name <addr>", after a comma unless *first; nothing when the address
 * cannot be used. */
static void
add_mailbox(struct sbuf *b, int *first, const char *name, const char *addr)
{
	if (!plain_addr(addr))
		return;
	mime_sb_add(b, *first ? "" : ",\r\n ", *first ? 0 : 4);
	*first = 0;
	if (name[0] != '\0' && strcasecmp(name, addr) != 0) {
		add_value(b, name, 1);
		mime_sb_add(b, " ", 1);
	}
	mime_sb_ch(b, '<');
	mime_sb_add(b, addr, strlen(addr));
	mime_sb_ch(b, '>');
}

/* The first of the string properties `ids` (0-terminated) that is an
 * address (or, with `any`, the first one set). */
static char *
first_prop(const struct cfb *c, uint32_t st, const unsigned *ids, int any, struct err *e)
{
	for (; *ids; ids++) {
		char *v = prop_str(c, st, *ids, e);

		if (v == NULL)
			return NULL;
		if (any ? v[0] != '\0' : plain_addr(v))
			return v;
		free(v);
	}
	return xstrdup("");
}

/* From, To, Cc, Subject, Date and Message-ID of a copy Outlook kept
 * without the internet headers (one in Sent), from its properties. */
static int
made_headers(const struct cfb *c, struct sbuf *b, struct err *e)
{
	static const unsigned from_addr[] = {PR_SENDER_SMTP, PR_SENT_REPR_SMTP, PR_SENDER_EMAIL,
					     PR_SENT_REPR_EMAIL, 0};
	static const unsigned from_name[] = {PR_SENDER_NAME, PR_SENT_REPR_NAME, 0};
	static const unsigned rcpt_addr[] = {PR_SMTP_ADDRESS, PR_EMAIL_ADDRESS, 0};
	static const unsigned rcpt_name[] = {PR_DISPLAY_NAME, 0};
	char *addr = NULL, *name = NULL, *v = NULL;
	struct sbuf rcpt[2] = {{0}, {0}};
	int none[2] = {1, 1};
	uint64_t ft;
	int rc = -1;

	if ((addr = first_prop(c, 0, from_addr, 0, e)) == NULL ||
	    (name = first_prop(c, 0, from_name, 1, e)) == NULL)
		goto out;
	if (plain_addr(addr)) {
		int first = 1;

		mime_sb_add(b, "From: ", 6);
		add_mailbox(b, &first, name, addr);
		mime_sb_add(b, "\r\n", 2);
	}
	/* Recipients: To (type 1) and Cc (type 2); Bcc (3) stays private. */
	for (uint32_t i = 0; i < MAX_NUMBERED; i++) {
		char sname[40];
		uint32_t r;
		char *ra, *rn;
		uint64_t type;
		int k;

		snprintf(sname, sizeof sname, "__recip_version1.0_#%08X", i);
		if ((r = child(c, 0, sname)) == NO_STREAM)
			break;
		type = prop_fixed(c, r, 8, (uint32_t)PR_RECIPIENT_TYPE << 16 | 0x0003) & 0xFF;
		if (type > 2)
			continue;
		k = type == 2;
		if ((ra = first_prop(c, r, rcpt_addr, 0, e)) == NULL)
			goto out;
		if ((rn = first_prop(c, r, rcpt_name, 1, e)) == NULL) {
			free(ra);
			goto out;
		}
		add_mailbox(&rcpt[k], &none[k], rn, ra);
		free(ra);
		free(rn);
	}
	for (int k = 0; k < 2; k++)
		if (!none[k]) {
			mime_sb_add(b, k ? "Cc: " : "To: ", 4);
			mime_sb_add(b, rcpt[k].s, rcpt[k].len);
			mime_sb_add(b, "\r\n", 2);
		}
	if ((v = prop_str(c, 0, PR_SUBJECT, e)) == NULL)
		goto out;
	mime_sb_add(b, "Subject: ", 9);
	add_value(b, v, 0);
	mime_sb_add(b, "\r\n", 2);
	free(v);
	/* Submitted (or, failing that, delivered): FILETIME, 100 ns since 1601. */
	if ((ft = prop_fixed(c, 0, 32, (uint32_t)PR_CLIENT_SUBMIT_TIME << 16 | 0x0040)) == 0)
		ft = prop_fixed(c, 0, 32, (uint32_t)PR_MESSAGE_DELIVERY << 16 | 0x0040);
	if (ft / 10000000u > 11644473600u) {
		char date[40];

		mimeout_date((time_t)(ft / 10000000u - 11644473600u), date);
		mime_sb_add(b, "Date: ", 6);
		mime_sb_add(b, date, strlen(date));
		mime_sb_add(b, "\r\n", 2);
	}
	if ((v = prop_str(c, 0, PR_INTERNET_MESSAGE_ID, e)) == NULL)
		goto out;
	if (v[0] == '<' && strchr(v, '>') != NULL && strcspn(v, "\r\n") == strlen(v)) {
		mime_sb_add(b, "Message-ID: ", 12);
		mime_sb_add(b, v, strlen(v));
		mime_sb_add(b, "\r\n", 2);
	}
	rc = 0;
out:
	free(mime_sb_done(&rcpt[0]));
	free(mime_sb_done(&rcpt[1]));
	free(v);
	free(addr);
	free(name);
	return rc;
}

/* Is the header line starting at `p` one of the fields the part below
 * brings itself (MIME-Version, Content-*)? */
static int
mime_field(const char *p)
{
	return strncasecmp(p, "MIME-Version:", 13) == 0 || strncasecmp(p, "Content-", 8) == 0;
}

/* The internet headers Outlook kept (PR_TRANSPORT_MESSAGE_HEADERS) up to
 * their end, in CRLF lines, without the MIME fields. */
static void
kept_headers(const char *h, struct sbuf *b)
{
	int skip = 0;

	while (*h != '\0') {
		size_t n = strcspn(h, "\r\n");

		if (n == 0)
			break; /* the blank line: the end of the header */
		if (*h != ' ' && *h != '\t')
			skip = mime_field(h);
		if (!skip) {
			mime_sb_add(b, h, n);
			mime_sb_add(b, "\r\n", 2);
		}
		h += n;
		if (*h == '\r')
			h++;
		if (*h == '\n')
			h++;
	}
}

/* The data of the first attachment that has any (PR_ATTACH_DATA_BIN):
 * 1 when there is none. */
static int
attachment(const struct cfb *c, unsigned char **data, size_t *len, struct err *e)
{
	for (uint32_t i = 0; i < MAX_NUMBERED; i++) {
		char name[40];
		uint32_t a;
		int rc;

		snprintf(name, sizeof name, "__attach_version1.0_#%08X", i);
		if ((a = child(c, 0, name)) == NO_STREAM)
			return 1;
		snprintf(name, sizeof name, "__substg1.0_%04X0102", PR_ATTACH_DATA_BIN);
		if ((rc = stream(c, a, name, data, len, e)) <= 0)
			return rc;
	}
	return 1;
}

int
outlook_msg_mime(const unsigned char *buf, size_t len, unsigned char **out, size_t *outlen,
		 struct err *e)
{
	struct cfb c;
	struct sbuf b = {0};
	char *cls = NULL, *th = NULL, *body = NULL;
	unsigned char *data = NULL;
	size_t dlen = 0;
	int rc = -1, r;

	*out = NULL;
	*outlen = 0;
	if (cfb_open(&c, buf, len, e) != 0)
		goto out;
	if ((cls = prop_str(&c, 0, PR_MESSAGE_CLASS, e)) == NULL)
		goto out;
	if (strncasecmp(cls, "IPM.Note", 8) != 0 || (cls[8] != '\0' && cls[8] != '.')) {
		err_set(e,
			"the Outlook file is not a mail message (it is a meeting, a contact, a task or a note)");
		goto out;
	}
	if ((th = prop_str(&c, 0, PR_TRANSPORT_HEADERS, e)) == NULL)
		goto out;
	if (strchr(th, ':') != NULL)
		kept_headers(th, &b);
	else if (made_headers(&c, &b, e) != 0)
		goto out;
	if (strncasecmp(cls, "IPM.Note.SMIME", 14) == 0) {
		if ((r = attachment(&c, &data, &dlen, e)) < 0)
			goto out;
		if (r == 1) {
			err_set(e, "the Outlook file is an S/MIME message without its S/MIME part");
			goto out;
		}
	}
	if (data != NULL && strncasecmp(cls, "IPM.Note.SMIME.MultipartSigned", 30) == 0) {
		/* The whole multipart/signed entity, its own header first. */
		mime_sb_add(&b, data, dlen);
	} else if (data != NULL) {
		size_t nb = 4 * ((dlen + 2) / 3) + 1;
		unsigned char *enc = xmalloc(nb);
		size_t n = (size_t)EVP_EncodeBlock(enc, data, (int)dlen);

		mime_sb_add(&b,
			    "MIME-Version: 1.0\r\n"
			    "Content-Type: application/pkcs7-mime; name=smime.p7m\r\n"
			    "Content-Disposition: attachment; filename=smime.p7m\r\n"
			    "Content-Transfer-Encoding: base64\r\n\r\n",
			    strlen("MIME-Version: 1.0\r\n"
				   "Content-Type: application/pkcs7-mime; name=smime.p7m\r\n"
				   "Content-Disposition: attachment; filename=smime.p7m\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n"));
		for (size_t i = 0; i < n; i += 76) {
			mime_sb_add(&b, enc + i, n - i < 76 ? n - i : 76);
			mime_sb_add(&b, "\r\n", 2);
		}
		free(enc);
	} else {
		if ((body = prop_str(&c, 0, PR_BODY, e)) == NULL)
			goto out;
		mime_sb_add(&b,
			    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
			    "Content-Transfer-Encoding: 8bit\r\n\r\n",
			    strlen("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
				   "Content-Transfer-Encoding: 8bit\r\n\r\n"));
		mime_sb_add(&b, body, strlen(body));
	}
	if (outlook_is_msg((unsigned char *)b.s, b.len)) { /* never read it twice */
		damaged(e);
		goto out;
	}
	*outlen = b.len;
	*out = (unsigned char *)mime_sb_done(&b);
	b.s = NULL;
	rc = 0;
out:
	if (rc != 0)
		free(mime_sb_done(&b));
	free(cls);
	free(th);
	free(body);
	free(data);
	cfb_close(&c);
	return rc;
}
