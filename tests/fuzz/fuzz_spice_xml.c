/*
 * fuzz_spice_xml: hv_spice_parse_xml, the libxml2 reader of a domain's
 * <graphics type='spice'> element, on arbitrary bytes. Beyond memory
 * errors it checks what callers rely on and abort()s otherwise:
 * - no display found means nothing else is set;
 * - a port is -1..65535 and a TLS port 0..65535;
 * - the listen address is NUL-terminated printable ASCII without quotes,
 *   since it goes into a ticket's XML and the tenant's tunnel line;
 * - a refused input (-1) leaves nothing half-read behind: every field is
 *   zero, as for a domain without a display, so a caller that ignored
 *   the error would still grant nothing.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/hypervisor.h"

#include "fuzz.h"

#define MAX_INPUT (1u << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_spice sp;
	char *xml;
	size_t i, hlen;

	if ((xml = fuzz_text(data, size, MAX_INPUT)) == NULL)
		return 0;

	memset(&sp, 0x5a, sizeof(sp));
	if (hv_spice_parse_xml(xml, &sp) == 0) {
		if (!sp.present) {
			CHECK(sp.host[0] == '\0');
			CHECK(!sp.has_passwd && !sp.passwd_expires);
		} else {
			CHECK(sp.port >= -1 && sp.port <= 65535);
			CHECK(sp.tls_port >= 0 && sp.tls_port <= 65535);
			hlen = strnlen(sp.host, sizeof(sp.host));
			CHECK(hlen < sizeof(sp.host));
			for (i = 0; i < hlen; i++) {
				unsigned char c = (unsigned char)sp.host[i];

				CHECK(c > 0x20 && c < 0x7f && c != '\'' &&
				    c != '"' && c != '<' && c != '>' &&
				    c != '&');
			}
		}
	} else {
		CHECK(!sp.present && !sp.autoport);
		CHECK(sp.host[0] == '\0');
		CHECK(sp.port == 0 && sp.tls_port == 0);
		CHECK(!sp.has_passwd && !sp.passwd_expires);
		CHECK(sp.passwd_valid_to == 0);
	}
	free(xml);
	return 0;
}
