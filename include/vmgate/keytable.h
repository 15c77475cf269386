/*
 * keytable: the key combinations `sendkey` accepts, and the Linux key
 * codes (linux/input-event-codes.h) libvirt presses for each, in order
 * and released together. A fixed table: nothing a tenant types becomes
 * a key code any other way. Pure; a leaf.
 */
#ifndef VMGATE_KEYTABLE_H
#define VMGATE_KEYTABLE_H

#include <stddef.h>

#define KEYTABLE_MAX_CODES	3	/* the longest combination */
#define KEYTABLE_NAMES_MAX	320	/* every name, blank-separated, and NUL */

struct key_combo {
	const char *name;		/* "ctrl-alt-del" */
	size_t ncodes;
	unsigned codes[KEYTABLE_MAX_CODES];
};

/* exact, case-sensitive; NULL when name is not in the table */
const struct key_combo *keytable_find(const char *name);
/* every name, in table order, separated by single blanks (cut to len) */
void keytable_names(char *buf, size_t len);

#endif
