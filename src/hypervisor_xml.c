/*
 * hypervisor_xml: a domain XML parsed once with libxml2 (part of the
 * hypervisor module). The one place that fetches a definition from
 * libvirt and turns it into a document; the readers of the display,
 * interfaces, console and CD drive all read that document by XPath and
 * the tree API. libxml2 is loaded on first use with libvirt
 * (hypervisor_dl.h), which already has it in the process by the time a
 * domain XML exists.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hypervisor_int.h"

/* no network, no entity substitution, libxml2's own depth cap */
#define XML_OPTIONS	(XML_PARSE_NONET | XML_PARSE_NOERROR | \
			 XML_PARSE_NOWARNING)

void
hv_xml_close(struct hv_xml *dx)
{
	if (dx->ctx != NULL)
		xmlXPathFreeContext(dx->ctx);
	if (dx->doc != NULL)
		xmlFreeDoc(dx->doc);
	dx->ctx = NULL;
	dx->doc = NULL;
}

int
hv_xml_open(const char *xml, struct hv_xml *dx)
{
	xmlNodePtr root;
	size_t len;

	memset(dx, 0, sizeof(*dx));
	if (xml == NULL || (len = strlen(xml)) > INT_MAX ||
	    hv_libvirt_ready(NULL) != 0)
		return -1;
	dx->doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
	    XML_OPTIONS);
	/* libvirt writes one <domain> and never a DTD: a document that
	 * declares entities is not libvirt's */
	if (dx->doc == NULL || dx->doc->intSubset != NULL ||
	    (root = xmlDocGetRootElement(dx->doc)) == NULL ||
	    strcmp((const char *)root->name, "domain") != 0 ||
	    (dx->ctx = xmlXPathNewContext(dx->doc)) == NULL) {
		hv_xml_close(dx);
		return -1;
	}
	return 0;
}

int
hv_xml_fetch(struct hv_domain *dom, unsigned flags, struct hv_xml *dx)
{
	char *xml;
	int rc = HV_OK;

	memset(dx, 0, sizeof(*dx));
	if ((xml = virDomainGetXMLDesc(dom->dom, flags)) == NULL)
		return hv_action_failed(dom);
	if (hv_xml_open(xml, dx) != 0) {
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the domain XML", dom->name);
		rc = HV_EFAIL;
	}
	/* with VIR_DOMAIN_XML_SECURE it holds every password of the domain */
	sodium_memzero(xml, strlen(xml));
	free(xml);
	return rc;
}

xmlXPathObjectPtr
hv_xml_eval(const struct hv_xml *dx, const char *xpath, int *n)
{
	xmlXPathObjectPtr obj;

	*n = 0;
	obj = xmlXPathEvalExpression((const xmlChar *)xpath, dx->ctx);
	if (obj != NULL && obj->type == XPATH_NODESET &&
	    obj->nodesetval != NULL)
		*n = obj->nodesetval->nodeNr;
	return obj;
}

xmlNodePtr
hv_xml_first(const struct hv_xml *dx, const char *xpath)
{
	xmlXPathObjectPtr obj;
	xmlNodePtr node = NULL;
	int n;

	obj = hv_xml_eval(dx, xpath, &n);
	if (n > 0)
		node = obj->nodesetval->nodeTab[0];
	if (obj != NULL)
		xmlXPathFreeObject(obj);
	return node;
}

const char *
hv_xml_attr(xmlNodePtr node, const char *name)
{
	xmlAttrPtr a = xmlHasProp(node, (const xmlChar *)name);

	if (a == NULL)
		return NULL;
	if (a->children == NULL)
		return "";
	if (a->children->next != NULL || a->children->type != XML_TEXT_NODE)
		return NULL;
	return (const char *)a->children->content;
}

xmlNodePtr
hv_xml_child(xmlNodePtr node, const char *name)
{
	xmlNodePtr c;

	for (c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	}
	return NULL;
}
