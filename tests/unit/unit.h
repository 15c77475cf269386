/*
 * unit.h: what every unit test file includes: cmocka and small helpers.
 */
#ifndef VMGATE_UNIT_H
#define VMGATE_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ftw.h>

/*
 * A test whose last part needs root (chown to another owner, a mount
 * namespace) ends here when not root: counted as SKIPPED, never as passed.
 */
static inline void
unit_skip_unless_root(const char *what)
{
	if (geteuid() != 0) {
		print_message("not root: %s not tested: SKIPPED\n", what);
		skip();
	}
}
#define skip_unless_root(what) unit_skip_unless_root(what)

#define UNIT_MAX_TMPDIRS	4096
#define UNIT_RMTREE_FDS		16

/*
 * Temp dirs a test made, removed when the program exits: a test run leaves
 * /tmp as it found it. Only the process that made them removes them (a
 * forked child that exits must not pull a dir from under its parent).
 */
static char *unit_tmpdirs[UNIT_MAX_TMPDIRS];
static size_t unit_ntmpdirs;
static pid_t unit_tmpdir_owner;

static inline int
unit_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

/* a mode 0 directory a test left cannot be entered, even to clean it */
static inline int
unit_open_dir(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

/* remove dir and all it holds; only ever below /tmp */
static inline void
unit_rmtree(const char *dir)
{
	if (dir == NULL || strncmp(dir, "/tmp/", 5) != 0)
		return;
	(void)nftw(dir, unit_open_dir, UNIT_RMTREE_FDS, FTW_PHYS);
	(void)nftw(dir, unit_rm_entry, UNIT_RMTREE_FDS, FTW_DEPTH | FTW_PHYS);
}

static inline void
unit_rm_tmpdirs(void)
{
	size_t i;

	if (getpid() != unit_tmpdir_owner)
		return;
	for (i = 0; i < unit_ntmpdirs; i++) {
		unit_rmtree(unit_tmpdirs[i]);
		free(unit_tmpdirs[i]);
	}
	unit_ntmpdirs = 0;
}

/* mkdtemp(tmpl), and the dir is removed at exit; aborts on failure */
static inline char *
unit_mkdtemp(char *tmpl)
{
	if (mkdtemp(tmpl) == NULL)
		abort();
	if (unit_tmpdir_owner == 0) {
		unit_tmpdir_owner = getpid();
		if (atexit(unit_rm_tmpdirs) != 0)
			abort();
	}
	if (unit_ntmpdirs == UNIT_MAX_TMPDIRS ||
	    (unit_tmpdirs[unit_ntmpdirs] = strdup(tmpl)) == NULL)
		abort();
	unit_ntmpdirs++;
	return tmpl;
}

/* Write text into a fresh file in a fresh temp dir with mode; returns the
 * malloc'd path. The dir goes at exit (unit_mkdtemp). */
static inline char *
unit_write_file(const char *name, const char *text, mode_t mode)
{
	char dir[] = "/tmp/vmgate-unit-XXXXXX";
	char *path;
	FILE *f;

	unit_mkdtemp(dir);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	if (chmod(path, mode) != 0)
		abort();
	return path;
}

#endif
