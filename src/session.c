/*
 * session: per-tenant session slots as flock'ed files (see session.h).
 * Every step opens relative to the directory it has already checked, with
 * O_NOFOLLOW, so nothing can be swapped in between a check and its use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmgate/session.h"
#include "vmgate/util.h"

#define SESSION_OWN_MODE	0700	/* UID and TENANT directories */
#define SESSION_PARENT_MODE	0755	/* /run/vmgate, made by root */
#define SESSION_SLOT_MODE	0600
#define SESSION_NAME_BUF	24	/* a uid or a slot number */

/* O_PATH: the base is not readable by the accounts that use it */
#define DIR_FLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/*
 * The base is writable by every account, and /run a size-limited tmpfs:
 * anyone can use up its space or inodes. What cannot be made for that is
 * not counted (the request is served), as when the base is missing:
 * anything else would let one account lock every tenant out.
 */
static bool
no_room(int e)
{
	return e == ENOSPC || e == EDQUOT;
}

/* root only: the directory dir is in, root's and 0755, when missing */
static void
make_parent(const char *dir)
{
	char parent[4096], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == NULL || slash == parent)
		return;
	*slash = '\0';
	if (mkdir(parent, SESSION_PARENT_MODE) == 0)
		(void)chmod(parent, SESSION_PARENT_MODE);
}

/*
 * root only: dir, found missing, made and opened. Another request may
 * make it at the same moment: then it is opened as that one made it (and
 * checked like any base), not refused.
 */
static int
make_base(const char *dir)
{
	make_parent(dir);
	if (mkdir(dir, SESSION_DIR_MODE) == 0) {
		/* umask took bits away: set the mode the rule wants */
		if (chmod(dir, SESSION_DIR_MODE) != 0)
			return -1;
	} else if (errno != EEXIST)
		return -1;
	return open(dir, DIR_FLAGS);
}

/* dir: root's (or the effective user's), never writable by others
 * unless sticky, and so is every directory above it; -2 when it does not
 * exist (and root could not make it, or had no room to), -1 when it is
 * not safe */
static int
open_base(const char *dir, char *why, size_t whylen)
{
	char probe[4096];
	struct stat st;
	int fd;

	fd = open(dir, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && geteuid() == 0)
		fd = make_base(dir);
	if (fd < 0) {
		int missing = errno == ENOENT || no_room(errno);

		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return missing ? -2 : -1;
	}
	if (fstat(fd, &st) != 0 || (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(why, whylen, "%s: not owned by root", dir);
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		snprintf(why, whylen, "%s: writable by group or others and "
		    "not sticky", dir);
		goto fail;
	}
	/* the directories above it, as path_dirs_safe sees a file in it */
	snprintf(probe, sizeof(probe), "%s/.", dir);
	if (path_dirs_safe(probe, geteuid(), why, whylen) != 0)
		goto fail;
	return fd;
 fail:
	close(fd);
	return -1;
}

bool
session_own_dir(const struct stat *st, uid_t uid)
{
	return S_ISDIR(st->st_mode) && st->st_uid == uid &&
	    (st->st_mode & 077) == 0;
}

/* name in parent: a directory of the effective user's alone, made if
 * missing; -2 when there is no room to make it, -1 otherwise */
static int
open_own_dir(int parent, const char *name, char *why, size_t whylen)
{
	struct stat st;
	int fd;

	fd = openat(parent, name, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(parent, name, SESSION_OWN_MODE) != 0 &&
		    errno != EEXIST) {
			int e = errno;

			snprintf(why, whylen, "%s: %s", name, strerror(e));
			return no_room(e) ? -2 : -1;
		}
		fd = openat(parent, name, DIR_FLAGS);
	}
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !session_own_dir(&st, geteuid())) {
		snprintf(why, whylen, "%s: not the account's own directory "
		    "(owner uid %lu, mode %03o)", name,
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	return fd;
}

/* slot n in dir, locked: its fd; -1 with errno EWOULDBLOCK when another
 * process holds it, or -1 with why (errno ENOSPC or EDQUOT: no room to
 * make it) */
static int
lock_slot(int dir, unsigned n, char *why, size_t whylen)
{
	char name[SESSION_NAME_BUF];
	struct stat st;
	int fd;

	snprintf(name, sizeof(name), "%u", n);
	fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK, SESSION_SLOT_MODE);
	if (fd < 0) {
		int e = errno;

		snprintf(why, whylen, "slot %s: %s", name, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || st.st_nlink != 1) {
		snprintf(why, whylen, "slot %s: not a plain file of the "
		    "account's own", name);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		if (e != EWOULDBLOCK)
			snprintf(why, whylen, "slot %s: %s", name, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
session_take(const char *dir, const char *tenant, unsigned limit,
    int *fd, unsigned *slot, char *why, size_t whylen)
{
	char uid[SESSION_NAME_BUF];
	int base = -1, mine = -1, tdir = -1, r = SESSION_BROKEN;
	unsigned n;

	*fd = -1;
	*slot = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (limit == 0)
		return SESSION_TAKEN;
	if (!name_valid(tenant)) {
		snprintf(why, whylen, "not a tenant name");
		return SESSION_BROKEN;
	}
	snprintf(uid, sizeof(uid), "%lu", (unsigned long)geteuid());
	if ((base = open_base(dir, why, whylen)) < 0) {
		if (base == -2)
			r = SESSION_UNCOUNTED;
		base = -1;
		goto out;
	}
	if ((mine = open_own_dir(base, uid, why, whylen)) < 0) {
		r = SESSION_UNCOUNTED;
		goto out;
	}
	if ((tdir = open_own_dir(mine, tenant, why, whylen)) < 0) {
		if (tdir == -2)
			r = SESSION_UNCOUNTED;
		tdir = -1;
		goto out;
	}
	r = SESSION_FULL;
	for (n = 0; n < limit; n++) {
		*fd = lock_slot(tdir, n, why, whylen);
		if (*fd >= 0) {
			*slot = n;
			r = SESSION_TAKEN;
			break;
		}
		if (errno != EWOULDBLOCK) {
			r = no_room(errno) ? SESSION_UNCOUNTED : SESSION_BROKEN;
			break;
		}
	}
 out:
	if (tdir >= 0)
		close(tdir);
	if (mine >= 0)
		close(mine);
	if (base >= 0)
		close(base);
	return r;
}

/*
 * With the kernel's autogroup scheduling (sched(7)), on where no cpu
 * cgroup takes its place, a nice value weighs only against processes of
 * the same session, and sshd gives every login a session of its own: the
 * session's group has its own nice, in /proc/self/autogroup ("/autogroup-N
 * nice X"). Only a session leader changes it, so vmgate started by sshd
 * (the key line's `exec` keeps it the leader) lowers its session's, and
 * vmgate run from someone's shell never lowers that shell's session.
 */
int
session_autogroup_nice(pid_t pid)
{
	char path[64], buf[64];
	const char *at;
	ssize_t n = -1;
	int fd, nice;

	if (pid == 0)
		snprintf(path, sizeof(path), "%s", SESSION_AUTOGROUP);
	else
		snprintf(path, sizeof(path), "/proc/%ld/autogroup", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((at = strstr(buf, " nice ")) == NULL ||
	    sscanf(at, " nice %d", &nice) != 1)
		return -1;
	return nice;
}

/*
 * Without CAP_SYS_ADMIN the kernel takes one autogroup change per tenth of
 * a second from the whole host and refuses the others with EAGAIN, so
 * extra sessions that start together (a flood) would mostly stay at full
 * weight: each tries again, for SESSION_YIELD_TRIES tenths at most. Any
 * other failure leaves the group as it is, and the request is served all
 * the same.
 */
static void
yield_autogroup(void)
{
	static const struct timespec tenth = { 0, 100 * 1000 * 1000 };
	char buf[16];
	int fd, nice, i;
	size_t len;

	if (getsid(0) != getpid())
		return;
	/* -1: no group shown (no autogroup in this kernel) */
	if ((nice = session_autogroup_nice(0)) == -1 ||
	    nice >= SESSION_EXTRA_NICE)
		return;
	len = (size_t)snprintf(buf, sizeof(buf), "%d\n", SESSION_EXTRA_NICE);
	if ((fd = open(SESSION_AUTOGROUP, O_WRONLY | O_CLOEXEC)) < 0)
		return;
	for (i = 0; i < SESSION_YIELD_TRIES; i++) {
		if (write(fd, buf, len) >= 0 || errno != EAGAIN)
			break;
		(void)nanosleep(&tenth, NULL);
	}
	close(fd);
}

/*
 * Linux keeps a nice value per thread and PRIO_PROCESS 0 is the calling
 * one: this runs before libvirt starts any thread, so every thread the
 * request makes, and the program a held session starts afresh, inherit it.
 */
void
session_yield(unsigned slot)
{
	int now;

	if (slot == 0)
		return;
	yield_autogroup();
	errno = 0;
	now = getpriority(PRIO_PROCESS, 0);
	if (now == -1 && errno != 0)
		return;
	/* lowering is always allowed; what fails is only not done */
	if (now < SESSION_EXTRA_NICE)
		(void)setpriority(PRIO_PROCESS, 0, SESSION_EXTRA_NICE);
}
