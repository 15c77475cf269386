/*
 * hypervisor: the only module that includes libvirt. Connections by URI
 * (never from LIBVIRT_* variables), machine lookup, life-cycle actions,
 * facts for status, the SPICE <graphics> element and the console stream.
 * libvirt's own messages go to the log (hv_last_error for callers that
 * log them); tenants only ever see the short text callers choose.
 */
#ifndef VMGATE_HYPERVISOR_H
#define VMGATE_HYPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define HV_CONNECT_TIMEOUT_MS 5000	/* retry an unreachable libvirtd this long */
/*
 * A host on another machine (not uri_local) that stops answering once
 * connected: libvirt's keepalive pings it after HV_KEEPALIVE_INTERVAL_S
 * seconds of silence, again every interval, and declares it dead when
 * HV_KEEPALIVE_COUNT pings went unanswered, HV_KEEPALIVE_DEAD_S seconds
 * after its last word (plus up to a second: libvirt counts whole
 * seconds). The call waiting on it then fails as HV_EUNREACHABLE.
 */
#define HV_KEEPALIVE_INTERVAL_S	5
#define HV_KEEPALIVE_COUNT	2
#define HV_KEEPALIVE_DEAD_S	(HV_KEEPALIVE_INTERVAL_S * (HV_KEEPALIVE_COUNT + 1))
#define HV_MAX_PARALLEL	16	/* hosts asked at once by hv_query_states */
#define HV_MAX_ADDRS 16
#define HV_MAX_KEYS 16		/* keys pressed together (libvirt's own limit) */
#define HV_MAX_PATH 4096	/* a CD drive's file, as the domain XML names it */

enum hv_err {
	HV_OK = 0,
	HV_EUNREACHABLE = -1,	/* cannot connect, or the host stopped
				   answering: exit 69 */
	HV_ENOENT = -2,		/* no such machine */
	HV_ESTATE = -3,		/* action makes no sense in this state */
	HV_EFAIL = -4,		/* libvirt refused or failed */
	HV_EUNSUPPORTED = -5,	/* e.g. no SPICE display */
	HV_ENODRIVE = -6,	/* the machine has no CD drive */
	HV_EEMPTY = -7		/* its CD drive holds nothing */
};

enum hv_state {
	HV_STATE_NOSTATE,
	HV_STATE_RUNNING,
	HV_STATE_IDLE,		/* virsh: "idle" (blocked) */
	HV_STATE_PAUSED,
	HV_STATE_SHUTDOWN,	/* "in shutdown" */
	HV_STATE_SHUTOFF,	/* "shut off" */
	HV_STATE_CRASHED,
	HV_STATE_PMSUSPENDED
};

struct hv;		/* connections, one per URI */
struct hv_domain;	/* one looked-up machine */

struct hv_spice {
	bool present;		/* a <graphics type='spice'> exists */
	char host[64];		/* listen address, "" when none */
	int port;		/* 0 or -1 when autoport */
	bool autoport;
	bool has_passwd;	/* passwd attribute set (needs secure XML) */
	bool passwd_expires;	/* passwdValidTo set */
	time_t passwd_valid_to;	/* when passwd_expires */
	int tls_port;		/* 0 when none; a ticket must repeat it */
	bool remote;		/* on another host (uri_local): its listen
				   address names that host's, not ours */
};

/*
 * A network interface of the definition (<domain><devices><interface>):
 * its MAC and the traffic filter libvirt applies to it. Values longer than
 * their field, and parameters beyond HV_MAX_FILTER_ADDRS, make the whole
 * XML unreadable (-1): a filter vmgate cannot read is one it cannot vouch
 * for.
 */
#define HV_MAX_NICS		16
#define HV_MAX_FILTER_ADDRS	8
struct hv_nic {
	char mac[32];		/* "52:54:00:12:34:56", "" when none */
	char filter[64];	/* <filterref filter=...>, "" when none */
	/* the filter's IP and IPV6 parameters, in document order */
	char ip[HV_MAX_FILTER_ADDRS][64];
	size_t nip;
	char ipv6[HV_MAX_FILTER_ADDRS][64];
	size_t nipv6;
};

struct hv_nics {
	struct hv_nic nic[HV_MAX_NICS];
	size_t n;
};

/* The machine's CD drive: the first <disk device='cdrom'> it defines. */
struct hv_cdrom {
	bool present;		/* there is one */
	bool readonly;		/* <readonly/> */
	bool loaded;		/* it has a <source> */
	bool is_file;		/* ... naming a file, which is in path */
	char path[HV_MAX_PATH];	/* "" unless is_file (or when too long) */
};

struct hv_info {
	enum hv_state state;
	unsigned vcpus;
	unsigned long long memory_kib;
	struct hv_spice spice;
	struct hv_nics nics;
	char addrs[HV_MAX_ADDRS][64];	/* guest addresses, when known */
	size_t naddrs;
	bool addrs_from_guest;	/* addrs came from the guest agent, i.e.
				   from the guest itself, not the host */
	struct hv_cdrom cdrom;		/* present false when unknown */
};

struct hv *hv_new(void);
void hv_free(struct hv *hv);

/* the last libvirt message, for the log; never shown to a tenant */
const char *hv_last_error(const struct hv *hv);

/* Connect (cached per URI); retries for HV_CONNECT_TIMEOUT_MS. A host
 * elsewhere is watched from then on (HV_KEEPALIVE_DEAD_S); when no thread
 * can be started for that watch or to bound the open, it is not asked at
 * all: HV_EUNREACHABLE, the reason in hv_last_error. */
int hv_connect(struct hv *hv, const char *uri);

/* Look name up on uri. NULL with *err set on failure. */
struct hv_domain *hv_lookup(struct hv *hv, const char *uri, const char *name,
    int *err);
void hv_domain_free(struct hv_domain *dom);

/* One machine for hv_query_states. */
struct hv_query {
	const char *uri;	/* in, borrowed */
	const char *name;	/* in, borrowed */
	enum hv_state state;	/* out, when err is HV_OK */
	int err;		/* out: HV_OK, HV_ENOENT, HV_EUNREACHABLE, HV_EFAIL */
};

/*
 * The state of every machine in q: one connection per distinct URI, and
 * the URIs side by side (a thread each, at most HV_MAX_PARALLEL at once),
 * so a host that does not answer costs HV_CONNECT_TIMEOUT_MS once and
 * delays no other host. Every machine of such a host gets
 * HV_EUNREACHABLE. With a single URI it runs in the caller's thread on
 * hv's own connection. libvirt's message for the first failure (in q's
 * order) is left in hv_last_error(hv).
 */
void hv_query_states(struct hv *hv, struct hv_query *q, size_t n);

const char *hv_state_name(enum hv_state s);
int hv_get_state(struct hv_domain *dom, enum hv_state *state);
int hv_get_info(struct hv_domain *dom, struct hv_info *info);
int hv_get_spice(struct hv_domain *dom, struct hv_spice *spice);
/*
 * The first <graphics type='spice'> under <domain><devices> of a domain
 * XML (libvirt's output), read with libxml2. Pure but for loading libxml2
 * on first use. 0 (out->present tells whether there is one), or -1 when the
 * XML or one of the display's attributes is malformed (out is then zero).
 */
int hv_spice_parse_xml(const char *xml, struct hv_spice *out);

/*
 * The interfaces of a domain XML (libvirt's output), read with libxml2.
 * Pure but for loading libxml2 on first use. 0, or -1 when the XML cannot
 * be read (out->n is then 0).
 */
int hv_nics_parse_xml(const char *xml, struct hv_nics *out);

/*
 * The CD drive in a domain XML (libvirt's output). Pure but for loading
 * libxml2. 0, or -1 when the XML cannot be read.
 */
int hv_cdrom_parse_xml(const char *xml, struct hv_cdrom *out);

/*
 * Put the file at path in the CD drive (path NULL: empty it), in the
 * persistent definition and, when the machine runs, live: an installer's
 * own reboot keeps the disc. The caller has checked path; vmgate never
 * adds a drive (HV_ENODRIVE when there is none). *was is the drive as it
 * was before.
 */
int hv_cdrom_change(struct hv_domain *dom, const char *path,
    struct hv_cdrom *was);

/*
 * The domain XML xml with the CD drive first in the boot order, nothing
 * else changed, in *out (malloc'd); *cd is the drive it found. Pure.
 * HV_ENODRIVE, HV_EFAIL for XML it cannot read, or HV_OK.
 */
int hv_boot_cdrom_xml(const char *xml, char **out, struct hv_cdrom *cd);

/*
 * Boot a shut-off machine once from its CD drive: it starts from its
 * persistent definition with only the boot order changed, and that
 * definition stays as it was, so the next cold start boots as before.
 * *cd is the drive it booted from. HV_ESTATE when it runs, HV_ENODRIVE,
 * HV_EEMPTY.
 */
int hv_start_cdrom(struct hv_domain *dom, struct hv_cdrom *cd);

/*
 * Whether a domain XML has the console the console verb opens: a first
 * <console type='pty'> (libvirt adds one for a <serial type='pty'>).
 * Pure but for loading libxml2; 0, or -1 when the XML cannot be read.
 */
int hv_console_parse_xml(const char *xml, bool *has);

/*
 * Every fact audit reads from a machine's definition (live when it runs),
 * from one fetch and one parse: the SPICE display (spice_rc HV_EFAIL when
 * it is malformed), the interfaces (nics_rc -1 when they cannot be read),
 * whether it has the console, and the CD drive. HV_EFAIL when the
 * definition cannot be fetched or parsed at all.
 */
struct hv_definition {
	struct hv_spice spice;
	int spice_rc;
	struct hv_nics nics;
	int nics_rc;
	bool console;
	struct hv_cdrom cdrom;
};
int hv_get_definition(struct hv_domain *dom, struct hv_definition *def);

/* Life cycle; HV_ESTATE when e.g. starting a running machine. */
int hv_start(struct hv_domain *dom);
int hv_shutdown(struct hv_domain *dom);
int hv_destroy(struct hv_domain *dom);
int hv_reset(struct hv_domain *dom);
int hv_reboot(struct hv_domain *dom);
/* press the Linux key codes together and release them (1..HV_MAX_KEYS);
 * HV_ESTATE when the machine is not running */
int hv_send_keys(struct hv_domain *dom, const unsigned *codes,
    size_t ncodes);

/*
 * Set a live SPICE ticket: a <graphics> element that keeps the domain's
 * type, port and listen address, plus passwd, passwdValidTo=valid_to (UTC)
 * and connected='keep'. Live only; never touches the persistent definition.
 */
int hv_spice_set_ticket(struct hv_domain *dom, const struct hv_spice *spice,
    const char *passwd, time_t valid_to);

/*
 * Console stream. hv_console_open opens the primary serial console as a
 * non-blocking stream (force: take it over from another session);
 * HV_ESTATE when it is busy. The event loop is libvirt's default one:
 * hv_event_init must run before the first hv_connect of the process (the
 * connection registers itself with the loop when it opens), and only
 * where the caller runs the loop itself (the console); otherwise a
 * connection to a host elsewhere has it run by a thread of the module's
 * own, for keepalive. HV_EFAIL when that thread runs already.
 */
struct hv_stream;
/* idempotent; before hv_connect; why it failed in hv_last_error(hv) */
int hv_event_init(struct hv *hv);
int hv_event_run_once(void);		/* blocks until something happens */
int hv_console_open(struct hv_domain *dom, bool force,
    struct hv_stream **out);
/* >0 bytes, 0 EOF, -2 would block, -1 error */
int hv_stream_recv(struct hv_stream *st, char *buf, size_t len);
/* >0 bytes taken, -2 would block, -1 error */
int hv_stream_send(struct hv_stream *st, const char *buf, size_t len);
/* after -1 from either: HV_EUNREACHABLE when the stream's host was lost
 * (keepalive gave up on it, its daemon went away), else HV_EFAIL */
int hv_stream_failed(const struct hv_stream *st);
enum { HV_STREAM_READABLE = 1, HV_STREAM_WRITABLE = 2,
       HV_STREAM_ERROR = 4, HV_STREAM_HANGUP = 8 };
/* one callback per stream; events as above */
int hv_stream_watch(struct hv_stream *st, int events,
    void (*cb)(struct hv_stream *st, int events, void *arg), void *arg);
int hv_stream_update(struct hv_stream *st, int events);
/* fd watches on the same loop (stdin/stdout), same event bits; the
 * watch id (>= 0) or HV_EFAIL */
int hv_fd_watch(int fd, int events, void (*cb)(int watch, int fd,
    int events, void *arg), void *arg);
void hv_fd_update(int watch, int events);
void hv_fd_unwatch(int watch);
/* a timer every ms milliseconds (-1: disarmed, 0: next turn); id or
 * HV_EFAIL */
int hv_timer_add(int ms, void (*cb)(int timer, void *arg), void *arg);
void hv_timer_update(int timer, int ms);
void hv_timer_remove(int timer);
/*
 * The first display's screenshot as a blocking stream (read it to EOF
 * with hv_stream_recv) and the image's MIME type as libvirt names it.
 * HV_ESTATE when the machine is not running.
 */
int hv_screenshot_open(struct hv_domain *dom, struct hv_stream **out,
    char *mime, size_t mimelen);
/* Finish cleanly or abort, then free; accepts NULL. */
void hv_stream_close(struct hv_stream *st, bool abort_it);
/* cb when the machine stops (lifecycle event): an id for
 * hv_unwatch_stopped, or HV_EFAIL */
int hv_watch_stopped(struct hv_domain *dom, void (*cb)(void *arg), void *arg);
void hv_unwatch_stopped(struct hv_domain *dom, int id);
/* cb once the machine's connection is lost (its host stopped answering,
 * its daemon went away): from the event loop, or from inside a libvirt
 * call that found the loss, so cb only records it and never calls
 * libvirt. One watch per connection. HV_OK or HV_EFAIL. hv_unwatch_lost:
 * before the connection closes. */
int hv_watch_lost(struct hv_domain *dom, void (*cb)(void *arg), void *arg);
void hv_unwatch_lost(struct hv_domain *dom);
/* 1 while the machine is up (running, paused, ...), 0 once it is shut
 * off, crashed or gone (a transient domain), HV_EUNREACHABLE once its
 * host stopped answering, HV_EFAIL when libvirt cannot tell */
int hv_domain_alive(struct hv_domain *dom);

#endif
