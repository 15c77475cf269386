/*
 * keys_dl: loads libssh on first use (see keys_dl.h).
 */
#include <syslog.h>

#include "vmgate/dl.h"
#include "keys_dl.h"

#define KEYS_DL_DEFINE(f) __typeof__(f) *keys_dl_##f;
KEYS_DL_FUNCS(KEYS_DL_DEFINE)
#undef KEYS_DL_DEFINE

int
keys_ssh_load(void)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
#define KEYS_DL_NAME(f) #f,
	static const char *const names[] = { KEYS_DL_FUNCS(KEYS_DL_NAME) };
#undef KEYS_DL_NAME
#define KEYS_DL_SLOT(f) (void **)&keys_dl_##f,
	void **slots[] = { KEYS_DL_FUNCS(KEYS_DL_SLOT) };
#undef KEYS_DL_SLOT
	char err[256];

	if (state == 0) {
		state = dl_resolve(KEYS_DL_LIBSSH, names, slots,
		    sizeof(names) / sizeof(names[0]), err, sizeof(err)) == 0 ?
		    1 : -1;
		/* every key then counts as unparsable: fail closed, loudly */
		if (state < 0)
			syslog(LOG_AUTHPRIV | LOG_ERR, "cannot load %s: %s",
			    KEYS_DL_LIBSSH, err);
	}
	return state > 0 ? 0 : -1;
}
