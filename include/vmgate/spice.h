/*
 * spice: one-time SPICE passwords (vmgate(8), spice). Makes a 24-character password
 * from libsodium's generator, sets it live with an expiry, and formats the
 * tenant's instructions or a virt-viewer file.
 */
#ifndef VMGATE_SPICE_H
#define VMGATE_SPICE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "vmgate/config.h"
#include "vmgate/hypervisor.h"

#define SPICE_PASSWD_LEN 24
#define SPICE_ENDPOINT_MAX (HOST_MAX_LEN + 9)	/* "[HOST]:65535" */

/*
 * Where the gateway's sshd forwards a tenant's tunnel to reach a machine's
 * display: the one answer that `status`, `spice` (tunnel hint, --vv),
 * authorized-keys (permitopen) and `audit` all use.
 */
struct spice_endpoint {
	char host[HOST_MAX_LEN + 1];	/* DNS name or IP literal, no brackets */
	int port;
};

/*
 * The rule: the config's [domain] spice = HOST:PORT when dc has one (sp
 * is not needed then and may be NULL); otherwise the display's own listen
 * address and port from the domain XML, when it has a fixed port and
 * listens on one address (host_valid: a wildcard or missing address is no
 * endpoint, since sshd cannot tell which address of which host to use;
 * audit reports it). 0 with ep filled, or -1 when there is none.
 */
int spice_endpoint(const struct domain_conf *dc, const struct hv_spice *sp,
    struct spice_endpoint *ep);
/* "HOST:PORT", an IPv6 literal in brackets, as ssh -L and permitopen
 * write it. 0, or -1 when buf is too small. */
int spice_endpoint_format(const struct spice_endpoint *ep, char *buf,
    size_t len);

/* letters and digits from randombytes_uniform; out has room for len+1 */
void spice_make_password(char *out, size_t len);

struct spice_ticket {
	char machine[65];
	struct spice_endpoint remote;	/* spice_endpoint's answer */
	int local_port;			/* --port, else remote.port */
	char password[SPICE_PASSWD_LEN + 1];
	time_t expires;
};

/*
 * Check that dom runs and has a locked SPICE display (ticketing on) with
 * an endpoint (spice_endpoint; dc is the machine's [domain] section or
 * NULL), make a password and set it live for ttl seconds. Returns 0, or
 * an hv_err with a tenant-safe reason in why (it names the cause, for the
 * audit line). Once the endpoint is known it stays in t, even when
 * setting the password fails.
 */
int spice_issue(struct hv_domain *dom, const struct domain_conf *dc,
    const char *machine, unsigned ttl, int local_port,
    struct spice_ticket *t, const char **why);

/* The five "key:  value" lines (machine, password, expires, tunnel,
 * viewer); vmhost is the ssh destination the tunnel line names. */
void spice_print_human(FILE *out, const struct spice_ticket *t,
    const char *vmhost);
/* The [virt-viewer] file. */
void spice_print_vv(FILE *out, const struct spice_ticket *t);
/* Flush out and err, then point fds 1 and 2 at /dev/null, so the
 * session's output ends (a viewer reading it sees EOF) while it is held.
 * 0 or -1. */
int spice_release_output(FILE *out, FILE *err);
/* Hold the session until stdin reaches EOF, the session hangs up, or
 * SIGINT, SIGQUIT or SIGTERM arrives (ignored or held before or not). */
void spice_wait(void);

/* main's command for the held session: "vmgate spice-hold FD|-" */
#define SPICE_HOLD_COMMAND "spice-hold"
/*
 * Re-execute this program as "vmgate spice-hold FD": it only waits as
 * spice_wait does, keeping slot_fd (the session slot, -1 for none) open.
 * Returns -1 only when that failed; the caller then waits itself.
 */
int spice_hold(int slot_fd);
/* The held session's program: check FD ("-": none) and wait. 0, or -1
 * for a bad FD. */
int spice_hold_run(const char *fdarg);
/* wipe the password */
void spice_ticket_clear(struct spice_ticket *t);

#endif
