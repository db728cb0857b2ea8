#include "config.h"

#include <locale.h>

#include "cli.h"
#include "ui.h"

int
main(int argc, char **argv)
{
	/* The terminal's locale decides UTF-8 or ASCII drawing.  Numbers
	 * stay in the C form: JSON and file formats must not depend on the
	 * user's decimal comma. */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	return cli_main(argc, argv, ui_run);
}
