/*
 * hypervisor_int.h: what the files of the hypervisor module share
 * (src/hypervisor*.c). Nothing outside those files includes it.
 */
#ifndef VMGATE_HYPERVISOR_INT_H
#define VMGATE_HYPERVISOR_INT_H

#include "hypervisor_dl.h"	/* libvirt's API, loaded on first use */

#include "vmgate/hypervisor.h"

#define HV_MAX_CONNS 16

struct hv_conn {
	char *uri;
	virConnectPtr conn;
};

struct hv {
	struct hv_conn conns[HV_MAX_CONNS];
	size_t nconns;
	char last_error[512];
};

struct hv_domain {
	struct hv *hv;
	virConnectPtr conn;	/* borrowed from hv */
	virDomainPtr dom;
	char *name;
	bool remote;		/* looked up through another host's URI */
};

/* load libvirt if need be and silence its printing; -1 (reason in
 * hv->last_error when hv is given) when it cannot be loaded */
int hv_libvirt_ready(struct hv *hv);

/*
 * A domain XML parsed once (hypervisor_xml.c): every reader below reads
 * the same document. hv_xml_open: 0, or -1 when it is not well-formed,
 * has a DTD or its root is not <domain> (dx is then empty).
 * hv_xml_fetch: the machine's XML from libvirt with flags
 * (VIR_DOMAIN_XML_*) parsed into dx: HV_OK, HV_EFAIL when unreadable,
 * or libvirt's failure as hv_action_failed. Free with hv_xml_close.
 */
struct hv_xml {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
};
int hv_xml_open(const char *xml, struct hv_xml *dx);
int hv_xml_fetch(struct hv_domain *dom, unsigned flags, struct hv_xml *dx);
void hv_xml_close(struct hv_xml *dx);
/* the nodes xpath selects (*n of them); free with xmlXPathFreeObject */
xmlXPathObjectPtr hv_xml_eval(const struct hv_xml *dx, const char *xpath,
    int *n);
/* the first node xpath selects, borrowed from the document, or NULL */
xmlNodePtr hv_xml_first(const struct hv_xml *dx, const char *xpath);
/* an attribute's value, borrowed: NULL when absent or not plain text */
const char *hv_xml_attr(xmlNodePtr node, const char *name);
/* the first child element called name, or NULL */
xmlNodePtr hv_xml_child(xmlNodePtr node, const char *name);

/* The readers, one per fact, as the hv_*_parse_xml of hypervisor.h; the
 * display's also marks a machine on another host as remote, and is
 * HV_EFAIL (spice zero) when it cannot be read. */
int hv_spice_read(struct hv_domain *dom, const struct hv_xml *dx,
    struct hv_spice *spice);
int hv_nics_read(const struct hv_xml *dx, struct hv_nics *out);
void hv_cdrom_read(const struct hv_xml *dx, struct hv_cdrom *out);
bool hv_console_read(const struct hv_xml *dx);

/* copy libvirt's last error into hv->last_error (for the log) */
void hv_note_error(struct hv *hv);

/*
 * After a failed call on conn: HV_EUNREACHABLE when the connection is
 * closed (keepalive declared its host dead, or the daemon went away), else
 * otherwise. The one place a lost host is told from a refused call.
 */
int hv_failed_on(virConnectPtr conn, int otherwise);

/*
 * libvirt's default event loop, registered and run by a thread of ours
 * for the rest of the process, unless the caller runs it itself
 * (hv_event_init). Idempotent and thread-safe; before the first
 * connection that is to use keepalive (the connection registers itself
 * with the loop when it opens). HV_OK, or HV_EFAIL with the reason in
 * hv->last_error.
 */
int hv_event_background(struct hv *hv);

/* HV_OK when the machine is active (want 1) or not (want 0), else
 * HV_ESTATE, or the query's failure */
int hv_require_active(struct hv_domain *dom, int want);
/* an action libvirt refused, as an hv_err (libvirt's text kept) */
int hv_action_failed(struct hv_domain *dom);

#endif
