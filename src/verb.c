/*
 * verb: the one table of tenant verbs, in enum order, and the option
 * table. Adding a verb means one line here (and its handler in shell.c).
 */
#include <stdio.h>
#include <string.h>

#include "vmgate/verb.h"

static const struct {
	const char *name;
	bool needs_domain;
	enum verb_arg arg;
	unsigned options;	/* VERB_OPT_ bits */
	bool opt_in;
	const char *help;
} verbs[VERB_COUNT] = {
	[VERB_HELP] = { "help", false, VERB_ARG_NONE, 0, false,
	    "this text" },
	[VERB_LIST] = { "list", false, VERB_ARG_NONE, VERB_OPT_JSON, false,
	    "your machines and their state" },
	[VERB_STATUS] = { "status", true, VERB_ARG_NONE, VERB_OPT_JSON, false,
	    "state, vCPUs, memory, SPICE endpoint, addresses" },
	[VERB_START] = { "start", true, VERB_ARG_NONE, VERB_OPT_CDROM, false,
	    "boot" },
	[VERB_STOP] = { "stop", true, VERB_ARG_NONE, 0, false,
	    "graceful shutdown (ACPI)" },
	[VERB_POWEROFF] = { "poweroff", true, VERB_ARG_NONE, 0, false,
	    "hard power off" },
	[VERB_RESET] = { "reset", true, VERB_ARG_NONE, 0, false,
	    "hard reset" },
	[VERB_REBOOT] = { "reboot", true, VERB_ARG_NONE, 0, false,
	    "graceful reboot" },
	[VERB_CONSOLE] = { "console", true, VERB_ARG_NONE, VERB_OPT_FORCE,
	    false, "serial console (needs ssh -t; ^] leaves)" },
	[VERB_SPICE] = { "spice", true, VERB_ARG_NONE,
	    VERB_OPT_PORT | VERB_OPT_VV | VERB_OPT_NO_WAIT, false,
	    "one-time SPICE password" },
	[VERB_MEDIA] = { "media", false, VERB_ARG_NONE, VERB_OPT_JSON, true,
	    "install media you may insert" },
	[VERB_INSERT] = { "insert", true, VERB_ARG_MEDIA, 0, true,
	    "put install media in the CD drive" },
	[VERB_EJECT] = { "eject", true, VERB_ARG_NONE, 0, true,
	    "empty the CD drive" },
	[VERB_SCREENSHOT] = { "screenshot", true, VERB_ARG_NONE, 0, true,
	    "the display as PNG on stdout" },
	[VERB_SENDKEY] = { "sendkey", true, VERB_ARG_KEYS, 0, true,
	    "send a key combination" },
	[VERB_WHOAMI] = { "whoami", false, VERB_ARG_NONE, 0, false,
	    "your tenant name and key" },
	[VERB_VERSION] = { "version", false, VERB_ARG_NONE, 0, false,
	    "vmgate's version" },
};

/* in the order a synopsis shows them */
static const struct {
	const char *name;
	unsigned bit;
	const char *value;	/* placeholder of its value, NULL: none */
	enum verb needs;	/* a verb it needs too, VERB_NONE: none */
} options[] = {
	{ "--json", VERB_OPT_JSON, NULL, VERB_NONE },
	{ "--force", VERB_OPT_FORCE, NULL, VERB_NONE },
	{ "--port", VERB_OPT_PORT, "N", VERB_NONE },
	{ "--vv", VERB_OPT_VV, NULL, VERB_NONE },
	{ "--no-wait", VERB_OPT_NO_WAIT, NULL, VERB_NONE },
	{ "--cdrom", VERB_OPT_CDROM, NULL, VERB_INSERT },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char *const arg_words[] = {
	[VERB_ARG_NONE] = NULL,
	[VERB_ARG_MEDIA] = "MEDIA",
	[VERB_ARG_KEYS] = "KEYS",
};

static bool
known(enum verb v)
{
	return v >= 0 && v < VERB_COUNT;
}

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
	return known(v) ? verbs[v].name : "?";
}

bool
verb_needs_domain(enum verb v)
{
	return known(v) && verbs[v].needs_domain;
}

enum verb_arg
verb_arg(enum verb v)
{
	return known(v) ? verbs[v].arg : VERB_ARG_NONE;
}

unsigned
verb_options(enum verb v)
{
	return known(v) ? verbs[v].options : 0;
}

bool
verb_opt_in(enum verb v)
{
	return known(v) && verbs[v].opt_in;
}

const char *
verb_help(enum verb v)
{
	return known(v) ? verbs[v].help : "";
}

unsigned
verb_default_allow(void)
{
	unsigned set = 0;
	int v;

	for (v = 0; v < VERB_COUNT; v++) {
		if (!verbs[v].opt_in)
			set |= VERB_BIT(v);
	}
	return set;
}

unsigned
verb_machine_verbs(void)
{
	unsigned set = 0;
	int v;

	for (v = 0; v < VERB_COUNT; v++) {
		if (verbs[v].needs_domain)
			set |= VERB_BIT(v);
	}
	return set;
}

unsigned
verb_option_from_name(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NOPTIONS; i++) {
		if (strcmp(options[i].name, name) == 0)
			return options[i].bit;
	}
	return 0;
}

enum verb
verb_option_needs(unsigned opt)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		if (options[i].bit == opt)
			return options[i].needs;
	}
	return VERB_NONE;
}

void
verb_usage(enum verb v, unsigned shown, char *buf, size_t len)
{
	size_t i, used;

	if (len == 0)
		return;
	used = (size_t)snprintf(buf, len, "%s%s%s%s", verb_name(v),
	    verb_needs_domain(v) ? " VM" : "",
	    verb_arg(v) != VERB_ARG_NONE ? " " : "",
	    verb_arg(v) != VERB_ARG_NONE ? arg_words[verb_arg(v)] : "");
	shown &= verb_options(v);
	for (i = 0; i < NOPTIONS && used < len; i++) {
		if ((shown & options[i].bit) == 0)
			continue;
		used += (size_t)snprintf(buf + used, len - used, " [%s%s%s]",
		    options[i].name, options[i].value != NULL ? " " : "",
		    options[i].value != NULL ? options[i].value : "");
	}
}
