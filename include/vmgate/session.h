/*
 * session: how many requests, consoles and held SPICE sessions a tenant
 * has at once, without a daemon. Slot N of a tenant is the file
 * DIR/UID/TENANT/N (UID: the account vmgate runs as); holding a slot is
 * holding an exclusive flock on it, which the kernel drops when the
 * process ends in any way (kill -9 included). A leaf: plain system calls.
 *
 * DIR is root's: owned by root (or the effective user, for tests), not
 * writable by group or others unless sticky (per-user accounts create
 * their own UID directory in it). UID and TENANT directories belong to
 * the effective user alone (mode 0700), so another account can neither
 * take nor free them; under one shared account, vmgate itself picks the
 * tenant's directory. Nothing is followed through a symbolic link.
 */
#ifndef VMGATE_SESSION_H
#define VMGATE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SESSION_DIR	"/run/vmgate/sessions"
#define SESSION_DIR_MODE 01733	/* root's, sticky: each account adds its own */
#define SESSION_EXTRA_NICE 10	/* a tenant's sessions past its first */
#define SESSION_YIELD_TRIES 10	/* tenths of a second, for the autogroup */
#define SESSION_AUTOGROUP "/proc/self/autogroup"	/* sched(7) */

enum session_take_result {
	SESSION_TAKEN = 0,	/* *fd holds the slot (-1: no limit) */
	SESSION_FULL = -1,	/* every one of the limit's slots is held */
	SESSION_BROKEN = -2,	/* the directory is unsafe: why */
	SESSION_UNCOUNTED = -3	/* nothing this account may count in: the
				   directory does not exist (and it may not
				   make it), its UID directory there is
				   another account's, or a directory or slot
				   it needs cannot be made for lack of space
				   or quota (ENOSPC, EDQUOT): why */
};

/*
 * Take one of tenant's limit slots under dir (limit 0: no limit, nothing
 * is touched): the lowest free one, its number in *slot (0 unless
 * SESSION_TAKEN with a limit). Root creates dir when it is missing; for
 * any other account a missing dir is SESSION_UNCOUNTED, and so is a UID
 * directory that another account made first (the base is writable by
 * all, so any local account could): callers treat it as "no limit can
 * be counted here", never counting in a directory another account
 * controls, rather than as a refusal that would lock the account out.
 * The same goes for a directory or slot file that cannot be made for
 * lack of space or quota: any account can fill the base's file system.
 * On SESSION_TAKEN *fd is the slot's descriptor (close-on-exec), kept
 * open as long as the slot is held; otherwise *fd is -1 and, for
 * SESSION_BROKEN, why says what is wrong (for the log, not for tenants).
 */
int session_take(const char *dir, const char *tenant, unsigned limit,
    int *fd, unsigned *slot, char *why, size_t whylen);

/*
 * st (of DIR/UID, or of a TENANT directory in it, not followed) is a
 * directory of uid's that no other account may enter: the only kind
 * session_take counts in. An account's UID directory that is not so
 * (another account made it first) leaves that account uncounted.
 */
bool session_own_dir(const struct stat *st, uid_t uid);

/*
 * Called with the slot just taken, before the request does any work: a
 * tenant's first session keeps the priority it was started with; every
 * further one (slot 1 and up: the tenant already has that many running)
 * lowers its own to SESSION_EXTRA_NICE, and so does its session's
 * autogroup when it leads the session (as under sshd), so that one
 * tenant's many requests give the CPU to other tenants' first ones.
 * Never raises a priority; a failure leaves it as it was and changes
 * nothing else.
 */
void session_yield(unsigned slot);

/*
 * The nice of pid's autogroup (sched(7): "/autogroup-N nice X" in
 * /proc/PID/autogroup; pid 0: the caller's), -1 when there is none.
 */
int session_autogroup_nice(pid_t pid);

#endif
