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

/* Write text into a fresh file in a fresh temp dir with mode; returns the
 * malloc'd path. The dir is left for the OS (tests run in their own tmp). */
static inline char *
unit_write_file(const char *name, const char *text, mode_t mode)
{
	char dir[] = "/tmp/vmgate-unit-XXXXXX";
	char *path;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		abort();
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
