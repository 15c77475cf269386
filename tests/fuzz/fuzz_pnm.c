/*
 * fuzz_pnm: the PNM reader of screenshots on arbitrary bytes, fed in
 * slices whose sizes come from the first input byte (the stream from
 * libvirt arrives in pieces of any size). Beyond memory errors it checks
 * what the PNG writer relies on and abort()s otherwise:
 * - the header comes once, before any row, with a size in range;
 * - never more rows than the height, each fully initialised RGB;
 * - a finish that succeeds means every row arrived; any failure sticks.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/image.h"

#include "fuzz.h"

#define MAX_INPUT (1u << 20)

struct seen {
	unsigned headers;
	unsigned width, height, rows;
	unsigned long sum;	/* reads every byte of every row */
};

static int
on_header(void *arg, unsigned width, unsigned height)
{
	struct seen *s = arg;

	CHECK(s->headers == 0 && s->rows == 0);
	CHECK(width >= 1 && width <= IMAGE_MAX_SIDE);
	CHECK(height >= 1 && height <= IMAGE_MAX_SIDE);
	s->headers++;
	s->width = width;
	s->height = height;
	return 0;
}

static int
on_row(void *arg, const unsigned char *rgb)
{
	struct seen *s = arg;
	size_t i;

	CHECK(s->headers == 1 && s->rows < s->height);
	for (i = 0; i < (size_t)s->width * 3; i++)
		s->sum += rgb[i];
	s->rows++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s;
	struct pnm_reader *r;
	size_t slice, off, n;
	int rc = 0;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	slice = (size_t)data[0] + 1;
	data++;
	size--;
	memset(&s, 0, sizeof(s));
	r = pnm_new(on_header, on_row, &s);
	for (off = 0; off < size && rc == 0; off += n) {
		n = size - off < slice ? size - off : slice;
		rc = pnm_feed(r, data + off, n);
	}
	if (rc == 0 && pnm_finish(r) == 0) {
		CHECK(s.headers == 1 && s.rows == s.height);
	} else {
		/* a failure is final */
		CHECK(pnm_feed(r, data, size) == -1 || size == 0);
		CHECK(pnm_finish(r) == -1);
		CHECK(pnm_error(r)[0] != '\0');
	}
	pnm_free(r);
	return 0;
}
