/*
 * hypervisor_int.h: what the files of the hypervisor module share
 * (hypervisor.c, hypervisor_spice.c, hypervisor_stream.c). Nothing
 * outside those files includes it.
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

/* hv_get_spice, whether the definition has a guest agent channel and a
 * network interface (both true when the XML could not be read), its
 * interfaces (nics->n 0 when they could not be read) and its CD drive
 * (cd->present false when it could not be read): one XML for all, when
 * nics and cd are not NULL. Without secure, libvirt leaves the passwords
 * out (has_passwd stays false): for callers that only show the endpoint. */
int hv_get_spice_facts(struct hv_domain *dom, struct hv_spice *spice,
    bool secure, bool *agent, bool *nic, struct hv_nics *nics,
    struct hv_cdrom *cd);

/* copy libvirt's last error into hv->last_error (for the log) */
void hv_note_error(struct hv *hv);

/* HV_OK when the machine is active (want 1) or not (want 0), else
 * HV_ESTATE, or the query's failure */
int hv_require_active(struct hv_domain *dom, int want);
/* an action libvirt refused, as an hv_err (libvirt's text kept) */
int hv_action_failed(struct hv_domain *dom);

#endif
