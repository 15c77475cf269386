/*
 * flood: one round of make bench's flood (tests/bench/sessions.sh).
 *
 *     flood VMGATE CONFIG GUEST N [CGROUP_A CGROUP_B]
 *     flood --noop VMGATE CONFIG GUEST N [CGROUP_A CGROUP_B]
 *
 * Tenant quiet's "status GUEST" and N requests of tenant flooder are
 * forked first and held at a barrier, then released together; quiet's
 * request is timed from the release to its end (N = 0: quiet alone).
 * With --noop the flood is N processes that start and exit at once
 * (this program itself, re-executed), not vmgate: what N process starts
 * cost on the machine before any code of vmgate runs.
 *
 * Every request runs in a session of its own, as sshd starts each login.
 *
 * With CGROUP_A and CGROUP_B (directories of a cpu cgroup, v1 or v2)
 * each side joins its own group before the barrier, as each user of the
 * per-user account model runs in its own slice under systemd.
 *
 * What sshd passes besides the command, when set in the environment:
 * SSH_CONNECTION to every request, and as SSH_USER_AUTH the file named
 * by FLOOD_USER_AUTH to the flood's and by QUIET_USER_AUTH to quiet's
 * (ExposeAuthInfo: the key each tenant logged in with).
 *
 * Prints "MICROSECONDS REFUSED", REFUSED being how many of the flood
 * exited 75 (the session limit). Exits 1 if quiet's status did not
 * answer "state: running".
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EX_TEMPFAIL	75
#define MAX_FLOOD	1000
#define NOOP_ARG	"--noop-child"

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void
join_cgroup(const char *dir)
{
	char path[4096];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if ((f = fopen(path, "w")) == NULL ||
	    fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		fprintf(stderr, "flood: cannot join %s: %s\n", dir,
		    strerror(errno));
		_exit(126);
	}
}

/*
 * A child: join its group, wait at the barrier (EOF on gate), then run
 * argv with stdin and stderr on /dev/null and stdout on out (or
 * /dev/null when out < 0).
 */
static pid_t
spawn_held(const char *cgroup, int gate_r, int gate_w, int out,
    char **argv, char **env)
{
	pid_t pid;
	char c;
	int null;

	if ((pid = fork()) != 0)
		return pid;
	join_cgroup(cgroup);
	/* a session of its own, as sshd gives every login: with the kernel's
	 * autogroup, CPU is shared between sessions */
	if (setsid() < 0)
		_exit(126);
	close(gate_w);
	while (read(gate_r, &c, 1) < 0 && errno == EINTR)
		;
	if ((null = open("/dev/null", O_RDWR)) < 0 || dup2(null, 0) < 0 ||
	    dup2(out >= 0 ? out : null, 1) < 0 || dup2(null, 2) < 0)
		_exit(127);
	execve(argv[0], argv, env);
	_exit(127);
}

/*
 * env's free slots (from its third) get what sshd would pass: SSH_USER_AUTH
 * from the variable authvar names, SSH_CONNECTION as given; each when set.
 */
static void
add_sshd_env(char **env, char *auth, size_t authlen, const char *authvar,
    char *from, size_t fromlen)
{
	size_t k = 2;

	if (getenv(authvar) != NULL) {
		snprintf(auth, authlen, "SSH_USER_AUTH=%s", getenv(authvar));
		env[k++] = auth;
	}
	if (getenv("SSH_CONNECTION") != NULL) {
		snprintf(from, fromlen, "SSH_CONNECTION=%s",
		    getenv("SSH_CONNECTION"));
		env[k++] = from;
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: flood [--noop] VMGATE CONFIG GUEST N "
	    "[CGROUP_A CGROUP_B]\n");
	return 64;
}

int
main(int argc, char **argv)
{
	static pid_t flood[MAX_FLOOD];
	char request[256], self[4096], buf[4096], chunk[4096];
	char auth_a[4200], auth_b[4200], from[256];
	char *env_a[] = { request, "PATH=/usr/bin:/bin", NULL, NULL, NULL };
	char *env_b[] = { request, "PATH=/usr/bin:/bin", NULL, NULL, NULL };
	char *quiet_argv[6], *flood_argv[6], *noop_argv[] = { self, NOOP_ARG,
	    NULL };
	const char *cg_a = NULL, *cg_b = NULL;
	int noop = 0, n, i, gate[2], out[2], status, refused = 0;
	size_t len = 0;
	ssize_t got, k;
	long long t0, t1;
	pid_t quiet;

	if (argc == 2 && strcmp(argv[1], NOOP_ARG) == 0)
		return EX_TEMPFAIL;
	if (argc > 1 && strcmp(argv[1], "--noop") == 0) {
		noop = 1;
		argv++;
		argc--;
	}
	if (argc != 5 && argc != 7)
		return usage();
	n = atoi(argv[4]);
	if (n < 0 || n > MAX_FLOOD)
		return usage();
	if (argc == 7) {
		cg_a = argv[5];
		cg_b = argv[6];
	}
	if ((k = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0)
		return 1;
	self[k] = '\0';
	snprintf(request, sizeof(request), "SSH_ORIGINAL_COMMAND=status %s",
	    argv[3]);
	add_sshd_env(env_a, auth_a, sizeof(auth_a), "FLOOD_USER_AUTH", from,
	    sizeof(from));
	add_sshd_env(env_b, auth_b, sizeof(auth_b), "QUIET_USER_AUTH", from,
	    sizeof(from));
	quiet_argv[0] = flood_argv[0] = argv[1];
	quiet_argv[1] = flood_argv[1] = "-f";
	quiet_argv[2] = flood_argv[2] = argv[2];
	quiet_argv[3] = flood_argv[3] = "--tenant";
	quiet_argv[4] = "quiet";
	flood_argv[4] = "flooder";
	quiet_argv[5] = flood_argv[5] = NULL;

	if (pipe2(gate, O_CLOEXEC) != 0)
		return 1;
	for (i = 0; i < n; i++)
		if ((flood[i] = spawn_held(cg_a, gate[0], gate[1], -1,
		    noop ? noop_argv : flood_argv, env_a)) < 0)
			return 1;
	/* made after the flood: none of it may hold quiet's output open,
	 * or its end would wait for the whole flood */
	if (pipe2(out, O_CLOEXEC) != 0)
		return 1;
	if ((quiet = spawn_held(cg_b, gate[0], gate[1], out[1], quiet_argv,
	    env_b)) < 0)
		return 1;
	close(gate[0]);
	close(out[1]);

	t0 = now_us();
	close(gate[1]);			/* all of them at once */
	while ((got = read(out[0], chunk, sizeof(chunk))) > 0) {
		k = (ssize_t)(sizeof(buf) - 1 - len);
		if (got < k)
			k = got;
		memcpy(buf + len, chunk, (size_t)k);
		len += (size_t)k;
	}
	buf[len] = '\0';
	if (waitpid(quiet, &status, 0) != quiet)
		return 1;
	t1 = now_us();

	for (i = 0; i < n; i++) {
		int s;

		if (waitpid(flood[i], &s, 0) == flood[i] && WIFEXITED(s) &&
		    WEXITSTATUS(s) == EX_TEMPFAIL)
			refused++;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strstr(buf, "state: running") == NULL) {
		fprintf(stderr, "flood: quiet's status failed (status %d)\n",
		    status);
		return 1;
	}
	printf("%lld %d\n", t1 - t0, refused);
	return 0;
}
