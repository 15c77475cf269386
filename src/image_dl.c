/*
 * image_dl: loads libpng on first use (see image_dl.h).
 */
#include <stdio.h>

#include "vmgate/dl.h"
#include "image_dl.h"

#define IMAGE_DL_DEFINE(f) __typeof__(f) *image_dl_##f;
IMAGE_DL_FUNCS(IMAGE_DL_DEFINE)
#undef IMAGE_DL_DEFINE

int
image_png_load(char *err, size_t errlen)
{
	static int state;	/* 0 not tried, 1 loaded, -1 failed */
	static char why[256];
#define IMAGE_DL_NAME(f) #f,
	static const char *const names[] = { IMAGE_DL_FUNCS(IMAGE_DL_NAME) };
#undef IMAGE_DL_NAME
#define IMAGE_DL_SLOT(f) (void **)&image_dl_##f,
	void **slots[] = { IMAGE_DL_FUNCS(IMAGE_DL_SLOT) };
#undef IMAGE_DL_SLOT

	if (state == 0)
		state = dl_resolve(IMAGE_DL_LIBPNG, names, slots,
		    sizeof(names) / sizeof(names[0]), why, sizeof(why)) == 0 ?
		    1 : -1;
	if (state < 0)
		snprintf(err, errlen, "cannot load libpng: %s", why);
	return state > 0 ? 0 : -1;
}
