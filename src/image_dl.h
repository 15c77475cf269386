/*
 * image_dl.h: libpng is loaded the first time an image is converted, not
 * at program start: only `screenshot` needs it, and sshd runs vmgate at
 * every login. Included by image.c only: after it, each libpng function
 * name below calls through a pointer that image_png_load filled.
 */
#ifndef VMGATE_IMAGE_DL_H
#define VMGATE_IMAGE_DL_H

#include <png.h>

#define IMAGE_DL_LIBPNG "libpng16.so.16"

#define IMAGE_DL_FUNCS(X) \
	X(png_create_info_struct) \
	X(png_create_read_struct) \
	X(png_create_write_struct) \
	X(png_destroy_read_struct) \
	X(png_destroy_write_struct) \
	X(png_get_IHDR) \
	X(png_get_error_ptr) \
	X(png_get_io_ptr) \
	X(png_get_progressive_ptr) \
	X(png_get_rowbytes) \
	X(png_process_data) \
	X(png_read_update_info) \
	X(png_set_IHDR) \
	X(png_set_chunk_cache_max) \
	X(png_set_chunk_malloc_max) \
	X(png_set_expand) \
	X(png_set_gray_to_rgb) \
	X(png_set_progressive_read_fn) \
	X(png_set_strip_16) \
	X(png_set_strip_alpha) \
	X(png_set_user_limits) \
	X(png_set_write_fn) \
	X(png_write_end) \
	X(png_write_info) \
	X(png_write_row)

#define IMAGE_DL_DECLARE(f) extern __typeof__(f) *image_dl_##f;
IMAGE_DL_FUNCS(IMAGE_DL_DECLARE)
#undef IMAGE_DL_DECLARE

/* 0 when libpng is loaded (tried once per process), -1 with the reason
 * in err otherwise */
int image_png_load(char *err, size_t errlen);

#define png_create_info_struct (*image_dl_png_create_info_struct)
#define png_create_read_struct (*image_dl_png_create_read_struct)
#define png_create_write_struct (*image_dl_png_create_write_struct)
#define png_destroy_read_struct (*image_dl_png_destroy_read_struct)
#define png_destroy_write_struct (*image_dl_png_destroy_write_struct)
#define png_get_IHDR (*image_dl_png_get_IHDR)
#define png_get_error_ptr (*image_dl_png_get_error_ptr)
#define png_get_io_ptr (*image_dl_png_get_io_ptr)
#define png_get_progressive_ptr (*image_dl_png_get_progressive_ptr)
#define png_get_rowbytes (*image_dl_png_get_rowbytes)
#define png_process_data (*image_dl_png_process_data)
#define png_read_update_info (*image_dl_png_read_update_info)
#define png_set_IHDR (*image_dl_png_set_IHDR)
#define png_set_chunk_cache_max (*image_dl_png_set_chunk_cache_max)
#define png_set_chunk_malloc_max (*image_dl_png_set_chunk_malloc_max)
#define png_set_expand (*image_dl_png_set_expand)
#define png_set_gray_to_rgb (*image_dl_png_set_gray_to_rgb)
#define png_set_progressive_read_fn (*image_dl_png_set_progressive_read_fn)
#define png_set_strip_16 (*image_dl_png_set_strip_16)
#define png_set_strip_alpha (*image_dl_png_set_strip_alpha)
#define png_set_user_limits (*image_dl_png_set_user_limits)
#define png_set_write_fn (*image_dl_png_set_write_fn)
#define png_write_end (*image_dl_png_write_end)
#define png_write_info (*image_dl_png_write_info)
#define png_write_row (*image_dl_png_write_row)

#endif
