/* help — the wizard's help pages: Markdown compiled into the program
 * (ui/help/<topic>.md, turned into C by ui/mkhelp at build time) and
 * rendered for the terminal with libcmark.  The screen itself is opened
 * with app_help() (app.h). */
#ifndef PADSEAL_HELP_H
#define PADSEAL_HELP_H

#include <stddef.h>

struct help_page {
	const char *topic; /* the file's name without .md: "create" */
	const char *text;  /* its Markdown */
};

/* In the order the build listed them (the wizard's steps). */
extern const struct help_page help_pages[];
extern const size_t help_n_pages;

#endif
