/*
 * image: a screenshot stream to a PNG, row by row (see
 * include/vmgate/image.h). Both readers hand rows to one libpng writer;
 * libpng reports errors through our error function, which jumps back to
 * the entry point that fed it (conv_guard), never into libpng's own
 * jump buffer.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/image.h"
#include "vmgate/util.h"
#include "image_dl.h"

/* ancillary chunks libpng keeps while reading a PNG: enough for what
 * QEMU writes, bounded for what it should not */
#define PNG_CHUNK_CACHE_MAX	32
#define PNG_CHUNK_MALLOC_MAX	(64 * 1024)

struct image_conv {
	jmp_buf jb;
	bool failed;
	char error[160];
	/* the source: one of the two */
	struct pnm_reader *pnm;
	png_structp in;
	png_infop in_info;
	bool in_done;		/* the PNG's IEND was read */
	/* the PNG written */
	png_structp out;
	png_infop out_info;
	unsigned width, height, rows;
	bool complete;
	image_write_fn write;
	void *arg;
};

/* record why and jump back to the entry point; the first reason wins */
static void __attribute__((noreturn))
conv_fail(struct image_conv *c, const char *msg)
{
	if (!c->failed)
		snprintf(c->error, sizeof(c->error), "%s", msg);
	c->failed = true;
	longjmp(c->jb, 1);
}

static void
png_error_cb(png_structp png, png_const_charp msg)
{
	conv_fail(png_get_error_ptr(png), msg != NULL ? msg : "libpng error");
}

static void
png_warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
write_cb(png_structp png, png_bytep data, size_t len)
{
	struct image_conv *c = png_get_io_ptr(png);

	if (c->write(c->arg, data, len) != 0)
		conv_fail(c, "cannot write the image");
}

static void
flush_cb(png_structp png)
{
	(void)png;
}

/* the source's header: the PNG gets the same size */
static int
start_output(void *arg, unsigned width, unsigned height)
{
	struct image_conv *c = arg;

	c->width = width;
	c->height = height;
	png_set_IHDR(c->out, c->out_info, width, height, 8, PNG_COLOR_TYPE_RGB,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(c->out, c->out_info);
	return 0;
}

static int
put_row(void *arg, const unsigned char *rgb)
{
	struct image_conv *c = arg;

	if (c->width == 0 || c->rows >= c->height)
		conv_fail(c, "a row outside the image");
	png_write_row(c->out, rgb);
	if (++c->rows == c->height) {
		png_write_end(c->out, c->out_info);
		c->complete = true;
	}
	return 0;
}

/* libpng's progressive reader: the header is in */
static void
in_info_cb(png_structp png, png_infop info)
{
	struct image_conv *c = png_get_progressive_ptr(png);
	png_uint_32 w = 0, h = 0;
	int depth, color, interlace;

	png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, NULL,
	    NULL);
	/* interlaced rows arrive in passes: that would need a whole frame */
	if (interlace != PNG_INTERLACE_NONE)
		conv_fail(c, "interlaced PNG");
	/* whatever it holds, 8-bit RGB comes out */
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_strip_alpha(png);
	png_set_gray_to_rgb(png);
	png_read_update_info(png, info);
	if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE ||
	    png_get_rowbytes(png, info) != (size_t)w * 3)
		conv_fail(c, "unexpected PNG layout");
	start_output(c, w, h);
}

static void
in_row_cb(png_structp png, png_bytep row, png_uint_32 n, int pass)
{
	struct image_conv *c = png_get_progressive_ptr(png);

	(void)pass;
	if (row == NULL || n != c->rows)
		conv_fail(c, "PNG rows out of order");
	put_row(c, row);
}

static void
in_end_cb(png_structp png, png_infop info)
{
	struct image_conv *c = png_get_progressive_ptr(png);

	(void)info;
	c->in_done = true;
}

struct image_conv *
image_conv_new(const char *mime, image_write_fn write, void *arg, char *err,
    size_t errlen)
{
	struct image_conv *c = NULL;
	bool png_in;

	if (mime != NULL && strcmp(mime, IMAGE_MIME_PNG) == 0)
		png_in = true;
	else if (mime != NULL && strcmp(mime, IMAGE_MIME_PNM) == 0)
		png_in = false;
	else {
		snprintf(err, errlen, "unsupported image type");
		return NULL;
	}
	if (image_png_load(err, errlen) != 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->write = write;
	c->arg = arg;
	c->out = png_create_write_struct(PNG_LIBPNG_VER_STRING, c,
	    png_error_cb, png_warning_cb);
	if (c->out == NULL || (c->out_info = png_create_info_struct(c->out)) ==
	    NULL)
		goto fail;
	png_set_write_fn(c->out, c, write_cb, flush_cb);
	if (!png_in) {
		c->pnm = pnm_new(start_output, put_row, c);
		return c;
	}
	c->in = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_error_cb,
	    png_warning_cb);
	if (c->in == NULL || (c->in_info = png_create_info_struct(c->in)) ==
	    NULL)
		goto fail;
	png_set_user_limits(c->in, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
	png_set_chunk_cache_max(c->in, PNG_CHUNK_CACHE_MAX);
	png_set_chunk_malloc_max(c->in, PNG_CHUNK_MALLOC_MAX);
	png_set_progressive_read_fn(c->in, c, in_info_cb, in_row_cb, in_end_cb);
	return c;

 fail:
	snprintf(err, errlen, "libpng: out of memory");
	image_conv_free(c);
	return NULL;
}

int
image_conv_feed(struct image_conv *c, const unsigned char *buf, size_t len)
{
	if (c->failed)
		return -1;
	if (setjmp(c->jb) != 0)
		return -1;
	if (c->pnm != NULL) {
		if (pnm_feed(c->pnm, buf, len) != 0)
			conv_fail(c, pnm_error(c->pnm));
	} else if (len > 0) {
		/* libpng only reads the buffer, its prototype is older
		 * than const */
		png_process_data(c->in, c->in_info, (png_bytep)(uintptr_t)buf,
		    len);
	}
	return 0;
}

int
image_conv_finish(struct image_conv *c)
{
	if (c->failed)
		return -1;
	if (setjmp(c->jb) != 0)
		return -1;
	if (c->pnm != NULL && pnm_finish(c->pnm) != 0)
		conv_fail(c, pnm_error(c->pnm));
	if (c->pnm == NULL && !c->in_done)
		conv_fail(c, "PNG cut short");
	if (!c->complete)
		conv_fail(c, "image cut short");
	return 0;
}

void
image_conv_size(const struct image_conv *c, unsigned *width,
    unsigned *height)
{
	*width = c->width;
	*height = c->height;
}

const char *
image_conv_error(const struct image_conv *c)
{
	return c->error[0] != '\0' ? c->error : "image conversion failed";
}

void
image_conv_free(struct image_conv *c)
{
	if (c == NULL)
		return;
	if (c->in != NULL)
		png_destroy_read_struct(&c->in, &c->in_info, NULL);
	if (c->out != NULL)
		png_destroy_write_struct(&c->out, &c->out_info);
	pnm_free(c->pnm);
	free(c);
}
