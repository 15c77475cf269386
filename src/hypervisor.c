/*
 * hypervisor: connections (one per URI, always named explicitly), machine
 * lookup, state, the facts behind `status` and the life-cycle actions.
 * libvirt never prints: its messages are kept in hv->last_error for the
 * log. The SPICE element lives in hypervisor_spice.c, the console stream
 * in hypervisor_stream.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmgate/util.h"
#include "hypervisor_int.h"

#define HV_RETRY_SLEEP_MS 100	/* between attempts on an unreachable daemon */
#define AGENT_XPATH	"/domain/devices/channel/target[@name='org.qemu.guest_agent.0']"

static const char *const state_names[] = {
	[HV_STATE_NOSTATE] = "no state",
	[HV_STATE_RUNNING] = "running",
	[HV_STATE_IDLE] = "idle",
	[HV_STATE_PAUSED] = "paused",
	[HV_STATE_SHUTDOWN] = "in shutdown",
	[HV_STATE_SHUTOFF] = "shut off",
	[HV_STATE_CRASHED] = "crashed",
	[HV_STATE_PMSUSPENDED] = "pmsuspended",
};

/* Installed instead of libvirt's default handler, which prints to stderr:
 * the tenant must never see libvirt's text. */
static void
quiet_error(void *arg, virErrorPtr err)
{
	(void)arg;
	(void)err;
}

/*
 * libvirt is loaded on first use (hypervisor_dl.h); its error printing is
 * silenced before anything else of it runs.
 */
int
hv_libvirt_ready(struct hv *hv)
{
	/* set once by the first caller, always before hv_query_states or
	 * hv_connect start a thread; the threads only read it */
	static bool ready;

	if (ready)
		return 0;
	if (hv_dl_load() != 0) {
		if (hv != NULL)
			snprintf(hv->last_error, sizeof(hv->last_error),
			    "cannot load libvirt: %s", hv_dl_error());
		return -1;
	}
	virSetErrorFunc(NULL, quiet_error);
	/* once, before any thread may open a connection (idempotent) */
	if (virInitialize() != 0) {
		if (hv != NULL)
			hv_note_error(hv);
		return -1;
	}
	ready = true;
	return 0;
}

struct hv *
hv_new(void)
{
	return xcalloc(1, sizeof(struct hv));
}

void
hv_free(struct hv *hv)
{
	size_t i;

	if (hv == NULL)
		return;
	for (i = 0; i < hv->nconns; i++) {
		virConnectClose(hv->conns[i].conn);
		free(hv->conns[i].uri);
	}
	free(hv);
}

const char *
hv_last_error(const struct hv *hv)
{
	return hv->last_error;
}

void
hv_note_error(struct hv *hv)
{
	const char *msg = virGetLastErrorMessage();

	/* it may come from a remote daemon: printed by audit, logged */
	str_sanitize(hv->last_error, sizeof(hv->last_error),
	    msg != NULL ? msg : "unknown libvirt error");
}

int
hv_failed_on(virConnectPtr conn, int otherwise)
{
	/* asks the connection's own state, not the host: no call is made */
	return virConnectIsAlive(conn) == 0 ? HV_EUNREACHABLE : otherwise;
}

/* A query that failed: the machine may have vanished since the lookup,
 * which the tenant must see as a missing machine. */
static int
query_failed(struct hv_domain *dom)
{
	int code = virGetLastErrorCode();

	hv_note_error(dom->hv);
	return hv_failed_on(dom->conn,
	    code == VIR_ERR_NO_DOMAIN ? HV_ENOENT : HV_EFAIL);
}

static void
note_text(struct hv *hv, const char *msg)
{
	snprintf(hv->last_error, sizeof(hv->last_error), "%s", msg);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Failures worth retrying: the daemon's socket is not (yet) there or does
 * not answer. A URI no driver takes, or a bad URI, fails the same way on
 * every attempt. code, domain, int1: of libvirt's error. */
static bool
transient_error(int code, int domain, int int1)
{
	/* no access to the socket will not change by waiting (libvirt puts
	 * errno in int1 of a system error) */
	if (code == VIR_ERR_SYSTEM_ERROR && (int1 == EACCES || int1 == EPERM))
		return false;
	return code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_RPC ||
	    domain == VIR_FROM_RPC;
}

/*
 * One virConnectOpen in a thread of its own. A host that takes the TCP
 * connection and then never answers (a hung daemon, a firewall that drops
 * packets) would block libvirt far longer than the retry window; the
 * caller stops waiting at its deadline instead, and the thread, still in
 * libvirt, closes whatever it gets later and frees the call. Shared under
 * lock until one side has let go.
 */
struct open_call {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *uri;
	virConnectPtr conn;
	int code, domain, int1;		/* libvirt's error when conn is NULL */
	char message[sizeof(((struct hv *)0)->last_error)];
	bool done;			/* the thread has finished */
	bool abandoned;			/* the caller has stopped waiting */
};

static void
open_call_free(struct open_call *c)
{
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->uri);
	free(c);
}

static void *
open_thread(void *arg)
{
	struct open_call *c = arg;
	virConnectPtr conn = virConnectOpen(c->uri);
	virErrorPtr e = conn == NULL ? virGetLastError() : NULL;
	bool abandoned;

	pthread_mutex_lock(&c->lock);
	c->conn = conn;
	if (conn == NULL) {
		c->code = e != NULL ? e->code : VIR_ERR_INTERNAL_ERROR;
		c->domain = e != NULL ? e->domain : 0;
		c->int1 = e != NULL ? e->int1 : 0;
		/* it may come from a remote daemon: printed by audit, logged */
		str_sanitize(c->message, sizeof(c->message),
		    e != NULL && e->message != NULL ? e->message :
		    "unknown libvirt error");
	}
	c->done = true;
	abandoned = c->abandoned;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (abandoned) {
		if (conn != NULL)
			virConnectClose(conn);
		open_call_free(c);
	}
	return NULL;
}

/*
 * virConnectOpen(uri), waiting until deadline (now_ms's clock) at the
 * most. The connection, or NULL with the reason in hv->last_error and
 * *transient telling whether another attempt may do better.
 */
static virConnectPtr
open_bounded(struct hv *hv, const char *uri, long long deadline,
    bool *transient)
{
	struct open_call *c = xcalloc(1, sizeof(*c));
	pthread_condattr_t ca;
	struct timespec until;
	virConnectPtr conn;
	bool gave_up = false;

	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &ca);
	pthread_condattr_destroy(&ca);
	c->uri = xstrdup(uri);
	if (thread_detached(open_thread, c) != 0) {
		open_call_free(c);
		/* an open without a bound could wait on a host elsewhere for
		 * good: refused; the local daemon is asked here */
		if (!uri_local(uri)) {
			note_text(hv, "cannot start a thread to connect");
			*transient = false;
			return NULL;
		}
		if ((conn = virConnectOpen(uri)) == NULL) {
			virErrorPtr e = virGetLastError();

			hv_note_error(hv);
			*transient = e != NULL &&
			    transient_error(e->code, e->domain, e->int1);
		}
		return conn;
	}
	until.tv_sec = deadline / 1000;
	until.tv_nsec = (deadline % 1000) * 1000000L;
	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		if (pthread_cond_timedwait(&c->cond, &c->lock, &until) ==
		    ETIMEDOUT && !c->done) {
			c->abandoned = true;	/* the thread frees it */
			gave_up = true;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (gave_up) {
		note_text(hv, "no answer within the retry window");
		*transient = false;
		return NULL;
	}
	conn = c->conn;
	if (conn == NULL) {
		memcpy(hv->last_error, c->message, sizeof(hv->last_error));
		*transient = transient_error(c->code, c->domain, c->int1);
	}
	open_call_free(c);
	return conn;
}

static virConnectPtr
find_conn(struct hv *hv, const char *uri)
{
	size_t i;

	for (i = 0; i < hv->nconns; i++) {
		if (strcmp(hv->conns[i].uri, uri) == 0)
			return hv->conns[i].conn;
	}
	return NULL;
}

int
hv_connect(struct hv *hv, const char *uri)
{
	virConnectPtr conn = NULL;
	long long deadline;
	bool remote;
	struct timespec pause = { 0, HV_RETRY_SLEEP_MS * 1000000L };

	/* NULL would let libvirt pick a URI from the environment or its own
	 * config: the URI always comes from vmgate's config. */
	if (uri == NULL || *uri == '\0') {
		note_text(hv, "no libvirt URI configured");
		return HV_EUNREACHABLE;
	}
	if (find_conn(hv, uri) != NULL)
		return HV_OK;
	if (hv_libvirt_ready(hv) != 0)
		return HV_EUNREACHABLE;
	if (hv->nconns >= HV_MAX_CONNS) {
		note_text(hv, "too many libvirt connections");
		return HV_EFAIL;
	}
	/* a host elsewhere is watched with libvirt's keepalive, which needs
	 * the event loop before the connection opens; without the loop (no
	 * thread to run it) it is not asked at all, since unwatched it could
	 * hang the request for good. A local daemon needs no watch (its
	 * socket closes when it dies) nor the loop's cost. */
	remote = !uri_local(uri);
	if (remote && hv_event_background(hv) != HV_OK)
		return HV_EUNREACHABLE;
	deadline = now_ms() + HV_CONNECT_TIMEOUT_MS;
	for (;;) {
		bool transient = false;

		conn = open_bounded(hv, uri, deadline, &transient);
		if (conn != NULL)
			break;
		if (!transient || now_ms() >= deadline)
			return HV_EUNREACHABLE;
		while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
			;
		pause.tv_sec = 0;
		pause.tv_nsec = HV_RETRY_SLEEP_MS * 1000000L;
	}
	/* from here on every call on conn, and the loop while none runs,
	 * gives up on a host silent for HV_KEEPALIVE_DEAD_S (libvirt then
	 * closes the connection and the call fails: hv_failed_on). 1 means a
	 * daemon too old to answer pings: it is used without the watch. */
	if (remote && virConnectSetKeepAlive(conn, HV_KEEPALIVE_INTERVAL_S,
	    HV_KEEPALIVE_COUNT) < 0) {
		hv_note_error(hv);
		virConnectClose(conn);
		return HV_EUNREACHABLE;
	}
	hv->conns[hv->nconns].uri = xstrdup(uri);
	hv->conns[hv->nconns].conn = conn;
	hv->nconns++;
	return HV_OK;
}

struct hv_domain *
hv_lookup(struct hv *hv, const char *uri, const char *name, int *err)
{
	struct hv_domain *d = NULL;
	virConnectPtr conn;
	virDomainPtr dom;
	int r;

	/* only names that passed the allow-list ever reach libvirt */
	if (!name_valid(name)) {
		note_text(hv, "invalid machine name");
		*err = HV_ENOENT;
		return NULL;
	}
	if ((r = hv_connect(hv, uri)) != HV_OK) {
		*err = r;
		return NULL;
	}
	conn = find_conn(hv, uri);
	dom = virDomainLookupByName(conn, name);
	if (dom == NULL) {
		hv_note_error(hv);
		*err = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ?
		    HV_ENOENT : hv_failed_on(conn, HV_EFAIL);
		return NULL;
	}
	d = xcalloc(1, sizeof(*d));
	d->hv = hv;
	d->conn = conn;
	d->dom = dom;
	d->name = xstrdup(name);
	d->remote = !uri_local(uri);
	*err = HV_OK;
	return d;
}

void
hv_domain_free(struct hv_domain *dom)
{
	if (dom == NULL)
		return;
	if (dom->dom != NULL)
		virDomainFree(dom->dom);
	free(dom->name);
	free(dom);
}

/* The machines of one URI, for a worker of hv_query_states. */
struct uri_job {
	const char *uri;
	struct hv_query *q;	/* the whole array; only entries of uri */
	size_t n;
	char last_error[sizeof(((struct hv *)0)->last_error)];
	size_t first_failed;	/* index in q of its first failure, or n */
};

struct job_queue {
	struct uri_job *jobs;
	size_t njobs;
	size_t next;		/* taken under lock */
	pthread_mutex_t lock;
	bool threaded;
};

/* Look up and read the state of every machine on job->uri through hv. */
static void
run_uri_job(struct hv *hv, struct uri_job *job)
{
	struct hv_domain *dom;
	bool dead = false;
	size_t i;
	int err;

	job->first_failed = job->n;
	for (i = 0; i < job->n; i++) {
		struct hv_query *q = &job->q[i];

		if (strcmp(q->uri, job->uri) != 0)
			continue;
		/* a host that did not answer is not asked again */
		if (dead) {
			q->err = HV_EUNREACHABLE;
			continue;
		}
		dom = hv_lookup(hv, job->uri, q->name, &err);
		if (dom != NULL)
			err = hv_get_state(dom, &q->state);
		hv_domain_free(dom);
		q->err = err;
		dead = err == HV_EUNREACHABLE;
		if (err != HV_OK && err != HV_ENOENT &&
		    job->first_failed == job->n) {
			job->first_failed = i;
			memcpy(job->last_error, hv->last_error,
			    sizeof(job->last_error));
		}
	}
}

static void *
uri_worker(void *arg)
{
	struct job_queue *jq = arg;
	struct uri_job *job;
	struct hv *hv;

	for (;;) {
		pthread_mutex_lock(&jq->lock);
		job = jq->next < jq->njobs ? &jq->jobs[jq->next++] : NULL;
		pthread_mutex_unlock(&jq->lock);
		if (job == NULL)
			return NULL;
		/* struct hv is not shared between threads: one each */
		hv = hv_new();
		run_uri_job(hv, job);
		hv_free(hv);
	}
}

void
hv_query_states(struct hv *hv, struct hv_query *q, size_t n)
{
	struct job_queue jq;
	pthread_t threads[HV_MAX_PARALLEL];
	size_t i, j, nthreads = 0, first = n;

	memset(&jq, 0, sizeof(jq));
	jq.jobs = xcalloc(n, sizeof(*jq.jobs));
	for (i = 0; i < n; i++) {
		q[i].err = HV_EFAIL;
		for (j = 0; j < jq.njobs; j++) {
			if (strcmp(jq.jobs[j].uri, q[i].uri) == 0)
				break;
		}
		if (j == jq.njobs) {
			jq.jobs[jq.njobs].uri = q[i].uri;
			jq.jobs[jq.njobs].q = q;
			jq.jobs[jq.njobs].n = n;
			jq.njobs++;
		}
	}
	if (jq.njobs == 1)
		run_uri_job(hv, &jq.jobs[0]);
	else if (jq.njobs > 1) {
		/* libvirt is loaded and its error printing silenced once,
		 * before any thread uses it */
		if (hv_libvirt_ready(hv) != 0) {
			for (i = 0; i < n; i++)
				q[i].err = HV_EUNREACHABLE;
			goto out;
		}
		/* and the event loop registered before any thread connects:
		 * a connection opening while it is being registered could see
		 * half of it */
		for (j = 0; j < jq.njobs; j++) {
			if (!uri_local(jq.jobs[j].uri)) {
				(void)hv_event_background(hv);
				break;
			}
		}
		pthread_mutex_init(&jq.lock, NULL);
		for (i = 0; i < jq.njobs && i < HV_MAX_PARALLEL; i++) {
			if (pthread_create(&threads[i], NULL, uri_worker,
			    &jq) != 0)
				break;
			nthreads++;
		}
		/* no thread at all: the work is done here, one by one */
		if (nthreads == 0)
			(void)uri_worker(&jq);
		for (i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
		pthread_mutex_destroy(&jq.lock);
		for (j = 0; j < jq.njobs; j++) {
			if (jq.jobs[j].first_failed < first) {
				first = jq.jobs[j].first_failed;
				memcpy(hv->last_error, jq.jobs[j].last_error,
				    sizeof(hv->last_error));
			}
		}
	}
 out:
	free(jq.jobs);
}

const char *
hv_state_name(enum hv_state s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(state_names) /
	    sizeof(state_names[0]))
		return state_names[HV_STATE_NOSTATE];
	return state_names[s];
}

static enum hv_state
map_state(int s)
{
	switch (s) {
	case VIR_DOMAIN_RUNNING:
		return HV_STATE_RUNNING;
	case VIR_DOMAIN_BLOCKED:
		return HV_STATE_IDLE;
	case VIR_DOMAIN_PAUSED:
		return HV_STATE_PAUSED;
	case VIR_DOMAIN_SHUTDOWN:
		return HV_STATE_SHUTDOWN;
	case VIR_DOMAIN_SHUTOFF:
		return HV_STATE_SHUTOFF;
	case VIR_DOMAIN_CRASHED:
		return HV_STATE_CRASHED;
	case VIR_DOMAIN_PMSUSPENDED:
		return HV_STATE_PMSUSPENDED;
	default:
		return HV_STATE_NOSTATE;
	}
}

int
hv_get_state(struct hv_domain *dom, enum hv_state *state)
{
	int s = 0, reason = 0;

	if (virDomainGetState(dom->dom, &s, &reason, 0) != 0)
		return query_failed(dom);
	*state = map_state(s);
	return HV_OK;
}

static void
add_addr(struct hv_info *info, const char *addr)
{
	size_t i;

	/* the guest agent reports what the guest says: keep only what an
	 * IP address can hold, so a guest cannot write to a terminal */
	if (addr == NULL || info->naddrs >= HV_MAX_ADDRS ||
	    addr[0] == '\0' || strlen(addr) >= sizeof(info->addrs[0]) ||
	    addr[strspn(addr, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ:.%_-")] != '\0')
		return;
	for (i = 0; i < info->naddrs; i++) {
		if (strcmp(info->addrs[i], addr) == 0)
			return;
	}
	snprintf(info->addrs[info->naddrs], sizeof(info->addrs[0]), "%s",
	    addr);
	info->naddrs++;
}

/* Guest addresses from the DHCP leases, else from the guest agent when
 * the machine has one; a machine without a network interface has none to
 * ask about. None known is normal (no agent, static address, machine off),
 * not an error. */
static void
get_addrs(struct hv_domain *dom, struct hv_info *info, bool agent)
{
	static const unsigned sources[] = {
		VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
		VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
	};
	virDomainInterfacePtr *ifaces = NULL;
	size_t s;
	int i;
	unsigned j;

	for (s = 0; s < (agent ? 2u : 1u); s++) {
		int n = virDomainInterfaceAddresses(dom->dom, &ifaces, sources[s], 0);
		if (n < 0) {
			hv_note_error(dom->hv);
			continue;
		}
		for (i = 0; i < n; i++) {
			/* the agent also reports the guest's loopback */
			if (ifaces[i]->name == NULL ||
			    strcmp(ifaces[i]->name, "lo") != 0) {
				for (j = 0; j < ifaces[i]->naddrs; j++)
					add_addr(info, ifaces[i]->addrs[j].addr);
			}
			virDomainInterfaceFree(ifaces[i]);
		}
		free(ifaces);
		ifaces = NULL;
		if (info->naddrs > 0) {
			info->addrs_from_guest = sources[s] ==
			    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT;
			return;
		}
	}
}

int
hv_get_info(struct hv_domain *dom, struct hv_info *info)
{
	virDomainInfo vi;
	struct hv_xml dx;
	bool agent = true, nic = true;
	int rc;

	memset(info, 0, sizeof(*info));
	if (virDomainGetInfo(dom->dom, &vi) != 0)
		return query_failed(dom);
	info->state = map_state(vi.state);
	info->vcpus = vi.nrVirtCpu;
	info->memory_kib = vi.memory;
	/* one parse of the definition for every fact; without SECURE: status
	 * shows the endpoint only, no passwords in our memory. What cannot be
	 * read shows as none, never guessed. */
	if ((rc = hv_xml_fetch(dom, 0, &dx)) == HV_EUNREACHABLE)
		return rc;
	if (rc == HV_OK) {
		(void)hv_spice_read(dom, &dx, &info->spice);
		/* unreadable interfaces: none shown, but still asked about */
		nic = hv_nics_read(&dx, &info->nics) != 0 || info->nics.n > 0;
		hv_cdrom_read(&dx, &info->cdrom);
		/* the admin's definition, not the guest, says whether an agent
		 * channel exists: without one, asking it costs a round trip */
		agent = hv_xml_first(&dx, AGENT_XPATH) != NULL;
		hv_xml_close(&dx);
	}
	/* addresses only exist while it runs: the state says so already */
	if (vi.state == VIR_DOMAIN_RUNNING || vi.state == VIR_DOMAIN_BLOCKED ||
	    vi.state == VIR_DOMAIN_PAUSED)
		if (nic)
			get_addrs(dom, info, agent);
	/* a host lost while it was asked: what was shown as none is not */
	return hv_failed_on(dom->conn, HV_OK);
}

int
hv_get_definition(struct hv_domain *dom, struct hv_definition *def)
{
	struct hv_xml dx;

	memset(def, 0, sizeof(*def));
	/* SECURE: without it libvirt hides passwd, and has_passwd is what
	 * audit checks of the display */
	if (hv_xml_fetch(dom, VIR_DOMAIN_XML_SECURE, &dx) != HV_OK)
		return HV_EFAIL;
	def->spice_rc = hv_spice_read(dom, &dx, &def->spice);
	def->nics_rc = hv_nics_read(&dx, &def->nics);
	def->console = hv_console_read(&dx);
	hv_cdrom_read(&dx, &def->cdrom);
	hv_xml_close(&dx);
	return HV_OK;
}

/* 1 active, 0 inactive, HV_EFAIL when libvirt cannot tell */
static int
is_active(struct hv_domain *dom)
{
	int r = virDomainIsActive(dom->dom);

	if (r < 0)
		return query_failed(dom);
	return r;
}

/* A refused action: "not valid in this state" (a race with another
 * session, or a paused machine) is HV_ESTATE, anything else HV_EFAIL. */
int
hv_action_failed(struct hv_domain *dom)
{
	int code = virGetLastErrorCode();

	hv_note_error(dom->hv);
	if (code == VIR_ERR_NO_DOMAIN)
		return HV_ENOENT;
	return hv_failed_on(dom->conn,
	    code == VIR_ERR_OPERATION_INVALID ? HV_ESTATE : HV_EFAIL);
}

/* The actions below first check activity so the tenant gets "already
 * running" / "not running" rather than a libvirt error. */
int
hv_require_active(struct hv_domain *dom, int want)
{
	int r = is_active(dom);

	if (r < 0)
		return r;
	if (r != want) {
		note_text(dom->hv, want ? "domain is not running" :
		    "domain is already running");
		return HV_ESTATE;
	}
	return HV_OK;
}

int
hv_start(struct hv_domain *dom)
{
	int r;

	if ((r = hv_require_active(dom, 0)) != HV_OK)
		return r;
	if (virDomainCreate(dom->dom) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}

int
hv_shutdown(struct hv_domain *dom)
{
	int r;

	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	if (virDomainShutdown(dom->dom) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}

int
hv_destroy(struct hv_domain *dom)
{
	int r;

	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	if (virDomainDestroy(dom->dom) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}

int
hv_reset(struct hv_domain *dom)
{
	int r;

	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	if (virDomainReset(dom->dom, 0) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}

int
hv_reboot(struct hv_domain *dom)
{
	int r;

	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	if (virDomainReboot(dom->dom, 0) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}

int
hv_send_keys(struct hv_domain *dom, const unsigned *codes, size_t ncodes)
{
	unsigned keys[HV_MAX_KEYS];
	int r;

	if (ncodes == 0 || ncodes > HV_MAX_KEYS) {
		note_text(dom->hv, "bad key count");
		return HV_EFAIL;
	}
	/* libvirt's prototype takes a writable array */
	memcpy(keys, codes, ncodes * sizeof(keys[0]));
	if ((r = hv_require_active(dom, 1)) != HV_OK)
		return r;
	/* holdtime 0: libvirt's default press time */
	if (virDomainSendKey(dom->dom, VIR_KEYCODE_SET_LINUX, 0, keys,
	    (int)ncodes, 0) != 0)
		return hv_action_failed(dom);
	return HV_OK;
}
