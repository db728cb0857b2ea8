/* The verbs peers, compare, trust and untrust. */
#include "config.h"

#include "cli_int.h"

int
cmd_peers(struct cli *c)
{
	(void)c;
	return cli_usage("peers is not built yet");
}

int
cmd_compare(struct cli *c)
{
	(void)c;
	return cli_usage("compare is not built yet");
}

int
cmd_trust(struct cli *c)
{
	(void)c;
	return cli_usage("trust is not built yet");
}

int
cmd_untrust(struct cli *c)
{
	(void)c;
	return cli_usage("untrust is not built yet");
}

