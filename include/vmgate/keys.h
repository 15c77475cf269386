/*
 * keys: the key directory (TENANT.pub, TENANT@ANYTHING.pub, one
 * authorized_keys line per key, no options), parsed and fingerprinted with
 * libssh. A leaf: tenant names are checked by the caller-supplied callback.
 */
#ifndef VMGATE_KEYS_H
#define VMGATE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "vmgate/util.h"

#define KEYS_MAX_FILE	(1u << 20)	/* bytes per key file */
#define KEYS_MAX_LINE	16384		/* one key line */
#define KEYS_FP_LEN	64		/* "SHA256:" + 43 base64 + NUL fits */
#define KEYS_FP_PREFIX	"SHA256:"
#define KEYS_MAX_AUTH_INFO (64u << 10)	/* the SSH_USER_AUTH file */

struct key_entry {
	char *tenant;
	char *type;		/* "ssh-ed25519" */
	char *base64;		/* the key blob as written */
	char fingerprint[KEYS_FP_LEN];	/* "SHA256:..." as ssh-keygen -l */
	char *file;		/* for messages */
	int line;
	bool usable;		/* false: duplicate across tenants, unknown tenant */
};

struct keyring {
	struct key_entry *keys;
	size_t nkeys;
};

/*
 * Read every *.pub in dir. known(tenant, arg) says whether a tenant exists.
 * Problems go to d as "PATH:LINE: message"; bad keys are left out or marked
 * unusable, so the ring is always safe to offer. Returns 0 when no problem
 * was found, -1 otherwise (the ring is still filled).
 */
int keys_load(const char *dir, bool (*known)(const char *tenant, void *arg),
    void *arg, struct keyring *ring, struct diag *d);
/*
 * Only the files that can hold tenant's keys (TENANT.pub, TENANT@*.pub):
 * cheap, but blind to a key the tenant shares with another tenant.
 */
int keys_load_tenant(const char *dir, const char *tenant,
    struct keyring *ring, struct diag *d);
/*
 * The sshd login path (AuthorizedKeysCommand): like keys_load, narrowed to
 * one tenant's files when tenant is not NULL and to the one key type/base64
 * when they are not NULL. Only lines holding a wanted key are parsed;
 * problems on other lines are left to keys_load (vmgate check). When the
 * tenant's files hold keys, the other files are searched for them too, so
 * a key filed under two tenants is never usable.
 */
int keys_load_only(const char *dir, bool (*known)(const char *tenant,
    void *arg), void *arg, const char *tenant, const char *type,
    const char *base64, struct keyring *ring, struct diag *d);
/*
 * Parse one key file's bytes (len bytes, may hold NULs) as tenant's file
 * named path in messages, with the same rules as keys_load; duplicates
 * within it are handled as keys_load does. 0 when no problem was found,
 * -1 otherwise (the ring is still filled). For tests and fuzzing.
 */
int keys_parse(const char *buf, size_t len, const char *path,
    const char *tenant, struct keyring *ring, struct diag *d);
void keys_free(struct keyring *ring);

/*
 * From the directory's index (keyindex.h), when it is fresh: the one
 * tenant whose files held base64 when it was made, into out (size
 * NAME_MAX_LEN + 1). 1 when there is exactly one, 0 when none, -1 when
 * the index cannot tell (missing, stale, or several tenants). A hint for
 * what to load, never an answer: keys_load_only still reads the files.
 */
int keys_index_owner(const char *dir, const char *base64, char *out,
    size_t outlen);

/* Fingerprint of a "TYPE BASE64" key; 0 on success. */
int keys_fingerprint(const char *type, const char *base64, char *out,
    size_t outlen);

/*
 * The key that logged in, from the SSH_USER_AUTH file (ExposeAuthInfo):
 * its fingerprint into out, the one keys_fingerprint gives. Taken from
 * keys_dir's index (keyindex.h) when it holds that key, which spares
 * loading libssh; keys_dir NULL, no trusted index or a key not in it:
 * keys_fingerprint. 0 on success, -1 when unknown.
 */
int keys_from_auth_info(const char *path, const char *keys_dir, char *out,
    size_t outlen);

#endif
