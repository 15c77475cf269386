/*
 * test_session: session slots (session.h). A tenant gets exactly its
 * limit of slots at once; a slot comes back when its holder closes it or
 * dies (kill -9 included); tenants and accounts do not share slots; a
 * directory or slot file that is not what the rules say is refused. The
 * slot taken is the lowest free one, and the holder of any but the first
 * runs at a lower CPU priority.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "vmgate/session.h"

#define WHY	256
#define OTHER_UID 65534
#define OTHER_GID 65534
#define RACERS		3	/* requests that find the base missing at once */
#define RACE_ROUNDS	200
#define FULL_INODES	"16"	/* a tmpfs that is soon full */

/* a fresh sessions directory as the admin makes it (root's, 1733) */
static char *
fresh_base(void)
{
	char tmpl[] = "/tmp/vmgate-unit-XXXXXX";
	char *base;

	unit_mkdtemp(tmpl);
	if (chmod(tmpl, 0755) != 0 || asprintf(&base, "%s/sessions",
	    tmpl) < 0 || mkdir(base, 0700) != 0 ||
	    chmod(base, SESSION_DIR_MODE) != 0)
		abort();
	return base;
}

static int
take(const char *base, const char *tenant, unsigned limit, int *fd)
{
	char why[WHY];
	unsigned slot;

	return session_take(base, tenant, limit, fd, &slot, why, sizeof(why));
}

/* exactly limit slots; a closed one is free again at once */
static void
test_limit_exact(void **state)
{
	char *base = fresh_base();
	int fds[3], fd, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(take(base, "alice", 3, &fds[i]), SESSION_TAKEN);
		assert_true(fds[i] > STDERR_FILENO);
	}
	assert_int_equal(take(base, "alice", 3, &fd), SESSION_FULL);
	assert_int_equal(fd, -1);
	/* another tenant has slots of its own */
	assert_int_equal(take(base, "bob", 1, &fd), SESSION_TAKEN);
	close(fd);
	close(fds[1]);
	assert_int_equal(take(base, "alice", 3, &fd), SESSION_TAKEN);
	assert_int_equal(take(base, "alice", 3, &fds[1]), SESSION_FULL);
	close(fd);
	close(fds[0]);
	close(fds[2]);
	free(base);
}

/* limit 0: no limit, and nothing is made or even looked at */
static void
test_no_limit(void **state)
{
	int fd = 7;

	(void)state;
	assert_int_equal(take("/nonexistent/sessions", "alice", 0, &fd),
	    SESSION_TAKEN);
	assert_int_equal(fd, -1);
}

/* a holder killed with SIGKILL gives its slot back */
static void
test_kill_frees(void **state)
{
	char *base = fresh_base();
	int ready[2], fd, st;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		if (take(base, "alice", 1, &fd) != SESSION_TAKEN)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(take(base, "alice", 1, &fd), SESSION_FULL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_int_equal(take(base, "alice", 1, &fd), SESSION_TAKEN);
	close(fd);
	close(ready[0]);
	free(base);
}

/*
 * Root makes a missing base, and several requests may find it missing at
 * once: whichever makes it, each must go on to count in it, never be
 * refused because another made it first (its parent is made the same way).
 */
static void
test_missing_base_made_at_once(void **state)
{
	char tmpl[] = "/tmp/vmgate-unit-XXXXXX", base[512], why[WHY];
	int go[2], st, round, i, broken = 0, other = 0;
	pid_t pids[RACERS];

	(void)state;
	skip_unless_root("making the missing base (root only)");
	unit_mkdtemp(tmpl);
	assert_int_equal(chmod(tmpl, 0755), 0);
	for (round = 0; round < RACE_ROUNDS; round++) {
		snprintf(base, sizeof(base), "%s/%d/sessions", tmpl, round);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				unsigned slot;
				int fd, r;
				char c;

				close(go[1]);
				(void)!read(go[0], &c, 1);
				r = session_take(base, "alice", RACERS - 1, &fd,
				    &slot, why, sizeof(why));
				if (r == SESSION_BROKEN)
					fprintf(stderr, "broken: %s\n", why);
				_exit(-r);
			}
		}
		close(go[0]);
		close(go[1]);	/* all of them at once */
		for (i = 0; i < RACERS; i++) {
			assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
			assert_true(WIFEXITED(st));
			if (WEXITSTATUS(st) == -SESSION_BROKEN)
				broken++;
			else if (WEXITSTATUS(st) != -SESSION_TAKEN &&
			    WEXITSTATUS(st) != -SESSION_FULL)
				other++;
		}
	}
	assert_int_equal(broken, 0);
	assert_int_equal(other, 0);
}

/*
 * In a child, in a mount namespace of its own: base on a tmpfs of
 * FULL_INODES inodes (as /run is a size-limited tmpfs), filled up as any
 * account could fill it through the base. What cannot be made for lack
 * of space is uncounted (the request is served), never a refusal; what
 * exists still counts, and what is unsafe is still refused. The exit
 * status names the first step that failed (1: no tmpfs could be had).
 */
static int
full_tmpfs_child(const char *mnt)
{
	char base[512], path[600], why[WHY];
	unsigned slot;
	int held, fd, n;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=256k,nr_inodes=" FULL_INODES) != 0)
		return 1;
	snprintf(base, sizeof(base), "%s/sessions", mnt);
	if (mkdir(base, 0700) != 0 || chmod(base, SESSION_DIR_MODE) != 0 ||
	    take(base, "alice", 2, &held) != SESSION_TAKEN)
		return 2;
	/* every inode taken */
	for (n = 0; ; n++) {
		snprintf(path, sizeof(path), "%s/fill%d", base, n);
		if ((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) < 0)
			break;
		close(fd);
	}
	if (errno != ENOSPC)
		return 3;
	/* slot 1 cannot be made */
	if (session_take(base, "alice", 2, &fd, &slot, why,
	    sizeof(why)) != SESSION_UNCOUNTED || fd != -1 ||
	    strstr(why, "No space left on device") == NULL)
		return 4;
	/* bob's directory cannot be made */
	if (take(base, "bob", 1, &fd) != SESSION_UNCOUNTED)
		return 5;
	/* nor can a missing base, by root */
	snprintf(path, sizeof(path), "%s/sessions2", mnt);
	if (take(path, "alice", 1, &fd) != SESSION_UNCOUNTED)
		return 6;
	/* slot 0 exists: it still counts, full or not */
	if (take(base, "alice", 1, &fd) != SESSION_FULL)
		return 7;
	close(held);
	if (take(base, "alice", 2, &held) != SESSION_TAKEN)
		return 8;
	/* an unsafe directory is refused, full or not */
	snprintf(path, sizeof(path), "%s/%lu/alice", base,
	    (unsigned long)geteuid());
	if (chmod(path, 0755) != 0 ||
	    take(base, "alice", 2, &fd) != SESSION_BROKEN)
		return 9;
	return 0;
}

static void
test_full_filesystem_uncounted(void **state)
{
	char tmpl[] = "/tmp/vmgate-unit-XXXXXX";
	pid_t pid;
	int st;

	(void)state;
	skip_unless_root("a tmpfs of its own (mount namespace)");
	unit_mkdtemp(tmpl);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_tmpfs_child(tmpl));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 1)
		fail_msg("no tmpfs of its own: a mount namespace (unshare, "
		    "mount) is refused here");
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* the account's directories are its own, the slot fd close-on-exec */
static void
test_directories_made_private(void **state)
{
	char *base = fresh_base(), path[512];
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(take(base, "alice", 2, &fd), SESSION_TAKEN);
	snprintf(path, sizeof(path), "%s/%lu/alice/0", base,
	    (unsigned long)geteuid());
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	*strrchr(path, '/') = '\0';
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	/* the fd does not survive an exec unless asked for */
	assert_true((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
	free(base);
}

/* what is refused: each is SESSION_BROKEN, and no slot is given */
static void
test_unsafe_refused(void **state)
{
	char *base = fresh_base(), path[512], link[600], why[WHY];
	unsigned slot;
	int fd;

	(void)state;
	/* the base writable by others and not sticky */
	assert_int_equal(chmod(base, 0777), 0);
	assert_int_equal(session_take(base, "alice", 1, &fd, &slot, why,
	    sizeof(why)), SESSION_BROKEN);
	assert_non_null(strstr(why, "writable"));
	assert_int_equal(chmod(base, SESSION_DIR_MODE), 0);
	/* the base a symbolic link */
	snprintf(link, sizeof(link), "%s-link", base);
	assert_int_equal(symlink(base, link), 0);
	assert_int_equal(take(link, "alice", 1, &fd), SESSION_BROKEN);
	unlink(link);
	/* a missing base that cannot be made is told apart (the shell
	 * serves the request uncounted); a bad tenant name */
	snprintf(path, sizeof(path), "%s/no/such/sessions", base);
	assert_int_equal(take(path, "alice", 1, &fd), SESSION_UNCOUNTED);
	assert_int_equal(fd, -1);
	assert_int_equal(take(base, "../alice", 1, &fd), SESSION_BROKEN);
	/* the tenant's directory open to others */
	assert_int_equal(take(base, "alice", 1, &fd), SESSION_TAKEN);
	close(fd);
	snprintf(path, sizeof(path), "%s/%lu/alice", base,
	    (unsigned long)geteuid());
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(take(base, "alice", 1, &fd), SESSION_BROKEN);
	assert_int_equal(chmod(path, 0700), 0);
	/* a slot that is a symbolic link (to another tenant's slot) */
	snprintf(link, sizeof(link), "%s/0", path);
	assert_int_equal(unlink(link), 0);
	snprintf(path, sizeof(path), "%s/%lu/bob/0", base,
	    (unsigned long)geteuid());
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(take(base, "alice", 1, &fd), SESSION_BROKEN);
	assert_int_equal(fd, -1);
	free(base);
}

/*
 * Per-user accounts: another uid takes its own slots in the same base and
 * can neither take nor free ours (it cannot even open our directory).
 */
static void
test_other_account(void **state)
{
	char *base = fresh_base(), path[512];
	int mine, st;
	pid_t pid;

	(void)state;
	skip_unless_root("another account's slots (setuid)");
	assert_int_equal(take(base, "alice", 1, &mine), SESSION_TAKEN);
	snprintf(path, sizeof(path), "%s/0/alice/0", base);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (setgid(OTHER_GID) != 0 || setuid(OTHER_UID) != 0)
			_exit(10);
		/* our slot file is out of its reach */
		if (open(path, O_RDWR) >= 0 || errno != EACCES)
			_exit(11);
		/* its own pool, in a directory of its own */
		if (take(base, "alice", 1, &fd) != SESSION_TAKEN)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* ours is still held */
	assert_int_equal(take(base, "alice", 1, &st), SESSION_FULL);
	close(mine);
	free(base);
}

/*
 * The base is writable by every account, so one may make another uid's
 * directory first. That account's requests must neither count in a
 * directory it does not own nor be locked out: uncounted.
 */
static void
test_squatted_uid_dir_uncounted(void **state)
{
	char *base = fresh_base(), path[512], why[WHY];
	unsigned slot;
	int fd;

	(void)state;
	skip_unless_root("a directory of another account (chown)");
	snprintf(path, sizeof(path), "%s/%lu", base, (unsigned long)geteuid());
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(session_take(base, "alice", 1, &fd, &slot, why,
	    sizeof(why)), SESSION_UNCOUNTED);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(why, "not the account's own directory"));
	free(base);
}

/* the slot taken is the lowest free one, and says which */
static void
test_slot_reported(void **state)
{
	char *base = fresh_base(), why[WHY];
	unsigned slot, i;
	int fds[3], fd;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(session_take(base, "alice", 3, &fds[i], &slot,
		    why, sizeof(why)), SESSION_TAKEN);
		assert_int_equal(slot, i);
	}
	/* another tenant starts at its own first */
	assert_int_equal(session_take(base, "bob", 3, &fd, &slot, why,
	    sizeof(why)), SESSION_TAKEN);
	assert_int_equal(slot, 0);
	close(fd);
	/* a freed slot in the middle is the next one taken */
	close(fds[1]);
	assert_int_equal(session_take(base, "alice", 3, &fds[1], &slot, why,
	    sizeof(why)), SESSION_TAKEN);
	assert_int_equal(slot, 1);
	slot = 7;
	assert_int_equal(session_take(base, "alice", 3, &fd, &slot, why,
	    sizeof(why)), SESSION_FULL);
	assert_int_equal(slot, 0);
	/* no limit: nothing is counted, every request is a first */
	slot = 7;
	assert_int_equal(session_take(base, "alice", 0, &fd, &slot, why,
	    sizeof(why)), SESSION_TAKEN);
	assert_int_equal(slot, 0);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	free(base);
}

/*
 * A child that takes a slot of alice's and yields as a request does,
 * starting at nice start (unchanged when below ours): *nice_after is its
 * nice then (a child that failed sends nothing: -100). It holds the slot
 * until release is closed.
 */
static pid_t
holder(const char *base, int start, int release[2], int *nice_after)
{
	int report[2];
	pid_t pid;

	assert_int_equal(pipe(report), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned slot;
		char why[WHY], c;
		int fd, now;

		close(report[0]);
		close(release[1]);
		if (start > getpriority(PRIO_PROCESS, 0) &&
		    setpriority(PRIO_PROCESS, 0, start) != 0)
			_exit(1);
		if (session_take(base, "alice", 4, &fd, &slot, why,
		    sizeof(why)) != SESSION_TAKEN)
			_exit(2);
		session_yield(slot);
		errno = 0;
		now = getpriority(PRIO_PROCESS, 0);
		if (errno != 0 || write(report[1], &now, sizeof(now)) !=
		    (ssize_t)sizeof(now))
			_exit(3);
		(void)!read(release[0], &c, 1);
		_exit(0);
	}
	close(report[1]);
	if (read(report[0], nice_after, sizeof(*nice_after)) !=
	    (ssize_t)sizeof(*nice_after))
		*nice_after = -100;
	close(report[0]);
	return pid;
}

/*
 * The first holder keeps the priority it was started with; the second
 * and third run at SESSION_EXTRA_NICE; one already lower stays lower.
 */
static void
test_extra_slots_yield(void **state)
{
	char *base = fresh_base();
	int release[2], nice_of[4], start[4], ours, st, i;
	pid_t pids[4];

	(void)state;
	errno = 0;
	ours = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	assert_true(ours < SESSION_EXTRA_NICE);	/* else nothing to see */
	start[0] = ours;
	start[1] = ours;
	start[2] = ours;
	start[3] = SESSION_EXTRA_NICE + 5;
	assert_int_equal(pipe(release), 0);
	/* one after the other, so that the i-th holds slot i */
	for (i = 0; i < 4; i++)
		pids[i] = holder(base, start[i], release, &nice_of[i]);
	close(release[1]);
	for (i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	close(release[0]);
	assert_int_equal(nice_of[0], ours);
	assert_int_equal(nice_of[1], SESSION_EXTRA_NICE);
	assert_int_equal(nice_of[2], SESSION_EXTRA_NICE);
	assert_int_equal(nice_of[3], SESSION_EXTRA_NICE + 5);
	free(base);
}

/*
 * In a session of its own, a process that is not the leader (vmgate run
 * from a shell) yields only itself: the session's group keeps the nice
 * it had. Runs in the leader's child; exits 0 when it holds.
 */
static int
member_leaves_its_session_alone(int group)
{
	int st;
	pid_t pid;

	if ((pid = fork()) == 0) {
		session_yield(1);
		errno = 0;
		if (getpriority(PRIO_PROCESS, 0) != SESSION_EXTRA_NICE ||
		    errno != 0)
			_exit(1);
		_exit(session_autogroup_nice(0) == group ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st);
}

/*
 * A session leader (vmgate under sshd) lowers its session's autogroup as
 * well as its own nice; a first session changes neither. The test makes a
 * session of its own, so that it does not depend on the session it was
 * started in: a process that never left init's session reads an empty
 * /proc/self/autogroup even where the kernel has autogroup, and one where
 * the kernel has none (CONFIG_SCHED_AUTOGROUP unset, or
 * kernel.sched_autogroup_enabled = 0) reads none at all; the leader must
 * lower its own nice all the same.
 */
static void
test_extra_slot_yields_its_session(void **state)
{
	int st;
	pid_t pid;

	(void)state;
	errno = 0;
	assert_true(getpriority(PRIO_PROCESS, 0) < SESSION_EXTRA_NICE);
	assert_int_equal(errno, 0);
	if ((pid = fork()) == 0) {
		int group, start;

		if (setsid() < 0)
			_exit(10);
		/* 0 in a new session's group; -1 with no autogroup */
		group = session_autogroup_nice(0);
		if (group != 0 && group != -1)
			_exit(11);
		if (member_leaves_its_session_alone(group) != 0)
			_exit(12);
		errno = 0;
		start = getpriority(PRIO_PROCESS, 0);
		session_yield(0);	/* a first session: nothing changes */
		if (getpriority(PRIO_PROCESS, 0) != start ||
		    session_autogroup_nice(0) != group)
			_exit(13);
		session_yield(1);
		errno = 0;
		if (getpriority(PRIO_PROCESS, 0) != SESSION_EXTRA_NICE ||
		    errno != 0)
			_exit(14);
		if (session_autogroup_nice(0) !=
		    (group == -1 ? -1 : SESSION_EXTRA_NICE))
			_exit(15);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/*
 * Unprivileged, the kernel takes one autogroup change per tenth of a
 * second from the whole host (EAGAIN for the others): extra sessions that
 * start together, as in a flood, must each still lower their group.
 * Leaders of their own sessions, as sshd makes them, under an account
 * without CAP_SYS_ADMIN.
 */
static void
test_extra_sessions_at_once_all_yield(void **state)
{
	enum { LEADERS = 4 };
	int go[2], st, i;
	pid_t pids[LEADERS];
	char c;

	(void)state;
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < LEADERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] != 0)
			continue;
		close(go[1]);
		if (getuid() == 0 && (setgid(65534) != 0 ||
		    setuid(65534) != 0))
			_exit(10);
		/* /proc/self stays ours to write after the change of uid */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 || setsid() < 0)
			_exit(11);
		(void)!read(go[0], &c, 1);	/* all at once */
		session_yield(1);
		/* -1: a kernel without autogroup has no group to lower */
		_exit(session_autogroup_nice(0) == SESSION_EXTRA_NICE ||
		    session_autogroup_nice(0) == -1 ? 0 : 1);
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < LEADERS; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_exact),
		cmocka_unit_test(test_no_limit),
		cmocka_unit_test(test_kill_frees),
		cmocka_unit_test(test_missing_base_made_at_once),
		cmocka_unit_test(test_full_filesystem_uncounted),
		cmocka_unit_test(test_directories_made_private),
		cmocka_unit_test(test_unsafe_refused),
		cmocka_unit_test(test_other_account),
		cmocka_unit_test(test_squatted_uid_dir_uncounted),
		cmocka_unit_test(test_slot_reported),
		cmocka_unit_test(test_extra_slots_yield),
		cmocka_unit_test(test_extra_slot_yields_its_session),
		cmocka_unit_test(test_extra_sessions_at_once_all_yield),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
