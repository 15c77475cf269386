/*
 * keyindex: the on-disk index of a key directory, so that a login reads
 * only the key files that matter instead of all of them. It maps each key
 * blob (base64, as written) to the tenants whose files hold it and to the
 * type and fingerprint libssh gave it, and each tenant to its file names.
 * The key files stay the truth: keys.c reads and parses the files the
 * index names, with the same code and checks as a full scan, before any
 * line is printed.
 *
 * An index is used only while the directory's (st_dev, st_ino, st_mtim,
 * st_ctim) are those it recorded (a file added, removed or renamed changes
 * them), and only when it is a regular file owned by the directory's
 * owner, not writable by group or others. A leaf: offsets and strings only.
 */
#ifndef VMGATE_KEYINDEX_H
#define VMGATE_KEYINDEX_H

#include <stddef.h>
#include <sys/stat.h>

#include "vmgate/mapfile.h"

#define KEYINDEX_SUFFIX		".index"	/* DIR -> DIR.index */
#define KEYINDEX_SETTLE_SEC	MAPFILE_SETTLE_SEC	/* see keyindex_write */
#define KEYINDEX_MAX_BYTES	(512u << 20)

struct keyindex;

/* one key as found in the directory, as libssh parsed it */
struct keyindex_key {
	const char *base64;
	const char *tenant;
	const char *type;		/* "ssh-ed25519" */
	const char *fingerprint;	/* "SHA256:..." */
};

/* one key file */
struct keyindex_file {
	const char *tenant;
	const char *name;	/* entry in the directory */
};

/* "DIR.index" for DIR without trailing slashes; NULL for "/" or "". */
char *keyindex_path(const char *dir);

/*
 * Write the index of the directory that dir_st (taken before it was read)
 * describes, atomically. Any order, repeats allowed. Refuses (-1) when the
 * directory changed less than KEYINDEX_SETTLE_SEC ago: a change in the
 * same clock tick would leave its times as recorded.
 */
int keyindex_write(const char *path, const struct stat *dir_st,
    const struct keyindex_key *keys, size_t nkeys,
    const struct keyindex_file *files, size_t nfiles);

/* The index at path if it may be trusted for the directory dir_st shows. */
struct keyindex *keyindex_open(const char *path, const struct stat *dir_st);
void keyindex_close(struct keyindex *ix);

/*
 * The file names to read for a login: every file of every tenant whose
 * files hold base64, and every file of tenant (when not NULL). New array
 * of borrowed names in *names (free only the array); count returned, -1
 * when the index is damaged.
 */
long keyindex_files(const struct keyindex *ix, const char *tenant,
    const char *base64, const char ***names);

/*
 * The tenants whose files held base64 when the index was made: new array
 * of borrowed names (free only the array); count, or -1 when damaged.
 */
long keyindex_owners(const struct keyindex *ix, const char *base64,
    const char ***names);

/*
 * The type and fingerprint base64's key had when the index was made
 * (borrowed). 0, or -1 when base64 is not indexed or the index is damaged.
 */
int keyindex_fingerprint(const struct keyindex *ix, const char *base64,
    const char **type, const char **fingerprint);

#endif
