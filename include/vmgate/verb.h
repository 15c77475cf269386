/*
 * verb: the closed set of tenant verbs and their names. A leaf shared by
 * config (allow lists), policy and request.
 */
#ifndef VMGATE_VERB_H
#define VMGATE_VERB_H

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
	VERB_WHOAMI,
	VERB_VERSION,
	VERB_COUNT
};

#define VERB_BIT(v)	(1u << (unsigned)(v))
#define VERB_ALL	((1u << VERB_COUNT) - 1u)
/* verbs that act on no machine: every enabled tenant has them */
#define VERB_GENERAL	(VERB_BIT(VERB_HELP) | VERB_BIT(VERB_LIST) | \
			 VERB_BIT(VERB_WHOAMI) | VERB_BIT(VERB_VERSION))

/* exact, case-sensitive; VERB_NONE when unknown */
enum verb verb_from_name(const char *name);
/* "reset"; "?" for an out-of-range value */
const char *verb_name(enum verb v);
/* true for verbs that take a machine name */
int verb_needs_domain(enum verb v);

#endif
