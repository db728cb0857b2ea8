#include "config.h"

/* mkman — Markdown on stdin to a man page on stdout, with libcmark's man
 * renderer plus what that renderer leaves out:
 *
 *   - the .TH header: mkman VERSION [DATE]; the date is DATE if given, else
 *     $SOURCE_DATE_EPOCH as YYYY-MM-DD (UTC), else left empty;
 *   - headings on one line: "# NAME" gives ".SH NAME", "## x" gives ".SS x";
 *   - definition lists: a list whose every item's first paragraph has a hard
 *     line break (a backslash at the end of the line) becomes tagged
 *     paragraphs (.TP): the text before the break is the tag, the rest the
 *     body.  On GitHub the same source shows the tag on a line of its own;
 *   - other hard line breaks become .br (libcmark 0.30 glues its ".PD 0" to
 *     the end of the previous line);
 *   - code spans are shown in bold, as commands and options are in man pages;
 *   - no hyphenation, ragged right (.nh, .ad l): options and file names stay
 *     whole.  A no-break space (&nbsp; in the source) keeps words together.
 *
 * Exit status: 0 written, 1 unreadable input or unwritable output, 2 usage.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmark.h>

struct nodes {
	cmark_node **v;
	size_t n, cap;
};

static _Noreturn void
die_oom(void)
{
	fputs("mkman: out of memory\n", stderr);
	exit(1);
}

static void
nodes_push(struct nodes *a, cmark_node *node)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		cmark_node **v = realloc(a->v, cap * sizeof *v);

		if (v == NULL)
			die_oom();
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = node;
}

/* Every node of `type` under `root`, in document order (pre-order). */
static void
collect(cmark_node *root, cmark_node_type type, struct nodes *out)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);

		if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == type)
			nodes_push(out, node);
	}
	cmark_iter_free(it);
}

/* Render `doc` (consumed) and drop the ".PP" lines the renderer puts before
 * paragraphs: the first one goes, the others become `pp` (NULL: dropped).
 * Trailing newlines go too.  Returns a malloc'd string. */
static char *
render_fragment(cmark_node *doc, const char *pp)
{
	char *roff = cmark_render_man(doc, CMARK_OPT_DEFAULT, 0);
	size_t cap, n = 0;
	char *out, *line, *next;
	int first = 1;

	cmark_node_free(doc);
	if (roff == NULL)
		die_oom();
	cap = strlen(roff) * 2 + 1;
	if ((out = malloc(cap)) == NULL)
		die_oom();
	for (line = roff; *line; line = next) {
		size_t len;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		len = (size_t)(next - line);
		if (strncmp(line, ".PP\n", 4) == 0 || strcmp(line, ".PP") == 0) {
			if (first || pp == NULL) {
				first = 0;
				continue;
			}
			n += (size_t)sprintf(out + n, "%s\n", pp);
			continue;
		}
		first = 0;
		memcpy(out + n, line, len);
		n += len;
	}
	while (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	free(roff);
	return out;
}

/* The inline children of `from` (until `stop`, exclusive) rendered as one
 * line of roff.  The children are consumed. */
static char *
render_inlines(cmark_node *from, cmark_node *stop)
{
	cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
	cmark_node *para = cmark_node_new(CMARK_NODE_PARAGRAPH);
	cmark_node *node, *next;
	char *s, *p;

	if (doc == NULL || para == NULL)
		die_oom();
	cmark_node_append_child(doc, para);
	for (node = from; node != NULL && node != stop; node = next) {
		next = cmark_node_next(node);
		cmark_node_append_child(para, node);
	}
	s = render_fragment(doc, NULL);
	for (p = s; *p; p++) /* soft breaks: one line */
		if (*p == '\n')
			*p = ' ';
	return s;
}

/* The first hard line break directly inside an item's first paragraph. */
static cmark_node *
item_break(cmark_node *item)
{
	cmark_node *para = cmark_node_first_child(item);
	cmark_node *node;

	if (para == NULL || cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH)
		return NULL;
	for (node = cmark_node_first_child(para); node != NULL; node = cmark_node_next(node))
		if (cmark_node_get_type(node) == CMARK_NODE_LINEBREAK)
			return node != cmark_node_first_child(para) ? node : NULL;
	return NULL;
}

static int
is_deflist(cmark_node *list)
{
	cmark_node *item;

	for (item = cmark_node_first_child(list); item != NULL; item = cmark_node_next(item))
		if (item_break(item) == NULL)
			return 0;
	return 1;
}

/* Split each item's first paragraph at its hard break: the tag goes into a
 * paragraph of its own, first in the item. */
static void
split_tags(cmark_node *list)
{
	cmark_node *item;

	for (item = cmark_node_first_child(list); item != NULL; item = cmark_node_next(item)) {
		cmark_node *br = item_break(item);
		cmark_node *para = cmark_node_first_child(item);
		cmark_node *tag = cmark_node_new(CMARK_NODE_PARAGRAPH);
		cmark_node *node, *next;

		if (tag == NULL)
			die_oom();
		for (node = cmark_node_first_child(para); node != br; node = next) {
			next = cmark_node_next(node);
			cmark_node_append_child(tag, node);
		}
		cmark_node_free(br);
		cmark_node_prepend_child(item, tag);
	}
}

/* Replace the split definition list by one block of .TP paragraphs. */
static void
render_deflist(cmark_node *list)
{
	cmark_node *item, *block;
	char *roff = NULL;
	size_t len = 0;

	for (item = cmark_node_first_child(list); item != NULL; item = cmark_node_next(item)) {
		cmark_node *tag = cmark_node_first_child(item);
		cmark_node *doc = cmark_node_new(CMARK_NODE_DOCUMENT);
		cmark_node *node, *next;
		char *t, *body, *p;

		if (doc == NULL)
			die_oom();
		t = render_inlines(cmark_node_first_child(tag), NULL);
		for (node = cmark_node_next(tag); node != NULL; node = next) {
			next = cmark_node_next(node);
			cmark_node_append_child(doc, node);
		}
		body = render_fragment(doc, ".IP");
		p = realloc(roff, len + strlen(t) + strlen(body) + 8);
		if (p == NULL)
			die_oom();
		roff = p;
		len += (size_t)sprintf(roff + len, ".TP\n%s\n%s\n", t, body);
		free(t);
		free(body);
	}
	if ((block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK)) == NULL)
		die_oom();
	cmark_node_set_on_enter(block, roff ? roff : "");
	cmark_node_replace(list, block);
	cmark_node_free(list);
	free(roff);
}

static void
render_heading(cmark_node *h)
{
	const char *macro = cmark_node_get_heading_level(h) == 1 ? ".SH" : ".SS";
	cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
	char *text = render_inlines(cmark_node_first_child(h), NULL);
	char *line = malloc(strlen(text) + 8);

	if (block == NULL || line == NULL)
		die_oom();
	sprintf(line, "%s %s", macro, text);
	cmark_node_set_on_enter(block, line);
	cmark_node_replace(h, block);
	cmark_node_free(h);
	free(text);
	free(line);
}

/* A code span becomes bold text; a hard break becomes .br. */
static void
fix_inline(cmark_node *node)
{
	cmark_node *repl;

	if (cmark_node_get_type(node) == CMARK_NODE_CODE) {
		cmark_node *text = cmark_node_new(CMARK_NODE_TEXT);

		repl = cmark_node_new(CMARK_NODE_STRONG);
		if (repl == NULL || text == NULL)
			die_oom();
		cmark_node_set_literal(text, cmark_node_get_literal(node));
		cmark_node_append_child(repl, text);
	} else {
		repl = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
		if (repl == NULL)
			die_oom();
		cmark_node_set_on_enter(repl, "\n.br\n");
	}
	cmark_node_replace(node, repl);
	cmark_node_free(node);
}

/* Version and date go into a macro line between double quotes. */
static int
plain_word(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789.,:_+~- ",
			    *s))
			return 0;
	return 1;
}

static int
source_date(char *buf, size_t len)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;
	time_t t;
	struct tm tm;

	buf[0] = '\0';
	if (env == NULL || *env == '\0')
		return 0;
	errno = 0;
	v = strtoll(env, &end, 10);
	t = (time_t)v;
	if (errno || *end != '\0' || v < 0 || gmtime_r(&t, &tm) == NULL) {
		fprintf(stderr, "mkman: SOURCE_DATE_EPOCH is not a time: %s\n", env);
		return -1;
	}
	strftime(buf, len, "%Y-%m-%d", &tm);
	return 0;
}

static cmark_node *
read_input(void)
{
	cmark_parser *parser = cmark_parser_new(CMARK_OPT_DEFAULT);
	cmark_node *doc;
	char buf[8192];
	size_t n;
	int failed;

	if (parser == NULL)
		die_oom();
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		cmark_parser_feed(parser, buf, n);
	failed = ferror(stdin) ? (errno ? errno : EIO) : 0;
	doc = cmark_parser_finish(parser);
	cmark_parser_free(parser);
	if (failed) {
		fprintf(stderr, "mkman: cannot read standard input: %s\n", strerror(failed));
		cmark_node_free(doc);
		doc = NULL;
	}
	return doc;
}

int
main(int argc, char **argv)
{
	struct nodes lists = {0}, nodes = {0};
	cmark_node *doc;
	char date[32];
	char *roff;
	size_t i;
	int rc = 0;

	if (argc < 2 || argc > 3 || !plain_word(argv[1]) || (argc == 3 && !plain_word(argv[2]))) {
		fputs("usage: mkman VERSION [DATE] < page.md > page.1\n", stderr);
		return 2;
	}
	if (argc == 3)
		snprintf(date, sizeof date, "%s", argv[2]);
	else if (source_date(date, sizeof date) != 0)
		return 2;
	if ((doc = read_input()) == NULL)
		return 1;

	/* Definition lists first: their hard breaks are tag separators.
	 * They are replaced innermost first, so that an outer list is never
	 * freed before the lists inside it. */
	collect(doc, CMARK_NODE_LIST, &lists);
	for (i = 0; i < lists.n; i++)
		if (is_deflist(lists.v[i]))
			split_tags(lists.v[i]);
		else
			lists.v[i] = NULL;
	collect(doc, CMARK_NODE_CODE, &nodes);
	collect(doc, CMARK_NODE_LINEBREAK, &nodes);
	for (i = 0; i < nodes.n; i++)
		fix_inline(nodes.v[i]);
	nodes.n = 0;
	collect(doc, CMARK_NODE_HEADING, &nodes);
	for (i = 0; i < nodes.n; i++)
		render_heading(nodes.v[i]);
	for (i = lists.n; i-- > 0;)
		if (lists.v[i] != NULL)
			render_deflist(lists.v[i]);
	free(lists.v);
	free(nodes.v);

	if ((roff = cmark_render_man(doc, CMARK_OPT_DEFAULT, 0)) == NULL)
		die_oom();
	cmark_node_free(doc);
	printf(".\\\" Generated by mkman from padseal.1.md; edit that instead.\n"
	       ".TH PADSEAL 1 \"%s\" \"padseal %s\" \"User Commands\"\n"
	       ".nh\n.ad l\n%s",
	       date, argv[1], roff);
	free(roff);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mkman: cannot write standard output: %s\n", strerror(errno));
		rc = 1;
	}
	return rc;
}
