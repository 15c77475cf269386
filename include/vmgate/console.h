/*
 * console: the serial console (vmgate(8), console) relayed between the tenant's
 * terminal (fds 0 and 1) and a libvirt stream, in raw mode, until the escape
 * byte 0x1d appears anywhere in the input, the machine stops or the session
 * hangs up. The terminal mode is restored on every path.
 */
#ifndef VMGATE_CONSOLE_H
#define VMGATE_CONSOLE_H

#include <stdbool.h>

#include "vmgate/hypervisor.h"

#define CONSOLE_ESCAPE	0x1d	/* ^] */
#define CONSOLE_BUF	65536	/* per direction; reading stops when full */
#define CONSOLE_DRAIN_MS 1000	/* at the end, pending output gets this long */
#define CONSOLE_STOP_GRACE_MS 2000	/* stream gone: wait this long to see
					 * the machine stopped */

enum console_end {
	CONSOLE_END_ESCAPE,
	CONSOLE_END_STOPPED,	/* the machine stopped */
	CONSOLE_END_HANGUP,	/* EOF/SIGHUP/SIGTERM on the session */
	CONSOLE_END_ERROR,
	CONSOLE_END_TAKEN,	/* another session took it over (--force) */
	CONSOLE_END_UNREACHABLE	/* the machine's host stopped answering */
};

/*
 * Run the console of an open machine; name is for messages. Once the
 * console is open it prints "Connected to NAME (escape character is ^])"
 * on stderr (never for a busy one). Returns 0 with *end set, or an hv_err: HV_ESTATE when busy (without force), HV_EFAIL.
 * The caller has checked that stdin is a terminal. For STOPPED, TAKEN and
 * ERROR it has told the tenant why on stderr ("vmgate: NAME: machine
 * stopped", "... console taken over by another session", "... console
 * connection lost"); the libvirt text stays in hv_last_error. For
 * UNREACHABLE it only ends the line the machine left open: the caller
 * names the host.
 */
int console_run(struct hv_domain *dom, const char *name, bool force,
    enum console_end *end);

#endif
