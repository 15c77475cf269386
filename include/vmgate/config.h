/*
 * config: the INI file of vmgate.ini(5) -> struct config. Strict: any problem is
 * reported as "FILE:LINE: message" and the whole config is refused.
 * Uses the system inih; does no I/O beyond reading the file it is given.
 *
 * Problems of the file as a whole (cannot open, unsafe owner or mode, too
 * big) are reported with LINE 0, so every message has the same shape.
 *
 * The rules beyond those vmgate.ini(5) spells out, all of them "refuse rather than guess":
 * - Every key may appear once per section, list keys (domains, members,
 *   allow) included: a second "domains =" is an error, not an append.
 * - Lines are at most CONFIG_MAX_LINE - 1 bytes, not counting the "\n" or
 *   "\r\n" that ends them. Control bytes (but tab) anywhere are refused.
 *   Leading blanks are ignored: there are no continuation lines.
 *   A UTF-8 byte order mark at the start of the file is skipped.
 * - Comments are lines starting with ';' or '#', and text from a ';' that
 *   follows a blank (inih's inline comments), after values and after ']'.
 * - Section headers are exactly "[vmgate]" or "[KIND NAME]" with one space,
 *   KIND tenant, group, domain or media. Keys of a refused header are
 *   not checked.
 * - Lists: items separated by commas and/or blanks; an empty item ("a,,b",
 *   "a,", ",a"), an empty value and an item listed twice are errors.
 * - Booleans: yes/no, true/false, on/off, 1/0, lower case only.
 * - Numbers: decimal digits only, no sign, no leading zero.
 * - libvirt_timeout: CONFIG_MIN_LIBVIRT_TIMEOUT..CONFIG_MAX_LIBVIRT_TIMEOUT
 *   seconds.
 * - max_sessions ([vmgate], and [tenant] to override it): 0 (no limit)
 *   or 1..CONFIG_MAX_SESSIONS.
 * - uri: printable ASCII without blanks. keys, audit_log: absolute paths,
 *   printable ASCII without blanks.
 * - service_user: a name that is also a safe login name (at most
 *   CONFIG_MAX_LOGIN bytes, not all digits) and not a tenant's name.
 *   tenant_group: a group name by the same rules.
 * - spice = HOST:PORT, HOST a DNS name, an IPv4 literal or a bracketed
 *   IPv6 literal, never a wildcard address (host_valid), PORT 1..65535.
 * - ipv4, ipv6: one address each, a literal of that family without a
 *   prefix length that a machine can own: not unspecified, loopback,
 *   multicast, broadcast or (IPv6) link-local. Kept in canonical form
 *   (2001:db8::10, never 2001:0db8:0::0010), so they compare as text.
 * - A group member without a [tenant] section is a tenant all the same
 *   (enabled, with only the group's rights).
 * - [media NAME] needs a path (absolute, printable ASCII without blanks);
 *   its description is printable ASCII, shorter than
 *   CONFIG_MAX_DESCRIPTION. A media list (tenants, groups) names [media]
 *   sections, or is "*" alone for all of them. Whether the file itself is
 *   safe is not the parser's business: path_file_safe (util.h).
 */
#ifndef VMGATE_CONFIG_H
#define VMGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "vmgate/util.h"

#define CONFIG_DEFAULT_PATH	"/etc/vmgate/vmgate.ini"
#define CONFIG_DEFAULT_URI	"qemu:///system"
#define CONFIG_DEFAULT_KEYS	"/etc/vmgate/keys"
#define CONFIG_DEFAULT_SPICE_TTL 60
#define CONFIG_DEFAULT_TENANT_GROUP "vmgate-tenants"	/* per-user accounts */
#define CONFIG_MAX_LINE		200		/* a line this long or longer is refused */
#define CONFIG_MAX_BYTES	(64u << 20)	/* whole file */
#define CONFIG_MAX_LIST		4096		/* items in one list value */
#define CONFIG_MAX_SPICE_TTL	86400
#define CONFIG_DEFAULT_LIBVIRT_TIMEOUT 120	/* seconds a request waits on libvirt */
#define CONFIG_MIN_LIBVIRT_TIMEOUT 30	/* past the connect retries and
						   a node's keepalive (5 + 16 s) */
#define CONFIG_MAX_LIBVIRT_TIMEOUT 3600
#define CONFIG_DEFAULT_MAX_SESSIONS 8	/* per tenant at once */
#define CONFIG_MAX_SESSIONS	10000	/* a larger limit is no limit */
#define CONFIG_MAX_LOGIN	32		/* service_user: useradd's limit */
#define CONFIG_MAX_DESCRIPTION	80		/* [media] description, bytes */
#define CONFIG_ALL_MEDIA	"*"		/* media = *: every catalog entry */

/*
 * Where a section sits in the file: from the first byte of its header line
 * to the next header line or the end. The config snapshot hands these
 * ranges back to config_parse, so a tenant's config is parsed from them
 * alone. {0, 0} for what has no section (a group member without one).
 */
struct text_range {
	size_t off;
	size_t len;
};

/* One grant: machines plus the verbs allowed on them (bit set of VERB_BIT). */
struct grant {
	char **domains;		/* sorted, unique */
	size_t ndomains;
	unsigned allow;		/* verb_default_allow() unless narrowed by allow = */
	char **media;		/* catalog entries, sorted, unique */
	size_t nmedia;
	bool all_media;		/* media = * */
	int media_line;		/* line of its media key, 0 when none */
};

struct tenant {
	char *name;
	bool disabled;
	bool implicit;		/* only named as a group member: no section */
	unsigned max_sessions;	/* when has_max_sessions */
	bool has_max_sessions;
	struct grant grant;
	size_t *groups;		/* indexes into config.groups it is a member of */
	size_t ngroups;
	int line;
	struct text_range range;	/* its section's bytes in the file */
};

struct group {
	char *name;
	char **members;		/* tenant names, sorted, unique */
	size_t nmembers;
	struct grant grant;
	int line;
	struct text_range range;	/* its section's bytes in the file */
	int members_line;	/* line of its members key, 0 when none */
};

struct domain_conf {
	char *name;
	char *uri;		/* NULL: config.uri */
	char *spice_host;	/* NULL: read from the domain XML; a DNS name
				   or an IP literal, IPv6 without brackets */
	int spice_port;		/* 0 when spice_host is NULL */
	char *ipv4;		/* assigned address, canonical; NULL: none */
	char *ipv6;		/* likewise */
	int line;
	struct text_range range;	/* its section's bytes in the file */
	int ipv4_line;		/* line of its ipv4 key, 0 when none */
	int ipv6_line;		/* line of its ipv6 key, 0 when none */
};

/* One entry of the install media catalog ([media NAME]). */
struct media_conf {
	char *name;
	char *path;		/* absolute; the file is checked by path_file_safe */
	char *description;	/* NULL when unset */
	int line;
	struct text_range range;	/* its section's bytes in the file */
	int path_line;		/* line of its path key */
};

struct config {
	char *path;
	char *uri;		/* [vmgate] uri */
	char *keys_dir;
	unsigned spice_ttl;
	unsigned libvirt_timeout;	/* seconds; see deadline.h */
	unsigned max_sessions;	/* per tenant at once; 0: no limit */
	char *service_user;	/* NULL when unset */
	char *tenant_group;	/* NULL when unset: CONFIG_DEFAULT_TENANT_GROUP */
	char *audit_log;	/* NULL when unset */
	struct text_range vmgate_range;	/* [vmgate]; {0, 0} when none */
	struct tenant *tenants;	/* sorted by name */
	size_t ntenants;
	struct group *groups;	/* sorted by name */
	size_t ngroups;
	struct domain_conf *domains;	/* sorted by name */
	size_t ndomains;
	struct media_conf *media;	/* sorted by name */
	size_t nmedia;
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

/*
 * config_load in two steps, for callers that may not need the whole file
 * (cache.c): open path and check it as config_load does, returning the fd
 * and its fstat in *st, or -1; then read it whole into *buf (NUL not
 * added), 0 or -1.
 */
int config_open(const char *path, uid_t owner_ok, struct stat *st,
    struct diag *d);
int config_read_fd(int fd, const char *path, const struct stat *st,
    char **buf, size_t *len, struct diag *d);

/*
 * Forget every tenant but name (none when name is NULL or absent): the
 * config then answers for that one tenant only, and every other tenant is
 * unknown, so denied.
 */
void config_keep_only(struct config *cfg, const char *name);

/* Parse an in-memory file; name is used in messages. Pure. */
int config_parse(const char *name, const char *buf, size_t len,
    struct config **out, struct diag *d);

void config_free(struct config *cfg);

const struct tenant *config_tenant(const struct config *cfg, const char *name);
/* the tenant's session limit: its own max_sessions, else the global one;
 * 0 means no limit */
unsigned config_max_sessions(const struct config *cfg, const char *tenant);
const struct group *config_group(const struct config *cfg, const char *name);
const struct domain_conf *config_domain(const struct config *cfg,
    const char *name);
/* the libvirt URI for a machine: its [domain] uri or the global one */
const struct media_conf *config_media(const struct config *cfg,
    const char *name);
/* the catalog entry whose path is exactly path, or NULL */
const struct media_conf *config_media_by_path(const struct config *cfg,
    const char *path);
const char *config_domain_uri(const struct config *cfg, const char *name);

/*
 * The addresses assigned to a machine's interface number nic (0 = first
 * in its definition): [domain] ipv4/ipv6 belong to the first interface,
 * the others have none. *v4 / *v6 NULL when none (dc may be NULL).
 */
void config_nic_addresses(const struct domain_conf *dc, size_t nic,
    const char **v4, const char **v6);

#endif
