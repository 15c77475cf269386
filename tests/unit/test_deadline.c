/*
 * test_deadline: the bound on a request's wait (deadline.h). Once armed
 * and not disarmed in time, the deadline runs its function and ends the
 * process with the status that function returns, whatever the request's
 * thread is doing; disarmed, or armed again further off, it does nothing.
 * Each case runs in a child, since a deadline that fires ends its process.
 */
#include "unit.h"

#include <signal.h>
#include <sys/wait.h>

#include "vmgate/deadline.h"

#define FIRED	42	/* the exit status fire returns */
#define NEVER_S	30	/* far beyond any case's own time */

static int fired_fd = -1;	/* fire writes one byte here */

static int
fire(void *arg)
{
	char c = *(const char *)arg;

	(void)!write(fired_fd, &c, 1);
	return FIRED;
}

/* run body in a child; its exit status; *mark: the byte fire wrote, or 0 */
static int
in_child(void (*body)(void), char *mark)
{
	int p[2], st;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fired_fd = p[1];
		body();
		_exit(0);
	}
	close(p[1]);
	*mark = 0;
	if (read(p[0], mark, 1) != 1)
		*mark = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* a wait that outlasts the deadline, in a call that knows nothing of it */
static void
armed_then_stuck(void)
{
	static const char arg = 'f';
	sigset_t none;

	assert_int_equal(deadline_arm(1, fire, (void *)&arg), 0);
	sigemptyset(&none);
	/* a stand-in for a libvirt call that never returns */
	(void)sigsuspend(&none);
	_exit(1);
}

static void
test_fires_and_ends(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(armed_then_stuck, &mark), FIRED);
	assert_int_equal(mark, 'f');
}

static void
disarmed_in_time(void)
{
	static const char arg = 'x';

	assert_int_equal(deadline_arm(1, fire, (void *)&arg), 0);
	deadline_disarm();
	sleep(2);
}

static void
test_disarmed_never_fires(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(disarmed_in_time, &mark), 0);
	assert_int_equal(mark, 0);
}

/* armed again further off: the first time no longer counts */
static void
rearmed_later(void)
{
	static const char arg = 'r';

	assert_int_equal(deadline_arm(1, fire, (void *)&arg), 0);
	assert_int_equal(deadline_arm(NEVER_S, fire, (void *)&arg), 0);
	sleep(2);
	deadline_disarm();
}

static void
test_rearm_moves_it(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(rearmed_later, &mark), 0);
	assert_int_equal(mark, 0);
}

/* disarmed, then armed again: it fires on the new time */
static void
disarmed_then_armed(void)
{
	static const char arg = 'a';
	sigset_t none;

	assert_int_equal(deadline_arm(NEVER_S, fire, (void *)&arg), 0);
	deadline_disarm();
	assert_int_equal(deadline_arm(1, fire, (void *)&arg), 0);
	sigemptyset(&none);
	(void)sigsuspend(&none);
	_exit(1);
}

static void
test_armed_again_fires(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(disarmed_then_armed, &mark), FIRED);
	assert_int_equal(mark, 'a');
}

/* disarmed while the request writes, resumed for its next wait on
 * libvirt: the same function fires, on the time from the resume */
static void
disarmed_then_resumed(void)
{
	static const char arg = 's';
	sigset_t none;

	assert_int_equal(deadline_arm(1, fire, (void *)&arg), 0);
	deadline_disarm();
	sleep(2);		/* past the first time: it does not count */
	assert_int_equal(deadline_resume(), 0);
	sigemptyset(&none);
	(void)sigsuspend(&none);
	_exit(1);
}

static void
test_resume_fires_again(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(disarmed_then_resumed, &mark), FIRED);
	assert_int_equal(mark, 's');
}

/* nothing was ever armed: nothing to resume, nothing fires */
static void
resumed_unarmed(void)
{
	assert_int_equal(deadline_resume(), -1);
	sleep(2);
}

static void
test_resume_without_arm(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(resumed_unarmed, &mark), 0);
	assert_int_equal(mark, 0);
}

/* a child forked once the parent's thread runs has none of its own: it
 * must get one when it arms (a stuck child is ended by SIGALRM) */
static void
armed_in_forked_child(void)
{
	static const char arg = 'k';
	sigset_t none;
	pid_t pid;
	int st;

	assert_int_equal(deadline_arm(NEVER_S, fire, (void *)&arg), 0);
	deadline_disarm();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(NEVER_S / 3);
		if (deadline_arm(1, fire, (void *)&arg) != 0)
			_exit(1);
		sigemptyset(&none);
		(void)sigsuspend(&none);
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 2);
}

static void
test_forked_child_fires(void **state)
{
	char mark;

	(void)state;
	assert_int_equal(in_child(armed_in_forked_child, &mark), FIRED);
	assert_int_equal(mark, 'k');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_and_ends),
		cmocka_unit_test(test_disarmed_never_fires),
		cmocka_unit_test(test_rearm_moves_it),
		cmocka_unit_test(test_armed_again_fires),
		cmocka_unit_test(test_resume_fires_again),
		cmocka_unit_test(test_resume_without_arm),
		cmocka_unit_test(test_forked_child_fires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
