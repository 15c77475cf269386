/*
 * hypervisor_dl: loads libvirt on first use (see hypervisor_dl.h).
 */
#include <stdio.h>

#include "vmgate/dl.h"
#include "hypervisor_dl.h"

#define HV_DL_DEFINE(f) __typeof__(f) *hv_dl_##f;
HV_DL_FUNCS(HV_DL_DEFINE)
HV_DL_XML_FUNCS(HV_DL_DEFINE)
#undef HV_DL_DEFINE

static char dl_error[256];

const char *
hv_dl_error(void)
{
	return dl_error;
}

int
hv_dl_load(void)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
#define HV_DL_NAME(f) #f,
	static const char *const names[] = { HV_DL_FUNCS(HV_DL_NAME) };
	static const char *const xml_names[] = { HV_DL_XML_FUNCS(HV_DL_NAME) };
#undef HV_DL_NAME
#define HV_DL_SLOT(f) (void **)&hv_dl_##f,
	void **slots[] = { HV_DL_FUNCS(HV_DL_SLOT) };
	void **xml_slots[] = { HV_DL_XML_FUNCS(HV_DL_SLOT) };
#undef HV_DL_SLOT

	if (state == 0)
		state = dl_resolve(HV_DL_LIBVIRT, names, slots,
		    sizeof(names) / sizeof(names[0]), dl_error,
		    sizeof(dl_error)) == 0 &&
		    dl_resolve(HV_DL_LIBXML, xml_names, xml_slots,
		    sizeof(xml_names) / sizeof(xml_names[0]), dl_error,
		    sizeof(dl_error)) == 0 ? 1 : -1;
	return state > 0 ? 0 : -1;
}
