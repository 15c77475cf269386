/*
 * test_hypervisor_threads: connections when vmgate cannot start a thread
 * (the account's process limit reached). This program is linked with
 * -Wl,--wrap=pthread_create, so every thread vmgate's own code starts
 * goes through __wrap_pthread_create below, which fails once the allowance
 * is spent; libvirt's threads are its own and unaffected.
 *
 * A host elsewhere is watched with keepalive, run by a thread of the
 * hypervisor module's, and its open is bounded by another: without
 * either, a host that froze would hold the request for good, so it is
 * not asked at all. The host here is a socket that the kernel accepts on
 * and nobody answers, a frozen node: asked anyway, the request would hang
 * (the alarm turns that into a failure). The local daemon is asked as
 * before.
 *
 * The event-loop thread, once started, serves the rest of the process:
 * the tests that need it not started come first, in main's order.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "vmgate/hypervisor.h"

#define NODE_URI	"test://" TEST_DATA "/node.xml"
#define HANG_ALARM_S	(HV_CONNECT_TIMEOUT_MS / 1000 + 30)

/* pthread_create calls that may still succeed; -1: every one */
static int threads_left = -1;

int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
    void *(*fn)(void *), void *arg);

int
__wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr,
    void *(*fn)(void *), void *arg)
{
	if (threads_left == 0)
		return EAGAIN;
	if (threads_left > 0)
		threads_left--;
	return __real_pthread_create(t, attr, fn, arg);
}

/* a frozen node: a loopback port the kernel accepts on, nobody answers */
struct frozen_node {
	int fd;
	char uri[64];
};

static void
frozen_node_open(struct frozen_node *n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(n->fd >= 0);
	assert_int_equal(bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(n->fd, 8), 0);
	assert_int_equal(getsockname(n->fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(n->uri, sizeof(n->uri), "qemu+tcp://127.0.0.1:%d/system",
	    ntohs(sa.sin_port));
}

/* whether anyone connected to it */
static bool
frozen_node_contacted(const struct frozen_node *n)
{
	struct pollfd p = { .fd = n->fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * With only `allowed` more threads for vmgate, the node is refused as
 * unreachable without being asked, and why is the log's text.
 */
static void
refused_without_thread(int allowed, const char *why)
{
	struct frozen_node n;
	struct hv *hv = hv_new();
	int err = 1;

	frozen_node_open(&n);
	threads_left = allowed;
	alarm(HANG_ALARM_S);
	assert_int_equal(hv_connect(hv, n.uri), HV_EUNREACHABLE);
	assert_null(hv_lookup(hv, n.uri, "web1", &err));
	alarm(0);
	threads_left = -1;
	assert_int_equal(err, HV_EUNREACHABLE);
	assert_string_equal(hv_last_error(hv), why);
	assert_false(frozen_node_contacted(&n));
	close(n.fd);
	hv_free(hv);
}

/* no thread at all: the local daemon still answers */
static void
test_local_needs_no_thread(void **state)
{
	struct hv *hv = hv_new();
	struct hv_domain *d;
	enum hv_state s = HV_STATE_NOSTATE;
	int err = 1;

	(void)state;
	threads_left = 0;
	assert_int_equal(hv_connect(hv, NODE_URI), HV_OK);
	d = hv_lookup(hv, NODE_URI, "web1", &err);
	threads_left = -1;
	assert_non_null(d);
	assert_int_equal(err, HV_OK);
	assert_int_equal(hv_get_state(d, &s), HV_OK);
	assert_int_equal(s, HV_STATE_RUNNING);
	hv_domain_free(d);
	hv_free(hv);
}

/* no thread for the event loop, so none for keepalive */
static void
test_node_refused_without_the_keepalive_thread(void **state)
{
	(void)state;
	refused_without_thread(0, "cannot start the event loop thread");
}

/* the loop's thread starts, the one that bounds the open does not */
static void
test_node_refused_without_a_thread_to_connect(void **state)
{
	(void)state;
	refused_without_thread(1, "cannot start a thread to connect");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_needs_no_thread),
		cmocka_unit_test(test_node_refused_without_the_keepalive_thread),
		cmocka_unit_test(test_node_refused_without_a_thread_to_connect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
