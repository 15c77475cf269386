/*
 * pnm: the binary PNM reader (see include/vmgate/image.h). A push parser:
 * the header byte by byte, then the raster into a one-row buffer, so a
 * frame of any size needs one row of memory. Pure.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/image.h"
#include "vmgate/util.h"

#define PNM_MAX_MAXVAL	65535
#define PNM_FIELDS	3	/* width, height, maxval */

enum pnm_state {
	PNM_MAGIC_P,		/* 'P' */
	PNM_MAGIC_N,		/* '5' or '6' */
	PNM_GAP,		/* blanks and comments before a number */
	PNM_NUMBER,		/* in a number */
	PNM_COMMENT,		/* '#' to the end of the line */
	PNM_RASTER,
	PNM_DONE,
	PNM_FAILED
};

struct pnm_reader {
	enum pnm_state state;
	bool gap_seen;		/* a blank or comment since the last token */
	unsigned field;		/* which of width, height, maxval is read */
	unsigned long value[PNM_FIELDS];
	unsigned channels;	/* 3 for P6, 1 for P5 */
	unsigned sample_bytes;	/* 1, or 2 when maxval > 255 */
	unsigned width, height, rows;
	unsigned char *raw;	/* one row as it arrives */
	size_t raw_len, raw_have;
	unsigned char *rgb;	/* that row as 8-bit RGB */
	image_header_fn on_header;
	image_row_fn on_row;
	void *arg;
	char error[128];
};

static int
pnm_fail(struct pnm_reader *r, const char *msg)
{
	if (r->state != PNM_FAILED)
		snprintf(r->error, sizeof(r->error), "%s", msg);
	r->state = PNM_FAILED;
	return -1;
}

static bool
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

struct pnm_reader *
pnm_new(image_header_fn on_header, image_row_fn on_row, void *arg)
{
	struct pnm_reader *r = xcalloc(1, sizeof(*r));

	r->on_header = on_header;
	r->on_row = on_row;
	r->arg = arg;
	return r;
}

void
pnm_free(struct pnm_reader *r)
{
	if (r == NULL)
		return;
	free(r->raw);
	free(r->rgb);
	free(r);
}

const char *
pnm_error(const struct pnm_reader *r)
{
	return r->error[0] != '\0' ? r->error : "incomplete image";
}

/* the header is complete: check it and size the row buffers */
static int
header_done(struct pnm_reader *r)
{
	unsigned long w = r->value[0], h = r->value[1], maxval = r->value[2];

	if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
		return pnm_fail(r, "image size out of range");
	if (maxval == 0)
		return pnm_fail(r, "maxval out of range");
	r->width = (unsigned)w;
	r->height = (unsigned)h;
	r->sample_bytes = maxval > 255 ? 2 : 1;
	r->raw_len = (size_t)r->width * r->channels * r->sample_bytes;
	r->raw = xmalloc(r->raw_len);
	r->rgb = xmalloc((size_t)r->width * 3);
	r->state = PNM_RASTER;
	if (r->on_header != NULL && r->on_header(r->arg, r->width,
	    r->height) != 0)
		return pnm_fail(r, "stopped at the header");
	return 0;
}

/* one header byte */
static int
header_byte(struct pnm_reader *r, unsigned char c)
{
	switch (r->state) {
	case PNM_MAGIC_P:
		if (c != 'P')
			return pnm_fail(r, "not a binary PNM image");
		r->state = PNM_MAGIC_N;
		return 0;
	case PNM_MAGIC_N:
		if (c != '5' && c != '6')
			return pnm_fail(r, "not a binary PNM image");
		r->channels = c == '6' ? 3 : 1;
		r->state = PNM_GAP;
		r->gap_seen = false;
		return 0;
	case PNM_COMMENT:
		if (c == '\n' || c == '\r')
			r->state = PNM_GAP;
		return 0;
	case PNM_GAP:
		if (is_blank(c)) {
			r->gap_seen = true;
			return 0;
		}
		if (c == '#') {
			r->gap_seen = true;
			r->state = PNM_COMMENT;
			return 0;
		}
		if (c < '0' || c > '9' || !r->gap_seen)
			return pnm_fail(r, "malformed PNM header");
		r->value[r->field] = (unsigned long)(c - '0');
		r->state = PNM_NUMBER;
		return 0;
	case PNM_NUMBER:
		if (c >= '0' && c <= '9') {
			r->value[r->field] = r->value[r->field] * 10 +
			    (unsigned long)(c - '0');
			/* every field's cap is below this: no overflow */
			if (r->value[r->field] > PNM_MAX_MAXVAL)
				return pnm_fail(r, "PNM header number too "
				    "large");
			return 0;
		}
		/* exactly one blank ends the maxval; the raster follows */
		if (!is_blank(c))
			return pnm_fail(r, "malformed PNM header");
		if (++r->field == PNM_FIELDS)
			return header_done(r);
		r->state = PNM_GAP;
		r->gap_seen = true;
		return 0;
	default:
		return pnm_fail(r, "malformed PNM header");
	}
}

static unsigned
sample(const struct pnm_reader *r, size_t i)
{
	unsigned long maxval = r->value[2], v;

	if (r->sample_bytes == 2)
		v = (unsigned long)r->raw[2 * i] << 8 | r->raw[2 * i + 1];
	else
		v = r->raw[i];
	/* a sample above maxval is malformed; it shows as full intensity */
	if (v > maxval)
		v = maxval;
	return (unsigned)((v * 255 + maxval / 2) / maxval);
}

/* the raw row is complete: to RGB, out */
static int
row_done(struct pnm_reader *r)
{
	size_t x;

	for (x = 0; x < r->width; x++) {
		if (r->channels == 3) {
			r->rgb[3 * x] = (unsigned char)sample(r, 3 * x);
			r->rgb[3 * x + 1] = (unsigned char)sample(r, 3 * x + 1);
			r->rgb[3 * x + 2] = (unsigned char)sample(r, 3 * x + 2);
		} else {
			r->rgb[3 * x] = r->rgb[3 * x + 1] = r->rgb[3 * x + 2] =
			    (unsigned char)sample(r, x);
		}
	}
	r->raw_have = 0;
	if (++r->rows == r->height)
		r->state = PNM_DONE;
	if (r->on_row != NULL && r->on_row(r->arg, r->rgb) != 0)
		return pnm_fail(r, "stopped at a row");
	return 0;
}

int
pnm_feed(struct pnm_reader *r, const unsigned char *buf, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		switch (r->state) {
		case PNM_FAILED:
			return -1;
		case PNM_DONE:
			return pnm_fail(r, "data after the image");
		case PNM_RASTER:
			n = r->raw_len - r->raw_have;
			if (n > len - i)
				n = len - i;
			memcpy(r->raw + r->raw_have, buf + i, n);
			r->raw_have += n;
			i += n;
			if (r->raw_have == r->raw_len && row_done(r) != 0)
				return -1;
			break;
		default:
			if (header_byte(r, buf[i++]) != 0)
				return -1;
			break;
		}
	}
	return r->state == PNM_FAILED ? -1 : 0;
}

int
pnm_finish(struct pnm_reader *r)
{
	if (r->state == PNM_DONE)
		return 0;
	return pnm_fail(r, r->state == PNM_RASTER ? "image cut short" :
	    "incomplete PNM header");
}
