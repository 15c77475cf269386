/*
 * image: the screenshot libvirt streams (a binary PPM/PGM from older
 * QEMU, a PNG from newer ones) decoded and written again as a plain
 * 8-bit RGB PNG through libpng, one row at a time: memory stays at a few
 * rows whatever the display's size, and the PNG has the display's width
 * and height. libpng is loaded on first use, so requests without an image
 * never pay for it. The PNM reader is our own (pure, fed any slice of the
 * stream); PNG input is read by libpng's progressive reader. A leaf.
 */
#ifndef VMGATE_IMAGE_H
#define VMGATE_IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_SIDE	16384	/* pixels either way; QEMU's displays are smaller */
#define IMAGE_MIME_PNM	"image/x-portable-pixmap"
#define IMAGE_MIME_PNG	"image/png"

/* 0 to go on; anything else stops the reader or the conversion */
typedef int (*image_header_fn)(void *arg, unsigned width, unsigned height);
/* one row of width RGB triplets, 8 bits each, top to bottom */
typedef int (*image_row_fn)(void *arg, const unsigned char *rgb);
/* bytes of the PNG being written */
typedef int (*image_write_fn)(void *arg, const unsigned char *buf,
    size_t len);

/*
 * The PNM reader: binary P6 (RGB) and P5 (grey), maxval 1..65535 (two
 * bytes a sample above 255), comments in the header, nothing after the
 * last row. Samples are scaled to 8 bits. Any failure is final.
 */
struct pnm_reader;
struct pnm_reader *pnm_new(image_header_fn on_header, image_row_fn on_row,
    void *arg);
/* 0, or -1 (reason in pnm_error) on malformed input or a refusing callback */
int pnm_feed(struct pnm_reader *r, const unsigned char *buf, size_t len);
/* 0 when the whole image arrived, else -1 */
int pnm_finish(struct pnm_reader *r);
const char *pnm_error(const struct pnm_reader *r);
void pnm_free(struct pnm_reader *r);

/*
 * The conversion. image_conv_new takes libvirt's MIME type; NULL with a
 * reason in err for a type it does not read or when libpng cannot be
 * loaded. Feed the stream in any slices, then image_conv_finish: 0 once a
 * whole PNG was written. Any failure is final (reason in
 * image_conv_error); the PNG is then incomplete.
 */
struct image_conv;
struct image_conv *image_conv_new(const char *mime, image_write_fn write,
    void *arg, char *err, size_t errlen);
int image_conv_feed(struct image_conv *c, const unsigned char *buf,
    size_t len);
int image_conv_finish(struct image_conv *c);
/* the size, once the header was read (0 x 0 before) */
void image_conv_size(const struct image_conv *c, unsigned *width,
    unsigned *height);
const char *image_conv_error(const struct image_conv *c);
void image_conv_free(struct image_conv *c);

#endif
