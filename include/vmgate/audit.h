/*
 * audit: one line per decision, to syslog (LOG_AUTHPRIV, ident "vmgate")
 * and, when configured, appended to the audit log file in one write:
 *   TIMESTAMP tenant=alice key=SHA256:... from=ADDR verb=reset domain=web1
 *   result=ok request="reset web1"
 * Unknown fields are "-"; the request is sanitized and cut at 200 bytes.
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
};

/* log_path may be NULL (syslog only). Returns 0, or -1 when the file line
 * could not be written (syslog still got it). */
int audit_record(const char *log_path, const struct audit_event *ev);

const char *audit_result_name(enum audit_result r);

#endif
