/*
 * test_image: screenshots to PNG. PNM (P6, P5, maxvals, comments) and PNG
 * sources go through the conversion and the PNG that comes out is decoded
 * again with libpng: same size, same pixels. Malformed sources are
 * refused, a failing writer stops it, and a big frame streams through in
 * a few rows of memory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "unit.h"

#include <png.h>
#include <stdbool.h>
#include <sys/resource.h>

#include "vmgate/image.h"

struct sink {
	unsigned char *buf;
	size_t len, cap;
	size_t total;
	bool discard;		/* count only */
	bool refuse;		/* fail every write */
};

static int
sink_write(void *arg, const unsigned char *buf, size_t len)
{
	struct sink *s = arg;

	if (s->refuse)
		return -1;
	s->total += len;
	if (s->discard)
		return 0;
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return 0;
}

static void
png_sink_write(png_structp png, png_bytep data, size_t len)
{
	assert_int_equal(sink_write(png_get_io_ptr(png), data, len), 0);
}

/* decode a PNG with libpng into RGB; the pixel array is malloc'd */
static unsigned char *
decode_png(const struct sink *s, unsigned *w, unsigned *h)
{
	png_image img;
	unsigned char *px;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	assert_int_not_equal(png_image_begin_read_from_memory(&img, s->buf,
	    s->len), 0);
	img.format = PNG_FORMAT_RGB;
	px = malloc(PNG_IMAGE_SIZE(img));
	assert_non_null(px);
	assert_int_not_equal(png_image_finish_read(&img, NULL, px, 0, NULL),
	    0);
	*w = img.width;
	*h = img.height;
	return px;
}

/* convert src (fed in slices of `slice` bytes); 0 or -1, sink filled */
static int
convert(const char *mime, const unsigned char *src, size_t len, size_t slice,
    struct sink *s, char *why, size_t whylen)
{
	char err[160] = "";
	struct image_conv *c;
	size_t off, n;
	int rc = 0;

	c = image_conv_new(mime, sink_write, s, err, sizeof(err));
	if (c == NULL) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	for (off = 0; off < len && rc == 0; off += n) {
		n = len - off < slice ? len - off : slice;
		rc = image_conv_feed(c, src + off, n);
	}
	if (rc == 0)
		rc = image_conv_finish(c);
	if (rc != 0)
		snprintf(why, whylen, "%s", image_conv_error(c));
	image_conv_free(c);
	return rc;
}

/* a PNM: header text then raw bytes */
static unsigned char *
pnm(const char *header, const unsigned char *raster, size_t rlen,
    size_t *len)
{
	size_t hl = strlen(header);
	unsigned char *p = malloc(hl + rlen);

	assert_non_null(p);
	memcpy(p, header, hl);
	if (rlen > 0)
		memcpy(p + hl, raster, rlen);
	*len = hl + rlen;
	return p;
}

static void
expect_rgb(const char *mime, const unsigned char *src, size_t len,
    unsigned w, unsigned h, const unsigned char *rgb)
{
	static const size_t slices[] = { 1, 2, 7, 64, 1 << 20 };
	unsigned char *px;
	unsigned gw, gh;
	char why[160];
	size_t i;

	for (i = 0; i < sizeof(slices) / sizeof(slices[0]); i++) {
		struct sink s = { 0 };

		if (convert(mime, src, len, slices[i], &s, why,
		    sizeof(why)) != 0)
			fail_msg("slices of %zu: %s", slices[i], why);
		px = decode_png(&s, &gw, &gh);
		assert_int_equal(gw, w);
		assert_int_equal(gh, h);
		assert_memory_equal(px, rgb, (size_t)w * h * 3);
		free(px);
		free(s.buf);
	}
}

static void
test_ppm_rgb(void **state)
{
	/* 3 x 2, every pixel different */
	static const unsigned char rgb[] = {
		255, 0, 0,  0, 255, 0,  0, 0, 255,
		1, 2, 3,  128, 64, 32,  255, 255, 255,
	};
	unsigned char *src;
	size_t len;

	(void)state;
	src = pnm("P6\n3 2\n255\n", rgb, sizeof(rgb), &len);
	expect_rgb(IMAGE_MIME_PNM, src, len, 3, 2, rgb);
	free(src);
	/* any blanks between the fields, and comments */
	src = pnm("P6 # made by hand\n3\t2 # size\n\n255\r", rgb, sizeof(rgb),
	    &len);
	expect_rgb(IMAGE_MIME_PNM, src, len, 3, 2, rgb);
	free(src);
}

static void
test_pgm_and_maxvals(void **state)
{
	static const unsigned char grey[] = { 0, 15, 5, 10 };
	static const unsigned char grey_rgb[] = {
		0, 0, 0,  255, 255, 255,  85, 85, 85,  170, 170, 170,
	};
	/* 16-bit samples, big-endian: 0, 65535, 32768 -> 0, 255, 128 */
	static const unsigned char wide[] = {
		0, 0, 0xff, 0xff, 0x80, 0x00,
	};
	static const unsigned char wide_rgb[] = { 0, 255, 128 };
	unsigned char *src;
	size_t len;

	(void)state;
	src = pnm("P5\n2 2\n15\n", grey, sizeof(grey), &len);
	expect_rgb(IMAGE_MIME_PNM, src, len, 2, 2, grey_rgb);
	free(src);
	src = pnm("P6\n1 1\n65535\n", wide, sizeof(wide), &len);
	expect_rgb(IMAGE_MIME_PNM, src, len, 1, 1, wide_rgb);
	free(src);
}

static void
test_png_sources(void **state)
{
	/* what newer QEMU sends, and other layouts libpng expands */
	static const unsigned char rgba[] = {
		10, 20, 30, 255,  40, 50, 60, 0,
		70, 80, 90, 128,  200, 210, 220, 255,
	};
	static const unsigned char rgb[] = {
		10, 20, 30,  40, 50, 60,  70, 80, 90,  200, 210, 220,
	};
	static const unsigned char grey[] = { 0, 100, 200, 255 };
	static const unsigned char grey_rgb[] = {
		0, 0, 0,  100, 100, 100,  200, 200, 200,  255, 255, 255,
	};
	static const struct {
		png_uint_32 format;
		const unsigned char *px;
		const unsigned char *want;
	} cases[] = {
		{ PNG_FORMAT_RGB, rgb, rgb },
		/* alpha is dropped, the colour kept */
		{ PNG_FORMAT_RGBA, rgba, rgb },
		{ PNG_FORMAT_GRAY, grey, grey_rgb },
	};
	png_image img;
	size_t i, len;
	void *mem;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&img, 0, sizeof(img));
		img.version = PNG_IMAGE_VERSION;
		img.width = 2;
		img.height = 2;
		img.format = cases[i].format;
		len = 0;
		assert_int_not_equal(png_image_write_get_memory_size(img, len,
		    0, cases[i].px, 0, NULL), 0);
		mem = malloc(len);
		assert_non_null(mem);
		assert_int_not_equal(png_image_write_to_memory(&img, mem, &len,
		    0, cases[i].px, 0, NULL), 0);
		expect_rgb(IMAGE_MIME_PNG, mem, len, 2, 2, cases[i].want);
		free(mem);
	}
}

static void
test_bad_sources_refused(void **state)
{
	static const unsigned char px[12];
	static const struct {
		const char *header;
		size_t raster;		/* bytes of px after it */
		const char *why;
	} cases[] = {
		{ "P3\n2 2\n255\n", 12, "not a binary PNM image" },
		{ "P7\n2 2\n255\n", 12, "not a binary PNM image" },
		{ "GIF89a", 0, "not a binary PNM image" },
		{ "P62 2\n255\n", 12, "malformed PNM header" },
		{ "P6\n2 x\n255\n", 12, "malformed PNM header" },
		{ "P6\n2 2\n255#\n", 12, "malformed PNM header" },
		{ "P6\n0 2\n255\n", 12, "image size out of range" },
		{ "P6\n16385 1\n255\n", 12, "image size out of range" },
		{ "P6\n2 2\n0\n", 12, "maxval out of range" },
		{ "P6\n2 2\n65536\n", 12, "PNM header number too large" },
		{ "P6\n99999999999999999999 2\n255\n", 0,
		    "PNM header number too large" },
		{ "P6\n2 2\n255\n", 11, "image cut short" },
		{ "P6\n2 2\n", 0, "incomplete PNM header" },
		{ "", 0, "incomplete PNM header" },
		{ "P5\n2 2\n255\n", 5, "data after the image" },
	};
	unsigned char *src;
	char why[160];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink s = { 0 };

		src = pnm(cases[i].header, px, cases[i].raster, &len);
		if (convert(IMAGE_MIME_PNM, src, len, 3, &s, why,
		    sizeof(why)) == 0)
			fail_msg("case %zu (%s): accepted", i, cases[i].header);
		assert_string_equal(why, cases[i].why);
		free(src);
		free(s.buf);
	}
}

static void
test_bad_png_and_types_refused(void **state)
{
	static const unsigned char not_png[] = "P6\n1 1\n255\n\0\0\0";
	struct sink s = { 0 };
	char why[160];

	(void)state;
	/* a PPM announced as PNG */
	assert_int_equal(convert(IMAGE_MIME_PNG, not_png, sizeof(not_png) - 1,
	    64, &s, why, sizeof(why)), -1);
	/* nothing at all */
	assert_int_equal(convert(IMAGE_MIME_PNG, not_png, 0, 64, &s, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "PNG cut short");
	assert_int_equal(convert("image/jpeg", not_png, sizeof(not_png) - 1,
	    64, &s, why, sizeof(why)), -1);
	assert_string_equal(why, "unsupported image type");
	free(s.buf);
}

/* a PNG written with libpng's full API, for layouts the simple one
 * cannot make: every pixel grey 7 */
static unsigned char *
make_png(unsigned w, unsigned h, int interlace, size_t *len)
{
	struct sink s = { 0 };
	png_structp png;
	png_infop info;
	unsigned char *row;
	unsigned y;
	int pass, passes;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	assert_non_null(png);
	info = png_create_info_struct(png);
	assert_non_null(info);
	row = malloc(w);
	assert_non_null(row);
	memset(row, 7, w);
	png_set_write_fn(png, &s, png_sink_write,
	    NULL);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, interlace,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	passes = png_set_interlace_handling(png);
	for (pass = 0; pass < passes; pass++)
		for (y = 0; y < h; y++)
			png_write_row(png, row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	*len = s.len;
	return s.buf;
}

static void
test_png_layouts_refused(void **state)
{
	static const struct {
		unsigned w, h;
		int interlace;
		const char *why;
	} cases[] = {
		/* passes would need the whole frame at once */
		{ 4, 4, PNG_INTERLACE_ADAM7, "interlaced PNG" },
		/* wider than any display: refused at the header */
		{ IMAGE_MAX_SIDE + 1, 1, PNG_INTERLACE_NONE,
		  "Invalid IHDR data" },
	};
	unsigned char *src;
	char why[160];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink s = { 0 };

		src = make_png(cases[i].w, cases[i].h, cases[i].interlace,
		    &len);
		assert_int_equal(convert(IMAGE_MIME_PNG, src, len, 4096, &s,
		    why, sizeof(why)), -1);
		assert_string_equal(why, cases[i].why);
		free(src);
		free(s.buf);
	}
	/* the same, not interlaced and in range, goes through */
	{
		static unsigned char grey7[4 * 4 * 3];

		memset(grey7, 7, sizeof(grey7));
		src = make_png(4, 4, PNG_INTERLACE_NONE, &len);
		expect_rgb(IMAGE_MIME_PNG, src, len, 4, 4, grey7);
		free(src);
	}
}

static void
test_writer_failure_stops(void **state)
{
	static const unsigned char rgb[3 * 4];
	struct sink s = { .refuse = true };
	unsigned char *src;
	char why[160];
	size_t len;

	(void)state;
	src = pnm("P6\n2 2\n255\n", rgb, sizeof(rgb), &len);
	assert_int_equal(convert(IMAGE_MIME_PNM, src, len, 4, &s, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "cannot write the image");
	free(src);
}

/* peak resident memory of this process, KiB */
static long
peak_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

static void
test_big_frame_streams(void **state)
{
	/* 4096 x 4096 RGB: 48 MiB of pixels, made and fed a row at a time */
	enum { SIDE = 4096, ROW = SIDE * 3 };
	static unsigned char row[ROW];
	const char *header = "P6\n4096 4096\n255\n";
	struct sink s = { .discard = true };
	struct image_conv *c;
	char err[160];
	long before;
	unsigned w, h;
	size_t y, x;

	(void)state;
	before = peak_kib();
	c = image_conv_new(IMAGE_MIME_PNM, sink_write, &s, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(image_conv_feed(c, (const unsigned char *)header,
	    strlen(header)), 0);
	for (y = 0; y < SIDE; y++) {
		for (x = 0; x < ROW; x++)
			row[x] = (unsigned char)((x / 3 + y) >> 4);
		assert_int_equal(image_conv_feed(c, row, sizeof(row)), 0);
	}
	assert_int_equal(image_conv_finish(c), 0);
	image_conv_size(c, &w, &h);
	assert_int_equal(w, SIDE);
	assert_int_equal(h, SIDE);
	image_conv_free(c);
	assert_true(s.total > 0);
	/* a few rows and zlib's windows, never the frame (48 MiB) */
	if (peak_kib() - before > 8 * 1024)
		fail_msg("peak memory grew by %ld KiB", peak_kib() - before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* first, while the process's peak is still small */
		cmocka_unit_test(test_big_frame_streams),
		cmocka_unit_test(test_ppm_rgb),
		cmocka_unit_test(test_pgm_and_maxvals),
		cmocka_unit_test(test_png_sources),
		cmocka_unit_test(test_bad_sources_refused),
		cmocka_unit_test(test_bad_png_and_types_refused),
		cmocka_unit_test(test_png_layouts_refused),
		cmocka_unit_test(test_writer_failure_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
