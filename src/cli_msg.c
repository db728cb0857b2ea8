/* The verbs read and import. */
#include "config.h"

#include "cli_int.h"

int
cmd_read(struct cli *c)
{
	(void)c;
	return cli_usage("read is not built yet");
}

int
cmd_import(struct cli *c)
{
	(void)c;
	return cli_usage("import is not built yet");
}

