/*
 * config: reads and checks the INI file (vmgate.ini(5)) into struct config.
 *
 * inih (Debian r55) does the key/value splitting, but it is fed through our
 * own line reader, because on its own r55 cuts lines at 200 bytes and
 * parses the tail as a new line (a key injection), joins indented lines to
 * the previous value, skips empty sections and only reports the first bad
 * line. The reader counts lines, refuses long lines and control bytes,
 * strips leading blanks (no continuation lines), classifies every line and
 * tracks section headers itself; inih only ever sees lines already known to
 * be a comment, a blank, a section header or "key = value".
 *
 * Every problem is collected as "FILE:LINE: message"; any problem at all
 * means no config. Lookups are bsearch over arrays sorted by name, so a
 * config with 100k tenants costs n log n, never n^2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "vmgate/config.h"
#include "vmgate/verb.h"

#define SHOW_MAX	72	/* bytes of an offending token shown in a message */
#define MSG_MAX		512
#define MAX_SECTION_KEYS 8
#define MAX_PORT	65535
#define UTF8_BOM	"\xef\xbb\xbf"

enum section_kind {
	SEC_NONE,		/* before the first header */
	SEC_BAD,		/* refused header: its keys are skipped */
	SEC_VMGATE,
	SEC_TENANT,
	SEC_GROUP,
	SEC_DOMAIN,
	SEC_MEDIA
};

struct parser {
	const char *file;	/* name used in messages */
	const char *buf;
	size_t len;
	size_t off;
	int line;		/* number of the line last read */
	int handed_full;	/* last line filled inih's buffer exactly */
	int handed_num;
	size_t errors;		/* all problems, even those diag dropped */
	struct diag *d;
	struct config *cfg;
	size_t tenants_cap;
	size_t groups_cap;
	size_t domains_cap;
	size_t media_cap;
	enum section_kind kind;
	int seen[MAX_SECTION_KEYS];	/* line of each key in this section */
	int vmgate_line;
	int service_user_line;
	size_t line_off;	/* where the line last read starts */
	struct text_range *open; /* the range of the section being read */
};

struct key_rule {
	const char *key;
	void (*set)(struct parser *, const char *);
};

static void perr(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->d, "%s:%d: %s", p->file, line, msg);
	p->errors++;
}

/* untrusted text -> something safe to print, cut to SHOW_MAX */
static const char *
show(char *dst, size_t dstlen, const char *s)
{
	str_sanitize(dst, dstlen, s);
	return dst;
}

/* qsort and bsearch must not see a NULL base, even for no elements */
static void
sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static void *
find(const void *key, const void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	return n == 0 ? NULL : bsearch(key, base, n, size, cmp);
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* printable ASCII without blanks: what a URI or a path may hold here */
static bool
graph_ascii(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* Decimal digits, no sign, no leading zero, value in 1..max. */
static int
parse_number(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *c;

	if (*s < '1' || *s > '9')
		return -1;
	for (c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (unsigned long)(*c - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* ---- lists ---- */

enum list_kind { LIST_DOMAINS, LIST_MEMBERS };

/*
 * Split a list value into items separated by commas and/or blanks. Calls
 * add(item) for each; reports an empty item. Returns 0 or -1.
 */
static int
split_list(struct parser *p, const char *key, const char *value,
    void (*add)(struct parser *, void *, const char *), void *ctx)
{
	char item[CONFIG_MAX_LINE + 1];
	bool have_item = false, after_comma = false;
	size_t n, count = 0;
	const char *s = value;

	if (*value == '\0') {
		perr(p, p->line, "%s: empty value", key);
		return -1;
	}
	for (;;) {
		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s == ',') {
			if (!have_item) {
				perr(p, p->line, "%s: empty list item", key);
				return -1;
			}
			have_item = false;
			after_comma = true;
			s++;
			continue;
		}
		n = strcspn(s, ", \t");
		if (n >= sizeof(item) || ++count > CONFIG_MAX_LIST) {
			perr(p, p->line, "%s: list too long", key);
			return -1;
		}
		memcpy(item, s, n);
		item[n] = '\0';
		add(p, ctx, item);
		have_item = true;
		after_comma = false;
		s += n;
	}
	if (after_comma) {
		perr(p, p->line, "%s: empty list item (trailing comma)", key);
		return -1;
	}
	return 0;
}

struct name_list {
	const char *key;
	const char *what;	/* "machine", "tenant" */
	char **names;
	size_t n;
	bool bad;
};

static void
add_name(struct parser *p, void *ctx, const char *item)
{
	struct name_list *l = ctx;
	char buf[SHOW_MAX];

	if (!name_valid(item)) {
		perr(p, p->line, "%s: bad %s name '%s'", l->key, l->what,
		    show(buf, sizeof(buf), item));
		l->bad = true;
		return;
	}
	l->names = xreallocarray(l->names, l->n + 1, sizeof(*l->names));
	l->names[l->n++] = xstrdup(item);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/* Parse a name list into sorted, unique *out. 0, or -1 (nothing kept). */
static int
parse_names(struct parser *p, const char *key, const char *what,
    const char *value, char ***out, size_t *nout)
{
	struct name_list l = { key, what, NULL, 0, false };
	char buf[SHOW_MAX];
	size_t i;

	if (split_list(p, key, value, add_name, &l) != 0)
		l.bad = true;
	if (!l.bad && l.n > 1) {
		sort(l.names, l.n, sizeof(*l.names), str_ptr_cmp);
		for (i = 1; i < l.n; i++) {
			if (strcmp(l.names[i - 1], l.names[i]) == 0) {
				perr(p, p->line, "%s: '%s' listed twice", key,
				    show(buf, sizeof(buf), l.names[i]));
				l.bad = true;
			}
		}
	}
	if (l.bad) {
		free_names(l.names, l.n);
		return -1;
	}
	*out = l.names;
	*nout = l.n;
	return 0;
}

struct verb_list {
	unsigned allow;
	bool bad;
};

static void
add_verb(struct parser *p, void *ctx, const char *item)
{
	struct verb_list *l = ctx;
	enum verb v = verb_from_name(item);
	char buf[SHOW_MAX];

	if (v == VERB_NONE) {
		perr(p, p->line, "allow: unknown verb '%s'",
		    show(buf, sizeof(buf), item));
		l->bad = true;
	} else if (l->allow & VERB_BIT(v)) {
		perr(p, p->line, "allow: '%s' listed twice", item);
		l->bad = true;
	} else
		l->allow |= VERB_BIT(v);
}

static int
parse_allow(struct parser *p, const char *value, unsigned *out)
{
	struct verb_list l = { 0, false };

	if (split_list(p, "allow", value, add_verb, &l) != 0 || l.bad)
		return -1;
	*out = l.allow;
	return 0;
}

static int
parse_bool(struct parser *p, const char *key, const char *value, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char buf[SHOW_MAX];
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	perr(p, p->line, "%s: bad boolean '%s' (use yes or no)", key,
	    show(buf, sizeof(buf), value));
	return -1;
}

static void
set_string(char **dst, const char *value)
{
	free(*dst);
	*dst = xstrdup(value);
}

/* ---- [vmgate] ---- */

static void
set_uri(struct parser *p, char **dst, const char *value)
{
	char buf[SHOW_MAX];

	if (!graph_ascii(value)) {
		perr(p, p->line, "uri: bad URI '%s'",
		    show(buf, sizeof(buf), value));
		return;
	}
	set_string(dst, value);
}

static void
set_path(struct parser *p, const char *key, char **dst, const char *value)
{
	char buf[SHOW_MAX];

	if (value[0] != '/' || !graph_ascii(value)) {
		perr(p, p->line, "%s: '%s' is not an absolute path", key,
		    show(buf, sizeof(buf), value));
		return;
	}
	set_string(dst, value);
}

static void
vmgate_uri(struct parser *p, const char *value)
{
	set_uri(p, &p->cfg->uri, value);
}

static void
vmgate_keys(struct parser *p, const char *value)
{
	set_path(p, "keys", &p->cfg->keys_dir, value);
}

static void
vmgate_audit_log(struct parser *p, const char *value)
{
	set_path(p, "audit_log", &p->cfg->audit_log, value);
}

static void
vmgate_spice_ttl(struct parser *p, const char *value)
{
	unsigned long v;
	char buf[SHOW_MAX];

	if (parse_number(value, CONFIG_MAX_SPICE_TTL, &v) != 0) {
		perr(p, p->line, "spice_ttl: '%s' is not a number of seconds "
		    "from 1 to %d", show(buf, sizeof(buf), value),
		    CONFIG_MAX_SPICE_TTL);
		return;
	}
	p->cfg->spice_ttl = (unsigned)v;
}

static void
vmgate_libvirt_timeout(struct parser *p, const char *value)
{
	unsigned long v;
	char buf[SHOW_MAX];

	if (parse_number(value, CONFIG_MAX_LIBVIRT_TIMEOUT, &v) != 0 ||
	    v < CONFIG_MIN_LIBVIRT_TIMEOUT) {
		perr(p, p->line, "libvirt_timeout: '%s' is not a number of "
		    "seconds from %d to %d", show(buf, sizeof(buf), value),
		    CONFIG_MIN_LIBVIRT_TIMEOUT, CONFIG_MAX_LIBVIRT_TIMEOUT);
		return;
	}
	p->cfg->libvirt_timeout = (unsigned)v;
}

/* max_sessions: 0 (no limit) or 1..CONFIG_MAX_SESSIONS */
static void
set_max_sessions(struct parser *p, const char *value, unsigned *out)
{
	unsigned long v = 0;
	char buf[SHOW_MAX];

	if (strcmp(value, "0") != 0 &&
	    parse_number(value, CONFIG_MAX_SESSIONS, &v) != 0) {
		perr(p, p->line, "max_sessions: '%s' is not a number from 0 "
		    "(no limit) to %d", show(buf, sizeof(buf), value),
		    CONFIG_MAX_SESSIONS);
		return;
	}
	*out = (unsigned)v;
}

static void
vmgate_max_sessions(struct parser *p, const char *value)
{
	set_max_sessions(p, value, &p->cfg->max_sessions);
}

static void
vmgate_service_user(struct parser *p, const char *value)
{
	char buf[SHOW_MAX];

	/* all digits would read as a uid to many tools */
	if (!name_valid(value) || strlen(value) > CONFIG_MAX_LOGIN ||
	    strspn(value, "0123456789") == strlen(value)) {
		perr(p, p->line, "service_user: bad login name '%s'",
		    show(buf, sizeof(buf), value));
		return;
	}
	set_string(&p->cfg->service_user, value);
	p->service_user_line = p->line;
}

static void
vmgate_tenant_group(struct parser *p, const char *value)
{
	char buf[SHOW_MAX];

	/* the name goes into sshd_config's Match Group: groupadd's rules */
	if (!name_valid(value) || strlen(value) > CONFIG_MAX_LOGIN ||
	    strspn(value, "0123456789") == strlen(value)) {
		perr(p, p->line, "tenant_group: bad group name '%s'",
		    show(buf, sizeof(buf), value));
		return;
	}
	set_string(&p->cfg->tenant_group, value);
}

/* ---- [tenant], [group] ---- */

static struct tenant *
cur_tenant(struct parser *p)
{
	return &p->cfg->tenants[p->cfg->ntenants - 1];
}

static struct group *
cur_group(struct parser *p)
{
	return &p->cfg->groups[p->cfg->ngroups - 1];
}

static struct domain_conf *
cur_domain(struct parser *p)
{
	return &p->cfg->domains[p->cfg->ndomains - 1];
}

static void
grant_domains(struct parser *p, struct grant *g, const char *value)
{
	(void)parse_names(p, "domains", "machine", value, &g->domains,
	    &g->ndomains);
}

static void
tenant_domains(struct parser *p, const char *value)
{
	grant_domains(p, &cur_tenant(p)->grant, value);
}

static void
tenant_allow(struct parser *p, const char *value)
{
	(void)parse_allow(p, value, &cur_tenant(p)->grant.allow);
}

/* "*" alone, or names of [media] sections (checked once all are read) */
static void
grant_media(struct parser *p, struct grant *g, const char *value)
{
	if (strcmp(value, CONFIG_ALL_MEDIA) == 0) {
		g->all_media = true;
		return;
	}
	if (parse_names(p, "media", "media", value, &g->media,
	    &g->nmedia) == 0)
		g->media_line = p->line;
}

static void
tenant_media(struct parser *p, const char *value)
{
	grant_media(p, &cur_tenant(p)->grant, value);
}

static void
tenant_max_sessions(struct parser *p, const char *value)
{
	struct tenant *t = cur_tenant(p);

	set_max_sessions(p, value, &t->max_sessions);
	t->has_max_sessions = true;
}

static void
tenant_disabled(struct parser *p, const char *value)
{
	(void)parse_bool(p, "disabled", value, &cur_tenant(p)->disabled);
}

static void
group_members(struct parser *p, const char *value)
{
	struct group *g = cur_group(p);

	if (parse_names(p, "members", "tenant", value, &g->members,
	    &g->nmembers) == 0)
		g->members_line = p->line;
}

static void
group_domains(struct parser *p, const char *value)
{
	grant_domains(p, &cur_group(p)->grant, value);
}

static void
group_allow(struct parser *p, const char *value)
{
	(void)parse_allow(p, value, &cur_group(p)->grant.allow);
}

static void
group_media(struct parser *p, const char *value)
{
	grant_media(p, &cur_group(p)->grant, value);
}

/* ---- [media] ---- */

static struct media_conf *
cur_media(struct parser *p)
{
	return &p->cfg->media[p->cfg->nmedia - 1];
}

static void
media_path(struct parser *p, const char *value)
{
	set_path(p, "path", &cur_media(p)->path, value);
	cur_media(p)->path_line = p->line;
}

static void
media_description(struct parser *p, const char *value)
{
	char buf[SHOW_MAX];
	const char *c;

	for (c = value; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			break;
	}
	if (*c != '\0' || strlen(value) >= CONFIG_MAX_DESCRIPTION) {
		perr(p, p->line, "description: '%s' is not printable ASCII "
		    "shorter than %d bytes", show(buf, sizeof(buf), value),
		    CONFIG_MAX_DESCRIPTION);
		return;
	}
	set_string(&cur_media(p)->description, value);
}

/* ---- [domain] ---- */

static void
domain_uri(struct parser *p, const char *value)
{
	set_uri(p, &cur_domain(p)->uri, value);
}

/*
 * HOST:PORT, HOST a DNS name, an IPv4 literal or a [bracketed IPv6
 * literal], never a wildcard (host_valid); host in *host, without brackets.
 */
static int
parse_endpoint(const char *value, char **host, int *port)
{
	char addr[HOST_MAX_LEN + 1];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon, *end, *start = value;
	unsigned long v;
	size_t n;
	bool bracketed = value[0] == '[';

	if (bracketed) {
		end = strchr(value, ']');
		if (end == NULL || end[1] != ':')
			return -1;
		start = value + 1;
		colon = end + 1;
	} else if ((colon = strrchr(value, ':')) == NULL)
		return -1;
	else
		end = colon;
	n = (size_t)(end - start);
	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, start, n);
	addr[n] = '\0';
	/* brackets hold an IPv6 literal and nothing else; an IPv6 literal
	 * is never bare (its colons would be read as the port's) */
	if (bracketed != (inet_pton(AF_INET6, addr, bin) == 1))
		return -1;
	if (!host_valid(addr))
		return -1;
	if (parse_number(colon + 1, MAX_PORT, &v) != 0)
		return -1;
	*host = xstrdup(addr);
	*port = (int)v;
	return 0;
}

static void
domain_spice(struct parser *p, const char *value)
{
	struct domain_conf *dc = cur_domain(p);
	char buf[SHOW_MAX];
	char *host = NULL;
	int port = 0;

	if (parse_endpoint(value, &host, &port) != 0) {
		perr(p, p->line, "spice: '%s' is not HOST:PORT (a DNS name, an "
		    "IPv4 or [IPv6] address, port 1-%d)",
		    show(buf, sizeof(buf), value), MAX_PORT);
		return;
	}
	free(dc->spice_host);
	dc->spice_host = host;
	dc->spice_port = port;
}

/* a unicast address a machine can be given, or -1 */
static int
assignable(int af, const unsigned char *a)
{
	static const unsigned char zero[16];

	if (af == AF_INET)
		return (a[0] == 0 || a[0] == 127 || a[0] >= 224) ? -1 : 0;
	if (memcmp(a, zero, 16) == 0 || a[0] == 0xff ||
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return -1;		/* ::, multicast, link-local */
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return -1;		/* ::1 */
	return 0;
}

/* an assigned address of family af, canonical text in *out, or -1 */
static int
parse_assigned(int af, const char *value, char **out)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(af, value, bin) != 1 || assignable(af, bin) != 0 ||
	    inet_ntop(af, bin, text, sizeof(text)) == NULL)
		return -1;
	*out = xstrdup(text);
	return 0;
}

static void
domain_address(struct parser *p, const char *value, int af)
{
	struct domain_conf *dc = cur_domain(p);
	char buf[SHOW_MAX];
	char **slot = af == AF_INET ? &dc->ipv4 : &dc->ipv6;
	char *addr = NULL;

	if (parse_assigned(af, value, &addr) != 0) {
		perr(p, p->line, "%s: '%s' is not a unicast %s address "
		    "(no prefix length)", af == AF_INET ? "ipv4" : "ipv6",
		    show(buf, sizeof(buf), value),
		    af == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	free(*slot);
	*slot = addr;
	if (af == AF_INET)
		dc->ipv4_line = p->line;
	else
		dc->ipv6_line = p->line;
}

static void
domain_ipv4(struct parser *p, const char *value)
{
	domain_address(p, value, AF_INET);
}

static void
domain_ipv6(struct parser *p, const char *value)
{
	domain_address(p, value, AF_INET6);
}

static const struct key_rule vmgate_keys_rules[] = {
	{ "uri", vmgate_uri },
	{ "keys", vmgate_keys },
	{ "spice_ttl", vmgate_spice_ttl },
	{ "libvirt_timeout", vmgate_libvirt_timeout },
	{ "max_sessions", vmgate_max_sessions },
	{ "service_user", vmgate_service_user },
	{ "tenant_group", vmgate_tenant_group },
	{ "audit_log", vmgate_audit_log },
	{ NULL, NULL }
};

static const struct key_rule tenant_rules[] = {
	{ "domains", tenant_domains },
	{ "allow", tenant_allow },
	{ "disabled", tenant_disabled },
	{ "max_sessions", tenant_max_sessions },
	{ "media", tenant_media },
	{ NULL, NULL }
};

static const struct key_rule group_rules[] = {
	{ "members", group_members },
	{ "domains", group_domains },
	{ "allow", group_allow },
	{ "media", group_media },
	{ NULL, NULL }
};

static const struct key_rule media_rules[] = {
	{ "path", media_path },
	{ "description", media_description },
	{ NULL, NULL }
};

static const struct key_rule domain_rules[] = {
	{ "uri", domain_uri },
	{ "spice", domain_spice },
	{ "ipv4", domain_ipv4 },
	{ "ipv6", domain_ipv6 },
	{ NULL, NULL }
};

static const char *
kind_name(enum section_kind k)
{
	switch (k) {
	case SEC_VMGATE:
		return "vmgate";
	case SEC_TENANT:
		return "tenant";
	case SEC_GROUP:
		return "group";
	case SEC_DOMAIN:
		return "domain";
	case SEC_MEDIA:
		return "media";
	default:
		return "?";
	}
}

/* ---- sections ---- */

static void
new_section(struct parser *p, enum section_kind k, const char *name)
{
	struct config *c = p->cfg;

	memset(p->seen, 0, sizeof(p->seen));
	p->kind = k;
	switch (k) {
	case SEC_VMGATE:
		if (p->vmgate_line != 0)
			perr(p, p->line, "section [vmgate] defined twice "
			    "(first at line %d)", p->vmgate_line);
		else {
			p->vmgate_line = p->line;
			p->open = &c->vmgate_range;
		}
		break;
	case SEC_TENANT:
		if (c->ntenants == p->tenants_cap) {
			p->tenants_cap = p->tenants_cap ? p->tenants_cap * 2 : 16;
			c->tenants = xreallocarray(c->tenants, p->tenants_cap,
			    sizeof(*c->tenants));
		}
		memset(&c->tenants[c->ntenants], 0, sizeof(*c->tenants));
		c->tenants[c->ntenants].name = xstrdup(name);
		c->tenants[c->ntenants].grant.allow = verb_default_allow();
		c->tenants[c->ntenants].line = p->line;
		p->open = &c->tenants[c->ntenants].range;
		c->ntenants++;
		break;
	case SEC_GROUP:
		if (c->ngroups == p->groups_cap) {
			p->groups_cap = p->groups_cap ? p->groups_cap * 2 : 16;
			c->groups = xreallocarray(c->groups, p->groups_cap,
			    sizeof(*c->groups));
		}
		memset(&c->groups[c->ngroups], 0, sizeof(*c->groups));
		c->groups[c->ngroups].name = xstrdup(name);
		c->groups[c->ngroups].grant.allow = verb_default_allow();
		c->groups[c->ngroups].line = p->line;
		p->open = &c->groups[c->ngroups].range;
		c->ngroups++;
		break;
	case SEC_DOMAIN:
		if (c->ndomains == p->domains_cap) {
			p->domains_cap = p->domains_cap ? p->domains_cap * 2 : 16;
			c->domains = xreallocarray(c->domains, p->domains_cap,
			    sizeof(*c->domains));
		}
		memset(&c->domains[c->ndomains], 0, sizeof(*c->domains));
		c->domains[c->ndomains].name = xstrdup(name);
		c->domains[c->ndomains].line = p->line;
		p->open = &c->domains[c->ndomains].range;
		c->ndomains++;
		break;
	case SEC_MEDIA:
		if (c->nmedia == p->media_cap) {
			p->media_cap = p->media_cap ? p->media_cap * 2 : 16;
			c->media = xreallocarray(c->media, p->media_cap,
			    sizeof(*c->media));
		}
		memset(&c->media[c->nmedia], 0, sizeof(*c->media));
		c->media[c->nmedia].name = xstrdup(name);
		c->media[c->nmedia].line = p->line;
		p->open = &c->media[c->nmedia].range;
		c->nmedia++;
		break;
	default:
		break;
	}
	if (p->open != NULL)
		p->open->off = p->line_off;
}

/*
 * The section being read ends where the line last read starts (a header
 * line) or, at the end of the file, at its end.
 */
static void
close_section(struct parser *p, size_t end)
{
	if (p->open != NULL)
		p->open->len = end - p->open->off;
	p->open = NULL;
}

/*
 * s (n bytes, NUL-terminated, leading blanks gone) starts with '['.
 * Returns 0 when it is a valid header, -1 after reporting why not.
 */
static int
section_header(struct parser *p, const char *s, size_t n)
{
	static const struct {
		const char *kind;
		enum section_kind k;
	} kinds[] = {
		{ "tenant", SEC_TENANT },
		{ "group", SEC_GROUP },
		{ "domain", SEC_DOMAIN },
		{ "media", SEC_MEDIA },
	};
	char inner[CONFIG_MAX_LINE], buf[SHOW_MAX];
	const char *close, *rest, *sp;
	size_t i, klen;

	close = memchr(s, ']', n);
	if (close == NULL) {
		perr(p, p->line, "section header without ']'");
		goto bad;
	}
	for (rest = close + 1; is_blank(*rest); rest++)
		;
	/* a ';' comment after a blank, as inih allows after values */
	if (*rest != '\0' && !(*rest == ';' && rest > close + 1)) {
		perr(p, p->line, "unexpected text after ']'");
		goto bad;
	}
	memcpy(inner, s + 1, (size_t)(close - s - 1));
	inner[close - s - 1] = '\0';

	if (strcmp(inner, "vmgate") == 0) {
		new_section(p, SEC_VMGATE, NULL);
		return 0;
	}
	sp = strchr(inner, ' ');
	klen = sp != NULL ? (size_t)(sp - inner) : strlen(inner);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].kind) != klen ||
		    strncmp(kinds[i].kind, inner, klen) != 0)
			continue;
		if (sp == NULL) {
			perr(p, p->line, "section [%s] needs a name: [%s NAME]",
			    kinds[i].kind, kinds[i].kind);
			goto bad;
		}
		if (!name_valid(sp + 1)) {
			perr(p, p->line, "bad %s name '%s'", kinds[i].kind,
			    show(buf, sizeof(buf), sp + 1));
			goto bad;
		}
		new_section(p, kinds[i].k, sp + 1);
		return 0;
	}
	perr(p, p->line, "unknown section [%s]", show(buf, sizeof(buf), inner));
 bad:
	memset(p->seen, 0, sizeof(p->seen));
	p->kind = SEC_BAD;
	return -1;
}

/*
 * inih handler, called for "key = value" lines only (the reader hands it
 * nothing else). inih's own section string is not used: r55 cuts it at 49
 * bytes and we know the section better. Always returns 1: problems are
 * collected in p, not counted by inih.
 */
static int
on_pair(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;
	const struct key_rule *rules = NULL;
	char buf[SHOW_MAX];
	size_t i;

	(void)section;
	switch (p->kind) {
	case SEC_NONE:
		perr(p, p->line, "'%s' outside any section",
		    show(buf, sizeof(buf), key));
		return 1;
	case SEC_BAD:
		return 1;
	case SEC_VMGATE:
		rules = vmgate_keys_rules;
		break;
	case SEC_TENANT:
		rules = tenant_rules;
		break;
	case SEC_GROUP:
		rules = group_rules;
		break;
	case SEC_DOMAIN:
		rules = domain_rules;
		break;
	case SEC_MEDIA:
		rules = media_rules;
		break;
	}
	for (i = 0; rules[i].key != NULL; i++) {
		if (strcmp(rules[i].key, key) != 0)
			continue;
		if (p->seen[i] != 0) {
			perr(p, p->line, "'%s' repeated (first at line %d)",
			    key, p->seen[i]);
			return 1;
		}
		p->seen[i] = p->line;
		if (*value == '\0')
			perr(p, p->line, "%s: empty value", key);
		else
			rules[i].set(p, value);
		return 1;
	}
	perr(p, p->line, "unknown key '%s' in [%s]", show(buf, sizeof(buf), key),
	    kind_name(p->kind));
	return 1;
}

/*
 * Check one line (s, n bytes, leading blanks gone, no line end). Returns
 * true when inih may see it.
 */
static bool
classify(struct parser *p, const char *s, size_t n)
{
	size_t k;

	if (n == 0 || s[0] == ';' || s[0] == '#')
		return true;
	if (s[0] == '[') {
		close_section(p, p->line_off);
		return section_header(p, s, n) == 0;
	}
	/* key: what inih will take as the name, so it splits as we do */
	k = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-");
	if (k == 0) {
		perr(p, p->line, "expected 'key = value', '[section]' or a "
		    "comment");
		return false;
	}
	while (k < n && is_blank(s[k]))
		k++;
	if (k == n || s[k] != '=') {
		perr(p, p->line, "expected 'key = value'");
		return false;
	}
	return true;
}

/*
 * inih reader: hands inih the next line of p->buf, checked and with its
 * leading blanks removed, or an empty line in place of a refused one.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *line, *nl, *s;
	size_t raw, n, i;
	unsigned char c;

	/*
	 * inih newer than r55 reads on after a line that fills its buffer,
	 * to throw the rest away, with a smaller buffer: there is no rest.
	 */
	if (p->handed_full && num != p->handed_num) {
		p->handed_full = 0;
		return NULL;
	}
	p->handed_full = 0;
	if (p->off >= p->len || num < 2)
		return NULL;
	line = p->buf + p->off;
	p->line_off = p->off;
	nl = memchr(line, '\n', p->len - p->off);
	raw = nl != NULL ? (size_t)(nl - line) : p->len - p->off;
	p->off += raw + (nl != NULL);
	p->line++;
	str[0] = '\0';

	if (raw > 0 && line[raw - 1] == '\r')
		raw--;
	s = line;
	n = raw;
	if (p->line == 1 && n >= 3 && memcmp(s, UTF8_BOM, 3) == 0) {
		/* a byte order mark belongs to no section */
		s += 3;
		n -= 3;
		p->line_off += 3;
	}
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	if (raw >= CONFIG_MAX_LINE) {
		perr(p, p->line, "line too long (%d bytes or more)",
		    CONFIG_MAX_LINE);
		goto refused;
	}
	for (i = 0; i < raw; i++) {
		c = (unsigned char)line[i];
		if (c == '\0') {
			perr(p, p->line, "NUL byte in line");
			goto refused;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			perr(p, p->line, "control byte 0x%02x in line", c);
			goto refused;
		}
	}
	/* only if inih's buffer shrank below our limit */
	if (n >= (size_t)num) {
		perr(p, p->line, "line too long (%d bytes or more)", num);
		goto refused;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	if (!classify(p, str, n)) {
		str[0] = '\0';
		return str;
	}
	if (n == (size_t)num - 1) {
		p->handed_full = 1;
		p->handed_num = num;
	}
	return str;

 refused:
	/* a refused header: keep its keys out of the previous section */
	if (n > 0 && s[0] == '[') {
		memset(p->seen, 0, sizeof(p->seen));
		p->kind = SEC_BAD;
	}
	return str;
}

/* ---- after parsing: sort, duplicates, cross checks ---- */

static int
cmp_tenant(const void *a, const void *b)
{
	const struct tenant *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->line > y->line) - (x->line < y->line);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->line > y->line) - (x->line < y->line);
}

static int
cmp_domain(const void *a, const void *b)
{
	const struct domain_conf *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->line > y->line) - (x->line < y->line);
}

static int
cmp_media(const void *a, const void *b)
{
	const struct media_conf *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->line > y->line) - (x->line < y->line);
}

/* bsearch key comparators: the key is a name, the element a struct */
static int
find_tenant(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tenant *)elem)->name);
}

static int
find_group(const void *key, const void *elem)
{
	return strcmp(key, ((const struct group *)elem)->name);
}

static int
find_domain(const void *key, const void *elem)
{
	return strcmp(key, ((const struct domain_conf *)elem)->name);
}

static int
find_media(const void *key, const void *elem)
{
	return strcmp(key, ((const struct media_conf *)elem)->name);
}

/* every item of a media list names a [media] section */
static void
check_media_list(struct parser *p, const struct grant *g)
{
	char buf[SHOW_MAX];
	size_t i;

	for (i = 0; i < g->nmedia; i++) {
		if (find(g->media[i], p->cfg->media, p->cfg->nmedia,
		    sizeof(*p->cfg->media), find_media) == NULL)
			perr(p, g->media_line, "media: no [media %s] section",
			    show(buf, sizeof(buf), g->media[i]));
	}
}

/* line: the later header; first: the earlier one */
static void
report_twice(struct parser *p, const char *kind, const char *name,
    int line, int first)
{
	perr(p, line, "section [%s %s] defined twice (first at line %d)",
	    kind, name, first);
}

/*
 * A group member without a [tenant] section is a tenant all the same
 * (enabled, no machines of its own): the example config grants bob only
 * through [group ops]. Add those tenants, then sort again.
 */
static void
add_member_tenants(struct config *c)
{
	const char **names = NULL;
	size_t n = 0, cap = 0, i, j;
	struct tenant *t;

	for (i = 0; i < c->ngroups; i++) {
		for (j = 0; j < c->groups[i].nmembers; j++) {
			if (find(c->groups[i].members[j], c->tenants,
			    c->ntenants, sizeof(*c->tenants),
			    find_tenant) != NULL)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				names = xreallocarray(names, cap,
				    sizeof(*names));
			}
			names[n++] = c->groups[i].members[j];
		}
	}
	if (n == 0)
		return;
	n = str_sort_unique(names, n);
	c->tenants = xreallocarray(c->tenants, c->ntenants + n,
	    sizeof(*c->tenants));
	for (i = 0; i < n; i++) {
		t = &c->tenants[c->ntenants + i];
		memset(t, 0, sizeof(*t));
		t->name = xstrdup(names[i]);
		t->grant.allow = verb_default_allow();
		t->implicit = true;
	}
	c->ntenants += n;
	sort(c->tenants, c->ntenants, sizeof(*c->tenants), cmp_tenant);
	free(names);
}

static void
finish(struct parser *p)
{
	struct config *c = p->cfg;
	struct tenant *t;
	size_t i, j, first;

	close_section(p, p->len);
	sort(c->tenants, c->ntenants, sizeof(*c->tenants), cmp_tenant);
	sort(c->groups, c->ngroups, sizeof(*c->groups), cmp_group);
	sort(c->domains, c->ndomains, sizeof(*c->domains), cmp_domain);
	sort(c->media, c->nmedia, sizeof(*c->media), cmp_media);

	for (i = 1, first = 0; i < c->ntenants; i++) {
		if (strcmp(c->tenants[i].name, c->tenants[first].name) != 0)
			first = i;
		else
			report_twice(p, "tenant", c->tenants[i].name,
			    c->tenants[i].line, c->tenants[first].line);
	}
	for (i = 1, first = 0; i < c->ngroups; i++) {
		if (strcmp(c->groups[i].name, c->groups[first].name) != 0)
			first = i;
		else
			report_twice(p, "group", c->groups[i].name,
			    c->groups[i].line, c->groups[first].line);
	}
	for (i = 1, first = 0; i < c->ndomains; i++) {
		if (strcmp(c->domains[i].name, c->domains[first].name) != 0)
			first = i;
		else
			report_twice(p, "domain", c->domains[i].name,
			    c->domains[i].line, c->domains[first].line);
	}
	for (i = 1, first = 0; i < c->nmedia; i++) {
		if (strcmp(c->media[i].name, c->media[first].name) != 0)
			first = i;
		else
			report_twice(p, "media", c->media[i].name,
			    c->media[i].line, c->media[first].line);
	}
	for (i = 0; i < c->nmedia; i++) {
		if (c->media[i].path == NULL && c->media[i].path_line == 0)
			perr(p, c->media[i].line, "[media %s] needs a path",
			    c->media[i].name);
	}
	for (i = 0; i < c->ntenants; i++)
		check_media_list(p, &c->tenants[i].grant);
	for (i = 0; i < c->ngroups; i++)
		check_media_list(p, &c->groups[i].grant);

	add_member_tenants(c);

	/* groups in name order, so each tenant's index list comes sorted */
	for (i = 0; i < c->ngroups; i++) {
		for (j = 0; j < c->groups[i].nmembers; j++) {
			/* add_member_tenants made every member a tenant */
			t = find(c->groups[i].members[j], c->tenants,
			    c->ntenants, sizeof(*c->tenants), find_tenant);
			t->groups = xreallocarray(t->groups, t->ngroups + 1,
			    sizeof(*t->groups));
			t->groups[t->ngroups++] = i;
		}
	}

	/* one login, two identities: refuse rather than pick one */
	if (c->service_user != NULL &&
	    config_tenant(c, c->service_user) != NULL)
		perr(p, p->service_user_line, "service_user: '%s' is also a "
		    "tenant", c->service_user);

	if (c->uri == NULL)
		c->uri = xstrdup(CONFIG_DEFAULT_URI);
	if (c->keys_dir == NULL)
		c->keys_dir = xstrdup(CONFIG_DEFAULT_KEYS);
}

int
config_parse(const char *name, const char *buf, size_t len,
    struct config **out, struct diag *d)
{
	struct parser p;
	int r;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.file = name;
	p.buf = buf;
	p.len = len;
	p.d = d;
	p.kind = SEC_NONE;
	p.cfg = xcalloc(1, sizeof(*p.cfg));
	p.cfg->path = xstrdup(name);
	p.cfg->spice_ttl = CONFIG_DEFAULT_SPICE_TTL;
	p.cfg->libvirt_timeout = CONFIG_DEFAULT_LIBVIRT_TIMEOUT;
	p.cfg->max_sessions = CONFIG_DEFAULT_MAX_SESSIONS;

	r = ini_parse_stream(read_line, &p, on_pair, &p);
	if (r != 0 && p.errors == 0) {
		/* the reader should have caught everything inih objects to */
		perr(&p, r > 0 ? r : 0, "syntax error");
	}
	finish(&p);
	if (p.errors != 0) {
		config_free(p.cfg);
		return -1;
	}
	*out = p.cfg;
	return 0;
}

int
config_open(const char *path, uid_t owner_ok, struct stat *st,
    struct diag *d)
{
	char why[PATH_MAX + 64];
	int fd;

	/* O_NONBLOCK: a FIFO planted at path must not hang us before fstat */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			diag_add(d, "%s:0: refusing: is a symbolic link", path);
		else
			diag_add(d, "%s:0: cannot open: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0) {
		diag_add(d, "%s:0: cannot stat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		diag_add(d, "%s:0: refusing: not a regular file", path);
		goto fail;
	}
	if (st->st_uid != 0 && st->st_uid != owner_ok) {
		diag_add(d, "%s:0: refusing: owned by uid %lu, not root",
		    path, (unsigned long)st->st_uid);
		goto fail;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		diag_add(d, "%s:0: refusing: writable by group or others",
		    path);
		goto fail;
	}
	if ((uintmax_t)st->st_size > CONFIG_MAX_BYTES) {
		diag_add(d, "%s:0: refusing: larger than %u bytes", path,
		    CONFIG_MAX_BYTES);
		goto fail;
	}
	/* the file is safe only if nobody else could have put it there */
	if (path_dirs_safe(path, owner_ok, why, sizeof(why)) != 0) {
		diag_add(d, "%s:0: refusing: %s", path, why);
		goto fail;
	}
	return fd;
 fail:
	close(fd);
	return -1;
}

int
config_read_fd(int fd, const char *path, const struct stat *st,
    char **bufp, size_t *lenp, struct diag *d)
{
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t r;

	*bufp = NULL;
	*lenp = 0;
	/* read to EOF, not trusting st_size: the file may grow meanwhile */
	cap = (size_t)st->st_size + 1;
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (len > CONFIG_MAX_BYTES) {
				diag_add(d, "%s:0: refusing: larger than %u "
				    "bytes", path, CONFIG_MAX_BYTES);
				goto fail;
			}
			cap = len * 2 > CONFIG_MAX_BYTES + 1 ?
			    CONFIG_MAX_BYTES + 1 : len * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			diag_add(d, "%s:0: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
 fail:
	free(buf);
	return -1;
}

int
config_load(const char *path, uid_t owner_ok, struct config **out,
    struct diag *d)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret = -1;

	*out = NULL;
	if ((fd = config_open(path, owner_ok, &st, d)) == -1)
		return -1;
	if (config_read_fd(fd, path, &st, &buf, &len, d) == 0)
		ret = config_parse(path, buf, len, out, d);
	close(fd);
	free(buf);
	return ret;
}

static void
grant_free(struct grant *g)
{
	free_names(g->domains, g->ndomains);
	free_names(g->media, g->nmedia);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->ntenants; i++) {
		free(cfg->tenants[i].name);
		grant_free(&cfg->tenants[i].grant);
		free(cfg->tenants[i].groups);
	}
	free(cfg->tenants);
	for (i = 0; i < cfg->ngroups; i++) {
		free(cfg->groups[i].name);
		free_names(cfg->groups[i].members, cfg->groups[i].nmembers);
		grant_free(&cfg->groups[i].grant);
	}
	free(cfg->groups);
	for (i = 0; i < cfg->ndomains; i++) {
		free(cfg->domains[i].name);
		free(cfg->domains[i].uri);
		free(cfg->domains[i].spice_host);
		free(cfg->domains[i].ipv4);
		free(cfg->domains[i].ipv6);
	}
	free(cfg->domains);
	for (i = 0; i < cfg->nmedia; i++) {
		free(cfg->media[i].name);
		free(cfg->media[i].path);
		free(cfg->media[i].description);
	}
	free(cfg->media);
	free(cfg->path);
	free(cfg->uri);
	free(cfg->keys_dir);
	free(cfg->service_user);
	free(cfg->tenant_group);
	free(cfg->audit_log);
	free(cfg);
}

const struct tenant *
config_tenant(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	return find(name, cfg->tenants, cfg->ntenants,
	    sizeof(*cfg->tenants), find_tenant);
}

unsigned
config_max_sessions(const struct config *cfg, const char *tenant)
{
	const struct tenant *t = config_tenant(cfg, tenant);

	if (t != NULL && t->has_max_sessions)
		return t->max_sessions;
	return cfg->max_sessions;
}

const struct group *
config_group(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	return find(name, cfg->groups, cfg->ngroups, sizeof(*cfg->groups),
	    find_group);
}

const struct domain_conf *
config_domain(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	return find(name, cfg->domains, cfg->ndomains,
	    sizeof(*cfg->domains), find_domain);
}

const struct media_conf *
config_media(const struct config *cfg, const char *name)
{
	if (cfg == NULL || name == NULL)
		return NULL;
	return find(name, cfg->media, cfg->nmedia, sizeof(*cfg->media),
	    find_media);
}

const struct media_conf *
config_media_by_path(const struct config *cfg, const char *path)
{
	size_t i;

	for (i = 0; cfg != NULL && path != NULL && i < cfg->nmedia; i++) {
		if (cfg->media[i].path != NULL &&
		    strcmp(cfg->media[i].path, path) == 0)
			return &cfg->media[i];
	}
	return NULL;
}

const char *
config_domain_uri(const struct config *cfg, const char *name)
{
	const struct domain_conf *dc = config_domain(cfg, name);

	if (dc != NULL && dc->uri != NULL)
		return dc->uri;
	return cfg->uri;
}

void
config_keep_only(struct config *cfg, const char *name)
{
	struct tenant keep;
	size_t i;
	bool found = false;

	for (i = 0; i < cfg->ntenants; i++) {
		if (!found && name != NULL &&
		    strcmp(cfg->tenants[i].name, name) == 0) {
			keep = cfg->tenants[i];
			found = true;
			continue;
		}
		free(cfg->tenants[i].name);
		grant_free(&cfg->tenants[i].grant);
		free(cfg->tenants[i].groups);
	}
	cfg->ntenants = 0;
	if (found)
		cfg->tenants[cfg->ntenants++] = keep;
}

void
config_nic_addresses(const struct domain_conf *dc, size_t nic,
    const char **v4, const char **v6)
{
	*v4 = dc != NULL && nic == 0 ? dc->ipv4 : NULL;
	*v6 = dc != NULL && nic == 0 ? dc->ipv6 : NULL;
}
