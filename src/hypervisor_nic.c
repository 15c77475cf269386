/*
 * hypervisor_nic: a domain's network interfaces and their traffic
 * filters, and whether it has a serial console, read from its XML with
 * libxml2 (part of the hypervisor module). libxml2 is loaded on first use
 * with libvirt (hypervisor_dl.h), which already has it in the process by
 * the time a domain XML exists.
 *
 * The document is parsed without network access and without entity
 * substitution; interfaces are found by XPath, their few attributes read
 * through the tree API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor_int.h"

#define XML_MAX_BYTES	(4u << 20)	/* libvirt's own cap on a domain XML is lower */
#define NIC_XPATH	"/domain/devices/interface"
#define CONSOLE_XPATH	"/domain/devices/console[1][@type='pty']"

static bool
is_element(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

/*
 * The value of attribute name of n into buf: 0 (buf "" when there is no
 * such attribute), -1 when it is not plain text or does not fit.
 */
static int
attr_copy(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlAttr *a = xmlHasProp(n, (const xmlChar *)name);
	const xmlNode *t;
	size_t l;

	buf[0] = '\0';
	if (a == NULL)
		return 0;
	t = a->children;
	if (t == NULL)
		return 0;
	if (t->type != XML_TEXT_NODE || t->next != NULL || t->content == NULL)
		return -1;
	l = strlen((const char *)t->content);
	if (l >= len)
		return -1;
	memcpy(buf, t->content, l + 1);
	return 0;
}

/* <parameter name='IP' value='...'/> and IPV6 of a <filterref>; other
 * parameters pin nothing vmgate checks and are skipped unread */
static int
read_parameter(const xmlNode *p, struct hv_nic *nic)
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

static int
read_interface(const xmlNode *iface, struct hv_nic *nic)
{
	const xmlNode *c, *p;

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
hv_nics_parse_xml(const char *xml, struct hv_nics *out)
{
	xmlDoc *doc = NULL;
	xmlXPathContext *ctx = NULL;
	xmlXPathObject *found = NULL;
	size_t len;
	int i, rc = -1;

	memset(out, 0, sizeof(*out));
	if (xml == NULL || (len = strlen(xml)) > XML_MAX_BYTES ||
	    hv_libvirt_ready(NULL) != 0)
		return -1;
	/* no DTD loading, no network, no entity substitution */
	doc = xmlReadMemory(xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || (ctx = xmlXPathNewContext(doc)) == NULL)
		goto out;
	found = xmlXPathEvalExpression((const xmlChar *)NIC_XPATH, ctx);
	if (found == NULL || found->type != XPATH_NODESET)
		goto out;
	for (i = 0; found->nodesetval != NULL &&
	    i < found->nodesetval->nodeNr; i++) {
		if (out->n >= HV_MAX_NICS ||
		    read_interface(found->nodesetval->nodeTab[i],
		    &out->nic[out->n]) != 0)
			goto out;
		out->n++;
	}
	rc = 0;
 out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	if (found != NULL)
		xmlXPathFreeObject(found);
	if (ctx != NULL)
		xmlXPathFreeContext(ctx);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}

int
hv_get_nics(struct hv_domain *dom, struct hv_nics *out)
{
	char *xml;
	int rc;

	memset(out, 0, sizeof(*out));
	/* without SECURE: no passwords; interfaces are all there */
	if ((xml = virDomainGetXMLDesc(dom->dom, 0)) == NULL) {
		hv_note_error(dom->hv);
		return HV_EFAIL;
	}
	rc = hv_nics_parse_xml(xml, out);
	free(xml);
	if (rc != 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the interfaces in the domain XML",
		    dom->name);
		return HV_EFAIL;
	}
	return HV_OK;
}

/*
 * How many nodes xpath finds in a domain XML: >= 0, or -1 when the XML
 * cannot be read.
 */
static int
xml_count(const char *xml, const char *xpath)
{
	xmlDoc *doc = NULL;
	xmlXPathContext *ctx = NULL;
	xmlXPathObject *found = NULL;
	size_t len;
	int n = -1;

	if (xml == NULL || (len = strlen(xml)) > XML_MAX_BYTES ||
	    hv_libvirt_ready(NULL) != 0)
		return -1;
	doc = xmlReadMemory(xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || (ctx = xmlXPathNewContext(doc)) == NULL)
		goto out;
	found = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
	if (found != NULL && found->type == XPATH_NODESET)
		n = found->nodesetval != NULL ? found->nodesetval->nodeNr : 0;
 out:
	if (found != NULL)
		xmlXPathFreeObject(found);
	if (ctx != NULL)
		xmlXPathFreeContext(ctx);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return n;
}

int
hv_console_parse_xml(const char *xml, bool *has)
{
	/* what virDomainOpenConsole opens: the first console, a pty (libvirt
	 * adds it for a <serial type='pty'>) */
	int n = xml_count(xml, CONSOLE_XPATH);

	*has = n > 0;
	return n < 0 ? -1 : 0;
}

int
hv_get_console(struct hv_domain *dom, bool *has)
{
	char *xml;
	int rc;

	*has = false;
	if ((xml = virDomainGetXMLDesc(dom->dom, 0)) == NULL) {
		hv_note_error(dom->hv);
		return HV_EFAIL;
	}
	rc = hv_console_parse_xml(xml, has);
	free(xml);
	if (rc != 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the domain XML", dom->name);
		return HV_EFAIL;
	}
	return HV_OK;
}
