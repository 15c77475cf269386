/*
 * fuzz_keyfile: one key file's bytes through keys_parse, the same line
 * rules keys_load applies, without the file system (fuzz_keys covers the
 * directory and the login path, at a few hundred inputs a second; this
 * one runs at memory speed). Beyond memory errors it checks, abort()ing
 * when a promise is broken:
 * - every key is alice's, of a type libssh knows, one base64 word, and
 *   fingerprinted as keys_fingerprint does;
 * - usable keys are unique;
 * - a clean parse leaves no diagnostic and a refused one at least one,
 *   each a printable line naming the file.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmgate/keys.h"
#include "vmgate/util.h"

#include "fuzz.h"

#define PATH	"/keys/alice.pub"
#define TENANT	"alice"

static bool
one_word(const char *s)
{
	return s != NULL && s[0] != '\0' && strpbrk(s, " \t\r\n") == NULL;
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring ring;
	struct diag d;
	char fp[KEYS_FP_LEN];
	size_t i, j;
	int r;

	if (size > KEYS_MAX_FILE)
		return 0;
	diag_init(&d);
	r = keys_parse((const char *)data, size, PATH, TENANT, &ring, &d);
	CHECK((r == 0) == (d.count == 0 && d.dropped == 0));
	for (i = 0; i < d.count; i++) {
		CHECK(printable(d.msgs[i]));
		CHECK(strncmp(d.msgs[i], PATH ":", strlen(PATH) + 1) == 0);
	}
	for (i = 0; i < ring.nkeys; i++) {
		const struct key_entry *k = &ring.keys[i];

		CHECK(strcmp(k->tenant, TENANT) == 0);
		CHECK(one_word(k->type) && one_word(k->base64));
		CHECK(keys_fingerprint(k->type, k->base64, fp,
		    sizeof(fp)) == 0);
		CHECK(strcmp(fp, k->fingerprint) == 0);
		if (!k->usable)
			continue;
		for (j = i + 1; j < ring.nkeys; j++)
			CHECK(!ring.keys[j].usable ||
			    strcmp(ring.keys[j].fingerprint,
			    k->fingerprint) != 0);
	}
	keys_free(&ring);
	diag_clear(&d);
	return 0;
}
