/*
 * dl: load a shared library on first use (see include/vmgate/dl.h).
 */
#include <dlfcn.h>
#include <stdio.h>

#include "vmgate/dl.h"

int
dl_resolve(const char *soname, const char *const names[], void **slots[],
    size_t n, char *err, size_t errlen)
{
	void *lib;
	const char *e;
	size_t i;

	/* every function we call is looked up below, so a missing one shows
	 * here, not in the middle of a request; the library's own
	 * dependencies bind as they would have at program start */
	if ((lib = dlopen(soname, RTLD_LAZY | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(err, errlen, "%s", e != NULL ? e : soname);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((*slots[i] = dlsym(lib, names[i])) == NULL) {
			snprintf(err, errlen, "%s: no %s", soname, names[i]);
			return -1;
		}
	}
	return 0;
}
