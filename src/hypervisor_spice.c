/*
 * hypervisor_spice: the SPICE <graphics> element of a domain (part of the
 * hypervisor module). Reads it from libvirt's secure XML with a small,
 * bounded reader, and sets a live one-time ticket.
 *
 * There is no XML library among vmgate's dependencies, and the input is
 * libvirt's own canonical output, so the reader knows only what that
 * output uses: elements, single- or double-quoted attributes, text,
 * comments, CDATA and processing instructions. Anything else (a DOCTYPE,
 * an unbalanced tag, a truncated document, an attribute it cannot read)
 * makes it refuse the whole document: a display it cannot read is a
 * display vmgate does not touch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hypervisor_int.h"

#define XML_MAX_DEPTH	64	/* libvirt nests about 5 deep; metadata a bit more */
#define XML_MAX_ATTRS	32	/* kept per element; <graphics> has about 10 */
#define SPICE_PORT_MAX	65535
#define SPICE_NUM_MAX_LEN 6	/* "-1", "65535" */
#define SPICE_TIME_LEN	19	/* YYYY-MM-DDTHH:MM:SS */
#define SPICE_TICKET_XML_MAX 512

struct xml_span {
	const char *s;
	size_t len;
};

struct xml_attr {
	struct xml_span name;
	struct xml_span value;
};

struct xml_tag {
	struct xml_span name;
	bool closing;		/* </name> */
	bool empty;		/* <name/> */
	struct xml_attr attrs[XML_MAX_ATTRS];
	size_t nattrs;
	bool attrs_dropped;	/* more than XML_MAX_ATTRS */
};

static bool
span_is(const struct xml_span *sp, const char *word)
{
	size_t n = strlen(word);

	return sp->len == n && memcmp(sp->s, word, n) == 0;
}

static bool
xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
xml_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '.' ||
	    c == '-';
}

/* Read a name at p; the position after it, or NULL when there is none. */
static const char *
xml_read_name(const char *p, struct xml_span *name)
{
	const char *start = p;

	while (xml_name_char(*p))
		p++;
	if (p == start)
		return NULL;
	name->s = start;
	name->len = (size_t)(p - start);
	return p;
}

static const struct xml_span *
tag_attr_span(const struct xml_tag *tag, const struct xml_span *name)
{
	size_t i;

	for (i = 0; i < tag->nattrs; i++) {
		if (tag->attrs[i].name.len == name->len &&
		    memcmp(tag->attrs[i].name.s, name->s, name->len) == 0)
			return &tag->attrs[i].value;
	}
	return NULL;
}

static const struct xml_span *
tag_attr(const struct xml_tag *tag, const char *name)
{
	struct xml_span sp = { name, strlen(name) };

	return tag_attr_span(tag, &sp);
}

/*
 * Read one tag starting after its '<'. Returns the position after its
 * '>' or NULL when it is malformed or cut off.
 */
static const char *
xml_read_tag(const char *p, struct xml_tag *tag)
{
	memset(tag, 0, sizeof(*tag));
	if (*p == '/') {
		tag->closing = true;
		p++;
	}
	if ((p = xml_read_name(p, &tag->name)) == NULL)
		return NULL;
	for (;;) {
		struct xml_attr a;
		const char *v;
		char quote;
		bool spaced = false;

		while (xml_space(*p)) {
			p++;
			spaced = true;
		}
		if (*p == '>')
			return p + 1;
		if (*p == '/' && !tag->closing) {
			if (p[1] != '>')
				return NULL;
			tag->empty = true;
			return p + 2;
		}
		/* an attribute; XML wants blank space before each */
		if (tag->closing || !spaced)
			return NULL;
		if ((p = xml_read_name(p, &a.name)) == NULL)
			return NULL;
		while (xml_space(*p))
			p++;
		if (*p++ != '=')
			return NULL;
		while (xml_space(*p))
			p++;
		quote = *p++;
		if (quote != '\'' && quote != '"')
			return NULL;
		for (v = p; *p != quote; p++) {
			/* '<' is never literal in a value; NUL: cut off */
			if (*p == '\0' || *p == '<')
				return NULL;
		}
		a.value.s = v;
		a.value.len = (size_t)(p - v);
		p++;
		if (tag_attr_span(tag, &a.name) != NULL)
			return NULL;	/* duplicate: not XML */
		if (tag->nattrs < XML_MAX_ATTRS)
			tag->attrs[tag->nattrs++] = a;
		else
			tag->attrs_dropped = true;
		if (*p != '>' && *p != '/' && !xml_space(*p))
			return NULL;
	}
}

/* Skip a construct from its start to after the terminator; NULL if none. */
static const char *
xml_skip_past(const char *p, const char *terminator)
{
	const char *q = strstr(p, terminator);

	return q == NULL ? NULL : q + strlen(terminator);
}

/* "-1" or 0..SPICE_PORT_MAX */
static int
parse_port(const struct xml_span *v, int *out)
{
	size_t i;
	int n = 0;

	if (v->len == 2 && memcmp(v->s, "-1", 2) == 0) {
		*out = -1;
		return 0;
	}
	if (v->len == 0 || v->len >= SPICE_NUM_MAX_LEN)
		return -1;
	for (i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return -1;
		n = n * 10 + (v->s[i] - '0');
	}
	if (n > SPICE_PORT_MAX)
		return -1;
	*out = n;
	return 0;
}

static int
parse_yesno(const struct xml_span *v, bool *out)
{
	if (span_is(v, "yes"))
		*out = true;
	else if (span_is(v, "no"))
		*out = false;
	else
		return -1;
	return 0;
}

/* the digits of s[0..n) as a number, or -1 */
static int
parse_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* libvirt's passwdValidTo: YYYY-MM-DDTHH:MM:SS, always UTC */
static int
parse_valid_to(const struct xml_span *v, time_t *out)
{
	const char *s = v->s;
	struct tm tm;
	time_t t;

	if (v->len != SPICE_TIME_LEN || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = parse_digits(s, 4) - 1900;
	tm.tm_mon = parse_digits(s + 5, 2) - 1;
	tm.tm_mday = parse_digits(s + 8, 2);
	tm.tm_hour = parse_digits(s + 11, 2);
	tm.tm_min = parse_digits(s + 14, 2);
	tm.tm_sec = parse_digits(s + 17, 2);
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

/*
 * A listen address goes into the ticket XML and the tenant's tunnel hint:
 * only the characters of host names and IPv4/IPv6 addresses (with a zone),
 * so it needs no escaping anywhere.
 */
static bool
host_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= sizeof(((struct hv_spice *)NULL)->host))
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == ':' ||
		    c == '-' || c == '_' || c == '%'))
			return false;
	}
	return true;
}

static int
set_host(struct hv_spice *out, const struct xml_span *v)
{
	if (!host_valid(v->s, v->len))
		return -1;
	memcpy(out->host, v->s, v->len);
	out->host[v->len] = '\0';
	return 0;
}

static int
read_graphics(const struct xml_tag *tag, struct hv_spice *out)
{
	const struct xml_span *v;

	if (tag->attrs_dropped)
		return -1;
	out->present = true;
	if ((v = tag_attr(tag, "port")) != NULL &&
	    parse_port(v, &out->port) != 0)
		return -1;
	if ((v = tag_attr(tag, "tlsPort")) != NULL &&
	    parse_port(v, &out->tls_port) != 0)
		return -1;
	if ((v = tag_attr(tag, "autoport")) != NULL &&
	    parse_yesno(v, &out->autoport) != 0)
		return -1;
	if ((v = tag_attr(tag, "listen")) != NULL && set_host(out, v) != 0)
		return -1;
	/* libvirt shows passwd only in secure XML; its value is not kept */
	out->has_passwd = tag_attr(tag, "passwd") != NULL;
	if ((v = tag_attr(tag, "passwdValidTo")) != NULL) {
		if (parse_valid_to(v, &out->passwd_valid_to) != 0)
			return -1;
		out->passwd_expires = true;
	}
	if (out->tls_port < 0)
		out->tls_port = 0;
	return 0;
}

/* The first <listen> child decides; it repeats the listen attribute. */
static int
read_listen(const struct xml_tag *tag, struct hv_spice *out)
{
	const struct xml_span *type, *addr;

	if (tag->attrs_dropped)
		return -1;
	type = tag_attr(tag, "type");
	addr = tag_attr(tag, "address");
	if (type != NULL && (span_is(type, "socket") || span_is(type, "none"))) {
		out->host[0] = '\0';	/* no TCP endpoint at all */
		return 0;
	}
	if (addr != NULL)
		return set_host(out, addr);
	return 0;
}

int
hv_spice_parse_xml(const char *xml, struct hv_spice *out)
{
	struct xml_span stack[XML_MAX_DEPTH];
	struct xml_tag tag;
	const char *p = xml;
	size_t depth = 0;
	bool seen_root = false, in_spice = false, seen_listen = false;

	memset(out, 0, sizeof(*out));
	if (xml == NULL)
		return -1;
	while (*p != '\0') {
		if (*p != '<') {
			/* text; outside the root only blank space */
			if (depth == 0 && !xml_space(*p))
				goto fail;
			p++;
			continue;
		}
		p++;
		if (strncmp(p, "!--", 3) == 0) {
			if ((p = xml_skip_past(p + 3, "-->")) == NULL)
				goto fail;
			continue;
		}
		if (strncmp(p, "![CDATA[", 8) == 0) {
			if (depth == 0 ||
			    (p = xml_skip_past(p + 8, "]]>")) == NULL)
				goto fail;
			continue;
		}
		if (*p == '?') {
			if ((p = xml_skip_past(p + 1, "?>")) == NULL)
				goto fail;
			continue;
		}
		if (*p == '!')
			goto fail;	/* DOCTYPE and entities: never libvirt's */
		if ((p = xml_read_tag(p, &tag)) == NULL)
			goto fail;
		if (tag.closing) {
			if (depth == 0 || stack[depth - 1].len != tag.name.len ||
			    memcmp(stack[depth - 1].s, tag.name.s,
			    tag.name.len) != 0)
				goto fail;
			depth--;
			if (depth == 2)
				in_spice = false;
			continue;
		}
		if (depth == 0) {
			/* one root, and it is a domain */
			if (seen_root || !span_is(&tag.name, "domain"))
				goto fail;
			seen_root = true;
		}
		/* only domain/devices/graphics counts, never one in metadata */
		if (depth == 2 && span_is(&stack[1], "devices") &&
		    span_is(&tag.name, "graphics") && !out->present) {
			const struct xml_span *type = tag_attr(&tag, "type");

			if (type != NULL && span_is(type, "spice")) {
				if (read_graphics(&tag, out) != 0)
					goto fail;
				in_spice = !tag.empty;
			}
		} else if (depth == 3 && in_spice && !seen_listen &&
		    span_is(&tag.name, "listen")) {
			seen_listen = true;
			if (read_listen(&tag, out) != 0)
				goto fail;
		}
		if (tag.empty)
			continue;
		if (depth >= XML_MAX_DEPTH)
			goto fail;
		stack[depth++] = tag.name;
	}
	if (!seen_root || depth != 0)
		goto fail;	/* cut off */
	return 0;
 fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
hv_get_spice(struct hv_domain *dom, struct hv_spice *spice)
{
	return hv_get_spice_facts(dom, spice, true, NULL, NULL, NULL, NULL);
}

int
hv_get_spice_facts(struct hv_domain *dom, struct hv_spice *spice,
    bool secure, bool *agent, bool *nic, struct hv_nics *nics,
    struct hv_cdrom *cd)
{
	char *xml = NULL;
	int rc = HV_EFAIL;

	memset(spice, 0, sizeof(*spice));
	/* unknown until the XML is read: then ask, as if they were there */
	if (agent != NULL)
		*agent = true;
	if (nic != NULL)
		*nic = true;
	if (nics != NULL)
		nics->n = 0;
	/* SECURE: without it libvirt hides passwd, and has_passwd is the point */
	if ((xml = virDomainGetXMLDesc(dom->dom,
	    secure ? VIR_DOMAIN_XML_SECURE : 0)) == NULL) {
		hv_note_error(dom->hv);
		goto out;
	}
	if (hv_spice_parse_xml(xml, spice) != 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the SPICE display in the domain XML",
		    dom->name);
		goto out;
	}
	spice->remote = dom->remote;
	/* the admin's definition, not the guest, says whether an agent
	 * channel exists: without one, asking it costs a round trip */
	if (agent != NULL)
		*agent = strstr(xml, "'org.qemu.guest_agent.0'") != NULL ||
		    strstr(xml, "\"org.qemu.guest_agent.0\"") != NULL;
	if (nic != NULL)
		*nic = strstr(xml, "<interface ") != NULL;
	/* unreadable interfaces are shown as none, never guessed */
	if (nics != NULL && hv_nics_parse_xml(xml, nics) != 0)
		hv_note_error(dom->hv);
	if (cd != NULL && hv_cdrom_parse_xml(xml, cd) != 0)
		memset(cd, 0, sizeof(*cd));
	rc = HV_OK;
 out:
	if (xml != NULL) {
		/* it holds every password of the domain */
		sodium_memzero(xml, strlen(xml));
		free(xml);
	}
	return rc;
}

/* the password lands in XML between single quotes: letters and digits only */
static bool
passwd_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

int
hv_spice_set_ticket(struct hv_domain *dom, const struct hv_spice *spice,
    const char *passwd, time_t valid_to)
{
	char xml[SPICE_TICKET_XML_MAX];
	char when[SPICE_TIME_LEN + 1];
	char tls[32] = "";
	char listen[sizeof(spice->host) + 48] = "";
	struct tm tm;
	int n, rc = HV_EFAIL;

	if (!spice->present || spice->autoport || spice->port <= 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: no SPICE display with a fixed port", dom->name);
		return HV_EUNSUPPORTED;
	}
	if (!passwd_valid(passwd) || (spice->host[0] != '\0' &&
	    !host_valid(spice->host, strlen(spice->host))) ||
	    gmtime_r(&valid_to, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) !=
	    SPICE_TIME_LEN) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: refusing a malformed SPICE ticket", dom->name);
		return HV_EFAIL;
	}
	/* libvirt refuses a change of port, tlsPort or listen address */
	if (spice->tls_port > 0)
		snprintf(tls, sizeof(tls), " tlsPort='%d'", spice->tls_port);
	if (spice->host[0] != '\0')
		snprintf(listen, sizeof(listen),
		    "<listen type='address' address='%s'/>", spice->host);
	n = snprintf(xml, sizeof(xml),
	    "<graphics type='spice' port='%d'%s autoport='no' passwd='%s' "
	    "passwdValidTo='%s' connected='keep'>%s</graphics>",
	    spice->port, tls, passwd, when, listen);
	if (n < 0 || (size_t)n >= sizeof(xml)) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: SPICE ticket XML too long", dom->name);
		goto out;
	}
	/* live only: the password must never reach the persistent XML */
	if (virDomainUpdateDeviceFlags(dom->dom, xml,
	    VIR_DOMAIN_AFFECT_LIVE) < 0) {
		hv_note_error(dom->hv);
		goto out;
	}
	rc = HV_OK;
 out:
	sodium_memzero(xml, sizeof(xml));
	return rc;
}
