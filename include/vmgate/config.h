/*
 * config: the INI file of SPEC §2 -> struct config. Strict: any problem is
 * reported as "FILE:LINE: message" and the whole config is refused.
 * Uses the system inih; does no I/O beyond reading the file it is given.
 */
#ifndef VMGATE_CONFIG_H
#define VMGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vmgate/util.h"

#define CONFIG_DEFAULT_PATH	"/etc/vmgate/vmgate.ini"
#define CONFIG_DEFAULT_URI	"qemu:///system"
#define CONFIG_DEFAULT_KEYS	"/etc/vmgate/keys"
#define CONFIG_DEFAULT_SPICE_TTL 60
#define CONFIG_MAX_LINE		200		/* a line this long or longer is refused */
#define CONFIG_MAX_BYTES	(64u << 20)	/* whole file */
#define CONFIG_MAX_LIST		4096		/* items in one list value */
#define CONFIG_MAX_SPICE_TTL	86400

/* One grant: machines plus the verbs allowed on them (bit set of VERB_BIT). */
struct grant {
	char **domains;		/* sorted, unique */
	size_t ndomains;
	unsigned allow;		/* VERB_ALL unless narrowed by allow = */
};

struct tenant {
	char *name;
	bool disabled;
	struct grant grant;
	size_t *groups;		/* indexes into config.groups it is a member of */
	size_t ngroups;
	int line;
};

struct group {
	char *name;
	char **members;		/* tenant names, sorted, unique */
	size_t nmembers;
	struct grant grant;
	int line;
};

struct domain_conf {
	char *name;
	char *uri;		/* NULL: config.uri */
	char *spice_host;	/* NULL: read from the domain XML */
	int spice_port;		/* 0 when spice_host is NULL */
	int line;
};

struct config {
	char *path;
	char *uri;		/* [vmgate] uri */
	char *keys_dir;
	unsigned spice_ttl;
	char *service_user;	/* NULL when unset */
	char *audit_log;	/* NULL when unset */
	struct tenant *tenants;	/* sorted by name */
	size_t ntenants;
	struct group *groups;	/* sorted by name */
	size_t ngroups;
	struct domain_conf *domains;	/* sorted by name */
	size_t ndomains;
};

/*
 * Open path with O_NOFOLLOW, refuse anything but a regular file owned by
 * root or by owner_ok, not writable by group or others, and parse it.
 * On success *out holds the config and 0 is returned; otherwise -1, *out is
 * NULL and every problem is in d as "FILE:LINE: message" (LINE 0 for
 * problems of the file as a whole).
 */
int config_load(const char *path, uid_t owner_ok, struct config **out,
    struct diag *d);

/* Parse an in-memory file; name is used in messages. Pure. */
int config_parse(const char *name, const char *buf, size_t len,
    struct config **out, struct diag *d);

void config_free(struct config *cfg);

const struct tenant *config_tenant(const struct config *cfg, const char *name);
const struct group *config_group(const struct config *cfg, const char *name);
const struct domain_conf *config_domain(const struct config *cfg,
    const char *name);
/* the libvirt URI for a machine: its [domain] uri or the global one */
const char *config_domain_uri(const struct config *cfg, const char *name);

#endif
