/*
 * spice: one-time SPICE passwords (vmgate(8), spice). Checks that the machine runs
 * and has a locked display with ticketing on, makes a 24-character password
 * from libsodium's generator, sets it live with an expiry, prints the
 * tenant's instructions or a virt-viewer file, and holds the session open
 * while the tenant's -L tunnel is in use.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <sodium.h>

#include "vmgate/spice.h"

#define SPICE_WAIT_BUF	4096	/* stdin is drained and ignored */
#define SPICE_TIME_BUF	32	/* "YYYY-MM-DDTHH:MM:SSZ" */
#define SPICE_PORT_MAX	65535
#define SPICE_LOCAL_HOST "127.0.0.1"	/* the tenant's end of the tunnel */
#define SPICE_FD_BUF	16

static const char spice_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

void
spice_make_password(char *out, size_t len)
{
	size_t i;

	if (sodium_init() < 0) {
		/* no safe randomness: refuse rather than make a weak ticket */
		static const char msg[] = "vmgate: libsodium failed to start\n";
		ssize_t r = write(2, msg, sizeof(msg) - 1);

		(void)r;
		abort();
	}
	for (i = 0; i < len; i++)
		out[i] = spice_alphabet[randombytes_uniform(
		    (uint32_t)(sizeof(spice_alphabet) - 1))];
	out[len] = '\0';
}

/*
 * The machine must run ("idle" is a running guest that waits).
 * A paused machine is refused too, though QEMU still serves its frozen
 * screen: tenants cannot resume it, so a ticket would only invite questions.
 */
static bool
spice_state_live(enum hv_state st)
{
	return st == HV_STATE_RUNNING || st == HV_STATE_IDLE;
}

int
spice_endpoint(const struct domain_conf *dc, const struct hv_spice *sp,
    struct spice_endpoint *ep)
{
	const char *host;
	int port, n;

	memset(ep, 0, sizeof(*ep));
	if (dc != NULL && dc->spice_host != NULL) {
		host = dc->spice_host;
		port = dc->spice_port;
	} else if (sp != NULL && sp->present && !sp->remote &&
	    !sp->autoport && sp->port > 0 && sp->port <= SPICE_PORT_MAX) {
		/* another host's XML names an address there ("127.0.0.1"
		 * is its own loopback) and a port it picks: permitopen and
		 * the tunnel would aim at whatever listens on ours. A
		 * remote display is named by spice = in the config. */
		host = sp->host;
		port = sp->port;
	} else
		return -1;
	if (!host_valid(host))
		return -1;
	n = snprintf(ep->host, sizeof(ep->host), "%s", host);
	if (n < 0 || (size_t)n >= sizeof(ep->host))
		return -1;
	ep->port = port;
	return 0;
}

int
spice_endpoint_format(const struct spice_endpoint *ep, char *buf, size_t len)
{
	int n;

	/* an IPv6 literal is bracketed, as ssh -L and permitopen write it */
	n = snprintf(buf, len, strchr(ep->host, ':') != NULL ? "[%s]:%d" :
	    "%s:%d", ep->host, ep->port);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
spice_issue(struct hv_domain *dom, const struct domain_conf *dc,
    const char *machine, unsigned ttl, int local_port,
    struct spice_ticket *t, const char **why)
{
	struct spice_endpoint ep;
	struct hv_spice sp;
	enum hv_state st;
	int rc, n;

	memset(t, 0, sizeof(*t));
	*why = NULL;
	if ((rc = hv_get_state(dom, &st)) != HV_OK) {
		*why = "cannot read the machine's state";
		return rc;
	}
	if (!spice_state_live(st)) {
		*why = "not running";
		return HV_ESTATE;
	}
	if ((rc = hv_get_spice(dom, &sp)) != HV_OK) {
		*why = "cannot read the SPICE display";
		return rc;
	}
	/* each cause its own words: the audit line repeats them */
	if (!sp.present) {
		*why = "has no SPICE display: ask the admin";
		return HV_EUNSUPPORTED;
	}
	if (sp.autoport || sp.port <= 0) {
		*why = "has no SPICE display with a fixed port: ask the admin";
		return HV_EUNSUPPORTED;
	}
	if (!sp.has_passwd) {
		/* ticketing off: QEMU would refuse a live password anyway */
		*why = "has no SPICE display with ticketing: ask the admin";
		return HV_EUNSUPPORTED;
	}
	if (spice_endpoint(dc, &sp, &ep) != 0) {
		/* a wildcard or missing listen address, and no spice = in
		 * the config: nothing sshd could forward to */
		*why = "has no SPICE display on a fixed address: ask the admin";
		return HV_EUNSUPPORTED;
	}
	t->remote = ep;
	n = snprintf(t->machine, sizeof(t->machine), "%s", machine);
	if (n < 0 || (size_t)n >= sizeof(t->machine)) {
		*why = "cannot describe the SPICE endpoint";
		rc = HV_EFAIL;
		goto fail;
	}
	t->local_port = local_port > 0 ? local_port : t->remote.port;
	spice_make_password(t->password, SPICE_PASSWD_LEN);
	t->expires = time(NULL) + (time_t)ttl;
	if ((rc = hv_spice_set_ticket(dom, &sp, t->password, t->expires)) !=
	    HV_OK) {
		*why = "could not set the SPICE password";
		goto fail;
	}
	return HV_OK;
 fail:
	spice_ticket_clear(t);
	return rc;
}

void
spice_print_human(FILE *out, const struct spice_ticket *t,
    const char *vmhost)
{
	char when[SPICE_TIME_BUF] = "";
	char target[SPICE_ENDPOINT_MAX];
	struct tm tm;

	if (gmtime_r(&t->expires, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (spice_endpoint_format(&t->remote, target, sizeof(target)) != 0)
		target[0] = '\0';	/* cannot happen: the host fits */
	fprintf(out,
	    "machine:  %s\n"
	    "password: %s\n"
	    "expires:  %s\n"
	    "tunnel:   ssh -L %d:%s %s\n"
	    "viewer:   remote-viewer spice://%s:%d\n",
	    t->machine, t->password, when, t->local_port, target,
	    vmhost != NULL ? vmhost : "vmhost",
	    SPICE_LOCAL_HOST, t->local_port);
	/* the session may now be held open: the tenant needs this first */
	fflush(out);
}

void
spice_print_vv(FILE *out, const struct spice_ticket *t)
{
	fprintf(out,
	    "[virt-viewer]\n"
	    "type=spice\n"
	    "host=%s\n"
	    "port=%d\n"
	    "password=%s\n"
	    "title=%s\n"
	    "delete-this-file=1\n",
	    SPICE_LOCAL_HOST, t->local_port, t->password, t->machine);
	fflush(out);
}

/*
 * remote-viewer - reads the file to end of file before it connects: the
 * pipe must close while the session (and so the tunnel) lives on. sshd
 * sends EOF once both stdout and stderr are closed.
 */
int
spice_release_output(FILE *out, FILE *err)
{
	int fd, rc = 0;

	fflush(out);
	fflush(err);
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		rc = -1;
	close(fd);
	return rc;
}

/*
 * The held session needs nothing of what the request loaded (libvirt and
 * its sixty libraries, the config): a fresh image of this program that
 * only waits is a fraction of the size. The slot's lock travels as fd.
 */
int
spice_hold(int slot_fd)
{
	char fdarg[SPICE_FD_BUF];
	char *const argv[] = { "vmgate", SPICE_HOLD_COMMAND, fdarg, NULL };
	int flags = -1;

	fflush(NULL);
	if (slot_fd >= 0) {
		snprintf(fdarg, sizeof(fdarg), "%d", slot_fd);
		if ((flags = fcntl(slot_fd, F_GETFD)) < 0 ||
		    fcntl(slot_fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
			return -1;
	} else
		snprintf(fdarg, sizeof(fdarg), "-");
	execv("/proc/self/exe", argv);
	if (slot_fd >= 0)
		(void)fcntl(slot_fd, F_SETFD, flags);
	return -1;
}

int
spice_hold_run(const char *fdarg)
{
	char *end = NULL;
	long fd;

	if (strcmp(fdarg, "-") != 0) {
		errno = 0;
		fd = strtol(fdarg, &end, 10);
		/* a slot is never one of the session's own fds 0-2 */
		if (errno != 0 || end == fdarg || *end != '\0' ||
		    fd <= STDERR_FILENO || fd > INT_MAX ||
		    fcntl((int)fd, F_GETFD) < 0)
			return -1;
	}
	spice_wait();
	return 0;
}

static volatile sig_atomic_t spice_hangup;

/* the session's end: a hang-up, or the tenant's ^C / ^\ on a terminal,
 * or SIGTERM */
static const int wait_end_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
#define NWAIT_SIGNALS \
	(sizeof(wait_end_signals) / sizeof(wait_end_signals[0]))

static void
spice_on_hangup(int sig)
{
	(void)sig;
	spice_hangup = 1;
}

/*
 * The end signals stay blocked except inside pselect, so one that arrives
 * between the check and the wait cannot be lost.
 */
void
spice_wait(void)
{
	struct sigaction sa, old_sa[NWAIT_SIGNALS];
	sigset_t block, orig, during;
	char buf[SPICE_WAIT_BUF];
	fd_set rfds;
	ssize_t n;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = spice_on_hangup;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < NWAIT_SIGNALS; i++)
		sigaddset(&block, wait_end_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &orig);
	for (i = 0; i < NWAIT_SIGNALS; i++)
		sigaction(wait_end_signals[i], &sa, &old_sa[i]);
	during = orig;
	for (i = 0; i < NWAIT_SIGNALS; i++)
		sigdelset(&during, wait_end_signals[i]);
	spice_hangup = 0;
	while (!spice_hangup) {
		FD_ZERO(&rfds);
		FD_SET(STDIN_FILENO, &rfds);
		if (pselect(STDIN_FILENO + 1, &rfds, NULL, NULL, NULL,
		    &during) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			break;
	}
	for (i = 0; i < NWAIT_SIGNALS; i++)
		sigaction(wait_end_signals[i], &old_sa[i], NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
}

void
spice_ticket_clear(struct spice_ticket *t)
{
	sodium_memzero(t->password, sizeof(t->password));
}
