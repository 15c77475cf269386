/*
 * env: process hygiene and the only door to the environment. Knows the
 * four variables a tenant request may use (SSH_ORIGINAL_COMMAND,
 * SSH_CONNECTION, SSH_USER_AUTH, TERM); everything else reads as unset.
 * Also owns the signal dispositions of the tenant shell.
 */
#ifndef VMGATE_ENV_H
#define VMGATE_ENV_H

#include <sys/types.h>

/* fds 0-2 open (on /dev/null if closed), umask 077, SIGPIPE and SIGHUP
 * ignored, the environment emptied but a fixed PATH */
void env_sanitize_process(void);

/*
 * The tenant shell, from its start until the request's audit line is
 * written: the signals a tenant's terminal sends (^C SIGINT, ^\ SIGQUIT,
 * ^Z SIGTSTP) are ignored, so no key can stop a request between acting
 * and auditing, and SIGTERM is held (blocked). env_signals_release lets
 * a held SIGTERM through once the line is written. The console and the
 * SPICE wait install their own handlers for the time they run.
 */
void env_signals_hold(void);
void env_signals_release(void);

/* getenv for an allowed variable; NULL for anything else */
const char *env_get(const char *name);

/* The client address from SSH_CONNECTION ("ADDR PORT ADDR PORT"), copied
 * into buf; "-" when unknown. */
void env_client_addr(char *buf, size_t len);

/* The port the client connected to, from SSH_CONNECTION; 0 when unknown. */
int env_server_port(void);

#endif
