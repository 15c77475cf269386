/*
 * env: process hygiene and the only door to the environment.
 *
 * At start-up the four variables a request may use are copied aside and the
 * environment is emptied, so nothing else (LIBVIRT_DEFAULT_URI,
 * LIBVIRT_LOG_OUTPUTS, LD_*, HOME, ...) can reach libvirt, libssh or any
 * program we run. A fixed PATH is all that is put back.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmgate/env.h"
#include "vmgate/util.h"

#define ENV_SAFE_PATH	"/usr/sbin:/usr/bin:/sbin:/bin"
#define ENV_MAX_VALUE	8192	/* longer values are treated as unset */

static const char *const allowed[] = {
	"SSH_ORIGINAL_COMMAND",
	"SSH_CONNECTION",
	"SSH_USER_AUTH",
	"TERM",
};
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static char *saved[NALLOWED];
static int saved_done;

static void
save_allowed(void)
{
	size_t i;

	for (i = 0; i < NALLOWED; i++) {
		const char *v = getenv(allowed[i]);

		/* SSH_ORIGINAL_COMMAND keeps its full length: the request
		 * parser refuses an overlong one with a usage error. */
		if (v != NULL && (strlen(v) <= ENV_MAX_VALUE ||
		    strcmp(allowed[i], "SSH_ORIGINAL_COMMAND") == 0))
			saved[i] = xstrdup(v);
	}
	saved_done = 1;
}

void
env_sanitize_process(void)
{
	int fd;

	/* fds 0-2 must exist, or the first file we open becomes stdout */
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	umask(077);
	/*
	 * A client that goes away must not kill us between acting and
	 * auditing: writes then fail with EPIPE instead. Programs we run get
	 * SIGPIPE back (admin.c). The console and SPICE waits install their
	 * own SIGHUP handlers; elsewhere a hang-up lets the request finish.
	 */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	if (!saved_done)
		save_allowed();
	if (clearenv() != 0)
		abort();
	if (setenv("PATH", ENV_SAFE_PATH, 1) != 0)
		abort();
}

void
env_signals_hold(void)
{
	sigset_t term;

	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
}

void
env_signals_release(void)
{
	sigset_t term;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
}

const char *
env_get(const char *name)
{
	size_t i;

	for (i = 0; i < NALLOWED; i++) {
		if (strcmp(name, allowed[i]) == 0)
			return saved[i];
	}
	return NULL;
}

void
env_client_addr(char *buf, size_t len)
{
	const char *c = env_get("SSH_CONNECTION");
	size_t n;

	if (len == 0)
		return;
	if (c == NULL || (n = strcspn(c, " ")) == 0 || n >= len) {
		snprintf(buf, len, "-");
		return;
	}
	/* raw: the audit line escapes every field it writes */
	snprintf(buf, len, "%.*s", (int)n, c);
}

int
env_server_port(void)
{
	const char *c = env_get("SSH_CONNECTION");
	const char *p;
	char *end;
	long port;
	int i;

	if (c == NULL)
		return 0;
	/* "ADDR PORT ADDR PORT": the fourth word */
	for (p = c, i = 0; i < 3; i++) {
		p += strcspn(p, " ");
		if (*p != ' ')
			return 0;
		p++;
	}
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	port = strtol(p, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return 0;
	return (int)port;
}
