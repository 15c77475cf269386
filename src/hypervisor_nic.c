/*
 * hypervisor_nic: a domain's network interfaces and their traffic
 * filters, and whether it has a serial console, read from the domain's
 * document (hypervisor_xml.c) by XPath and the tree API (part of the
 * hypervisor module).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor_int.h"

#define NIC_XPATH	"/domain/devices/interface"
#define CONSOLE_XPATH	"/domain/devices/console[1][@type='pty']"

/*
 * The value of attribute name of n into buf: 0 (buf "" when there is no
 * such attribute), -1 when it is not plain text or does not fit.
 */
static int
attr_copy(xmlNodePtr n, const char *name, char *buf, size_t len)
{
	const char *v = hv_xml_attr(n, name);

	buf[0] = '\0';
	if (v == NULL)
		return xmlHasProp(n, (const xmlChar *)name) == NULL ? 0 : -1;
	if (strlen(v) >= len)
		return -1;
	memcpy(buf, v, strlen(v) + 1);
	return 0;
}

/* <parameter name='IP' value='...'/> and IPV6 of a <filterref>; other
 * parameters pin nothing vmgate checks and are skipped unread */
static int
read_parameter(xmlNodePtr p, struct hv_nic *nic)
{
	char name[8], value[64];
	char (*slot)[64];
	size_t *n;

	if (attr_copy(p, "name", name, sizeof(name)) != 0)
		return 0;	/* longer than IPV6: not one of ours */
	if (strcmp(name, "IP") == 0) {
		slot = nic->ip;
		n = &nic->nip;
	} else if (strcmp(name, "IPV6") == 0) {
		slot = nic->ipv6;
		n = &nic->nipv6;
	} else
		return 0;
	if (*n >= HV_MAX_FILTER_ADDRS ||
	    attr_copy(p, "value", value, sizeof(value)) != 0)
		return -1;
	memcpy(slot[(*n)++], value, sizeof(value));
	return 0;
}

/* "52:54:00:12:34:56": what libvirt writes; a node that sends anything
 * else (a terminal escape in status's mac: line) is not believed */
static bool
mac_valid(const char *s)
{
	size_t i;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' :
		    strchr("0123456789abcdefABCDEF", s[i]) == NULL ||
		    s[i] == '\0')
			return false;
	}
	return true;
}

static bool
is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static int
read_interface(xmlNodePtr iface, struct hv_nic *nic)
{
	xmlNodePtr c, p;

	memset(nic, 0, sizeof(*nic));
	for (c = iface->children; c != NULL; c = c->next) {
		if (is_element(c, "mac")) {
			if (attr_copy(c, "address", nic->mac,
			    sizeof(nic->mac)) != 0 || (nic->mac[0] != '\0' &&
			    !mac_valid(nic->mac)))
				return -1;
		} else if (is_element(c, "filterref") && nic->filter[0] == '\0') {
			if (attr_copy(c, "filter", nic->filter,
			    sizeof(nic->filter)) != 0)
				return -1;
			for (p = c->children; p != NULL; p = p->next)
				if (is_element(p, "parameter") &&
				    read_parameter(p, nic) != 0)
					return -1;
		}
	}
	return 0;
}

int
hv_nics_read(const struct hv_xml *dx, struct hv_nics *out)
{
	xmlXPathObjectPtr found;
	int i, n, rc;

	memset(out, 0, sizeof(*out));
	found = hv_xml_eval(dx, NIC_XPATH, &n);
	rc = found != NULL ? 0 : -1;
	for (i = 0; i < n && rc == 0; i++) {
		if (out->n >= HV_MAX_NICS ||
		    read_interface(found->nodesetval->nodeTab[i],
		    &out->nic[out->n]) != 0)
			rc = -1;
		else
			out->n++;
	}
	if (found != NULL)
		xmlXPathFreeObject(found);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
hv_nics_parse_xml(const char *xml, struct hv_nics *out)
{
	struct hv_xml dx;
	int rc;

	memset(out, 0, sizeof(*out));
	if (hv_xml_open(xml, &dx) != 0)
		return -1;
	rc = hv_nics_read(&dx, out);
	hv_xml_close(&dx);
	return rc;
}

/* what virDomainOpenConsole opens: the first console, a pty (libvirt adds
 * it for a <serial type='pty'>) */
bool
hv_console_read(const struct hv_xml *dx)
{
	return hv_xml_first(dx, CONSOLE_XPATH) != NULL;
}

int
hv_console_parse_xml(const char *xml, bool *has)
{
	struct hv_xml dx;

	*has = false;
	if (hv_xml_open(xml, &dx) != 0)
		return -1;
	*has = hv_console_read(&dx);
	hv_xml_close(&dx);
	return 0;
}
