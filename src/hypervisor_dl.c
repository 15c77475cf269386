/*
 * hypervisor_dl: loads libvirt on first use (see hypervisor_dl.h).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "hypervisor_dl.h"

#define HV_DL_DEFINE(f) __typeof__(f) *hv_dl_##f;
HV_DL_FUNCS(HV_DL_DEFINE)
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
	void *lib;
	const char *e;

	if (state != 0)
		return state > 0 ? 0 : -1;
	state = -1;
	/* RTLD_NOW: a missing symbol shows here, not in the middle of a
	 * request; never unloaded */
	lib = dlopen(HV_DL_LIBVIRT, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		e = dlerror();
		snprintf(dl_error, sizeof(dl_error), "%s", e ? e : "dlopen");
		return -1;
	}
#define HV_DL_RESOLVE(f) \
	if ((*(void **)&hv_dl_##f = dlsym(lib, #f)) == NULL) { \
		snprintf(dl_error, sizeof(dl_error), "%s: no %s", \
		    HV_DL_LIBVIRT, #f); \
		return -1; \
	}
	HV_DL_FUNCS(HV_DL_RESOLVE)
#undef HV_DL_RESOLVE
	state = 1;
	return 0;
}
