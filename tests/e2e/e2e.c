/*
 * e2e.c: the shared end-to-end helpers declared in e2e.h: running
 * commands (plain and on a pty), temp files, and guests on the real
 * libvirtd. Test code only; never linked into vmgate.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "e2e.h"
#include "vmgate/session.h"	/* SESSION_DIR */

#define E2E_CHUNK	4096
#define E2E_POLL_MS	20	/* granularity of waits on a child */
#define E2E_RMTREE_FDS	16
#define E2E_STACK_MS	120000	/* stack.sh may start libvirtd and boot a guest */

long long
e2e_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
remaining_ms(long long deadline)
{
	long long left = deadline - e2e_now_ms();

	return left < 0 ? 0 : (int)left;
}

static void
die(const char *what)
{
	fprintf(stderr, "e2e: %s: %s\n", what, strerror(errno));
	abort();
}

static int
decode_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

void
e2e_skip_unless_root(void)
{
	if (geteuid() != 0)
		skip();
}

bool
e2e_need_root(const char *suite)
{
	static bool told;

	if (geteuid() == 0)
		return true;
	if (!told) {
		fprintf(stderr, "\n%s: ****************************************\n"
		    "%s: SKIPPED: needs root (real libvirtd, QEMU, sshd)\n"
		    "%s: ****************************************\n\n",
		    suite, suite, suite);
		told = true;
	}
	return false;
}

/* append what fd has to *buf (cut at E2E_OUT_MAX); 0 at EOF, 1 otherwise */
static int
slurp(int fd, char **buf, size_t *len, size_t *cap)
{
	char chunk[E2E_CHUNK];
	ssize_t n;

	n = read(fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;	/* EOF, or EIO on a pty whose slave closed */
	if (*len + (size_t)n + 1 > *cap) {
		size_t ncap = *cap ? *cap : E2E_CHUNK;

		while (*len + (size_t)n + 1 > ncap)
			ncap *= 2;
		if (ncap > E2E_OUT_MAX + E2E_CHUNK + 1)
			ncap = E2E_OUT_MAX + E2E_CHUNK + 1;
		if ((*buf = realloc(*buf, ncap)) == NULL)
			die("realloc");
		*cap = ncap;
	}
	if (*len < E2E_OUT_MAX) {
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	(*buf)[*len] = '\0';
	return 1;
}

static void
reset_child_signals(void)
{
	sigset_t none;
	int sig;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
}

int
e2e_run(const char *const argv[], const char *const envp[], const char *in,
    int timeout_ms, struct e2e_result *res)
{
	static const char *const empty_env[] = { NULL };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	size_t out_cap = 0, err_cap = 0, in_off = 0, in_len;
	bool out_open = true, err_open = true;
	long long deadline;
	int wstatus = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	in_len = in != NULL ? strlen(in) : 0;
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    pipe2(inp, O_CLOEXEC) != 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		reset_child_signals();
		setsid();
		dup2(in != NULL ? inp[0] : devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execve(argv[0], (char *const *)argv,
		    (char *const *)(envp != NULL ? envp : empty_env));
		fprintf(stderr, "e2e: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	close(inp[0]);
	if (in == NULL || in_len == 0) {
		close(inp[1]);
		inp[1] = -1;
	} else
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);

	deadline = e2e_now_ms() + timeout_ms;
	while (out_open || err_open) {
		struct pollfd pfd[3] = {
			{ out_open ? outp[0] : -1, POLLIN, 0 },
			{ err_open ? errp[0] : -1, POLLIN, 0 },
			{ inp[1], POLLOUT, 0 },
		};
		int left = remaining_ms(deadline);

		if (left == 0) {
			res->timed_out = true;
			break;
		}
		if (poll(pfd, 3, left) < 0 && errno != EINTR)
			die("poll");
		if (pfd[0].revents)
			out_open = slurp(outp[0], &res->out, &res->out_len, &out_cap);
		if (pfd[1].revents)
			err_open = slurp(errp[0], &res->err, &res->err_len, &err_cap);
		if (pfd[2].revents) {
			ssize_t n = write(inp[1], in + in_off, in_len - in_off);

			if (n > 0)
				in_off += (size_t)n;
			if (n < 0 || in_off == in_len) {
				close(inp[1]);
				inp[1] = -1;
			}
		}
	}
	/* output closed: the child is exiting, or it handed its fds on */
	while (!res->timed_out) {
		pid_t r = waitpid(pid, &wstatus, WNOHANG);

		if (r == pid)
			break;
		if (remaining_ms(deadline) == 0)
			res->timed_out = true;
		else
			usleep(E2E_POLL_MS * 1000);
	}
	if (res->timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
	}
	res->status = decode_status(wstatus);
	close(outp[0]);
	close(errp[0]);
	if (inp[1] >= 0)
		close(inp[1]);
	if (res->out == NULL)
		res->out = strdup("");
	if (res->err == NULL)
		res->err = strdup("");
	if (res->out == NULL || res->err == NULL)
		die("strdup");
	return res->timed_out ? -1 : 0;
}

void
e2e_result_free(struct e2e_result *res)
{
	if (res == NULL)
		return;
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

int
e2e_pty_spawn(struct e2e_pty *p, const char *const argv[],
    const char *const envp[])
{
	static const char *const empty_env[] = { NULL };
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->master = -1;
	p->status = -1;
	pid = forkpty(&master, p->slave, NULL, &ws);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		reset_child_signals();
		execve(argv[0], (char *const *)argv,
		    (char *const *)(envp != NULL ? envp : empty_env));
		fprintf(stderr, "e2e: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(master, F_SETFL, O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	p->pid = pid;
	p->sid = pid;		/* forkpty made it a session leader */
	p->master = master;
	p->cap = E2E_CHUNK;
	if ((p->buf = calloc(1, p->cap)) == NULL)
		die("calloc");
	return 0;
}

/* read once, waiting up to timeout_ms; -1 at EOF */
static int
pty_read(struct e2e_pty *p, int timeout_ms)
{
	struct pollfd pfd = { p->master, POLLIN, 0 };

	if (p->master < 0)
		return -1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return slurp(p->master, &p->buf, &p->len, &p->cap) ? 0 : -1;
}

int
e2e_pty_expect(struct e2e_pty *p, const char *pattern, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	size_t plen = strlen(pattern);

	for (;;) {
		char *hit = memmem(p->buf + p->seen, p->len - p->seen,
		    pattern, plen);

		if (hit != NULL) {
			p->seen = (size_t)(hit - p->buf) + plen;
			return 0;
		}
		if (remaining_ms(deadline) == 0)
			return -1;
		if (pty_read(p, remaining_ms(deadline)) < 0) {
			/* EOF: one last look at what is there */
			hit = memmem(p->buf + p->seen, p->len - p->seen,
			    pattern, plen);
			if (hit == NULL)
				return -1;
			p->seen = (size_t)(hit - p->buf) + plen;
			return 0;
		}
	}
}

void
e2e_pty_drain(struct e2e_pty *p, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;

	while (remaining_ms(deadline) > 0 &&
	    pty_read(p, remaining_ms(deadline)) == 0)
		;
}

int
e2e_pty_write(struct e2e_pty *p, const void *data, size_t len)
{
	const char *d = data;
	long long deadline = e2e_now_ms() + E2E_TIMEOUT_MS;

	while (len > 0) {
		ssize_t n;

		if (p->master < 0)
			return -1;
		n = write(p->master, d, len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			d += n;
			len -= (size_t)n;
			continue;
		}
		if (remaining_ms(deadline) == 0)
			return -1;
		pty_read(p, E2E_POLL_MS);	/* let the other side move */
	}
	return 0;
}

int
e2e_pty_termios(struct e2e_pty *p, struct termios *t)
{
	/* on Linux the master reports the slave's (the program's) mode */
	if (p->master < 0)
		return -1;
	return tcgetattr(p->master, t);
}

bool
e2e_termios_cooked(const struct termios *t)
{
	return (t->c_lflag & (ECHO | ICANON)) == (ECHO | ICANON);
}

int
e2e_pty_wait(struct e2e_pty *p, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	int wstatus;

	if (p->pid < 0)
		return 0;
	for (;;) {
		pid_t r = waitpid(p->pid, &wstatus, WNOHANG);

		if (r == p->pid) {
			p->status = decode_status(wstatus);
			p->pid = -1;
			/* what it printed last is still in the pty */
			if (p->master >= 0)
				while (pty_read(p, 0) == 0 &&
				    poll(&(struct pollfd){ p->master, POLLIN, 0 },
				    1, 0) > 0)
					;
			return 0;
		}
		if (remaining_ms(deadline) == 0)
			return -1;
		if (p->master < 0 || pty_read(p, E2E_POLL_MS) < 0)
			usleep(E2E_POLL_MS * 1000);
	}
}

void
e2e_pty_hangup(struct e2e_pty *p)
{
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
}

int
e2e_pty_procs(const struct e2e_pty *p)
{
	struct dirent *de;
	DIR *d;
	int count = 0;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[300], line[1024], *rp;
		long sid;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* pid (comm) state ppid pgrp session ...; comm may hold ')' */
		if (fgets(line, sizeof(line), f) != NULL &&
		    (rp = strrchr(line, ')')) != NULL &&
		    sscanf(rp + 2, "%*c %*d %*d %ld", &sid) == 1 &&
		    sid == (long)p->sid)
			count++;
		fclose(f);
	}
	closedir(d);
	return count;
}

void
e2e_pty_free(struct e2e_pty *p)
{
	if (p->pid > 0) {
		int wstatus;

		kill(p->pid, SIGKILL);
		waitpid(p->pid, &wstatus, 0);
		p->pid = -1;
	}
	e2e_pty_hangup(p);
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = p->seen = 0;
}

char *
e2e_tmpdir(const char *tag)
{
	char *dir;

	if (asprintf(&dir, "/tmp/vmgate-e2e-%s-XXXXXX", tag) < 0)
		die("asprintf");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	return dir;
}

char *
e2e_write_file(const char *dir, const char *name, const char *text,
    mode_t mode)
{
	char *path = NULL;
	size_t len = strlen(text);
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		die("asprintf");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, mode) != 0) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

char *
e2e_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;

	if (f == NULL)
		return NULL;
	/* NUL is not in the files read here: all of it, up to EOF */
	if (getdelim(&buf, &cap, '\0', f) == -1) {
		free(buf);
		buf = ferror(f) ? NULL : strdup("");	/* empty */
	}
	fclose(f);
	return buf;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* best effort: a leftover in /tmp must not fail a test */
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

void
e2e_rmtree(const char *dir)
{
	if (dir == NULL || strncmp(dir, "/tmp/", 5) != 0)
		return;		/* never anything outside /tmp */
	nftw(dir, rm_one, E2E_RMTREE_FDS, FTW_DEPTH | FTW_PHYS);
}

int
e2e_lock(const char *name, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	char path[256];
	int fd;

	mkdir("/run/vmgate-e2e", 0755);
	snprintf(path, sizeof(path), "/run/vmgate-e2e/%s.lock", name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK || remaining_ms(deadline) == 0) {
			close(fd);
			return -1;
		}
		usleep(E2E_POLL_MS * 10 * 1000);
	}
	return fd;
}

void
e2e_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the flock */
}

static int
stack_cmd(const char *const argv[])
{
	static const char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	struct e2e_result r;
	int rc;

	rc = e2e_run(argv, env, NULL, E2E_STACK_MS, &r);
	if (rc != 0 || r.status != 0) {
		fprintf(stderr, "e2e: %s %s failed (%d):\n%s%s", E2E_STACK,
		    argv[2], r.status, r.out, r.err);
		rc = -1;
	}
	e2e_result_free(&r);
	return rc;
}

int
e2e_stack_up(void)
{
	const char *const argv[] = { "/bin/sh", E2E_STACK, "up", NULL };

	return stack_cmd(argv);
}

int
e2e_guest(const char *name, int spice_port)
{
	char port[16];
	const char *const argv[] = {
		"/bin/sh", E2E_STACK, "guest", name, port, NULL
	};

	snprintf(port, sizeof(port), "%d", spice_port);
	return stack_cmd(argv);
}

int
e2e_transient_guest(const char *name, int spice_port)
{
	char port[16];
	const char *const argv[] = {
		"/bin/sh", E2E_STACK, "transient", name, port, NULL
	};

	snprintf(port, sizeof(port), "%d", spice_port);
	return stack_cmd(argv);
}

int
e2e_menu_guest(const char *name, int spice_port)
{
	char port[16];
	const char *const argv[] = {
		"/bin/sh", E2E_STACK, "menuguest", name, port, NULL
	};

	snprintf(port, sizeof(port), "%d", spice_port);
	return stack_cmd(argv);
}

int
e2e_rmguest(const char *name)
{
	const char *const argv[] = {
		"/bin/sh", E2E_STACK, "rmguest", name, NULL
	};

	return stack_cmd(argv);
}

/* run a system tool with PATH set, output to stderr only on failure */
static int
tool(const char *const argv[])
{
	static const char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	struct e2e_result r;
	int rc;

	rc = e2e_run(argv, env, NULL, E2E_TIMEOUT_MS, &r);
	if (rc != 0 || r.status != 0) {
		fprintf(stderr, "e2e: %s failed (%d): %s%s", argv[0], r.status,
		    r.out, r.err);
		rc = -1;
	}
	e2e_result_free(&r);
	return rc;
}

int
e2e_install_vmgate(const char *path)
{
	char *dir = strdup(path);
	const char *const mkdir_argv[] = {
		"/usr/bin/install", "-d", "-m", "0755", "-o", "root", "-g",
		"root", dir, NULL
	};
	const char *const install_argv[] = {
		"/usr/bin/install", "-m", "0755", "-o", "root", "-g", "root",
		E2E_VMGATE, path, NULL
	};
	int rc;

	if (dir == NULL)
		die("strdup");
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	rc = tool(mkdir_argv) == 0 && tool(install_argv) == 0 ? 0 : -1;
	free(dir);
	return rc;
}

int
e2e_keygen(const char *dir, const char *name)
{
	char path[512];
	const char *const argv[] = {
		"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
		name, "-f", path, NULL
	};

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	return tool(argv);
}

/* run a removal tool quietly: what it removes usually does not exist */
static void
tool_quiet(const char *const argv[])
{
	static const char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	struct e2e_result r;

	e2e_run(argv, env, NULL, E2E_TIMEOUT_MS, &r);
	e2e_result_free(&r);
}

static char *
read_text(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while (slurp(fd, &buf, &len, &cap))
		;
	close(fd);
	return buf;
}

int
e2e_tenant_key(const char *dir, const char *name, const char *keys_dir,
    const char *file)
{
	char *pub, *text;
	int rc;

	if (e2e_keygen(dir, name) != 0)
		return -1;
	if (asprintf(&pub, "%s/%s.pub", dir, name) < 0)
		die("asprintf");
	text = read_text(pub);
	free(pub);
	if (text == NULL)
		return -1;
	rc = e2e_write_file(keys_dir, file, text, 0644) != NULL ? 0 : -1;
	free(text);
	return rc;
}

/*
 * user's session directory (SESSION_DIR/UID, which vmgate run as user
 * made), removed while its uid still names it and only when it is
 * user's: an account given that uid later must not inherit its slots.
 */
static void
account_sessions_del(const char *user)
{
	const struct passwd *pw = getpwnam(user);
	char path[sizeof(SESSION_DIR) + 24];
	struct stat st;

	if (pw == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%lu", SESSION_DIR,
	    (unsigned long)pw->pw_uid);
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == pw->pw_uid)
		nftw(path, rm_one, E2E_RMTREE_FDS, FTW_DEPTH | FTW_PHYS);
}

void
e2e_account_del(const char *user)
{
	const char *const argv[] = { "/usr/sbin/userdel", user, NULL };

	account_sessions_del(user);
	tool_quiet(argv);
}

void
e2e_group_del(const char *group)
{
	const char *const argv[] = { "/usr/sbin/groupdel", group, NULL };

	tool_quiet(argv);
}

int
e2e_group_add(const char *group)
{
	const char *const argv[] = { "/usr/sbin/groupadd", group, NULL };

	e2e_group_del(group);
	return tool(argv);
}

int
e2e_account_add(const char *user, const char *groups)
{
	const char *const add[] = {
		"/usr/sbin/useradd", "-M", "-d", "/", "-s", "/bin/sh", "-G",
		groups, user, NULL
	};
	/* sshd refuses a locked account ('!') even for keys: '*' */
	const char *const unlock[] = {
		"/usr/sbin/usermod", "-p", "*", user, NULL
	};

	e2e_account_del(user);
	if (tool(add) != 0 || tool(unlock) != 0)
		return -1;
	/* a uid freed some other way (a run that crashed) left its slots */
	account_sessions_del(user);
	return 0;
}

/* s with every "from" replaced by "to"; malloc'd */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	if ((out = o = malloc(strlen(s) + n * tl + 1)) == NULL)
		die("malloc");
	while ((p = strstr(s, from)) != NULL) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tl);
		o += tl;
		s = p + fl;
	}
	strcpy(o, s);
	return out;
}


bool
e2e_port_listens(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return false;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

static int
sshd_write_config(struct e2e_sshd *s, const char *dir, const char *vmgate,
    const char *cfg, const char *group, const char *service_user,
    const char *allow_users)
{
	char *snippet, *cmd, *group_line, *user_line, *a, *b, *c, *text;
	char *path;
	int rc;

	if (asprintf(&path, "%s/../../contrib/sshd_config.vmgate",
	    E2E_DIR) < 0)
		die("asprintf");
	snippet = read_text(path);
	free(path);
	if (snippet == NULL)
		return -1;
	if (asprintf(&cmd, "%s -f %s", vmgate, cfg) < 0 ||
	    asprintf(&group_line, "Match Group %s\n", group) < 0 ||
	    asprintf(&user_line, "Match User %s\n", service_user) < 0)
		die("asprintf");
	a = replace_all(snippet, "/usr/local/bin/vmgate", cmd);
	b = replace_all(a, "Match Group vmgate-tenants\n", group_line);
	c = replace_all(b, "Match User vmgate\n", user_line);
	if (asprintf(&text,
	    "Port %d\nListenAddress 127.0.0.1\nHostKey %s/hostkey\n"
	    "PidFile %s/sshd.pid\nLogLevel VERBOSE\nPermitRootLogin no\n"
	    "AllowUsers %s\nAuthorizedKeysFile none\n"
	    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n%s",
	    s->port, dir, dir, allow_users, c) < 0)
		die("asprintf");
	rc = e2e_write_file(dir, "sshd_config", text, 0644) != NULL ? 0 : -1;
	free(snippet);
	free(cmd);
	free(group_line);
	free(user_line);
	free(a);
	free(b);
	free(c);
	free(text);
	return rc;
}

int
e2e_sshd_start(struct e2e_sshd *s, const char *dir, int port,
    const char *vmgate, const char *cfg, const char *group,
    const char *service_user, const char *allow_users)
{
	const char *const check[] = {
		"/usr/sbin/sshd", "-t", "-f", s->config, NULL
	};
	long long deadline;

	memset(s, 0, sizeof(s[0]));
	s->pid = -1;
	s->port = port;
	snprintf(s->config, sizeof(s->config), "%s/sshd_config", dir);
	snprintf(s->log, sizeof(s->log), "%s/sshd.log", dir);
	mkdir("/run/sshd", 0755);	/* its privilege separation directory */
	if (e2e_keygen(dir, "hostkey") != 0 ||
	    sshd_write_config(s, dir, vmgate, cfg, group, service_user,
	    allow_users) != 0 || tool(check) != 0)
		return -1;
	if ((s->pid = fork()) < 0)
		die("fork");
	if (s->pid == 0) {
		reset_child_signals();
		execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", s->config,
		    "-E", s->log, (char *)NULL);
		_exit(127);
	}
	deadline = e2e_now_ms() + E2E_TIMEOUT_MS;
	while (!e2e_port_listens(port)) {
		if (remaining_ms(deadline) == 0 ||
		    waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			fprintf(stderr, "e2e: sshd did not listen on %d (%s)\n",
			    port, s->log);
			s->pid = -1;
			return -1;
		}
		usleep(E2E_POLL_MS * 1000);
	}
	return 0;
}

void
e2e_sshd_stop(struct e2e_sshd *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = -1;
}

int
e2e_gate_sshd_config(const char *dir, int port, const char *vmgate,
    const char *service_user, const char *extra)
{
	char *text, *path;

	if (asprintf(&text,
	    "Port %d\nListenAddress 127.0.0.1\nHostKey %s/hostkey\n"
	    "PidFile %s/sshd.pid\nAllowUsers %s\nUsePAM no\n"
	    "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
	    "AuthorizedKeysFile none\n"
	    "AuthorizedKeysCommand %s -f %s/vmgate.ini "
	    "authorized-keys %%u %%t %%k\n"
	    "AuthorizedKeysCommandUser nobody\nExposeAuthInfo yes\n"
	    "AllowTcpForwarding local\nAllowStreamLocalForwarding no\n"
	    "AllowAgentForwarding no\nX11Forwarding no\nPermitTunnel no\n"
	    "%s",
	    port, dir, dir, service_user, vmgate, dir, extra) < 0)
		die("asprintf");
	path = e2e_write_file(dir, "sshd_config", text, 0644);
	free(text);
	free(path);
	return path != NULL ? 0 : -1;
}

pid_t
e2e_gate_sshd_start(const char *dir, const char *host, int timeout_ms)
{
	char conf[512], log[512];
	const char *const argv[] = { "/usr/sbin/sshd", "-D", "-f", conf,
	    "-E", log, NULL };
	long long end;
	pid_t pid;

	snprintf(conf, sizeof(conf), "%s/sshd_config", dir);
	snprintf(log, sizeof(log), "%s/sshd.log", dir);
	if (e2e_sh("/usr/sbin/sshd -t -f %s", conf) != 0)
		return -1;
	pid = e2e_spawn(argv, NULL, -1, -1, -1);
	end = e2e_now_ms() + timeout_ms;
	while (e2e_now_ms() < end && e2e_wait_exit(pid, 0) < 0) {
		if (e2e_sh("ssh -F %s/ssh_config %s version >/dev/null 2>&1",
		    dir, host) == 0)
			return pid;
		usleep(100000);
	}
	e2e_stop(&pid);
	return -1;
}

static const char *const ssh_env[] = {
	"PATH=/usr/bin:/bin", "HOME=/nonexistent", NULL
};

/* the ssh client's argv for a command through s; port is its buffer */
#define SSH_ARGV(s, user, key, tty, cmd, port) { \
	"/usr/bin/ssh", "-F", "/dev/null", "-i", key, "-p", port, \
	"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", \
	"-o", "StrictHostKeyChecking=no", \
	"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", \
	(tty) ? "-tt" : "-T", "-l", user, "127.0.0.1", cmd, NULL }

int
e2e_ssh(const struct e2e_sshd *s, const char *user, const char *key,
    bool tty, const char *cmd, struct e2e_result *res)
{
	char port[16];
	const char *const argv[] = SSH_ARGV(s, user, key, tty, cmd, port);

	snprintf(port, sizeof(port), "%d", s->port);
	return e2e_run(argv, ssh_env, NULL, E2E_TIMEOUT_MS, res);
}

int
e2e_ssh_pty(const struct e2e_sshd *s, const char *user, const char *key,
    const char *cmd, struct e2e_pty *p)
{
	char port[16];
	const char *const argv[] = SSH_ARGV(s, user, key, true, cmd, port);

	snprintf(port, sizeof(port), "%d", s->port);
	return e2e_pty_spawn(p, argv, ssh_env);
}

static void
quiet_errors(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

/* look name up; NULL with *conn still to close when it is missing */
static virDomainPtr
domain_open(const char *name, virConnectPtr *conn)
{
	virSetErrorFunc(NULL, quiet_errors);
	*conn = virConnectOpen(E2E_URI);
	if (*conn == NULL)
		return NULL;
	return virDomainLookupByName(*conn, name);
}

int
e2e_domain_state(const char *name)
{
	virConnectPtr conn = NULL;
	virDomainPtr dom;
	int state = -1, reason, rc;

	dom = domain_open(name, &conn);
	if (conn == NULL)
		return -2;
	if (dom == NULL) {
		virConnectClose(conn);
		return E2E_NO_DOMAIN;
	}
	rc = virDomainGetState(dom, &state, &reason, 0);
	virDomainFree(dom);
	virConnectClose(conn);
	return rc == 0 ? state : -2;
}

bool
e2e_domain_running(const char *name)
{
	return e2e_domain_state(name) == VIR_DOMAIN_RUNNING;
}

enum dom_action { ACT_DESTROY, ACT_RESET, ACT_START };

static int
domain_act(const char *name, enum dom_action act)
{
	virConnectPtr conn = NULL;
	virDomainPtr dom;
	int rc = -1;

	dom = domain_open(name, &conn);
	if (dom != NULL) {
		switch (act) {
		case ACT_DESTROY:
			rc = virDomainDestroy(dom);
			break;
		case ACT_RESET:
			rc = virDomainReset(dom, 0);
			break;
		case ACT_START:
			rc = virDomainCreate(dom);
			break;
		}
		virDomainFree(dom);
	}
	if (conn != NULL)
		virConnectClose(conn);
	return rc == 0 ? 0 : -1;
}

int
e2e_domain_destroy(const char *name)
{
	return domain_act(name, ACT_DESTROY);
}

int
e2e_domain_reset(const char *name)
{
	return domain_act(name, ACT_RESET);
}

int
e2e_domain_start(const char *name)
{
	return domain_act(name, ACT_START);
}

int
e2e_domain_wait_state(const char *name, int state, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;

	while (e2e_domain_state(name) != state) {
		if (remaining_ms(deadline) == 0)
			return -1;
		usleep(E2E_POLL_MS * 5 * 1000);
	}
	return 0;
}

/* e2e_linux_guest_dir, with LINUX_GUEST_BIN=bins unless NULL */
static int
linux_guest_dir(const char *bins, char *dir, size_t size)
{
	char *bin_env = NULL;
	const char *env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL, NULL
	};
	const char *const argv[] = {
		"/bin/sh", E2E_LINUX_GUEST, "build", NULL
	};
	struct e2e_result r;
	int rc = -1;

	if (bins != NULL) {
		if (asprintf(&bin_env, "LINUX_GUEST_BIN=%s", bins) < 0)
			die("asprintf");
		env[1] = bin_env;
	}
	if (e2e_run(argv, env, NULL, E2E_STACK_MS, &r) == 0 && r.status == 0) {
		r.out[strcspn(r.out, "\n")] = '\0';
		if (r.out[0] == '/' && strlen(r.out) < size) {
			memcpy(dir, r.out, strlen(r.out) + 1);
			rc = 0;
		}
	}
	if (rc != 0)
		fprintf(stderr, "e2e: %s build failed (%d):\n%s%s",
		    E2E_LINUX_GUEST, r.status, r.out, r.err);
	e2e_result_free(&r);
	free(bin_env);
	return rc;
}

int
e2e_linux_guest_dir(char *dir, size_t size)
{
	return linux_guest_dir(NULL, dir, size);
}

/* the <interface> element for g, or "" when it has none; malloc'd */
static char *
linux_guest_interface(const struct e2e_linux_guest *g)
{
	char *mac = NULL, *filter = NULL, *ip = NULL, *ip6 = NULL, *xml;

	if (g->network == NULL)
		return strdup("");
	if (g->mac != NULL &&
	    asprintf(&mac, "<mac address='%s'/>", g->mac) < 0)
		die("asprintf");
	if (g->filter_ip != NULL && asprintf(&ip,
	    "<parameter name='IP' value='%s'/>", g->filter_ip) < 0)
		die("asprintf");
	if (g->filter_ipv6 != NULL && asprintf(&ip6,
	    "<parameter name='IPV6' value='%s'/>", g->filter_ipv6) < 0)
		die("asprintf");
	if (g->filter != NULL && asprintf(&filter,
	    "<filterref filter='%s'>%s%s</filterref>", g->filter,
	    ip ? ip : "", ip6 ? ip6 : "") < 0)
		die("asprintf");
	if (asprintf(&xml, "<interface type='network'>"
	    "<source network='%s'/>%s<model type='virtio'/>%s</interface>\n",
	    g->network, mac ? mac : "", filter ? filter : "") < 0)
		die("asprintf");
	free(mac);
	free(filter);
	free(ip);
	free(ip6);
	return xml;
}

char *
e2e_linux_guest_xml(const struct e2e_linux_guest *g)
{
	char dir[1024], cmdline[256], path[1100], spice[256] = "";
	char *iface, *xml = NULL;
	FILE *f;

	if (g->name == NULL ||
	    linux_guest_dir(g->bins, dir, sizeof(dir)) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fgets(cmdline, sizeof(cmdline), f) == NULL)
		cmdline[0] = '\0';
	fclose(f);
	cmdline[strcspn(cmdline, "\n")] = '\0';
	if (g->spice_port > 0)
		snprintf(spice, sizeof(spice),
		    "<graphics type='spice' port='%d' autoport='no' "
		    "passwd='locked' passwdValidTo='1970-01-01T00:00:00'>"
		    "<listen type='address' address='127.0.0.1'/></graphics>\n"
		    "<video><model type='qxl'/></video>\n", g->spice_port);
	iface = linux_guest_interface(g);
	if (iface == NULL)
		die("strdup");
	if (asprintf(&xml,
	    "<domain type='qemu'>\n"
	    "<name>%s</name>\n"
	    "<memory unit='MiB'>%d</memory>\n"
	    "<vcpu>1</vcpu>\n"
	    "<os><type arch='x86_64' machine='pc'>hvm</type>\n"
	    "<kernel>%s/vmlinuz</kernel><initrd>%s/initrd.gz</initrd>\n"
	    "<cmdline>%s vmgate.banner=%s</cmdline></os>\n"
	    "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>\n"
	    "<on_crash>destroy</on_crash>\n"
	    "<devices>\n"
	    "<serial type='pty'><log file='" E2E_SERIAL_LOG_FMT "' "
	    "append='off'/><target port='0'/></serial>\n"
	    "<console type='pty'><target type='serial' port='0'/></console>\n"
	    "%s%s<memballoon model='none'/>\n"
	    "</devices>\n</domain>\n",
	    g->name, g->memory_mib > 0 ? g->memory_mib : 128, dir, dir,
	    cmdline, g->banner != NULL ? g->banner : "linux", g->name,
	    iface, spice) < 0)
		die("asprintf");
	free(iface);
	return xml;
}

/* destroy and undefine name on conn; fine when it does not exist */
static void
domain_remove(virConnectPtr conn, const char *name)
{
	virDomainPtr dom = virDomainLookupByName(conn, name);

	if (dom == NULL)
		return;
	(void)virDomainDestroy(dom);
	(void)virDomainUndefine(dom);
	virDomainFree(dom);
}

int
e2e_linux_guest(const struct e2e_linux_guest *g)
{
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	char *xml, log[512];
	int rc = -1;

	if ((xml = e2e_linux_guest_xml(g)) == NULL)
		return -1;
	virSetErrorFunc(NULL, quiet_errors);
	if ((conn = virConnectOpen(E2E_URI)) == NULL)
		goto out;
	domain_remove(conn, g->name);
	snprintf(log, sizeof(log), E2E_SERIAL_LOG_FMT, g->name);
	(void)unlink(log);
	if (g->transient)
		dom = virDomainCreateXML(conn, xml, 0);
	else if ((dom = virDomainDefineXML(conn, xml)) != NULL &&
	    virDomainCreate(dom) != 0) {
		virDomainFree(dom);
		dom = NULL;
	}
	if (dom == NULL) {
		virErrorPtr err = virGetLastError();

		fprintf(stderr, "e2e: guest %s did not start: %s\n", g->name,
		    err != NULL && err->message ? err->message : "?");
		goto out;
	}
	rc = 0;
out:
	if (dom != NULL)
		virDomainFree(dom);
	if (conn != NULL)
		virConnectClose(conn);
	free(xml);
	return rc;
}

int
e2e_serial_log_wait(const char *name, const char *pattern, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	char path[512];

	snprintf(path, sizeof(path), E2E_SERIAL_LOG_FMT, name);
	for (;;) {
		char *buf = NULL, *hit = NULL;
		size_t len = 0, cap = 0;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			while (slurp(fd, &buf, &len, &cap))
				;
			close(fd);
			if (buf != NULL)
				hit = memmem(buf, len, pattern, strlen(pattern));
			free(buf);
		}
		if (hit != NULL)
			return 0;
		if (remaining_ms(deadline) == 0)
			return -1;
		usleep(E2E_POLL_MS * 5 * 1000);
	}
}

int
e2e_rmnetwork(const char *name)
{
	virConnectPtr conn;
	virNetworkPtr net;

	virSetErrorFunc(NULL, quiet_errors);
	if ((conn = virConnectOpen(E2E_URI)) == NULL)
		return -1;
	if ((net = virNetworkLookupByName(conn, name)) != NULL) {
		(void)virNetworkDestroy(net);
		(void)virNetworkUndefine(net);
		virNetworkFree(net);
	}
	virConnectClose(conn);
	return 0;
}

int
e2e_network(const char *name, const char *bridge, const char *ipv4,
    const char *ipv6)
{
	virConnectPtr conn = NULL;
	virNetworkPtr net = NULL;
	char *xml = NULL, *v6 = NULL;
	int rc = -1;

	if (e2e_rmnetwork(name) != 0)
		return -1;
	if (ipv6 != NULL && asprintf(&v6,
	    "<ip family='ipv6' address='%s' prefix='64'/>\n", ipv6) < 0)
		die("asprintf");
	if (asprintf(&xml, "<network>\n<name>%s</name>\n"
	    "<bridge name='%s' stp='off' delay='0'/>\n"
	    "<ip address='%s' prefix='24'/>\n%s</network>\n",
	    name, bridge, ipv4, v6 != NULL ? v6 : "") < 0)
		die("asprintf");
	if ((conn = virConnectOpen(E2E_URI)) == NULL)
		goto out;
	if ((net = virNetworkDefineXML(conn, xml)) == NULL ||
	    virNetworkCreate(net) != 0) {
		virErrorPtr err = virGetLastError();

		fprintf(stderr, "e2e: network %s did not start: %s\n", name,
		    err != NULL && err->message ? err->message : "?");
		goto out;
	}
	rc = 0;
out:
	if (net != NULL)
		virNetworkFree(net);
	if (conn != NULL)
		virConnectClose(conn);
	free(xml);
	free(v6);
	return rc;
}

int
e2e_nwfilter_undefine(const char *name)
{
	virConnectPtr conn;
	virNWFilterPtr filter;
	int rc = 0;

	virSetErrorFunc(NULL, quiet_errors);
	if ((conn = virConnectOpen(E2E_URI)) == NULL)
		return -1;
	if ((filter = virNWFilterLookupByName(conn, name)) != NULL) {
		rc = virNWFilterUndefine(filter) == 0 ? 0 : -1;
		virNWFilterFree(filter);
	}
	virConnectClose(conn);
	return rc;
}

#define E2E_SYSLOG_SOCKET "/dev/log"

int
e2e_syslog_stand_in(void)
{
	struct sockaddr_un sa;
	int fd;

	if (access(E2E_SYSLOG_SOCKET, F_OK) == 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", E2E_SYSLOG_SOCKET);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void
e2e_syslog_stand_in_end(int fd)
{
	if (fd < 0)
		return;
	close(fd);
	unlink(E2E_SYSLOG_SOCKET);
}

pid_t
e2e_spawn(const char *const argv[], const char *const envp[], int in_fd,
    int out_fd, int err_fd)
{
	static const char *const empty_env[] = { NULL };
	pid_t pid;

	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		reset_child_signals();
		setsid();
		dup2(in_fd >= 0 ? in_fd : devnull, 0);
		dup2(out_fd >= 0 ? out_fd : devnull, 1);
		dup2(err_fd >= 0 ? err_fd : devnull, 2);
		execve(argv[0], (char *const *)argv,
		    (char *const *)(envp != NULL ? envp : empty_env));
		_exit(127);
	}
	return pid;
}

int
e2e_wait_exit(pid_t pid, int timeout_ms)
{
	long long deadline = e2e_now_ms() + timeout_ms;
	int wstatus;

	for (;;) {
		pid_t r = waitpid(pid, &wstatus, WNOHANG);

		if (r == pid)
			return decode_status(wstatus);
		if (r < 0 || remaining_ms(deadline) == 0)
			return -1;
		usleep(20000);
	}
}

void
e2e_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	if (e2e_wait_exit(*pid, 5000) < 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

int
e2e_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

uint32_t
e2e_be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

bool
e2e_send_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* one way through a relay: whole messages from `from` to `to` */
struct relay_way {
	int from, to;
	bool daemon;		/* from the daemon */
	unsigned char *buf;	/* E2E_RPC_BUF */
	size_t len;
};

static void
rpc_header(const unsigned char *p, bool from_daemon, struct e2e_rpc *m)
{
	m->data = p;
	m->len = e2e_be32_at(p);
	m->program = e2e_be32_at(p + 4);
	m->version = e2e_be32_at(p + 8);
	m->procedure = e2e_be32_at(p + 12);
	m->type = e2e_be32_at(p + 16);
	m->serial = e2e_be32_at(p + 20);
	m->status = e2e_be32_at(p + 24);
	m->from_daemon = from_daemon;
}

static void
relay_mark(const struct e2e_relay *r)
{
	close(open(r->marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
}

/* read what w->from sent and do with its whole messages as r->decide
 * says: 0 to go on, 1 at a hang-up, -1 once a side closed */
static int
relay_way_pass(struct e2e_relay *r, struct relay_way *w)
{
	ssize_t n = read(w->from, w->buf + w->len, E2E_RPC_BUF - w->len);
	size_t used = 0;
	struct e2e_rpc m;

	if (n <= 0)
		return -1;
	w->len += (size_t)n;
	while (w->len - used >= E2E_RPC_HEADER) {
		rpc_header(w->buf + used, w->daemon, &m);
		if (m.len < E2E_RPC_HEADER)
			return -1;
		if (w->len - used < m.len)
			break;
		switch (r->decide(r, &m, w->to, w->from)) {
		case E2E_RELAY_PASS:
			if (!e2e_send_all(w->to, m.data, m.len))
				return -1;
			break;
		case E2E_RELAY_DROP:
			break;
		case E2E_RELAY_FREEZE:
			if (!r->frozen)
				relay_mark(r);
			r->frozen = true;
			break;
		case E2E_RELAY_HANG_UP:
			relay_mark(r);
			return 1;
		case E2E_RELAY_CLOSED:
			return -1;
		}
		used += m.len;
	}
	/* a message larger than the buffer would never pass */
	if (w->len - used == E2E_RPC_BUF)
		return -1;
	memmove(w->buf, w->buf + used, w->len - used);
	w->len -= used;
	return 0;
}

int
e2e_relay(struct e2e_relay *r)
{
	struct relay_way way[2] = {
		{ .from = r->client, .to = r->daemon },
		{ .from = r->daemon, .to = r->client, .daemon = true },
	};
	struct pollfd pfd[2] = {
		{ .fd = r->client, .events = POLLIN },
		{ .fd = r->daemon, .events = POLLIN },
	};
	int i, rc = 0;

	way[0].buf = malloc(E2E_RPC_BUF);
	way[1].buf = malloc(E2E_RPC_BUF);
	if (way[0].buf == NULL || way[1].buf == NULL)
		rc = -1;
	while (rc == 0 && poll(pfd, 2, -1) > 0) {
		for (i = 0; rc == 0 && i < 2; i++) {
			int n;

			if (pfd[i].revents == 0)
				continue;
			n = relay_way_pass(r, &way[i]);
			if (n < 0 && way[i].daemon && r->frozen &&
			    r->keep_client)
				pfd[i].fd = -1;
			else if (n != 0)
				rc = 1;
		}
	}
	free(way[0].buf);
	free(way[1].buf);
	return rc < 0 ? -1 : 0;
}
