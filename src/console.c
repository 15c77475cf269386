/*
 * console: relays the tenant's terminal (fds 0 and 1) and a machine's
 * serial console stream on libvirt's event loop (vmgate(8), console).
 *
 * One console object holds both directions, each a bounded buffer of
 * CONSOLE_BUF bytes: a side is read only while the buffer it feeds has
 * room, so a slow terminal or a slow stream holds the other side back
 * instead of growing memory. The escape byte ends the session wherever it
 * sits in a read; the bytes before it still go to the machine. Signals
 * reach the loop through a pipe. Every end goes through console_end_with,
 * which is idempotent: the first reason wins. Raw mode, O_NONBLOCK and the
 * signal dispositions are restored on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmgate/console.h"
#include "vmgate/deadline.h"
#include "vmgate/util.h"

#define STOP_POLL_MS 100	/* state checks while waiting for a stop */

/* the signals that end a session, and SIGPIPE, which must not kill it */
static const int end_signals[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT };
#define NSIGNALS (sizeof(end_signals) / sizeof(end_signals[0]))

struct buf {
	size_t off;		/* data lives in [off, off + len) */
	size_t len;
	char data[CONSOLE_BUF];
};

struct console {
	const char *name;
	struct hv_domain *dom;
	struct hv_stream *st;
	int in_watch;
	int out_watch;
	int sig_watch;
	int drain_timer;
	int stop_id;
	bool lost_watch;	/* hv_watch_lost is set */
	struct buf to_vm;	/* stdin -> stream */
	struct buf to_tty;	/* stream -> stdout */
	bool closing;		/* an end is decided; flushing what is due */
	bool quit;		/* leave the loop */
	bool abort_stream;	/* abort rather than finish the stream */
	bool stream_done;	/* EOF or error from the stream */
	int grace_timer;
	int grace_left;		/* ms left to see the machine stopped */
	char last_out;		/* last byte written to the terminal */
	enum console_end end;
};

/* what the signal handler needs: async-signal-safe globals only */
static int sig_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t r;

	r = write(sig_pipe[1], &b, 1);	/* full pipe: one is enough */
	(void)r;
	errno = saved;
}

/* room at the tail, moving the data to the front when that makes room */
static char *
buf_tail(struct buf *b, size_t *room)
{
	if (b->len == 0)
		b->off = 0;
	else if (b->off > 0 && b->off + b->len == CONSOLE_BUF) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	*room = CONSOLE_BUF - b->off - b->len;
	return b->data + b->off + b->len;
}

static void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

static size_t
buf_room(const struct buf *b)
{
	return CONSOLE_BUF - b->len;
}

/* watch exactly what can move now; nothing is read once closing */
static void
console_arm(struct console *c)
{
	int st_ev = 0;

	if (c->quit)
		return;
	if (!c->closing && !c->stream_done && buf_room(&c->to_tty) > 0)
		st_ev |= HV_STREAM_READABLE;
	if (!c->stream_done && c->to_vm.len > 0)
		st_ev |= HV_STREAM_WRITABLE;
	hv_stream_update(c->st, st_ev);
	hv_fd_update(c->in_watch, !c->closing && buf_room(&c->to_vm) > 0 ?
	    HV_STREAM_READABLE : 0);
	hv_fd_update(c->out_watch, c->to_tty.len > 0 ? HV_STREAM_WRITABLE : 0);
}

/* once closing, leave when the direction that matters is flushed */
static void
console_check_done(struct console *c)
{
	if (!c->closing || c->quit)
		return;
	if (c->end == CONSOLE_END_ESCAPE ? c->to_vm.len == 0 :
	    c->to_tty.len == 0)
		c->quit = true;
}

static void
on_drain_timeout(int timer, void *arg)
{
	struct console *c = arg;

	(void)timer;
	c->quit = true;		/* a stuck side does not hold the session */
}

static void
console_end_with(struct console *c, enum console_end why)
{
	if (c->closing || c->quit)
		return;
	c->closing = true;
	c->end = why;
	switch (why) {
	case CONSOLE_END_HANGUP:
	case CONSOLE_END_ERROR:
	case CONSOLE_END_UNREACHABLE:
		/* nobody left to flush to, or nothing sane to flush */
		c->abort_stream = true;
		c->quit = true;
		return;
	case CONSOLE_END_STOPPED:
	case CONSOLE_END_TAKEN:
		/* the stream is over: finishing it is all that is left */
		c->to_vm.len = 0;
		break;
	case CONSOLE_END_ESCAPE:
		break;
	}
	c->drain_timer = hv_timer_add(CONSOLE_DRAIN_MS, on_drain_timeout, c);
	if (c->drain_timer < 0)
		c->quit = true;
	console_check_done(c);
	console_arm(c);
}

/* the session went away: end now, even in the middle of a drain */
static void
console_hangup(struct console *c)
{
	if (c->closing)
		c->quit = true;
	else
		console_end_with(c, CONSOLE_END_HANGUP);
}

static void
flush_to_vm(struct console *c)
{
	if (c->stream_done)
		c->to_vm.len = 0;	/* nobody to send it to */
	while (c->to_vm.len > 0) {
		int n = hv_stream_send(c->st, c->to_vm.data + c->to_vm.off,
		    c->to_vm.len);

		if (n == -2)
			break;
		if (n < 0) {
			console_end_with(c, CONSOLE_END_ERROR);
			return;
		}
		buf_consume(&c->to_vm, (size_t)n);
	}
	console_check_done(c);
}

static void
flush_to_tty(struct console *c)
{
	while (c->to_tty.len > 0) {
		ssize_t n = write(STDOUT_FILENO, c->to_tty.data + c->to_tty.off,
		    c->to_tty.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			/* EIO or EPIPE: the session is gone */
			c->to_tty.len = 0;
			console_hangup(c);
			return;
		}
		c->last_out = c->to_tty.data[c->to_tty.off + (size_t)n - 1];
		buf_consume(&c->to_tty, (size_t)n);
	}
	console_check_done(c);
}

/*
 * The stream ended without us asking, usually because the machine stopped
 * (its pty closes a moment before libvirt records the new state), or
 * because another session took the console over with --force. Ask libvirt
 * every STOP_POLL_MS for up to CONSOLE_STOP_GRACE_MS, with the loop still
 * running so the lifecycle event, a hang-up or the escape get through.
 */
static void
on_grace_tick(int timer, void *arg)
{
	struct console *c = arg;
	int alive;

	(void)timer;
	if (c->closing || c->quit)
		return;
	alive = hv_domain_alive(c->dom);
	if (alive == HV_EUNREACHABLE)
		console_end_with(c, CONSOLE_END_UNREACHABLE);
	else if (alive < 0)
		console_end_with(c, CONSOLE_END_ERROR);
	else if (alive == 0)
		console_end_with(c, CONSOLE_END_STOPPED);
	else if ((c->grace_left -= STOP_POLL_MS) <= 0)
		console_end_with(c, CONSOLE_END_TAKEN);
}

static void
stream_gone(struct console *c, bool errored)
{
	if (c->closing) {
		c->quit = true;	/* e.g. escape pending: nothing left to send to */
		return;
	}
	c->stream_done = true;
	c->abort_stream = errored;
	c->to_vm.len = 0;
	c->grace_left = CONSOLE_STOP_GRACE_MS;
	c->grace_timer = hv_timer_add(STOP_POLL_MS, on_grace_tick, c);
	if (c->grace_timer < 0)
		console_end_with(c, CONSOLE_END_ERROR);
	console_arm(c);
}

static void
on_stream(struct hv_stream *st, int events, void *arg)
{
	struct console *c = arg;
	size_t room;
	char *tail;
	int n;

	(void)st;
	if (c->quit)
		return;
	if ((events & HV_STREAM_READABLE) && !c->closing) {
		tail = buf_tail(&c->to_tty, &room);
		if (room > 0) {
			n = hv_stream_recv(c->st, tail, room);
			if (n > 0) {
				c->to_tty.len += (size_t)n;
				flush_to_tty(c);
			} else if (n == 0) {
				stream_gone(c, false);
				return;
			} else if (n == -1) {
				stream_gone(c, true);
				return;
			}
		}
	}
	if (events & HV_STREAM_WRITABLE)
		flush_to_vm(c);
	if ((events & (HV_STREAM_ERROR | HV_STREAM_HANGUP)) && !c->quit &&
	    !c->closing) {
		stream_gone(c, (events & HV_STREAM_ERROR) != 0);
		return;
	}
	console_arm(c);
}

static void
on_stdin(int watch, int fd, int events, void *arg)
{
	struct console *c = arg;
	char *tail, *esc;
	size_t room;
	ssize_t n;

	(void)watch;
	if (c->quit)
		return;
	if (c->closing) {
		/* poll reports a hang-up even on a watch with no events */
		if (events & (HV_STREAM_HANGUP | HV_STREAM_ERROR))
			c->quit = true;
		return;
	}
	tail = buf_tail(&c->to_vm, &room);
	if (room == 0) {
		console_arm(c);
		return;
	}
	n = read(fd, tail, room);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF, or EIO once the pty's other side closed */
		console_hangup(c);
		return;
	}
	/* anywhere in the chunk, not only at its start; what precedes it
	 * was typed for the machine */
	esc = memchr(tail, CONSOLE_ESCAPE, (size_t)n);
	if (esc != NULL) {
		c->to_vm.len += (size_t)(esc - tail);
		console_end_with(c, CONSOLE_END_ESCAPE);
	} else
		c->to_vm.len += (size_t)n;
	flush_to_vm(c);
	console_arm(c);
}

static void
on_stdout(int watch, int fd, int events, void *arg)
{
	struct console *c = arg;

	(void)watch;
	(void)fd;
	if (c->quit)
		return;
	if ((events & (HV_STREAM_HANGUP | HV_STREAM_ERROR)) &&
	    c->to_tty.len == 0) {
		console_hangup(c);	/* no write will tell us */
		return;
	}
	flush_to_tty(c);
	console_arm(c);
}

static void
on_signal_pipe(int watch, int fd, int events, void *arg)
{
	struct console *c = arg;
	unsigned char b;

	(void)watch;
	(void)events;
	/* every signal we catch means the session is over */
	while (read(fd, &b, 1) == 1)
		console_hangup(c);
}

static void
on_stopped(void *arg)
{
	struct console *c = arg;

	console_end_with(c, CONSOLE_END_STOPPED);
}

/* the host stopped answering (keepalive) or its daemon went away: no
 * stream event need come, and nothing is left to drain */
static void
on_lost(void *arg)
{
	struct console *c = arg;

	c->stream_done = true;
	console_end_with(c, CONSOLE_END_UNREACHABLE);
}

/* saved process state, restored by console_restore in reverse order */
struct saved {
	struct termios tio;
	bool tio_set;
	int in_flags;
	int out_flags;
	bool flags_set;
	struct sigaction old[NSIGNALS];
	struct sigaction old_pipe;
	sigset_t old_mask;
	bool sigs_set;
};

static int
signals_install(struct saved *sv)
{
	struct sigaction sa;
	sigset_t ends;
	size_t i;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ends);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < NSIGNALS; i++) {
		sigaction(end_signals[i], &sa, &sv->old[i]);
		sigaddset(&ends, end_signals[i]);
	}
	/* the shell holds SIGTERM until its audit line (env.h); here it ends
	 * the session, which is then audited */
	sigprocmask(SIG_UNBLOCK, &ends, &sv->old_mask);
	/* a vanished terminal shows as EPIPE/EIO on write instead */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &sv->old_pipe);
	sv->sigs_set = true;
	return 0;
}

static void
console_restore(struct saved *sv)
{
	size_t i;

	if (sv->flags_set) {
		fcntl(STDOUT_FILENO, F_SETFL, sv->out_flags);
		fcntl(STDIN_FILENO, F_SETFL, sv->in_flags);
		sv->flags_set = false;
	}
	if (sv->tio_set) {
		/* TCSANOW: a stuck terminal must not keep us here */
		tcsetattr(STDIN_FILENO, TCSANOW, &sv->tio);
		sv->tio_set = false;
	}
	if (sv->sigs_set) {
		sigprocmask(SIG_SETMASK, &sv->old_mask, NULL);
		for (i = 0; i < NSIGNALS; i++)
			sigaction(end_signals[i], &sv->old[i], NULL);
		sigaction(SIGPIPE, &sv->old_pipe, NULL);
		sv->sigs_set = false;
	}
	if (sig_pipe[0] >= 0) {
		close(sig_pipe[0]);
		close(sig_pipe[1]);
		sig_pipe[0] = sig_pipe[1] = -1;
	}
}

static int
terminal_raw(struct saved *sv)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &sv->tio) != 0)
		return -1;
	raw = sv->tio;
	cfmakeraw(&raw);
	/* TCSADRAIN keeps what the tenant typed ahead: it goes to the
	 * machine rather than being thrown away */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0)
		return -1;
	sv->tio_set = true;
	sv->in_flags = fcntl(STDIN_FILENO, F_GETFL);
	sv->out_flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (sv->in_flags < 0 || sv->out_flags < 0)
		return -1;
	sv->flags_set = true;
	if (fcntl(STDIN_FILENO, F_SETFL, sv->in_flags | O_NONBLOCK) < 0 ||
	    fcntl(STDOUT_FILENO, F_SETFL, sv->out_flags | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

static void
console_say_end(const struct console *c)
{
	const char *why = NULL;
	bool line_open;

	if (c->end == CONSOLE_END_STOPPED)
		why = "machine stopped";
	else if (c->end == CONSOLE_END_TAKEN)
		why = "console taken over by another session";
	else if (c->end == CONSOLE_END_ERROR)
		why = "console connection lost";
	line_open = c->last_out != '\n' && c->last_out != '\0';
	if (why != NULL)
		fprintf(stderr, "%svmgate: %s: %s\n", line_open ? "\r\n" : "",
		    c->name, why);
	else if (c->end == CONSOLE_END_UNREACHABLE && line_open)
		fputs("\r\n", stderr);
	fflush(stderr);
}

int
console_run(struct hv_domain *dom, const char *name, bool force,
    enum console_end *end)
{
	struct console *c = NULL;
	struct saved sv;
	int ret = HV_EFAIL;

	memset(&sv, 0, sizeof(sv));
	*end = CONSOLE_END_ERROR;
	c = xcalloc(1, sizeof(*c));
	c->name = name;
	c->dom = dom;
	c->in_watch = c->out_watch = c->sig_watch = -1;
	c->drain_timer = c->stop_id = c->grace_timer = -1;

	/* busy is decided before the terminal is touched */
	if ((ret = hv_console_open(dom, force, &c->st)) != HV_OK)
		goto out;
	/* the console is open: from here on the tenant's own time, and
	 * the console watches its host itself (hang-up, machine, keepalive) */
	deadline_disarm();
	/* the banner only once the console is really ours */
	fprintf(stderr, "Connected to %s (escape character is ^])\n",
	    name);
	fflush(stderr);
	ret = HV_EFAIL;
	if (signals_install(&sv) != 0 || terminal_raw(&sv) != 0)
		goto out;
	c->in_watch = hv_fd_watch(STDIN_FILENO, HV_STREAM_READABLE,
	    on_stdin, c);
	c->out_watch = hv_fd_watch(STDOUT_FILENO, 0, on_stdout, c);
	c->sig_watch = hv_fd_watch(sig_pipe[0], HV_STREAM_READABLE,
	    on_signal_pipe, c);
	c->stop_id = hv_watch_stopped(dom, on_stopped, c);
	if (hv_watch_lost(dom, on_lost, c) == HV_OK)
		c->lost_watch = true;
	if (c->in_watch < 0 || c->out_watch < 0 || c->sig_watch < 0 ||
	    c->stop_id < 0 || !c->lost_watch || hv_stream_watch(c->st,
	    HV_STREAM_READABLE, on_stream, c) != HV_OK)
		goto out;

	while (!c->quit) {
		if (hv_event_run_once() != HV_OK)
			console_end_with(c, CONSOLE_END_ERROR);
	}
	*end = c->end;
	ret = HV_OK;
 out:
	/* the terminal first: whatever else fails, the tenant gets it back */
	console_restore(&sv);
	/* the tenant's time is over: the daemon is asked to drop the
	 * watches and close the stream, and a daemon silent now must not
	 * hold the request for good (bounded as before the console opened) */
	(void)deadline_resume();
	hv_fd_unwatch(c->in_watch);
	hv_fd_unwatch(c->out_watch);
	hv_fd_unwatch(c->sig_watch);
	hv_timer_remove(c->drain_timer);
	hv_timer_remove(c->grace_timer);
	hv_unwatch_stopped(dom, c->stop_id);
	if (c->lost_watch)
		hv_unwatch_lost(dom);
	/* a clean finish for escape and stop; an abort for hang-up/error */
	hv_stream_close(c->st, c->abort_stream || ret != HV_OK);
	deadline_disarm();
	if (ret == HV_OK)
		console_say_end(c);
	free(c);
	return ret;
}
