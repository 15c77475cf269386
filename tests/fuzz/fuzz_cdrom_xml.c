/*
 * fuzz_cdrom_xml: the CD drive readers and the boot-order editor of the
 * hypervisor module (libxml2 underneath), on arbitrary bytes. Beyond
 * memory errors it checks what callers rely on and abort()s otherwise:
 * - a drive that is not there has nothing in it;
 * - a path is NUL-terminated and set only for a drive holding a file;
 * - both readers agree on the drive;
 * - an edited definition reads back with the same drive, and can be
 *   edited again, still with that drive.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/hypervisor.h"

#include "fuzz.h"

#define MAX_INPUT (1u << 16)

static bool
same_drive(const struct hv_cdrom *a, const struct hv_cdrom *b)
{
	return a->present == b->present && a->readonly == b->readonly &&
	    a->loaded == b->loaded && a->is_file == b->is_file &&
	    strcmp(a->path, b->path) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_cdrom cd, edited, again;
	char *xml, *out = NULL, *out2 = NULL;
	int rc;

	if ((xml = fuzz_text(data, size, MAX_INPUT)) == NULL)
		return 0;

	memset(&cd, 0x5a, sizeof(cd));
	if (hv_cdrom_parse_xml(xml, &cd) == 0) {
		CHECK(strnlen(cd.path, sizeof(cd.path)) < sizeof(cd.path));
		if (!cd.present)
			CHECK(!cd.readonly && !cd.loaded && !cd.is_file);
		if (!cd.is_file)
			CHECK(cd.path[0] == '\0');
		else
			CHECK(cd.loaded);
	}
	rc = hv_boot_cdrom_xml(xml, &out, &edited);
	if (rc == HV_OK) {
		CHECK(out != NULL);
		CHECK(same_drive(&cd, &edited));
		CHECK(hv_cdrom_parse_xml(out, &again) == 0);
		CHECK(same_drive(&edited, &again));
		CHECK(hv_boot_cdrom_xml(out, &out2, &again) == HV_OK);
		CHECK(same_drive(&edited, &again));
	} else
		CHECK(out == NULL);
	free(out2);
	free(out);
	free(xml);
	return 0;
}
