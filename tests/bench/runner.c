/*
 * runner: times commands side by side. Each round runs every case once,
 * in turn, so a slow moment of the machine hits all cases alike; the
 * first WARMUP rounds are not counted. For each case it prints
 *
 *     LABEL MEDIAN_MS MIN_MS PEAK_RSS_KIB
 *
 * The wall time is fork to wait4; the peak RSS is wait4's ru_maxrss of
 * the child. A case that exits non-zero stops the run (exit 1): a
 * benchmark of a failing command measures nothing.
 *
 *     runner ROUNDS WARMUP LABEL [VAR=VALUE...] PROG ARG... ';;' LABEL ...
 *
 * The children get an environment of PATH and the VAR=VALUE words only;
 * stdin, stdout and stderr are /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES	32
#define MAX_ROUNDS	1000
#define MAX_ENV		8
#define CHILD_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct bench_case {
	const char *label;
	char *env[MAX_ENV + 2];
	char **argv;
	double ms[MAX_ROUNDS];
	long rss_kib;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
run_once(struct bench_case *c, double *ms)
{
	struct rusage ru;
	double t0;
	pid_t pid;
	int status, fd, err;

	t0 = now_ms();
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		/* the runner's stderr survives for a failed execve only */
		err = fcntl(2, F_DUPFD_CLOEXEC, 3);
		fd = open("/dev/null", O_RDWR);
		if (fd == -1 || dup2(fd, 0) == -1 || dup2(fd, 1) == -1 ||
		    dup2(fd, 2) == -1)
			_exit(127);
		execve(c->argv[0], c->argv, c->env);
		dprintf(err, "runner: %s: cannot run %s: %s\n", c->label,
		    c->argv[0], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	*ms = now_ms() - t0;
	if (ru.ru_maxrss > c->rss_kib)
		c->rss_kib = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "runner: %s: exit status %d\n", c->label,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct bench_case cases[MAX_CASES];
	size_t ncases = 0, i, nenv;
	int rounds, warmup, r, a = 3;
	double ms;

	if (argc < 5)
		goto usage;
	rounds = atoi(argv[1]);
	warmup = atoi(argv[2]);
	if (rounds < 1 || rounds > MAX_ROUNDS || warmup < 0)
		goto usage;
	while (a < argc) {
		struct bench_case *c = &cases[ncases];

		if (ncases == MAX_CASES)
			goto usage;
		c->label = argv[a++];
		c->env[0] = CHILD_PATH;
		for (nenv = 1; a < argc && strchr(argv[a], '=') != NULL &&
		    argv[a][0] != '/'; a++) {
			if (nenv > MAX_ENV)
				goto usage;
			c->env[nenv++] = argv[a];
		}
		c->env[nenv] = NULL;
		if (a >= argc)
			goto usage;
		c->argv = argv + a;
		while (a < argc && strcmp(argv[a], ";;") != 0)
			a++;
		if (a < argc)
			argv[a++] = NULL;
		ncases++;
	}
	for (r = 0; r < warmup + rounds; r++) {
		for (i = 0; i < ncases; i++) {
			if (run_once(&cases[i], &ms) != 0)
				return 1;
			if (r >= warmup)
				cases[i].ms[r - warmup] = ms;
		}
	}
	for (i = 0; i < ncases; i++) {
		qsort(cases[i].ms, (size_t)rounds, sizeof(double), cmp_double);
		printf("%s %.3f %.3f %ld\n", cases[i].label,
		    rounds % 2 ? cases[i].ms[rounds / 2] :
		    (cases[i].ms[rounds / 2 - 1] + cases[i].ms[rounds / 2]) / 2,
		    cases[i].ms[0], cases[i].rss_kib);
	}
	return 0;
 usage:
	fprintf(stderr, "usage: runner ROUNDS WARMUP LABEL [VAR=VALUE...] "
	    "PROG ARG... ';;' LABEL ...\n");
	return 64;
}
