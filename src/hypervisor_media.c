/*
 * hypervisor_media: the machine's CD drive (part of the hypervisor
 * module). The drive is the first <disk device='cdrom'> the admin defined;
 * vmgate never adds one. Domain XML is read with libxml2's XPath and
 * edited with its tree API, never by pasting strings: a changed <disk>
 * for insert and eject, and the whole persistent definition with only its
 * boot order changed for a boot from the CD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vmgate/util.h"
#include "hypervisor_int.h"

#define CDROM_XPATH	"/domain/devices/disk[@device='cdrom'][1]"
#define DEVICE_BOOT_XPATH "/domain/devices/*/boot"
#define OS_XPATH	"/domain/os"
#define OS_BOOT_XPATH	"/domain/os/boot"
#define MAX_OS_BOOT	4	/* libvirt's boot devices: fd hd cdrom network */
#define MAX_BOOT_ORDER	65535
#define ORDER_LEN	8	/* "65535" */

/* unlink and free every child element called name */
static void
drop_children(xmlNodePtr node, const char *name)
{
	xmlNodePtr c;

	while ((c = hv_xml_child(node, name)) != NULL) {
		xmlUnlinkNode(c);
		xmlFreeNode(c);
	}
}

/* a new empty element name under parent, with one attribute; NULL on
 * failure */
static xmlNodePtr
add_child(xmlNodePtr parent, const char *name, const char *key,
    const char *value)
{
	xmlNodePtr n = xmlNewNode(NULL, (const xmlChar *)name);

	if (n == NULL)
		return NULL;
	if (xmlSetProp(n, (const xmlChar *)key, (const xmlChar *)value) ==
	    NULL || xmlAddChild(parent, n) == NULL) {
		xmlFreeNode(n);
		return NULL;
	}
	return n;
}

/*
 * <source file='PATH'><seclabel model='dac' relabel='no'/></source>: one
 * catalog file serves many machines, so libvirt must not hand it to the
 * QEMU user (it would not give it back for a read-only disc, and a file
 * no longer root's is no longer safe). QEMU reads it as it is, world-
 * readable.
 */
static int
add_source(xmlNodePtr disk, const char *path)
{
	xmlNodePtr src, label;

	if ((src = add_child(disk, "source", "file", path)) == NULL ||
	    (label = add_child(src, "seclabel", "model", "dac")) == NULL ||
	    xmlSetProp(label, (const xmlChar *)"relabel",
	    (const xmlChar *)"no") == NULL)
		return -1;
	return 0;
}

/* node as XML text, malloc'd; the copy inside libxml2 is wiped (the
 * whole definition holds the display's password) */
static char *
node_dump(struct hv_xml *dx, xmlNodePtr node)
{
	xmlBufferPtr buf = xmlBufferCreate();
	const xmlChar *text;
	char *out = NULL;

	if (buf == NULL)
		return NULL;
	if (xmlNodeDump(buf, dx->doc, node, 0, 0) >= 0 &&
	    (text = xmlBufferContent(buf)) != NULL) {
		out = xstrdup((const char *)text);
		sodium_memzero((void *)text, strlen((const char *)text));
	}
	xmlBufferFree(buf);
	return out;
}

static void
read_cdrom(xmlNodePtr disk, struct hv_cdrom *out)
{
	xmlNodePtr src = hv_xml_child(disk, "source");
	const char *type = hv_xml_attr(disk, "type"), *file = NULL;

	memset(out, 0, sizeof(*out));
	out->present = true;
	out->readonly = hv_xml_child(disk, "readonly") != NULL;
	if (src == NULL)
		return;
	/* an empty drive may still carry a <source> with no medium */
	file = hv_xml_attr(src, "file");
	out->loaded = file != NULL || hv_xml_attr(src, "dev") != NULL ||
	    hv_xml_attr(src, "name") != NULL || hv_xml_attr(src, "volume") != NULL;
	if (file != NULL && type != NULL && strcmp(type, "file") == 0 &&
	    strlen(file) < sizeof(out->path)) {
		out->is_file = true;
		memcpy(out->path, file, strlen(file) + 1);
	}
}

void
hv_cdrom_read(const struct hv_xml *dx, struct hv_cdrom *out)
{
	xmlNodePtr disk = hv_xml_first(dx, CDROM_XPATH);

	memset(out, 0, sizeof(*out));
	if (disk != NULL)
		read_cdrom(disk, out);
}

int
hv_cdrom_parse_xml(const char *xml, struct hv_cdrom *out)
{
	struct hv_xml dx;

	memset(out, 0, sizeof(*out));
	if (hv_xml_open(xml, &dx) != 0)
		return -1;
	hv_cdrom_read(&dx, out);
	hv_xml_close(&dx);
	return 0;
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

int
hv_cdrom_change(struct hv_domain *dom, const char *path,
    struct hv_cdrom *was)
{
	struct hv_xml dx;
	xmlNodePtr disk;
	char *dev = NULL;
	unsigned flags;
	int active, rc = HV_EFAIL;

	memset(was, 0, sizeof(*was));
	if ((active = virDomainIsActive(dom->dom)) < 0)
		return hv_action_failed(dom);
	/* the live drive when it runs: libvirt finds the same drive in the
	 * persistent definition by its target */
	if ((rc = hv_xml_fetch(dom, active ? 0 : VIR_DOMAIN_XML_INACTIVE,
	    &dx)) != HV_OK)
		return rc;
	rc = HV_EFAIL;
	if ((disk = hv_xml_first(&dx, CDROM_XPATH)) == NULL) {
		rc = HV_ENODRIVE;
		goto out;
	}
	read_cdrom(disk, was);
	drop_children(disk, "source");
	drop_children(disk, "backingStore");
	if (path != NULL && (xmlSetProp(disk, (const xmlChar *)"type",
	    (const xmlChar *)"file") == NULL ||
	    add_source(disk, path) != 0))
		goto out;
	if ((dev = node_dump(&dx, disk)) == NULL)
		goto out;
	/* force: a guest that locked the tray does not keep its disc */
	flags = VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_DEVICE_MODIFY_FORCE |
	    (active ? VIR_DOMAIN_AFFECT_LIVE : 0);
	if (virDomainUpdateDeviceFlags(dom->dom, dev, flags) < 0) {
		rc = hv_action_failed(dom);
		goto out;
	}
	rc = HV_OK;
 out:
	hv_xml_close(&dx);
	free(dev);
	return rc;
}

/* per-device <boot order='N'/>: the drive becomes 1, the others move up */
static int
boot_device_first(struct hv_xml *dx, xmlNodePtr disk, xmlXPathObjectPtr obj,
    int n)
{
	char order[ORDER_LEN];
	const char *v;
	xmlNodePtr b;
	long cur;
	char *end;
	int i;

	for (i = 0; i < n; i++) {
		b = obj->nodesetval->nodeTab[i];
		if (b->parent == disk) {
			xmlUnlinkNode(b);
			xmlFreeNode(b);
			continue;
		}
		if ((v = hv_xml_attr(b, "order")) == NULL)
			return -1;
		cur = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || cur < 1 ||
		    cur >= MAX_BOOT_ORDER)
			return -1;
		snprintf(order, sizeof(order), "%ld", cur + 1);
		if (xmlSetProp(b, (const xmlChar *)"order",
		    (const xmlChar *)order) == NULL)
			return -1;
	}
	(void)dx;
	return add_child(disk, "boot", "order", "1") != NULL ? 0 : -1;
}

/* <os><boot dev='…'/>: cdrom first, then the old order without it */
static int
boot_os_first(struct hv_xml *dx)
{
	char devs[MAX_OS_BOOT][ORDER_LEN + 8];
	xmlXPathObjectPtr obj;
	xmlNodePtr os, b;
	const char *v;
	int n, i, ndevs = 0, rc = -1;

	if ((os = hv_xml_first(dx, OS_XPATH)) == NULL)
		return -1;
	obj = hv_xml_eval(dx, OS_BOOT_XPATH, &n);
	for (i = 0; i < n; i++) {
		b = obj->nodesetval->nodeTab[i];
		v = hv_xml_attr(b, "dev");
		if (v == NULL || strlen(v) >= sizeof(devs[0]) ||
		    ndevs >= MAX_OS_BOOT)
			goto out;
		if (strcmp(v, "cdrom") != 0)
			memcpy(devs[ndevs++], v, strlen(v) + 1);
		xmlUnlinkNode(b);
		xmlFreeNode(b);
	}
	/* no <boot> at all means the disk, as libvirt reads it */
	if (n == 0)
		memcpy(devs[ndevs++], "hd", 3);
	if (add_child(os, "boot", "dev", "cdrom") == NULL)
		goto out;
	for (i = 0; i < ndevs; i++) {
		if (add_child(os, "boot", "dev", devs[i]) == NULL)
			goto out;
	}
	rc = 0;
 out:
	if (obj != NULL)
		xmlXPathFreeObject(obj);
	return rc;
}

int
hv_boot_cdrom_xml(const char *xml, char **out, struct hv_cdrom *cd)
{
	struct hv_xml dx;
	xmlXPathObjectPtr obj = NULL;
	xmlNodePtr disk;
	int n, rc = HV_EFAIL, r;

	*out = NULL;
	memset(cd, 0, sizeof(*cd));
	if (hv_xml_open(xml, &dx) != 0)
		return HV_EFAIL;
	if ((disk = hv_xml_first(&dx, CDROM_XPATH)) == NULL) {
		rc = HV_ENODRIVE;
		goto out;
	}
	read_cdrom(disk, cd);
	/* libvirt takes either per-device orders or <os><boot>, not both */
	obj = hv_xml_eval(&dx, DEVICE_BOOT_XPATH, &n);
	if (n > 0)
		r = boot_device_first(&dx, disk, obj, n);
	else
		r = boot_os_first(&dx);
	if (r != 0)
		goto out;
	if ((*out = node_dump(&dx, xmlDocGetRootElement(dx.doc))) != NULL)
		rc = HV_OK;
 out:
	if (obj != NULL)
		xmlXPathFreeObject(obj);
	hv_xml_close(&dx);
	return rc;
}

int
hv_start_cdrom(struct hv_domain *dom, struct hv_cdrom *cd)
{
	virDomainPtr live = NULL;
	char *xml = NULL, *boot = NULL;
	int rc;

	memset(cd, 0, sizeof(*cd));
	if ((rc = hv_require_active(dom, 0)) != HV_OK)
		return rc;
	/* SECURE: without it the display's password would be left out, and
	 * QEMU would start SPICE open to everyone */
	if ((xml = virDomainGetXMLDesc(dom->dom, VIR_DOMAIN_XML_INACTIVE |
	    VIR_DOMAIN_XML_SECURE)) == NULL)
		return hv_action_failed(dom);
	rc = hv_boot_cdrom_xml(xml, &boot, cd);
	if (rc == HV_EFAIL)
		snprintf(dom->hv->last_error, sizeof(dom->hv->last_error),
		    "%s: cannot read the domain XML", dom->name);
	if (rc != HV_OK)
		goto out;
	if (!cd->loaded) {
		rc = HV_EEMPTY;
		goto out;
	}
	/* same name and uuid as the defined machine: libvirt starts it with
	 * this definition for this run and keeps the persistent one */
	if ((live = virDomainCreateXML(dom->conn, boot, 0)) == NULL) {
		rc = hv_action_failed(dom);
		goto out;
	}
	virDomainFree(live);
	rc = HV_OK;
 out:
	free_secret(boot);
	free_secret(xml);
	return rc;
}
