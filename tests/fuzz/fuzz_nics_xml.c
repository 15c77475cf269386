/*
 * fuzz_nics_xml: hv_nics_parse_xml, the libxml2 reader of a domain's
 * interfaces and their traffic filters, on arbitrary bytes. Beyond memory
 * errors it checks what status and audit rely on and abort()s otherwise:
 * - a refused document leaves no interface behind;
 * - counts stay within their arrays;
 * - every string is NUL-terminated inside its field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/hypervisor.h"

#include "fuzz.h"

#define MAX_INPUT (1u << 20)

#define TERMINATED(field) CHECK(memchr((field), '\0', sizeof(field)) != NULL)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_nics nics;
	char *xml;
	size_t i, j;
	int rc;

	if ((xml = fuzz_text(data, size, MAX_INPUT)) == NULL)
		return 0;

	memset(&nics, 0x5a, sizeof(nics));
	rc = hv_nics_parse_xml(xml, &nics);
	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(nics.n == 0);
	CHECK(nics.n <= HV_MAX_NICS);
	for (i = 0; i < nics.n; i++) {
		const struct hv_nic *nic = &nics.nic[i];

		TERMINATED(nic->mac);
		TERMINATED(nic->filter);
		CHECK(nic->nip <= HV_MAX_FILTER_ADDRS);
		CHECK(nic->nipv6 <= HV_MAX_FILTER_ADDRS);
		for (j = 0; j < nic->nip; j++)
			TERMINATED(nic->ip[j]);
		for (j = 0; j < nic->nipv6; j++)
			TERMINATED(nic->ipv6[j]);
	}
	free(xml);
	return 0;
}
