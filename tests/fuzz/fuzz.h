/*
 * fuzz.h: what every fuzz target shares: libFuzzer's entry point, the
 * CHECK that turns a broken promise into a crash the fuzzer reports, and
 * the input as a C string for the readers that take one.
 */
#ifndef VMGATE_FUZZ_H
#define VMGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond))							\
		abort();						\
} while (0)

/* data and a NUL after it, malloc'd; NULL when size is over max */
static inline char *
fuzz_text(const uint8_t *data, size_t size, size_t max)
{
	char *s;

	if (size > max)
		return NULL;
	s = malloc(size + 1);
	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
