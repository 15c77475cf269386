/*
 * env: process hygiene and the only door to the environment. Knows the
 * variables SPEC §4 allows (SSH_ORIGINAL_COMMAND, SSH_CONNECTION,
 * SSH_USER_AUTH, TERM); everything else reads as unset.
 */
#ifndef VMGATE_ENV_H
#define VMGATE_ENV_H

#include <sys/types.h>

/* fds 0-2 open (on /dev/null if closed), umask 077, SIGPIPE and SIGHUP
 * ignored, the environment emptied but a fixed PATH */
void env_sanitize_process(void);

/* getenv for an allowed variable; NULL for anything else */
const char *env_get(const char *name);

/* The client address from SSH_CONNECTION ("ADDR PORT ADDR PORT"), copied
 * into buf; "-" when unknown. */
void env_client_addr(char *buf, size_t len);

#endif
