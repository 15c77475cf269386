/*
 * admin: the admin commands of vmgate(8): check, check --tenant,
 * authorized-keys, audit and sshd-config. They read the config and key directory and the
 * live system, and change nothing.
 */
#ifndef VMGATE_ADMIN_H
#define VMGATE_ADMIN_H

#include <stdio.h>
#include <sys/types.h>

#include "vmgate/config.h"
#include "vmgate/result.h"

/* vmgate check: config and key directory; prints "FILE: ok (...)". */
enum result admin_check(const char *path, uid_t owner_ok, FILE *out,
    FILE *err);

/* vmgate check --tenant T -- VERB [VM]: "permit" or "deny". */
enum result admin_check_request(const struct config *cfg, const char *tenant,
    const char *verb, const char *domain, FILE *out, FILE *err);

/*
 * The config `authorized-keys USER [KEYTYPE KEY]` needs, from the snapshot
 * when it is fresh (cache.h): scoped to USER when USER may log in as a
 * tenant; for the service_user with a key, to the one tenant the key
 * index names for the key (none when it names none); anything else (no
 * key, an index that cannot tell) the full file. Returns as config_load.
 */
int admin_login_config(const char *path, uid_t owner_ok, const char *user,
    const char *key, struct config **out, struct diag *d);

/*
 * vmgate authorized-keys USER [KEYTYPE KEY]. self is the absolute path of
 * this binary and cfg_path the absolute config path, for command=.
 */
enum result admin_authorized_keys(const struct config *cfg, const char *self,
    const char *cfg_path, const char *user, const char *keytype,
    const char *key, FILE *out, FILE *err);

/* the host's own paths audit looks at; a NULL field skips that check */
struct admin_host {
	const char *syslog_socket;	/* where syslog(3) writes: _PATH_LOG */
	const char *session_dir;	/* session slots: SESSION_DIR */
	/* the running libvirtd (its -f argument, else libvirtd_conf) for
	 * max_clients: LIBVIRTD_PIDFILE, LIBVIRTD_CONF */
	const char *libvirtd_pidfile;
	const char *libvirtd_conf;
};
#define LIBVIRTD_PIDFILE	"/run/libvirtd.pid"
#define LIBVIRTD_CONF		"/etc/libvirt/libvirtd.conf"

/*
 * vmgate audit [--sshd-config PATH]: findings, one per line.
 * host NULL skips every check of the host's paths.
 */
enum result admin_audit(const struct config *cfg, const char *sshd_config,
    const struct admin_host *host, FILE *out, FILE *err);

/* which Match blocks sshd-config prints */
enum sshd_blocks {
	SSHD_BLOCKS_CONFIG,	/* what the config calls for */
	SSHD_BLOCKS_SHARED,	/* --shared: the service_user */
	SSHD_BLOCKS_PER_USER	/* --per-user: the tenant group */
};

/*
 * vmgate sshd-config [--shared | --per-user]: the sshd_config snippet for
 * this binary (self, absolute) and config (cfg_path, absolute), with the
 * settings audit checks, taken from the table audit checks them by.
 */
enum result admin_sshd_config(const struct config *cfg, const char *self,
    const char *cfg_path, enum sshd_blocks blocks, FILE *out, FILE *err);

#endif
