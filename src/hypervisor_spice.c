/*
 * hypervisor_spice: the SPICE <graphics> element of a domain (part of the
 * hypervisor module): read from the domain's document (hypervisor_xml.c)
 * by XPath, and a live one-time ticket set. An attribute it cannot read
 * refuses the whole display: a display vmgate cannot read is one it does
 * not touch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hypervisor_int.h"

/* the first SPICE display of the devices, never one in metadata */
#define SPICE_XPATH	"(/domain/devices/graphics[@type='spice'])[1]"
#define SPICE_PORT_MAX	65535
#define SPICE_NUM_MAX_LEN 6	/* "-1", "65535" */
#define SPICE_TIME_LEN	19	/* YYYY-MM-DDTHH:MM:SS */
#define SPICE_TICKET_XML_MAX 512

/* the digits of s[0..n) as a number, or -1 */
static int
parse_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "-1" or 0..SPICE_PORT_MAX */
static int
parse_port(const char *v, int *out)
{
	size_t len = strlen(v);
	int n;

	if (strcmp(v, "-1") == 0)
		n = -1;
	else if (len >= SPICE_NUM_MAX_LEN || (n = parse_digits(v, len)) < 0 ||
	    n > SPICE_PORT_MAX)
		return -1;
	*out = n;
	return 0;
}

static int
parse_yesno(const char *v, bool *out)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return -1;
	*out = strcmp(v, "yes") == 0;
	return 0;
}

/* libvirt's passwdValidTo: YYYY-MM-DDTHH:MM:SS, always UTC */
static int
parse_valid_to(const char *s, time_t *out)
{
	struct tm tm;
	time_t t;

	if (strlen(s) != SPICE_TIME_LEN || s[4] != '-' || s[7] != '-' ||
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
set_host(struct hv_spice *out, const char *v)
{
	if (!host_valid(v, strlen(v)))
		return -1;
	memcpy(out->host, v, strlen(v) + 1);
	return 0;
}

static int
spice_read(const struct hv_xml *dx, struct hv_spice *out)
{
	xmlNodePtr g, lsn;
	const char *v;

	memset(out, 0, sizeof(*out));
	if ((g = hv_xml_first(dx, SPICE_XPATH)) == NULL)
		return 0;
	out->present = true;
	if (((v = hv_xml_attr(g, "port")) != NULL &&
	    parse_port(v, &out->port) != 0) ||
	    ((v = hv_xml_attr(g, "tlsPort")) != NULL &&
	    parse_port(v, &out->tls_port) != 0) ||
	    ((v = hv_xml_attr(g, "autoport")) != NULL &&
	    parse_yesno(v, &out->autoport) != 0) ||
	    ((v = hv_xml_attr(g, "listen")) != NULL && set_host(out, v) != 0))
		goto fail;
	/* libvirt shows passwd only in secure XML; its value is not kept */
	out->has_passwd = hv_xml_attr(g, "passwd") != NULL;
	if ((v = hv_xml_attr(g, "passwdValidTo")) != NULL) {
		if (parse_valid_to(v, &out->passwd_valid_to) != 0)
			goto fail;
		out->passwd_expires = true;
	}
	if (out->tls_port < 0)
		out->tls_port = 0;
	/* the first <listen> child decides; it repeats the listen attribute */
	if ((lsn = hv_xml_child(g, "listen")) != NULL) {
		v = hv_xml_attr(lsn, "type");
		if (v != NULL && (strcmp(v, "socket") == 0 ||
		    strcmp(v, "none") == 0))
			out->host[0] = '\0';	/* no TCP endpoint at all */
		else if ((v = hv_xml_attr(lsn, "address")) != NULL &&
		    set_host(out, v) != 0)
			goto fail;
	}
	return 0;
 fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

int
hv_spice_parse_xml(const char *xml, struct hv_spice *out)
{
	struct hv_xml dx;
	int rc;

	memset(out, 0, sizeof(*out));
	if (hv_xml_open(xml, &dx) != 0)
		return -1;
	rc = spice_read(&dx, out);
	hv_xml_close(&dx);
	return rc;
}

int
hv_spice_read(struct hv_domain *dom, const struct hv_xml *dx,
    struct hv_spice *spice)
{
	if (spice_read(dx, spice) != 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the SPICE display in the domain XML",
		    dom->name);
		return HV_EFAIL;
	}
	spice->remote = dom->remote;
	return HV_OK;
}

int
hv_get_spice(struct hv_domain *dom, struct hv_spice *spice)
{
	struct hv_xml dx;
	int rc;

	memset(spice, 0, sizeof(*spice));
	/* SECURE: without it libvirt hides passwd, and has_passwd is the point */
	if ((rc = hv_xml_fetch(dom, VIR_DOMAIN_XML_SECURE, &dx)) != HV_OK)
		return rc == HV_EUNREACHABLE ? rc : HV_EFAIL;
	rc = hv_spice_read(dom, &dx, spice);
	hv_xml_close(&dx);
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
		rc = hv_failed_on(dom->conn, HV_EFAIL);
		goto out;
	}
	rc = HV_OK;
 out:
	sodium_memzero(xml, sizeof(xml));
	return rc;
}
