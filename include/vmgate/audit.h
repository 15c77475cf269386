/*
 * audit: one line per decision, to syslog (LOG_AUTHPRIV, ident "vmgate")
 * and, when configured, appended to the audit log file in one write:
 *   TIMESTAMP tenant=alice key=SHA256:... from=ADDR verb=reset domain=web1
 *   result=ok request="reset web1"
 * Unknown fields are "-"; the request is sanitized and cut at 200 bytes.
 * Requests about install media add media=NAME after the domain.
 * A leaf: knows nothing of config or libvirt.
 */
#ifndef VMGATE_AUDIT_H
#define VMGATE_AUDIT_H

#define AUDIT_MAX_REQUEST 200

enum audit_result {
	AUDIT_OK,
	AUDIT_DENIED,
	AUDIT_FAILED,
	AUDIT_USAGE,
	AUDIT_LIMITED,		/* over the tenant's session limit */
	AUDIT_ERROR
};

struct audit_event {
	const char *tenant;	/* NULL -> "-" */
	const char *key;	/* fingerprint, NULL -> "-" */
	const char *from;	/* client address, NULL -> "-" */
	const char *verb;
	const char *domain;
	enum audit_result result;
	const char *request;	/* raw request, NULL -> "-" */
	const char *detail;	/* optional reason, logged as detail="..." */
	const char *media;	/* install media named; NULL: no field */
};

/* log_path may be NULL (syslog only). Returns 0, or -1 when the file line
 * could not be written (syslog still got it). */
int audit_record(const char *log_path, const struct audit_event *ev);

const char *audit_result_name(enum audit_result r);

/* what an account may do with the audit log file */
enum audit_log_access {
	AUDIT_LOG_APPEND = 0,		/* it can append */
	AUDIT_LOG_DENIED = 1,		/* permission denied */
	AUDIT_LOG_MISSING_OK = 2,	/* missing; it could create it */
	AUDIT_LOG_MISSING_NO = 3,	/* missing; it could not create it */
	AUDIT_LOG_NOT_FILE = 4,		/* not a regular file */
	AUDIT_LOG_LINK = 5,		/* a symbolic link: never followed */
	AUDIT_LOG_ERROR = 6		/* unknown account, probe failed */
};

/*
 * Could account user append its line to the audit log at path (absolute)?
 * Tried for real, by a child process that takes the account's uid, gid
 * and groups: needs root.
 */
enum audit_log_access audit_log_probe(const char *path, const char *user);

/* 0 when something listens on the syslog socket; -1 with errno set */
int audit_syslog_probe(const char *socket_path);

#endif
