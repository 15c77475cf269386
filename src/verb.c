/*
 * verb: names of the tenant verbs, in enum order.
 */
#include <string.h>

#include "vmgate/verb.h"

static const struct {
	const char *name;
	int needs_domain;
} verbs[VERB_COUNT] = {
	[VERB_HELP] = { "help", 0 },
	[VERB_LIST] = { "list", 0 },
	[VERB_STATUS] = { "status", 1 },
	[VERB_START] = { "start", 1 },
	[VERB_STOP] = { "stop", 1 },
	[VERB_POWEROFF] = { "poweroff", 1 },
	[VERB_RESET] = { "reset", 1 },
	[VERB_REBOOT] = { "reboot", 1 },
	[VERB_CONSOLE] = { "console", 1 },
	[VERB_SPICE] = { "spice", 1 },
	[VERB_WHOAMI] = { "whoami", 0 },
	[VERB_VERSION] = { "version", 0 },
};

enum verb
verb_from_name(const char *name)
{
	int v;

	if (name == NULL)
		return VERB_NONE;
	for (v = 0; v < VERB_COUNT; v++) {
		if (strcmp(verbs[v].name, name) == 0)
			return (enum verb)v;
	}
	return VERB_NONE;
}

const char *
verb_name(enum verb v)
{
	if (v < 0 || v >= VERB_COUNT)
		return "?";
	return verbs[v].name;
}

int
verb_needs_domain(enum verb v)
{
	if (v < 0 || v >= VERB_COUNT)
		return 0;
	return verbs[v].needs_domain;
}
