/*
 * spice: one-time SPICE passwords (SPEC §6). Makes a 24-character password
 * from libsodium's generator, sets it live with an expiry, and formats the
 * tenant's instructions or a virt-viewer file.
 */
#ifndef VMGATE_SPICE_H
#define VMGATE_SPICE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "vmgate/hypervisor.h"

#define SPICE_PASSWD_LEN 24

/* letters and digits from randombytes_uniform; out has room for len+1 */
void spice_make_password(char *out, size_t len);

struct spice_ticket {
	char machine[65];
	char host[64];			/* remote listen address */
	int remote_port;
	int local_port;			/* --port, else remote_port */
	char password[SPICE_PASSWD_LEN + 1];
	time_t expires;
};

/*
 * Check that dom runs and has a locked SPICE display (ticketing on), make
 * a password and set it live for ttl seconds. Returns 0, or an hv_err with
 * a tenant-safe reason in why (it names the cause, for the audit line).
 * The endpoint in t is the domain XML's; a caller with a configured
 * endpoint ([domain] spice = HOST:PORT) puts that in t instead.
 */
int spice_issue(struct hv_domain *dom, const char *machine, unsigned ttl,
    int local_port, struct spice_ticket *t, const char **why);

/* The five "key:  value" lines of SPEC §6; vmhost is the ssh host word. */
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
/* wipe the password */
void spice_ticket_clear(struct spice_ticket *t);

#endif
