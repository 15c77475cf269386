/*
 * util: allocation that never returns NULL, the name allow-list, text
 * sanitising for terminals and logs, and the diagnostics list.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>

#include "vmgate/util.h"

static void
oom(void)
{
	static const char msg[] = "vmgate: out of memory\n";
	ssize_t r = write(2, msg, sizeof(msg) - 1);
	(void)r;
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom();
	p = realloc(p, nmemb * size != 0 ? nmemb * size : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (p == NULL)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return p;
}

void
xfree_ptr(void *pp)
{
	void **p = pp;

	if (p == NULL)
		return;
	free(*p);
	*p = NULL;
}

static bool
name_char(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '.' || c == '_' || c == '-');
}

bool
name_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= NAME_MAX_LEN || !name_char(s[i], i == 0))
			return false;
	}
	return true;
}

/* a DNS name as host_valid describes it */
static bool
dns_name_valid(const char *h)
{
	size_t len = strlen(h), label = 0, i;
	bool digits_only = true;

	if (len == 0 || len > HOST_MAX_LEN)
		return false;
	for (i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			/* an empty label, or one ending in '-' */
			if (label == 0 || h[i - 1] == '-')
				return false;
			if (c == '\0')
				break;
			label = 0;
			digits_only = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)))
			return false;
		if (c < '0' || c > '9')
			digits_only = false;
		if (++label > HOST_LABEL_MAX)
			return false;
	}
	return !digits_only;
}

bool
host_valid(const char *h)
{
	static const unsigned char any6[16];
	static const unsigned char any_mapped[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0
	};
	unsigned char bin[16];

	if (h == NULL)
		return false;
	if (inet_pton(AF_INET, h, bin) == 1)
		return memcmp(bin, any6, 4) != 0;
	if (inet_pton(AF_INET6, h, bin) == 1)
		return memcmp(bin, any6, 16) != 0 &&
		    memcmp(bin, any_mapped, 16) != 0;
	return dns_name_valid(h);
}

void
uri_shown(char *dst, size_t dstsize, const char *uri)
{
	const char *sep, *auth, *auth_end, *at, *path, *path_end;
	char *raw;
	size_t n;

	sep = uri != NULL ? strstr(uri, "://") : NULL;
	if (sep == NULL || sep == uri || strspn(uri,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
	    != (size_t)(sep - uri)) {
		str_sanitize(dst, dstsize, "(hypervisor)");
		return;
	}
	auth = sep + 3;
	auth_end = auth + strcspn(auth, "/?#");
	/* user@host: the user part stays behind */
	for (at = auth_end; at > auth && at[-1] != '@'; at--)
		;
	path = auth_end;
	path_end = path + strcspn(path, "?#");
	n = (size_t)(path_end - path);
	if (!((n == 7 && strncmp(path, "/system", 7) == 0) ||
	    (n == 8 && strncmp(path, "/session", 8) == 0))) {
		path = n > 1 ? "/..." : "/";
		n = strlen(path);
	}
	raw = xasprintf("%.*s://%.*s%.*s", (int)(sep - uri), uri,
	    (int)(auth_end - at), at, (int)n, path);
	str_sanitize(dst, dstsize, raw);
	free(raw);
}

bool
uri_local(const char *uri)
{
	const char *sep = uri != NULL ? strstr(uri, "://") : NULL;

	return sep != NULL && sep[3] == '/';
}

void
str_sanitize(char *dst, size_t dstsize, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (dstsize == 0)
		return;
	for (; src != NULL && *src != '\0'; src++) {
		unsigned char c = (unsigned char)*src;

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			if (o + 1 >= dstsize)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstsize)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
}

/*
 * Messages quote file names and file contents: show every byte outside
 * printable ASCII as \xNN, so none reaches a terminal or log raw.
 * Takes ownership of msg.
 */
static char *
escape_controls(char *msg)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, extra = 0;
	char *out;

	for (i = 0; msg[i] != '\0'; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c >= 0x7f)
			extra += 3;
	}
	if (extra == 0)
		return msg;
	out = xmalloc(i + extra + 1);
	for (i = 0; msg[i] != '\0'; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	free(msg);
	return out;
}

int
path_dirs_safe(const char *path, uid_t owner_ok, char *why, size_t whylen)
{
	char *copy = NULL, *dir = NULL, *slash;
	struct stat st;
	int r = -1;

	copy = xstrdup(path);
	slash = strrchr(copy, '/');
	if (slash == NULL)
		dir = realpath(".", NULL);
	else if (slash == copy)
		dir = realpath("/", NULL);
	else {
		*slash = '\0';
		dir = realpath(copy, NULL);
	}
	if (dir == NULL) {
		snprintf(why, whylen, "cannot resolve the directory of %s: %s",
		    path, strerror(errno));
		goto out;
	}
	for (;;) {
		if (stat(dir, &st) != 0) {
			snprintf(why, whylen, "%s: %s", dir, strerror(errno));
			goto out;
		}
		if (st.st_uid != 0 && st.st_uid != owner_ok) {
			snprintf(why, whylen, "%s: owned by uid %lu", dir,
			    (unsigned long)st.st_uid);
			goto out;
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
		    (st.st_mode & S_ISVTX) == 0) {
			snprintf(why, whylen, "%s: writable by group or "
			    "others", dir);
			goto out;
		}
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	r = 0;
 out:
	free(dir);
	free(copy);
	return r;
}

int
path_file_safe(const char *path, uid_t owner_ok, char *why, size_t whylen)
{
	char *prefix = NULL, *slash;
	struct stat st;
	int r = -1;

	if (path[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path", path);
		return -1;
	}
	/* every component, the file itself last, without following links */
	prefix = xstrdup(path);
	for (slash = strchr(prefix + 1, '/');; slash = strchr(slash + 1, '/')) {
		if (slash != NULL)
			*slash = '\0';
		if (lstat(prefix, &st) != 0) {
			snprintf(why, whylen, "%s: %s", prefix, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			snprintf(why, whylen, "%s: is a symbolic link", prefix);
			goto out;
		}
		if (slash == NULL)
			break;
		*slash = '/';
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != owner_ok) {
		snprintf(why, whylen, "%s: owned by uid %lu, not root", path,
		    (unsigned long)st.st_uid);
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(why, whylen, "%s: writable by group or others", path);
		goto out;
	}
	r = path_dirs_safe(path, owner_ok, why, whylen);
 out:
	free(prefix);
	return r;
}

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_vadd(struct diag *d, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (d->count >= MAX_DIAGS) {
		d->dropped++;
		return;
	}
	if (vasprintf(&msg, fmt, ap) < 0)
		oom();
	d->msgs = xreallocarray(d->msgs, d->count + 1, sizeof(*d->msgs));
	d->msgs[d->count++] = escape_controls(msg);
}

void
diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, fmt, ap);
	va_end(ap);
}

void
diag_clear(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		free(d->msgs[i]);
	free(d->msgs);
	diag_init(d);
}

void
diag_print(const struct diag *d, FILE *f)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		fprintf(f, "%s\n", d->msgs[i]);
	if (d->dropped > 0)
		fprintf(f, "vmgate: %zu more problems not shown\n", d->dropped);
}

int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t
str_sort_unique(const char **v, size_t n)
{
	size_t i, o;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), str_ptr_cmp);
	for (i = o = 1; i < n; i++) {
		if (strcmp(v[i], v[o - 1]) != 0)
			v[o++] = v[i];
	}
	return o;
}

int
thread_detached(void *(*fn)(void *), void *arg)
{
	pthread_attr_t ta;
	pthread_t t;
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &ta, fn, arg);
	pthread_attr_destroy(&ta);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

pid_t
fork_as_account(const char *user)
{
	struct passwd *pw = getpwnam(user);
	gid_t *groups;
	int ngroups = 64;
	pid_t pid;

	if (pw == NULL)
		return -1;
	groups = xreallocarray(NULL, (size_t)ngroups, sizeof(*groups));
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) == -1) {
		groups = xreallocarray(groups, (size_t)ngroups,
		    sizeof(*groups));
		if (getgrouplist(pw->pw_name, pw->pw_gid, groups,
		    &ngroups) == -1) {
			free(groups);
			return -1;
		}
	}
	pid = fork();
	if (pid == 0 && (setgroups((size_t)ngroups, groups) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1))
		_exit(127);
	free(groups);
	return pid;
}
