/*
 * hypervisor_stream: the console's side of the hypervisor module. libvirt's
 * default event loop (run by the console, or by a thread of ours that keeps
 * a remote host's keepalive going), the serial console as a non-blocking
 * stream, fd and timer watches on that loop for the terminal, and the
 * events that tell the console its machine stopped or its host was lost.
 * Thin wrappers: the relay logic lives in console.c, which never sees a
 * libvirt type.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/util.h"
#include "hypervisor_int.h"

struct hv_stream {
	struct hv *hv;
	virConnectPtr conn;	/* borrowed: the machine's */
	virStreamPtr st;
	bool watching;
	void (*cb)(struct hv_stream *st, int events, void *arg);
	void *arg;
};

struct stop_watch {
	void (*cb)(void *arg);
	void *arg;
};

/* our event bits are libvirt's, spelled out so neither side can drift */
static int
stream_events_to_virt(int ev)
{
	return ((ev & HV_STREAM_READABLE) ? VIR_STREAM_EVENT_READABLE : 0) |
	    ((ev & HV_STREAM_WRITABLE) ? VIR_STREAM_EVENT_WRITABLE : 0) |
	    ((ev & HV_STREAM_ERROR) ? VIR_STREAM_EVENT_ERROR : 0) |
	    ((ev & HV_STREAM_HANGUP) ? VIR_STREAM_EVENT_HANGUP : 0);
}

static int
stream_events_from_virt(int ev)
{
	return ((ev & VIR_STREAM_EVENT_READABLE) ? HV_STREAM_READABLE : 0) |
	    ((ev & VIR_STREAM_EVENT_WRITABLE) ? HV_STREAM_WRITABLE : 0) |
	    ((ev & VIR_STREAM_EVENT_ERROR) ? HV_STREAM_ERROR : 0) |
	    ((ev & VIR_STREAM_EVENT_HANGUP) ? HV_STREAM_HANGUP : 0);
}

static int
handle_events_to_virt(int ev)
{
	return ((ev & HV_STREAM_READABLE) ? VIR_EVENT_HANDLE_READABLE : 0) |
	    ((ev & HV_STREAM_WRITABLE) ? VIR_EVENT_HANDLE_WRITABLE : 0) |
	    ((ev & HV_STREAM_ERROR) ? VIR_EVENT_HANDLE_ERROR : 0) |
	    ((ev & HV_STREAM_HANGUP) ? VIR_EVENT_HANDLE_HANGUP : 0);
}

static int
handle_events_from_virt(int ev)
{
	return ((ev & VIR_EVENT_HANDLE_READABLE) ? HV_STREAM_READABLE : 0) |
	    ((ev & VIR_EVENT_HANDLE_WRITABLE) ? HV_STREAM_WRITABLE : 0) |
	    ((ev & VIR_EVENT_HANDLE_ERROR) ? HV_STREAM_ERROR : 0) |
	    ((ev & VIR_EVENT_HANDLE_HANGUP) ? HV_STREAM_HANGUP : 0);
}

/*
 * libvirt keeps one default loop per process. It is registered once
 * (registering twice would leak the first) and run by exactly one thread:
 * the console's own, through hv_event_run_once, or else loop_thread, for
 * the rest of the process. Both run it only once it is registered.
 */
enum loop_runner { LOOP_NONE, LOOP_CALLER, LOOP_THREAD };

static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER;
static bool loop_registered;			/* under loop_lock */
static enum loop_runner loop_runner;		/* under loop_lock */

/* under loop_lock */
static int
loop_register(struct hv *hv)
{
	if (loop_registered)
		return HV_OK;
	if (hv_libvirt_ready(hv) != 0)
		return HV_EFAIL;
	if (virEventRegisterDefaultImpl() < 0) {
		hv_note_error(hv);
		return HV_EFAIL;
	}
	loop_registered = true;
	return HV_OK;
}

int
hv_event_init(struct hv *hv)
{
	int rc;

	pthread_mutex_lock(&loop_lock);
	if (loop_runner == LOOP_THREAD) {
		/* two threads must never run it at once */
		snprintf(hv->last_error, sizeof(hv->last_error),
		    "the event loop already runs in the background");
		rc = HV_EFAIL;
	} else if ((rc = loop_register(hv)) == HV_OK)
		loop_runner = LOOP_CALLER;
	pthread_mutex_unlock(&loop_lock);
	return rc;
}

/* keepalive pings and the daemon's own pings are answered here while no
 * call is in progress; the thread lives as long as the process */
static void *
loop_thread(void *arg)
{
	(void)arg;
	while (virEventRunDefaultImpl() == 0)
		;
	return NULL;
}

int
hv_event_background(struct hv *hv)
{
	int rc;

	pthread_mutex_lock(&loop_lock);
	if ((rc = loop_register(hv)) != HV_OK || loop_runner != LOOP_NONE)
		goto out;
	/* signals stay with the main thread: a held SIGTERM must not end
	 * the process here before the audit line is written */
	if (thread_detached(loop_thread, NULL) == 0)
		loop_runner = LOOP_THREAD;
	else {
		snprintf(hv->last_error, sizeof(hv->last_error),
		    "cannot start the event loop thread");
		rc = HV_EFAIL;
	}
 out:
	pthread_mutex_unlock(&loop_lock);
	return rc;
}

int
hv_event_run_once(void)
{
	return virEventRunDefaultImpl() < 0 ? HV_EFAIL : HV_OK;
}

int
hv_console_open(struct hv_domain *dom, bool force, struct hv_stream **out)
{
	virStreamPtr st = NULL;
	struct hv_stream *s;
	int code;

	*out = NULL;
	st = virStreamNew(dom->conn, VIR_STREAM_NONBLOCK);
	if (st == NULL) {
		hv_note_error(dom->hv);
		return hv_failed_on(dom->conn, HV_EFAIL);
	}
	/* SAFE: refuse when another session holds the console instead of
	 * silently sharing it; FORCE: end that session and take over */
	if (virDomainOpenConsole(dom->dom, NULL, st, force ?
	    VIR_DOMAIN_CONSOLE_FORCE : VIR_DOMAIN_CONSOLE_SAFE) < 0) {
		code = virGetLastErrorCode();
		hv_note_error(dom->hv);
		virStreamFree(st);
		/* libvirt's only OPERATION_FAILED here is "Active console
		 * session exists for this domain" */
		return code == VIR_ERR_OPERATION_FAILED ? HV_ESTATE :
		    hv_failed_on(dom->conn, HV_EFAIL);
	}
	s = xcalloc(1, sizeof(*s));
	s->hv = dom->hv;
	s->conn = dom->conn;
	s->st = st;
	*out = s;
	return HV_OK;
}

int
hv_screenshot_open(struct hv_domain *dom, struct hv_stream **out,
    char *mime, size_t mimelen)
{
	virStreamPtr st = NULL;
	struct hv_stream *s;
	char *type;
	int r;

	*out = NULL;
	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	if ((st = virStreamNew(dom->conn, 0)) == NULL) {
		hv_note_error(dom->hv);
		return hv_failed_on(dom->conn, HV_EFAIL);
	}
	/* screen 0: the first display head */
	if ((type = virDomainScreenshot(dom->dom, st, 0, 0)) == NULL) {
		r = hv_action_failed(dom);
		virStreamFree(st);
		return r;
	}
	snprintf(mime, mimelen, "%s", type);
	free(type);
	s = xcalloc(1, sizeof(*s));
	s->hv = dom->hv;
	s->conn = dom->conn;
	s->st = st;
	*out = s;
	return HV_OK;
}

int
hv_stream_recv(struct hv_stream *st, char *buf, size_t len)
{
	int n = virStreamRecv(st->st, buf, len);

	if (n == -1)
		hv_note_error(st->hv);
	return n;	/* libvirt's contract is ours: -2 would block */
}

int
hv_stream_send(struct hv_stream *st, const char *buf, size_t len)
{
	int n = virStreamSend(st->st, buf, len);

	if (n == -1)
		hv_note_error(st->hv);
	return n;
}

int
hv_stream_failed(const struct hv_stream *st)
{
	return hv_failed_on(st->conn, HV_EFAIL);
}

static void
stream_trampoline(virStreamPtr vst, int events, void *opaque)
{
	struct hv_stream *st = opaque;

	(void)vst;
	st->cb(st, stream_events_from_virt(events), st->arg);
}

int
hv_stream_watch(struct hv_stream *st, int events,
    void (*cb)(struct hv_stream *st, int events, void *arg), void *arg)
{
	if (st->watching)
		return HV_EFAIL;
	st->cb = cb;
	st->arg = arg;
	if (virStreamEventAddCallback(st->st, stream_events_to_virt(events),
	    stream_trampoline, st, NULL) < 0) {
		hv_note_error(st->hv);
		return HV_EFAIL;
	}
	st->watching = true;
	return HV_OK;
}

int
hv_stream_update(struct hv_stream *st, int events)
{
	if (!st->watching)
		return HV_EFAIL;
	if (virStreamEventUpdateCallback(st->st,
	    stream_events_to_virt(events)) < 0) {
		hv_note_error(st->hv);
		return HV_EFAIL;
	}
	return HV_OK;
}

void
hv_stream_close(struct hv_stream *st, bool abort_it)
{
	if (st == NULL)
		return;
	if (st->watching)
		virStreamEventRemoveCallback(st->st);
	/* Finish tells the daemon we are done; when that fails (the far
	 * end already closed or errored) only an abort releases it */
	if (abort_it || virStreamFinish(st->st) < 0)
		virStreamAbort(st->st);
	virStreamFree(st->st);
	free(st);
}

/*
 * fd and timer watches: the callbacks get their arg back unchanged; the
 * small wrapper structs exist only to translate event bits.
 */
struct fd_watch {
	void (*cb)(int watch, int fd, int events, void *arg);
	void *arg;
};

static void
fd_trampoline(int watch, int fd, int events, void *opaque)
{
	struct fd_watch *w = opaque;

	w->cb(watch, fd, handle_events_from_virt(events), w->arg);
}

int
hv_fd_watch(int fd, int events, void (*cb)(int watch, int fd, int events,
    void *arg), void *arg)
{
	struct fd_watch *w = xcalloc(1, sizeof(*w));
	int id;

	w->cb = cb;
	w->arg = arg;
	/* libvirt frees w (with free) once the watch is removed */
	id = virEventAddHandle(fd, handle_events_to_virt(events),
	    fd_trampoline, w, free);
	if (id < 0) {
		free(w);
		return HV_EFAIL;
	}
	return id;
}

void
hv_fd_update(int watch, int events)
{
	virEventUpdateHandle(watch, handle_events_to_virt(events));
}

void
hv_fd_unwatch(int watch)
{
	if (watch >= 0)
		virEventRemoveHandle(watch);
}

struct timer_watch {
	void (*cb)(int timer, void *arg);
	void *arg;
};

static void
timer_trampoline(int timer, void *opaque)
{
	struct timer_watch *w = opaque;

	w->cb(timer, w->arg);
}

int
hv_timer_add(int ms, void (*cb)(int timer, void *arg), void *arg)
{
	struct timer_watch *w = xcalloc(1, sizeof(*w));
	int id;

	w->cb = cb;
	w->arg = arg;
	id = virEventAddTimeout(ms, timer_trampoline, w, free);
	if (id < 0) {
		free(w);
		return HV_EFAIL;
	}
	return id;
}

void
hv_timer_update(int timer, int ms)
{
	virEventUpdateTimeout(timer, ms);
}

void
hv_timer_remove(int timer)
{
	if (timer >= 0)
		virEventRemoveTimeout(timer);
}

static int
lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail,
    void *opaque)
{
	struct stop_watch *w = opaque;

	(void)conn;
	(void)dom;
	(void)detail;
	/* a crash with on_crash=destroy arrives as STOPPED too */
	if (event == VIR_DOMAIN_EVENT_STOPPED)
		w->cb(w->arg);
	return 0;
}

int
hv_watch_stopped(struct hv_domain *dom, void (*cb)(void *arg), void *arg)
{
	struct stop_watch *w = xcalloc(1, sizeof(*w));
	int id;

	w->cb = cb;
	w->arg = arg;
	/* libvirt frees w when the callback is deregistered */
	id = virConnectDomainEventRegisterAny(dom->conn, dom->dom,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb),
	    w, free);
	if (id < 0) {
		hv_note_error(dom->hv);
		free(w);
		return HV_EFAIL;
	}
	return id;
}

void
hv_unwatch_stopped(struct hv_domain *dom, int id)
{
	if (id >= 0)
		virConnectDomainEventDeregisterAny(dom->conn, id);
}

struct lost_watch {
	struct hv *hv;
	void (*cb)(void *arg);
	void *arg;
};

static void
close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct lost_watch *w = opaque;

	(void)conn;
	/* CLIENT is our own close, never a loss */
	if (reason == VIR_CONNECT_CLOSE_REASON_CLIENT)
		return;
	/* libvirt reports no error with the callback: the reason is the log's */
	snprintf(w->hv->last_error, sizeof(w->hv->last_error), "%s",
	    reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ?
	    "connection closed: no answer to keepalive" :
	    reason == VIR_CONNECT_CLOSE_REASON_EOF ?
	    "connection closed by the daemon" : "connection lost");
	w->cb(w->arg);
}

int
hv_watch_lost(struct hv_domain *dom, void (*cb)(void *arg), void *arg)
{
	struct lost_watch *w = xcalloc(1, sizeof(*w));

	w->hv = dom->hv;
	w->cb = cb;
	w->arg = arg;
	/* libvirt frees w when the callback is unregistered */
	if (virConnectRegisterCloseCallback(dom->conn, close_cb, w, free) < 0) {
		hv_note_error(dom->hv);
		free(w);
		return HV_EFAIL;
	}
	return HV_OK;
}

void
hv_unwatch_lost(struct hv_domain *dom)
{
	virConnectUnregisterCloseCallback(dom->conn, close_cb);
}

int
hv_domain_alive(struct hv_domain *dom)
{
	int state = 0, reason = 0, code;

	if (virDomainGetState(dom->dom, &state, &reason, 0) != 0) {
		code = virGetLastErrorCode();
		hv_note_error(dom->hv);
		/* a transient machine is gone once it stopped */
		return code == VIR_ERR_NO_DOMAIN ? 0 :
		    hv_failed_on(dom->conn, HV_EFAIL);
	}
	return state != VIR_DOMAIN_SHUTOFF && state != VIR_DOMAIN_CRASHED &&
	    state != VIR_DOMAIN_NOSTATE;
}
