/*
 * util: memory helpers that abort on exhaustion, the name allow-list, and
 * the diagnostics list every parser fills. A leaf: includes nothing of ours.
 */
#ifndef VMGATE_UTIL_H
#define VMGATE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define NAME_MAX_LEN 64		/* [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
#define HOST_MAX_LEN 253	/* a DNS name; an address literal is shorter */
#define HOST_LABEL_MAX 63
#define MAX_DIAGS 1000		/* a config with more problems is hopeless */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* free(*pp) and set it NULL; accepts NULL */
void xfree_ptr(void *pp);

/* qsort and bsearch order of an array of strings (each element a char *) */
int str_ptr_cmp(const void *a, const void *b);
/* Sort an array of borrowed strings and drop repeats; the new count. */
size_t str_sort_unique(const char **v, size_t n);

/* true when s matches [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
bool name_valid(const char *s);

/*
 * true when h names one host a connection can go to: an IPv4 address in
 * dotted-quad form, an IPv6 address (no brackets, no zone), or a DNS name
 * (labels of letters, digits and '-', neither first nor last '-', at most
 * HOST_LABEL_MAX bytes each and HOST_MAX_LEN in all, the last label not
 * all digits, so "127.1" or "10.0.0.256" is no name). The wildcard
 * addresses (0.0.0.0, ::, ::ffff:0.0.0.0) are refused: they name no host.
 */
bool host_valid(const char *h);

/*
 * A libvirt URI as a tenant may read it: "SCHEME://HOST[:PORT]/PATH"
 * without the user name, the query and the fragment, which may name an
 * account, a key file or a socket path; a PATH other than /system or
 * /session is shown as "/...". Anything that does not look like a URI is
 * shown as "(hypervisor)". Bytes outside printable ASCII become \xNN.
 */
void uri_shown(char *dst, size_t dstsize, const char *uri);

/* true when uri names no host ("qemu:///system"): this machine's daemon */
bool uri_local(const char *uri);

/*
 * Copy src into dst (size dstsize) with every byte outside printable ASCII
 * shown as \xNN, cut to fit. For echoing untrusted text to a terminal or log.
 */
void str_sanitize(char *dst, size_t dstsize, const char *src);

/*
 * Every directory that leads to path (after resolving links), from its
 * parent up to "/", is owned by root or owner_ok and writable by nobody
 * else, unless it has the sticky bit (as /tmp): otherwise whoever may write
 * one of them could swap in a file of their own. 0, or -1 with the
 * offending directory and why in why.
 */
int path_dirs_safe(const char *path, uid_t owner_ok, char *why,
    size_t whylen);

/*
 * path names a file others cannot swap or change: no component of it is a
 * symbolic link, it is a regular file owned by root or owner_ok and not
 * writable by group or others, and path_dirs_safe holds for it. For files
 * vmgate hands on by name (install media), so the check is on the path,
 * not on an open descriptor. 0, or -1 with why.
 */
int path_file_safe(const char *path, uid_t owner_ok, char *why,
    size_t whylen);

/* A list of one-line problems, e.g. "FILE:LINE: message". Bytes outside
 * printable ASCII in a message are stored as \xNN. */
struct diag {
	char **msgs;
	size_t count;
	size_t dropped;	/* past MAX_DIAGS */
};

void diag_init(struct diag *d);
void diag_add(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_vadd(struct diag *d, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void diag_clear(struct diag *d);
/* every message on its own line, then how many were dropped, if any */
void diag_print(const struct diag *d, FILE *f);

/*
 * fork, with the child running as account user: its uid, gid and
 * supplementary groups, so that what the child may open is the kernel's
 * answer for that account (every directory above and any ACL counted).
 * The child may use system calls only (the parent may have threads) and
 * ends with _exit; one that cannot take the ids exits 127 at once. The
 * child's pid in the parent, 0 in the child, -1 when there is no such
 * account or no fork.
 */
pid_t fork_as_account(const char *user);

/*
 * Start fn(arg) in a detached thread that takes no signal, so that the
 * signals a request holds or ignores (SIGTERM until its audit line is
 * written) stay the main thread's. 0, or pthread_create's error.
 */
int thread_detached(void *(*fn)(void *), void *arg);

#endif
