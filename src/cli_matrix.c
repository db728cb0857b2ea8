/* The verbs intro and matrix. */
#include "config.h"

#include "cli_int.h"

int
cmd_intro(struct cli *c)
{
	(void)c;
	return cli_usage("intro is not built yet");
}

int
cmd_matrix(struct cli *c)
{
	(void)c;
	return cli_usage("matrix is not built yet");
}

