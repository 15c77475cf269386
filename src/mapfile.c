/*
 * mapfile: atomic writes and trusted read-only contents
 * (include/vmgate/mapfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmgate/mapfile.h"
#include "vmgate/util.h"

void
mapfile_ident_of(struct mapfile_ident *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime_sec = st->st_mtim.tv_sec;
	id->mtime_nsec = st->st_mtim.tv_nsec;
	id->ctime_sec = st->st_ctim.tv_sec;
	id->ctime_nsec = st->st_ctim.tv_nsec;
}

bool
mapfile_ident_same(const struct mapfile_ident *id, const struct stat *st)
{
	struct mapfile_ident now;

	mapfile_ident_of(&now, st);
	return id->dev == now.dev && id->ino == now.ino &&
	    id->size == now.size && id->mtime_sec == now.mtime_sec &&
	    id->mtime_nsec == now.mtime_nsec &&
	    id->ctime_sec == now.ctime_sec &&
	    id->ctime_nsec == now.ctime_nsec;
}

int
mapfile_head_init(struct mapfile_head *h, const char *magic,
    const struct stat *st)
{
	time_t now = time(NULL);

	if (now - st->st_mtim.tv_sec < MAPFILE_SETTLE_SEC ||
	    now - st->st_ctim.tv_sec < MAPFILE_SETTLE_SEC)
		return -1;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, MAPFILE_MAGIC_LEN);
	snprintf(h->version, sizeof(h->version), "%s", VMGATE_VERSION);
	mapfile_ident_of(&h->ident, st);
	return 0;
}

bool
mapfile_head_ok(const struct mapfile_head *h, const char *magic,
    const struct stat *st)
{
	return memcmp(h->magic, magic, MAPFILE_MAGIC_LEN) == 0 &&
	    strncmp(h->version, VMGATE_VERSION, sizeof(h->version)) == 0 &&
	    mapfile_ident_same(&h->ident, st);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
mapfile_pread(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	size_t have = 0;
	ssize_t got;

	while (have < len) {
		got = pread(fd, p + have, len - have, off + (off_t)have);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		have += (size_t)got;
	}
	return 0;
}

int
mapfile_write(const char *path, const struct mapfile_part *parts,
    size_t nparts)
{
	char *tmp = NULL;
	size_t i;
	int fd = -1, r = -1;
	bool created = false;

	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		goto out;
	created = true;
	if (fchmod(fd, 0644) != 0)
		goto out;
	for (i = 0; i < nparts; i++) {
		if (write_all(fd, parts[i].buf, parts[i].len) != 0)
			goto out;
	}
	if (fsync(fd) != 0)
		goto out;
	r = close(fd);
	fd = -1;
	if (r != 0 || rename(tmp, path) != 0) {
		r = -1;
		goto out;
	}
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	/* only the name we created: after a failed mkostemp it may be
	 * anybody's */
	if (r != 0 && created)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

void *
mapfile_open(const char *path, uid_t owner, size_t min, size_t max,
    size_t *len)
{
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != owner || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    st.st_size < (off_t)min || (size_t)st.st_size > max) {
		close(fd);
		return NULL;
	}
	if ((size_t)st.st_size <= MAPFILE_READ_MAX) {
		map = xmalloc((size_t)st.st_size);
		if (mapfile_pread(fd, map, (size_t)st.st_size, 0) != 0) {
			free(map);
			map = NULL;
		}
	} else {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
		if (map == MAP_FAILED)
			map = NULL;
	}
	close(fd);
	if (map != NULL)
		*len = (size_t)st.st_size;
	return map;
}

void
mapfile_close(const void *map, size_t len)
{
	if (map == NULL)
		return;
	if (len <= MAPFILE_READ_MAX)
		free((void *)map);
	else
		munmap((void *)map, len);
}
