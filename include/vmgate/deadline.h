/*
 * deadline: how long a request may wait on libvirt. libvirt bounds no
 * call that a daemon has accepted: a QEMU that no longer answers its
 * monitor keeps `reset` (or a screenshot, or a SPICE password) waiting
 * forever, and with it one of the tenant's session slots, in a process
 * that ignores hang-ups until its audit line is written. One thread of
 * its own waits out the time; unless the request disarms it first, it
 * runs the caller's function and ends the process with the exit status
 * that function returns. A leaf: plain POSIX threads.
 */
#ifndef VMGATE_DEADLINE_H
#define VMGATE_DEADLINE_H

/*
 * The function runs in the deadline's thread while the request may be
 * inside libvirt: it must not call libvirt, nor use a stdio stream the
 * request may hold. Its return value is the process's exit status.
 */
typedef int (*deadline_fn)(void *arg);

/*
 * (Re)arm: seconds from now, fire(arg) ends the process. 0, or -1 when
 * the thread cannot be started (nothing is armed then).
 */
int deadline_arm(unsigned seconds, deadline_fn fire, void *arg);

/*
 * Disarm. If the deadline is firing at that moment this waits for the
 * process to end, so that the request and fire never both finish it.
 */
void deadline_disarm(void);

/*
 * Arm again as the last deadline_arm did: its seconds, from now, and its
 * function. For a request that stopped waiting on libvirt for a while
 * (disarmed while it writes at the tenant's pace) and now waits on it
 * again. 0, or -1 when nothing was ever armed.
 */
int deadline_resume(void);

#endif
