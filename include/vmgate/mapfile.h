/*
 * mapfile: the on-disk side of vmgate's derived files (the config snapshot
 * and the key index): written whole and atomically, read back read-only and
 * trusted only when their owner and mode say that nobody but the owner of
 * what they describe could have written them. A leaf.
 */
#ifndef VMGATE_MAPFILE_H
#define VMGATE_MAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * What a derived file records of the file or directory it describes; it
 * is trusted only while these are all unchanged.
 */
struct mapfile_ident {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

void mapfile_ident_of(struct mapfile_ident *id, const struct stat *st);
bool mapfile_ident_same(const struct mapfile_ident *id,
    const struct stat *st);

#define MAPFILE_MAGIC_LEN	8
#define MAPFILE_VERSION_LEN	16
/*
 * A file changed this recently is not described: a change within the same
 * clock tick could leave its times as recorded, and go unseen.
 */
#define MAPFILE_SETTLE_SEC	2

/*
 * The head of every derived file: its kind (an 8-byte magic), the vmgate
 * that wrote it, and what it describes. One protocol for all of them.
 */
struct mapfile_head {
	char magic[MAPFILE_MAGIC_LEN];
	char version[MAPFILE_VERSION_LEN];
	struct mapfile_ident ident;
};

/*
 * Fill h for a derived file of kind magic that describes st; -1 when st
 * changed less than MAPFILE_SETTLE_SEC ago (then write nothing).
 */
int mapfile_head_init(struct mapfile_head *h, const char *magic,
    const struct stat *st);
/* h is of kind magic, written by this vmgate, and st is what it describes */
bool mapfile_head_ok(const struct mapfile_head *h, const char *magic,
    const struct stat *st);

struct mapfile_part {
	const void *buf;
	size_t len;
};

/*
 * Write the parts, in order, to a temp file next to path (mode 0644),
 * fsync it and rename it over path, so readers see the old file or the
 * new one, never half of one. 0, or -1 with nothing left behind.
 */
int mapfile_write(const char *path, const struct mapfile_part *parts,
    size_t nparts);

/*
 * A file up to this size is read into memory rather than mapped: setting
 * up and tearing down a mapping (and its page fault) costs more than
 * copying a few pages, and a small config's snapshot is read on every
 * request.
 */
#define MAPFILE_READ_MAX	(64u << 10)

/*
 * The contents of path, read-only, when it is a regular file (not a
 * link), owned by owner, not writable by group or others, of min..max
 * bytes: read into memory up to MAPFILE_READ_MAX, mapped when larger.
 * NULL otherwise; *len is set on success. Release with mapfile_close.
 */
void *mapfile_open(const char *path, uid_t owner, size_t min, size_t max,
    size_t *len);
/* release what mapfile_open returned (len as it set it); NULL is fine */
void mapfile_close(const void *map, size_t len);

/* exactly len bytes of fd from offset off: 0, or -1 when the file ends
 * early or cannot be read */
int mapfile_pread(int fd, void *buf, size_t len, off_t off);

#endif
