/*
 * audit: one line per request to syslog (LOG_AUTHPRIV, ident "vmgate")
 * and, when configured, appended to the audit log in a single write(), so
 * concurrent sessions never interleave within a line. Every field is
 * sanitized: a tenant's bytes can neither forge a field nor a line.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

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
	case AUDIT_ERROR:
		return "error";
	}
	return "error";
}

static int
append_line(const char *path, const char *line)
{
	struct stat st;
	size_t len = strlen(line);
	ssize_t w;
	int fd, ret = -1;

	/* O_NONBLOCK: a FIFO planted at the path must not hang the session */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
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
	field(request, sizeof(request), ev->request, AUDIT_MAX_REQUEST, true);
	field(detail, sizeof(detail), ev->detail, AUDIT_MAX_DETAIL, true);

	body = xasprintf("tenant=%s key=%s from=%s verb=%s domain=%s "
	    "result=%s request=%s%s%s%s%s%s", tenant, key, from, verb, domain,
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
