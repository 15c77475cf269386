/*
 * deadline: one watching thread per process (see deadline.h). The lock
 * is held while fire runs and until _exit, so deadline_disarm from the
 * request's thread either wins (fire never runs) or never returns.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "vmgate/deadline.h"
#include "vmgate/util.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed;
static bool started;
static bool running;	/* the thread has begun waiting */
static bool armed;
static struct timespec due;	/* CLOCK_MONOTONIC */
static unsigned length;		/* seconds, as last armed */
static bool atfork_set;
static deadline_fn fire_fn;
static void *fire_arg;

/*
 * A child of fork has no thread of its own, whatever its parent had: it
 * starts afresh at its first arm, with a lock and a condition no other
 * thread can be holding.
 */
static void
forked(void)
{
	pthread_mutex_init(&lock, NULL);
	started = running = armed = false;
	fire_fn = NULL;
}

static bool
passed(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec ||
	    (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void *
watch(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&lock);
	running = true;
	pthread_cond_broadcast(&changed);
	for (;;) {
		if (!armed)
			pthread_cond_wait(&changed, &lock);
		else if (pthread_cond_timedwait(&changed, &lock, &due) ==
		    ETIMEDOUT && armed && passed(&due))
			_exit(fire_fn(fire_arg));	/* the lock stays held */
	}
	return NULL;
}

/*
 * The thread takes no signal (thread_detached). start returns once the
 * thread waits, so that its own setting up is over before the request
 * goes on: libvirt may fork to run a command, and a child forked while
 * another thread is half set up (under a sanitizer, holding its
 * allocator's lock) can hang for good.
 */
static int
start(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&changed, &ca);
	pthread_condattr_destroy(&ca);
	if (thread_detached(watch, NULL) != 0) {
		pthread_cond_destroy(&changed);
		return -1;
	}
	if (!atfork_set)
		atfork_set = pthread_atfork(NULL, NULL, forked) == 0;
	started = true;
	while (!running)
		pthread_cond_wait(&changed, &lock);
	return 0;
}

/* under lock, the thread started: due length seconds from now */
static void
arm_locked(void)
{
	clock_gettime(CLOCK_MONOTONIC, &due);
	due.tv_sec += length;
	armed = true;
	pthread_cond_signal(&changed);
}

int
deadline_arm(unsigned seconds, deadline_fn fire, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (!started && start() != 0)
		rc = -1;
	else {
		length = seconds;
		fire_fn = fire;
		fire_arg = arg;
		arm_locked();
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int
deadline_resume(void)
{
	int rc = -1;

	pthread_mutex_lock(&lock);
	if (fire_fn != NULL) {
		arm_locked();
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void
deadline_disarm(void)
{
	pthread_mutex_lock(&lock);
	if (armed) {
		armed = false;
		pthread_cond_signal(&changed);
	}
	pthread_mutex_unlock(&lock);
}
