/*
 * verb: the closed set of tenant verbs and every fact about each one, in a
 * single table (verb.c): its name, whether it takes a machine and a second
 * word, the options it accepts, its help line, and whether it is opt-in.
 * The request parser, the policy, the config's allow lists and the help
 * text all read this table; the shell adds only the handlers. A leaf
 * shared by config, policy, request and shell.
 *
 * Opt-in verbs exist for a tenant only when an allow list of the tenant or
 * of one of its groups names them; the others are there by default.
 */
#ifndef VMGATE_VERB_H
#define VMGATE_VERB_H

#include <stdbool.h>
#include <stddef.h>

enum verb {
	VERB_NONE = -1,
	VERB_HELP = 0,
	VERB_LIST,
	VERB_STATUS,
	VERB_START,
	VERB_STOP,
	VERB_POWEROFF,
	VERB_RESET,
	VERB_REBOOT,
	VERB_CONSOLE,
	VERB_SPICE,
	VERB_MEDIA,
	VERB_INSERT,
	VERB_EJECT,
	VERB_SCREENSHOT,
	VERB_SENDKEY,
	VERB_WHOAMI,
	VERB_VERSION,
	VERB_COUNT
};

#define VERB_BIT(v)	(1u << (unsigned)(v))
#define VERB_ALL	((1u << VERB_COUNT) - 1u)

/* the word after the machine name, for the verbs that take one */
enum verb_arg {
	VERB_ARG_NONE = 0,
	VERB_ARG_MEDIA,		/* insert VM MEDIA: a catalog entry's name */
	VERB_ARG_KEYS,		/* sendkey VM KEYS: a key combination's name */
};

/* the options a verb may accept (bit set) */
enum verb_opt {
	VERB_OPT_JSON = 0x01u,		/* --json */
	VERB_OPT_FORCE = 0x02u,		/* --force */
	VERB_OPT_PORT = 0x04u,		/* --port N */
	VERB_OPT_VV = 0x08u,		/* --vv */
	VERB_OPT_NO_WAIT = 0x10u,	/* --no-wait */
	VERB_OPT_CDROM = 0x20u,		/* --cdrom */
};

/* exact, case-sensitive; VERB_NONE when unknown */
enum verb verb_from_name(const char *name);
/* "reset"; "?" for an out-of-range value */
const char *verb_name(enum verb v);
/* true for verbs that take a machine name */
bool verb_needs_domain(enum verb v);
/* the word a verb takes after the machine name */
enum verb_arg verb_arg(enum verb v);
/* the VERB_OPT_ bits v accepts */
unsigned verb_options(enum verb v);
/* true for the verbs that exist only when an allow list names them */
bool verb_opt_in(enum verb v);
/* the help line's text ("hard reset"); "" for an out-of-range value */
const char *verb_help(enum verb v);

/* the VERB_BIT set a grant has when no allow list narrows it */
unsigned verb_default_allow(void);
/* the VERB_BIT set of the verbs that take a machine */
unsigned verb_machine_verbs(void);

/*
 * Options by name: the VERB_OPT_ bit of "--json", 0 when unknown; the verb
 * an option needs on top of the request's own (VERB_NONE when none: start
 * --cdrom needs insert too).
 */
unsigned verb_option_from_name(const char *name);
enum verb verb_option_needs(unsigned opt);

/*
 * The synopsis of v, e.g. "spice VM [--port N] [--vv] [--no-wait]", into
 * buf (cut to len). Only the options in shown are written, so help can
 * leave out those the tenant may not use; pass verb_options(v) for all.
 */
void verb_usage(enum verb v, unsigned shown, char *buf, size_t len);

#endif
