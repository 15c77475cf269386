/*
 * audit: one line per request to syslog (LOG_AUTHPRIV, ident "vmgate")
 * and, when configured, appended to the audit log in a single write(), so
 * concurrent sessions never interleave within a line. Every field is
 * sanitized: a tenant's bytes can neither forge a field nor a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "vmgate/audit.h"
#include "vmgate/util.h"

#define AUDIT_MAX_FIELD		128	/* raw bytes of a name-like field */
#define AUDIT_MAX_DETAIL	400	/* raw bytes of the detail text */
#define SANITIZED_SIZE(n)	(4 * (n) + 1)	/* every byte may become \xNN */
#define AUDIT_TIME_LEN		sizeof("2026-11-24T18:53:00Z")

/*
 * Sanitize at most maxraw bytes of src into dst. Name-like fields are not
 * quoted, so their blanks are escaped too, and an empty one reads "-";
 * NULL always reads "-".
 */
static void
field(char *dst, size_t dstsize, const char *src, size_t maxraw,
    bool quoted)
{
	char *raw = NULL, *clean = NULL;
	size_t i, o = 0;

	if (src == NULL || (*src == '\0' && !quoted)) {
		snprintf(dst, dstsize, "-");
		return;
	}
	raw = xstrndup(src, maxraw);
	clean = xmalloc(SANITIZED_SIZE(maxraw));
	str_sanitize(clean, SANITIZED_SIZE(maxraw), raw);
	for (i = 0; clean[i] != '\0'; i++) {
		if (clean[i] == ' ' && !quoted) {
			if (o + 4 >= dstsize)
				break;
			memcpy(dst + o, "\\x20", 4);
			o += 4;
		} else {
			if (o + 1 >= dstsize)
				break;
			dst[o++] = clean[i];
		}
	}
	dst[o] = '\0';
	free(raw);
	free(clean);
}

const char *
audit_result_name(enum audit_result r)
{
	switch (r) {
	case AUDIT_OK:
		return "ok";
	case AUDIT_DENIED:
		return "denied";
	case AUDIT_FAILED:
		return "failed";
	case AUDIT_USAGE:
		return "usage";
	case AUDIT_LIMITED:
		return "limited";
	case AUDIT_ERROR:
		return "error";
	}
	return "error";
}

/* O_NONBLOCK: a FIFO planted at the path must not hang the session */
#define AUDIT_LOG_FLAGS (O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | \
    O_NONBLOCK | O_NOCTTY)

static int
append_line(const char *path, const char *line)
{
	struct stat st;
	size_t len = strlen(line);
	ssize_t w;
	int fd, ret = -1;

	fd = open(path, AUDIT_LOG_FLAGS | O_CREAT, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	w = write(fd, line, len);
	if (w < 0 || (size_t)w != len)
		goto out;
	ret = 0;
 out:
	close(fd);
	return ret;
}

int
audit_record(const char *log_path, const struct audit_event *ev)
{
	char tenant[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char key[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char from[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char verb[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char domain[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char media[SANITIZED_SIZE(AUDIT_MAX_FIELD)];
	char request[SANITIZED_SIZE(AUDIT_MAX_REQUEST)];
	char detail[SANITIZED_SIZE(AUDIT_MAX_DETAIL)];
	char *body = NULL, *line = NULL;
	time_t now = time(NULL);
	int ret = 0;

	field(tenant, sizeof(tenant), ev->tenant, AUDIT_MAX_FIELD, false);
	field(key, sizeof(key), ev->key, AUDIT_MAX_FIELD, false);
	field(from, sizeof(from), ev->from, AUDIT_MAX_FIELD, false);
	field(verb, sizeof(verb), ev->verb, AUDIT_MAX_FIELD, false);
	field(domain, sizeof(domain), ev->domain, AUDIT_MAX_FIELD, false);
	field(media, sizeof(media), ev->media, AUDIT_MAX_FIELD, false);
	field(request, sizeof(request), ev->request, AUDIT_MAX_REQUEST, true);
	field(detail, sizeof(detail), ev->detail, AUDIT_MAX_DETAIL, true);

	body = xasprintf("tenant=%s key=%s from=%s verb=%s domain=%s%s%s "
	    "result=%s request=%s%s%s%s%s%s", tenant, key, from, verb, domain,
	    ev->media != NULL ? " media=" : "", ev->media != NULL ? media : "",
	    audit_result_name(ev->result),
	    ev->request != NULL ? "\"" : "", request,
	    ev->request != NULL ? "\"" : "",
	    ev->detail != NULL ? " detail=\"" : "",
	    ev->detail != NULL ? detail : "",
	    ev->detail != NULL ? "\"" : "");

	/* left open: main logs through the same connection */
	openlog("vmgate", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s", body);

	if (log_path != NULL) {
		char stamp[AUDIT_TIME_LEN];
		struct tm tm;

		if (gmtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ",
		    &tm) == 0)
			snprintf(stamp, sizeof(stamp), "-");
		line = xasprintf("%s %s\n", stamp, body);
		ret = append_line(log_path, line);
	}
	free(body);
	free(line);
	return ret;
}

/*
 * Open path as append_line does, as account user, in a child that takes
 * its uid, gid and groups: the kernel's answer, with every directory above
 * and any ACL counted. Creates nothing.
 */
enum audit_log_access
audit_log_probe(const char *path, const char *user)
{
	char dir[PATH_MAX];
	int status, fd;
	struct stat st;
	pid_t pid;

	if (path[0] != '/')
		return AUDIT_LOG_ERROR;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if ((pid = fork_as_account(user)) == -1)
		return AUDIT_LOG_ERROR;
	if (pid == 0) {
		fd = open(path, AUDIT_LOG_FLAGS);
		if (fd >= 0)
			_exit(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ?
			    AUDIT_LOG_APPEND : AUDIT_LOG_NOT_FILE);
		if (errno == ENOENT)
			_exit(access(dir[0] != '\0' ? dir : "/", W_OK | X_OK)
			    == 0 ? AUDIT_LOG_MISSING_OK : AUDIT_LOG_MISSING_NO);
		if (errno == ELOOP)
			_exit(AUDIT_LOG_LINK);
		if (errno == ENXIO || errno == EISDIR)
			_exit(AUDIT_LOG_NOT_FILE);
		_exit(errno == EACCES || errno == EPERM ? AUDIT_LOG_DENIED :
		    AUDIT_LOG_ERROR);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return AUDIT_LOG_ERROR;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) <= AUDIT_LOG_ERROR ?
	    (enum audit_log_access)WEXITSTATUS(status) : AUDIT_LOG_ERROR;
}

int
audit_syslog_probe(const char *socket_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, r, saved;

	if (strlen(socket_path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	errno = saved;
	return r == -1 ? -1 : 0;
}
