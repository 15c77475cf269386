/*
 * util: memory helpers that abort on exhaustion, the name allow-list, and
 * the diagnostics list every parser fills. A leaf: includes nothing of ours.
 */
#ifndef VMGATE_UTIL_H
#define VMGATE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NAME_MAX_LEN 64		/* [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
#define MAX_DIAGS 1000		/* a config with more problems is hopeless */

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* free(*pp) and set it NULL; accepts NULL */
void xfree_ptr(void *pp);

/* true when s matches [A-Za-z0-9][A-Za-z0-9._-]{0,63} */
bool name_valid(const char *s);

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

#endif
