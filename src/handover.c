/* handover — the bundle for the person a credential was made for. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cred.h"
#include "handover.h"
#include "install_int.h"
#include "safetext.h"
#include "xalloc.h"

/* --- the sheet: blocks of text, rendered twice ------------------------- */

/* Inside a block's text, CODE_ON ... CODE_OFF marks a file name (code in
 * both renderings).  Text from a certificate goes through safetext_dup
 * first, which never lets these control characters through. */
#define MD_WIDTH 76 /* columns of the Markdown sheet */
#define CODE_ON  "\001"
#define CODE_OFF "\002"
#define F(name)  CODE_ON name CODE_OFF

enum blk {
	B_TITLE, /* the page's heading */
	B_HEAD,  /* a section */
	B_PARA,
	B_ITEM, /* an item of a bulleted list */
	B_STEP, /* a step of a numbered list (numbered per section) */
	B_FPR,  /* the fingerprint, lines kept as they are */
};

struct block {
	enum blk kind;
	char *text;
};

struct sheet {
	struct block *b;
	size_t n;
};

static void add(struct sheet *s, enum blk kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
add(struct sheet *s, enum blk kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s->b = xreallocarray(s->b, s->n + 1, sizeof *s->b);
	s->b[s->n].kind = kind;
	s->b[s->n].text = xvasprintf(fmt, ap);
	s->n++;
	va_end(ap);
}

static void
sheet_free(struct sheet *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->b[i].text);
	free(s->b);
}

/* A growing string. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* --- Markdown -------------------------------------------------------------- */

/* One character of running text (`next` the one after it): ASCII
 * punctuation that Markdown reads as markup is escaped with a backslash
 * (CommonMark allows it before any); '&' only before what could make an
 * entity, '!' only before '['. */
static void
md_char(struct buf *b, char c, char next)
{
	int letter = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
		     (next >= '0' && next <= '9') || next == '#';

	if (strchr("\\`*_[]<>#|~", c) != NULL || (c == '&' && letter) || (c == '!' && next == '['))
		put(b, "\\", 1);
	put(b, &c, 1);
}

/* A word (`w` bytes at `t`) that would open a list, a quote, a heading
 * underline or a rule at the start of a line: never wrapped to one. */
static int
md_starts_block(const char *t, size_t w)
{
	size_t d = strspn(t, "0123456789");

	if (w == 1 && strchr("-+*", t[0]) != NULL)
		return 1;
	if (t[0] == '>' || strspn(t, "=") >= w || strspn(t, "-") >= w)
		return 1;
	return d > 0 && d + 1 == w && (t[d] == '.' || t[d] == ')');
}

/* Inline text: file names as code spans, the rest escaped; wrapped at
 * `width` columns with `indent` spaces before each continuation line
 * (SIZE_MAX: one line, as a heading must be). */
static void
md_inline(struct buf *b, const char *t, size_t col, size_t indent, size_t width)
{
	int code = 0;

	while (*t) {
		size_t w = strcspn(t, " ");

		if (col > indent && col + 1 + w > width && !md_starts_block(t, w)) {
			put(b, "\n", 1);
			for (size_t i = 0; i < indent; i++)
				put(b, " ", 1);
			col = indent;
		} else if (col > indent) {
			put(b, " ", 1);
			col++;
		}
		for (size_t i = 0; i < w; i++) {
			if (t[i] == CODE_ON[0] || t[i] == CODE_OFF[0]) {
				code = t[i] == CODE_ON[0];
				put(b, "`", 1);
			} else if (code) {
				put(b, &t[i], 1); /* a file name: as is */
			} else {
				md_char(b, t[i], t[i + 1]);
			}
		}
		col += w;
		t += w;
		while (*t == ' ')
			t++;
	}
}

static char *
render_md(const struct sheet *s)
{
	struct buf b = {0};
	size_t step = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct block *k = &s->b[i];
		char num[16];

		if (i > 0 &&
		    !(k->kind == s->b[i - 1].kind && (k->kind == B_ITEM || k->kind == B_STEP)))
			put(&b, "\n", 1);
		if (k->kind != B_STEP)
			step = 0;
		switch (k->kind) {
		case B_TITLE:
			puts_(&b, "# ");
			md_inline(&b, k->text, 2, 2, SIZE_MAX);
			break;
		case B_HEAD:
			puts_(&b, "## ");
			md_inline(&b, k->text, 3, 3, SIZE_MAX);
			break;
		case B_PARA: md_inline(&b, k->text, 0, 0, MD_WIDTH); break;
		case B_ITEM:
			puts_(&b, "- ");
			md_inline(&b, k->text, 2, 2, MD_WIDTH);
			break;
		case B_STEP:
			snprintf(num, sizeof num, "%zu. ", ++step);
			puts_(&b, num);
			md_inline(&b, k->text, strlen(num), strlen(num), MD_WIDTH);
			break;
		case B_FPR:
			/* An indented code block: each line as it is. */
			for (const char *p = k->text; *p;) {
				size_t n = strcspn(p, "\n");

				puts_(&b, "    ");
				put(&b, p, n);
				p += n;
				if (*p == '\n') {
					put(&b, "\n", 1);
					p++;
				}
			}
			break;
		}
		put(&b, "\n", 1);
	}
	return b.p;
}

/* --- HTML ------------------------------------------------------------------ */

static void
html_text(struct buf *b, const char *t)
{
	for (; *t; t++) {
		switch (*t) {
		case '&': puts_(b, "&amp;"); break;
		case '<': puts_(b, "&lt;"); break;
		case '>': puts_(b, "&gt;"); break;
		case '"': puts_(b, "&quot;"); break;
		case '\'': puts_(b, "&#39;"); break;
		case '\001': puts_(b, "<code>"); break;
		case '\002': puts_(b, "</code>"); break;
		default: put(b, t, 1);
		}
	}
}

/* The title without the code marks, for <title>. */
static void
html_plain(struct buf *b, const char *t)
{
	char *copy = xstrdup(t), *w = copy;

	for (const char *r = t; *r; r++)
		if (*r != CODE_ON[0] && *r != CODE_OFF[0])
			*w++ = *r;
	*w = '\0';
	html_text(b, copy);
	free(copy);
}

static const char html_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<style>\n"
	"@page { size: A4; margin: 14mm; }\n"
	"body { font-family: sans-serif; font-size: 9.5pt; line-height: 1.25; max-width: 50em;"
	" margin: 1em auto; color: #000; background: #fff; }\n"
	"h1 { font-size: 15pt; margin: 0 0 .3em; }\n"
	"h2 { font-size: 11pt; margin: .6em 0 .15em; }\n"
	"p, ul, ol { margin: .2em 0; }\n"
	"li { margin: .1em 0; }\n"
	"pre { font-size: 11pt; margin: .3em 0 .3em 2em; }\n"
	"@media print { body { margin: 0; max-width: none; } }\n"
	"</style>\n";

static char *
render_html(const struct sheet *s)
{
	struct buf b = {0};
	enum blk open = B_PARA; /* the list open: B_ITEM, B_STEP, or none */

	puts_(&b, html_head);
	for (size_t i = 0; i < s->n; i++)
		if (s->b[i].kind == B_TITLE) {
			puts_(&b, "<title>");
			html_plain(&b, s->b[i].text);
			puts_(&b, "</title>\n");
			break;
		}
	puts_(&b, "</head>\n<body>\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct block *k = &s->b[i];

		if (open != B_PARA && k->kind != open) {
			puts_(&b, open == B_ITEM ? "</ul>\n" : "</ol>\n");
			open = B_PARA;
		}
		if ((k->kind == B_ITEM || k->kind == B_STEP) && open != k->kind) {
			puts_(&b, k->kind == B_ITEM ? "<ul>\n" : "<ol>\n");
			open = k->kind;
		}
		switch (k->kind) {
		case B_TITLE: puts_(&b, "<h1>"); break;
		case B_HEAD: puts_(&b, "<h2>"); break;
		case B_PARA: puts_(&b, "<p>"); break;
		case B_ITEM:
		case B_STEP: puts_(&b, "<li>"); break;
		case B_FPR: puts_(&b, "<pre>"); break;
		}
		html_text(&b, k->text);
		switch (k->kind) {
		case B_TITLE: puts_(&b, "</h1>\n"); break;
		case B_HEAD: puts_(&b, "</h2>\n"); break;
		case B_PARA: puts_(&b, "</p>\n"); break;
		case B_ITEM:
		case B_STEP: puts_(&b, "</li>\n"); break;
		case B_FPR: puts_(&b, "</pre>\n"); break;
		}
	}
	if (open != B_PARA)
		puts_(&b, open == B_ITEM ? "</ul>\n" : "</ol>\n");
	puts_(&b, "</body>\n</html>\n");
	return b.p;
}

/* --- what the sheet says ---------------------------------------------------- */

/* Text from the certificate, safe for both renderings (no control
 * character survives, so none can pass for a code mark). */
struct words {
	char *name, *addr, *addrs;
	char until[11], ca_until[11];
};

static void
words_of(const struct ident *id, struct words *w)
{
	char *all = xstrdup("");

	w->name = safetext_dup(id->name != NULL && *id->name ? id->name : "you", 0);
	w->addr = safetext_dup(id->n_emails ? id->emails[0] : "your address", 0);
	for (size_t i = 0; i < id->n_emails; i++) {
		char *t = xasprintf("%s%s%s", all,
				    i == 0 ? "" : (i + 1 == id->n_emails ? " and " : ", "),
				    id->emails[i]);

		free(all);
		all = t;
	}
	w->addrs = safetext_dup(*all ? all : "your address", 0);
	free(all);
	snprintf(w->until, sizeof w->until, "%.10s", id->not_after);
	snprintf(w->ca_until, sizeof w->ca_until, "%.10s", id->ca_not_after);
}

static void
words_free(struct words *w)
{
	free(w->name);
	free(w->addr);
	free(w->addrs);
}

static void
sheet_files(struct sheet *s, const struct ident *id, int has_ca)
{
	add(s, B_HEAD, "In this folder");
	add(s, B_ITEM,
	    F(HANDOVER_P12) ": your key and your certificate%s, locked with the passphrase. It "
			    "is private: keep it, do not send it to anyone.",
	    has_ca ? " with the certificate authority that issued it" : "");
	add(s, B_ITEM,
	    F(HANDOVER_CERT_PEM) " and " F(
		    HANDOVER_CERT_DER) ": your certificate%s. It is not "
				       "secret: it is what others need to write to you.",
	    has_ca ? " (in the .pem, your certificate authority follows it)" : "");
	if (has_ca)
		add(s, B_ITEM,
		    F(HANDOVER_CA_PEM) " and " F(HANDOVER_CA_DER) ": %s, which your mail program "
								  "must trust (the steps below).",
		    id->form == FORM_CA ? "your own certificate authority" :
					  "the certificate authority that issued your certificate");
	add(s, B_ITEM, F(HANDOVER_MD) " and " F(HANDOVER_HTML) ": this page.");
}

static void
sheet_programs(struct sheet *s, int has_ca)
{
	add(s, B_HEAD, "Thunderbird");
	add(s, B_STEP,
	    "Open the menu (three lines, top right), then Settings, Privacy & Security; under "
	    "Certificates click Manage Certificates.");
	if (has_ca)
		add(s, B_STEP,
		    "On the tab Authorities, click Import and choose " F(
			    HANDOVER_CA_PEM) ". Tick \"Trust this CA to identify email users\" and click OK.");
	add(s, B_STEP,
	    "On the tab Your Certificates, click Import, choose " F(
		    HANDOVER_P12) " and type the passphrase. Click OK to close.");
	add(s, B_STEP,
	    "Open the menu, Account Settings, and under your account End-To-End Encryption. Under "
	    "S/MIME, click Select next to each personal certificate and choose yours; tick \"Add "
	    "my digital signature by default\".");

	add(s, B_HEAD, "Apple Mail on a Mac");
	add(s, B_STEP,
	    "Double-click " F(HANDOVER_P12) ", choose the keychain \"login\", click Add and type "
					    "the passphrase.");
	add(s, B_STEP,
	    "%s In Keychain Access, double-click it, open Trust, set \"Secure Mail (S/MIME)\" to "
	    "Always Trust, close the window and type your Mac password.",
	    has_ca ? "Double-click " F(HANDOVER_CA_DER) " and add it to \"login\" too." :
		     "Your certificate is now in the keychain \"login\", under your name.");
	add(s, B_STEP,
	    "Quit Mail and open it again. A new message shows a seal (sign) and a padlock "
	    "(encrypt) beside the subject.");

	add(s, B_HEAD, "Outlook on Windows");
	add(s, B_STEP,
	    "Double-click " F(HANDOVER_P12) ": Current User, Next, Next, type the passphrase, "
					    "Next, Next, Finish.");
	add(s, B_STEP,
	    "Right-click %s, Install Certificate: Current User, \"Place all certificates in the "
	    "following store\", Browse, Trusted Root Certification Authorities, OK, Next, Finish, "
	    "and Yes to the warning.",
	    has_ca ? F(HANDOVER_CA_DER) : F(HANDOVER_CERT_DER));
	add(s, B_STEP,
	    "In Outlook: File, Options, Trust Center, Trust Center Settings, Email Security, "
	    "Settings. Choose your certificate for signing and for encryption, click OK, and tick "
	    "\"Add digital signature to outgoing messages\".");
	add(s, B_PARA,
	    "For another program (an iPhone, neomutt, GnuPG), ask the person who made this "
	    "credential: padseal writes the steps for it (padseal install).");
}

static void
sheet_build(const struct handover_in *in, struct sheet *s)
{
	const struct ident *id = in->id;
	int has_ca = id->form != FORM_SELF_SIGNED && id->n_chain > 0;
	struct words w;

	words_of(id, &w);
	add(s, B_TITLE, "Secure mail for %s <%s>", w.name, w.addr);
	add(s, B_PARA,
	    "This folder holds your mail credential, made for you with padseal on %s: the key "
	    "and the certificate that sign the mail you send from %s and open the mail encrypted "
	    "to you. Set it up once in each mail program you use, with the steps for it below.",
	    in->made, w.addrs);
	add(s, B_HEAD, "The passphrase");
	add(s, B_PARA,
	    F(HANDOVER_P12) " is locked with a passphrase, and the passphrase is not in this "
			    "folder: the person who made the credential gives it to you apart from it, "
			    "by phone or on paper. Your mail program asks for it once, as the password "
			    "of the file. Keep the paper away from this folder: with both, anyone could "
			    "sign mail as you.");
	if (id->form == FORM_SELF_SIGNED) {
		add(s, B_HEAD, "What is different about this credential");
		add(s, B_PARA,
		    "Your certificate is self-signed: no certificate authority issued it, so there "
		    "is none to trust below. Thunderbird shows signatures made with it as untrusted "
		    "once it has restarted, neomutt refuses to import it, and when it expires on %s "
		    "everyone you write to must compare the new fingerprint with you again. The "
		    "form padseal makes by default (a certificate from your own authority) has none "
		    "of these limits.",
		    w.until);
	}
	sheet_files(s, id, has_ca);
	sheet_programs(s, has_ca);
	add(s, B_HEAD, "Your fingerprint");
	add(s, B_PARA,
	    "Someone who wants to be sure that mail from you is yours will call you and compare "
	    "this fingerprint with the one they see, group by group. %s",
	    id->form == FORM_CA ?
		    "It is the fingerprint of your certificate authority: it stays "
		    "the same when your certificate is renewed." :
		    "It is the fingerprint of your certificate itself: it changes when "
		    "the certificate is replaced.");
	add(s, B_FPR, "%s", id->form == FORM_CA ? id->ca_grouped : id->grouped);
	if (id->form == FORM_CA)
		add(s, B_PARA,
		    "Your certificate is valid until %s, your certificate authority until %s. "
		    "Before the certificate expires, the person who made it renews it with padseal "
		    "and gives you the new one the same way; the people you write to need no new "
		    "call.",
		    w.until, w.ca_until);
	else
		add(s, B_PARA, "Your certificate is valid until %s.", w.until);
	words_free(&w);
}

void
handover_sheet(const struct handover_in *in, char **md, char **html)
{
	struct sheet s = {0};

	sheet_build(in, &s);
	*md = render_md(&s);
	*html = render_html(&s);
	sheet_free(&s);
}

/* --- the files ---------------------------------------------------------------- */

/* The PEM of every certificate of `chain`; *len its length.  free(). */
static unsigned char *
chain_pem(struct stack_st_X509 *chain, size_t *len)
{
	struct buf b = {0};

	for (int i = 0; i < sk_X509_num(chain); i++) {
		size_t n;
		char *p = cert_to_pem(sk_X509_value(chain, i), &n);

		put(&b, p, n);
		OPENSSL_free(p);
	}
	*len = b.len;
	return (unsigned char *)b.p;
}

/* The certificate and its chain, as `padseal cert` writes it. */
static unsigned char *
cert_pem(X509 *cert, struct stack_st_X509 *chain, size_t *len)
{
	size_t n, m = 0;
	char *p = cert_to_pem(cert, &n);
	unsigned char *rest = sk_X509_num(chain) > 0 ? chain_pem(chain, &m) : NULL;
	unsigned char *all = xmalloc(n + m + 1);

	memcpy(all, p, n);
	if (rest != NULL)
		memcpy(all + n, rest, m);
	all[n + m] = '\0';
	OPENSSL_free(p);
	free(rest);
	*len = n + m;
	return all;
}

int
handover_build(const struct handover_in *in, struct install_set *out, struct err *e)
{
	int has_ca = in->id->form != FORM_SELF_SIGNED && sk_X509_num(in->chain) > 0;
	unsigned char *data;
	size_t len;
	char *md, *html;

	memset(out, 0, sizeof *out);
	if (in->p12 == NULL || in->p12_len == 0)
		return err_set(e, "there is no .p12 to hand over");
	iset_file(out, HANDOVER_P12, xmemdup(in->p12, in->p12_len), in->p12_len, 1);
	data = cert_pem(in->cert, has_ca ? in->chain : NULL, &len);
	iset_file(out, HANDOVER_CERT_PEM, data, len, 0);
	iset_cert(out, in->cert, 1, HANDOVER_CERT_DER);
	if (has_ca) {
		/* The .cer is the top of the chain: the one to trust. */
		data = chain_pem(in->chain, &len);
		iset_file(out, HANDOVER_CA_PEM, data, len, 0);
		iset_cert(out, sk_X509_value(in->chain, sk_X509_num(in->chain) - 1), 1,
			  HANDOVER_CA_DER);
	}
	handover_sheet(in, &md, &html);
	iset_file(out, HANDOVER_MD, (unsigned char *)md, strlen(md), 0);
	iset_file(out, HANDOVER_HTML, (unsigned char *)html, strlen(html), 0);
	return 0;
}

int
handover_dir_check(const char *dir, struct err *e)
{
	struct stat sb;
	char *copy;
	const char *parent;
	int rc = -1;

	if (dir == NULL || *dir == '\0')
		return err_set(e, "name the new folder for the hand-over with --out DIR");
	if (lstat(dir, &sb) == 0)
		return err_set(e,
			       "%s already exists; padseal hands over only into a new folder, so name one that does not exist",
			       dir);
	copy = xstrdup(dir);
	parent = dirname(copy);
	if (stat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode))
		err_set(e, "cannot make %s: the folder %s does not exist", dir, parent);
	else if (access(parent, W_OK | X_OK) != 0)
		err_sys(e, "cannot make %s: the folder %s is not writable", dir, parent);
	else
		rc = 0;
	free(copy);
	return rc;
}
